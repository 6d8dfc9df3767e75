"""撤销 on the web: the volume's page lists its defects; the project manager withdraws one
recorded in error there, with a required reason, through the service ``qc waive`` uses — CSRF
as everywhere, 403 for anyone else, 409 with the key for a defect no longer open."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Defect, Rework
from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.services import qc, workers
from dangan.services.engine import resolve_actor
from dangan.web.accounts import add_user
from dangan.web.routes.qc_desk import defect_label
from web.images import add_image_accounts, to_stage
from web.support import PASSWORD, Line, login


def _status(line: Line, defect_id: int) -> tuple[str, list[str]]:
    with line.ctx.transaction() as session:
        defect = session.get(Defect, defect_id)
        assert defect is not None
        return defect.status, list(session.scalars(select(Rework.status).where(
            Rework.defect_id == defect_id)))


def test_the_manager_withdraws_a_defect_on_the_volume_page(app_client: TestClient,
                                                            line: Line) -> None:
    add_image_accounts(line.ctx)
    workers.add_worker(line.ctx, "郑经理", [wf.PROJECT_MANAGER])
    add_user(line.ctx, "pm", PASSWORD, worker="郑经理", roles=[wf.PROJECT_MANAGER])
    batch = line.batches[0]
    to_stage(line, batch, wf.QC)
    code = line.volume_codes(batch)[0]
    found = qc.record_defect(line.ctx, resolve_actor(line.ctx, "郑经理"), code, "skew",
                             page_no=2, message="看错了")
    assert _status(line, found.id) == ("open", ["open"])
    page = f"/volumes/{quote(code, safe='')}"
    # anyone signed in sees the defect on the volume's page; only the manager the button
    csrf_qc = login(app_client, "qc")
    shown = app_client.get(page).text
    assert f'data-defect="{found.id}"' in shown and "看错了" in shown
    assert f"/defects/{found.id}/waive" not in shown
    refused = app_client.post(f"/defects/{found.id}/waive",
                              data={"csrf_token": csrf_qc, "reason": "不是我的事"})
    assert refused.status_code == 403
    csrf = login(app_client, "pm")
    shown = app_client.get(page).text
    form = shown.split(f'action="/defects/{found.id}/waive"', 1)[1].split("</form>", 1)[0]
    assert 'name="reason"' in form and "required" in form
    assert t("volume_defects.waive") == "撤销" and "撤销</button>" in form
    assert app_client.post(f"/defects/{found.id}/waive",  # no CSRF token
                           data={"reason": "误记"}).status_code == 403
    blank = app_client.post(f"/defects/{found.id}/waive", data={"csrf_token": csrf,
                                                                "reason": "  "})
    assert blank.status_code == 422 and 'data-key="qc.waive_needs_reason"' in blank.text
    assert _status(line, found.id) == ("open", ["open"])
    done = app_client.post(f"/defects/{found.id}/waive",
                           data={"csrf_token": csrf, "reason": "第2页并未歪斜，误记"})
    assert done.status_code == 303 and done.headers["location"] == page
    after = app_client.get(page).text
    assert t("volume_defects.waived", id=found.id, defect=defect_label("skew"),
             reworks=f"#{found.rework_id}") in after  # the flash
    assert "第2页并未歪斜，误记" in after and "郑经理" in after
    assert t("qc.defect_status.waived") in after
    assert f"/defects/{found.id}/waive" not in after  # no longer open: no button
    assert _status(line, found.id) == ("waived", ["waived"])
    again = app_client.post(f"/defects/{found.id}/waive",
                            data={"csrf_token": csrf, "reason": "再撤一次"})
    assert again.status_code == 409 and 'data-key="qc.waive_not_open"' in again.text
