"""The binding page follows the trial volumes: before they are rebound the archive room is
told so (no 试装订验收通过 button the service would refuse); once the binder signs them alone
the page stops asking to rebind them and says the approval is awaited."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.services import rebind
from web.support import Line, login
from web.test_records import _batch_item, _people, _to_rebind


def test_the_binding_page_after_the_trial_volume_is_rebound_alone(app_client: TestClient,
                                                                  line: Line) -> None:
    _people(line)
    batch = line.batches[0]
    _to_rebind(line, batch)
    trial = line.volume_codes(batch)[0]
    rebind.agree_binding(line.ctx, "thread", "档案室刘", trial_codes=[trial])
    where = t("records.rebind.trial_at", code=trial, batch=batch, stage=t(f"stage.{wf.REBIND}"))
    login(app_client, "archivist")
    page = app_client.get("/records/binding").text
    assert t("records.binding.trial_not_bound", places=where) in page
    assert 'name="approve"' not in page
    token = login(app_client, "binder")
    assert app_client.post(f"/records/rebind/{batch}/claim",
                           data={"csrf_token": token}).status_code == 303
    signed = app_client.post(f"/records/rebind/{batch}", data={
        "csrf_token": token, "codes": [trial], "accept_missing": "未扫描"})
    assert signed.status_code == 303, signed.text
    page = app_client.get("/records/binding").text
    assert t("records.rebind.trial_where") not in page and where not in page
    item = _batch_item(page, batch)
    assert t("records.rebind.trial_awaiting") in item
    assert t("records.rebind.sign_trial", codes=trial) not in item
    login(app_client, "archivist")
    page = app_client.get("/records/binding").text
    assert 'name="approve"' in page and "试装订验收通过" in page
    assert t("records.binding.trial_not_bound", places=where) not in page
