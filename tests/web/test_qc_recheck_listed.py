"""A rework of a defect found at the client's acceptance (the batch returned, past QC), done by
its worker, waits for a QC inspector's re-inspection: it is listed where inspectors look for
work — the QC desk and 我的任务 (page and API) — with the way to the batch's re-inspection,
not reachable only by typing /qc/<batch>. The worker who reworked it does not see it to
re-inspect; once verified it leaves the lists."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from dangan.domain import workflow as wf
from dangan.services import qc, returns
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.services.rework import complete_rework
from dangan.web.accounts import add_user
from dangan.web.app import create_app
from dangan.web.settings import WebSettings
from web.support import PASSWORD, Clock, login
from workflow.helpers import add_people, add_volumes, borrow_and_split, take_to_return


@pytest.fixture
def returned(any_project: ProjectContext) -> tuple[ProjectContext, str, str]:
    """A batch returned to the archive room; its first volume's archive code."""
    ctx = any_project
    code, _other = add_volumes(ctx, 2)  # two: the trial rebinding takes the first
    add_people(ctx)
    no, (batch,) = borrow_and_split(ctx, 2)
    take_to_return(ctx, batch)
    returns.return_batch(ctx, resolve_actor(ctx, "王借"), no, "档案室刘老师",
                         shelving_rule="从左至右")
    add_user(ctx, "qc", PASSWORD, worker="孙检", roles=[wf.QC_INSPECTOR])
    add_user(ctx, "retoucher", PASSWORD, worker="赵修", roles=[wf.RETOUCHER])
    return ctx, batch, code


@pytest.fixture
def client(returned: tuple[ProjectContext, str, str]) -> Iterator[TestClient]:
    app = create_app(WebSettings(project=returned[0].home, clock=Clock()))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
        yield c


def test_an_acceptance_rework_done_is_listed_for_reinspection(
        client: TestClient, returned: tuple[ProjectContext, str, str]) -> None:
    ctx, batch, code = returned
    found = qc.record_defect(ctx, resolve_actor(ctx, "孙检"), code, "skew", page_no=3)
    assert found.returned and found.rework_id is not None
    rework_id = found.rework_id
    csrf = login(client, "qc")
    assert f'data-recheck="{rework_id}"' not in client.get("/qc").text  # not done yet
    complete_rework(ctx, resolve_actor(ctx, "赵修"), rework_id)

    desk = client.get("/qc").text
    assert f'data-recheck="{rework_id}"' in desk and f'href="/qc/{batch}#to-verify"' in desk
    tasks = client.get("/tasks").text
    assert f'data-recheck="{rework_id}"' in tasks and f'href="/qc/{batch}#to-verify"' in tasks
    api = client.get("/api/v1/tasks").json()
    assert api["counts"]["recheck"] == 1
    assert api["recheck"][0]["id"] == rework_id and api["recheck"][0]["archive_code"] == code
    assert api["recheck"][0]["reworked_by"] == "赵修"
    assert 'id="to-verify"' in client.get(f"/qc/{batch}").text

    login(client, "retoucher")  # who reworked it is no QC inspector: no such list
    assert f'data-recheck="{rework_id}"' not in client.get("/tasks").text

    csrf = login(client, "qc")
    verified = client.post(f"/qc/{batch}/verify/{rework_id}", data={"csrf_token": csrf})
    assert verified.status_code == 303, verified.text
    assert f'data-recheck="{rework_id}"' not in client.get("/qc").text
    assert client.get("/api/v1/tasks").json()["counts"]["recheck"] == 0
