"""The binding method has one name everywhere: the web's choices, the agreed method shown on
the page and its notice are the catalogue labels the CLI prints and accepts (rebind.method.*)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.services import workers
from dangan.services.rebind import BINDING_METHODS, binding_method
from dangan.web.accounts import add_user
from web.support import PASSWORD, Line, login


def test_the_web_names_the_method_as_the_cli(app_client: TestClient, line: Line) -> None:
    workers.add_worker(line.ctx, "档案室刘", [wf.ARCHIVE_STAFF])
    add_user(line.ctx, "archivist", PASSWORD, worker="档案室刘", roles=[wf.ARCHIVE_STAFF])
    token = login(app_client, "archivist")
    form = app_client.get("/records/binding").text
    for code in BINDING_METHODS:
        label = t(f"rebind.method.{code}")
        assert f'<option value="{code}">{label}</option>' in form
        assert binding_method(label) == code  # the name shown is one the CLI accepts
    assert "胶管装订" not in form and "缝纫装订" not in form
    agreed = app_client.post("/records/binding", data={
        "csrf_token": token, "method": "glue_tube", "trial_codes": line.volume_codes(
            line.batches[0])[0]})
    assert agreed.status_code == 303, agreed.text
    page = app_client.get(agreed.headers["location"]).text
    assert t("records.binding.agreed", method="胶管热熔") in page
    assert "<dd>胶管热熔</dd>" in page
