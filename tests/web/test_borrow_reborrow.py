"""再借 on the borrow desk: a returned volume whose rework needs the paper is offered apart on
the same form and listed by the same service call as on the command line; one without such a
rework is refused with the service's key."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dangan.domain import workflow as wf
from dangan.services import qc, returns
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.web.accounts import add_user
from dangan.web.app import create_app
from dangan.web.settings import WebSettings
from web.support import PASSWORD, Clock, login
from workflow.helpers import add_people, add_volumes, borrow_and_split, take_to_return


def test_the_desk_borrows_a_returned_volume_again_for_its_paper_rework(
        any_project: ProjectContext) -> None:
    ctx = any_project
    code, other = add_volumes(ctx, 2)
    add_people(ctx)
    no, (batch,) = borrow_and_split(ctx, 2)
    take_to_return(ctx, batch)
    returns.return_batch(ctx, resolve_actor(ctx, "王借"), no, "档案室刘老师",
                         shelving_rule="从左至右")
    blurred = qc.record_defect(ctx, resolve_actor(ctx, "孙检"), code, "blurred", page_no=4)
    add_user(ctx, "clerk", PASSWORD, worker="王借", roles=[wf.BORROW_CLERK])
    app = create_app(WebSettings(project=ctx.home, clock=Clock()))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        token = login(client, "clerk")
        desk = client.get("/borrow").text
        offered = desk.split("data-reborrow", 1)[1]
        assert code in offered and other not in offered
        assert f"问题 #{blurred.id} 模糊（第 4 页，扫描）" in offered
        refused = client.post("/borrow", data={"csrf_token": token, "codes": [other]})
        assert refused.status_code == 409  # a StateError, shown beside the form
        assert 'data-key="borrow.returned_no_paper_rework"' in refused.text
        created = client.post("/borrow", data={"csrf_token": token, "codes": [code]})
        assert created.status_code == 303, created.text
        url = created.headers["location"]
        assert url == "/borrow/2"
        page = client.get(url).text
        assert "再借返工（此前随借卷批次 1 归还）" in page and f"问题 #{blurred.id}" in page
        assert "data-reborrow" not in client.get("/borrow").text  # listed: no longer offered
