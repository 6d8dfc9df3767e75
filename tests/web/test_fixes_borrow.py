"""借还卷 through HTTP: codes typed with spaces around them are found and listed, the batch
page shows each volume's planned pages, and a refused hand-over or return is shown on the
batch page itself with what was typed kept (never the password) — plain POST and htmx."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import BorrowBatch, Volume
from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.services import workers
from dangan.services.project import ProjectContext
from dangan.web.accounts import add_user
from dangan.web.app import create_app
from dangan.web.settings import WebSettings
from web.support import PASSWORD, Clock, Line, login
from workflow.helpers import add_people, add_volumes, borrow_and_split, take_to_return


def _archivist(ctx: ProjectContext) -> None:
    workers.add_worker(ctx, "档案室刘", [wf.ARCHIVE_STAFF])
    add_user(ctx, "archivist", PASSWORD, worker="档案室刘", roles=[wf.ARCHIVE_STAFF])


def _more_volumes(line: Line) -> list[str]:
    rows = [("1998-民-0001-0001", 4), ("1998-民-0001-0002", 3)]
    with line.ctx.transaction() as session:
        for i, (code, pages) in enumerate(rows, start=100):
            session.add(Volume(project_id=line.ctx.project_id, archive_code=code,
                               title=f"案卷{i}", expected_pages=pages, list_row=i))
    return [code for code, _ in rows]


def test_codes_are_trimmed_and_planned_pages_shown(app_client: TestClient, line: Line) -> None:
    codes = _more_volumes(line)
    token = login(app_client, "clerk")
    found = app_client.get("/borrow", params={"q": f"  {codes[0]} \u3000"})
    assert found.text.count('name="codes"') == 1 and codes[0] in found.text
    created = app_client.post("/borrow", data={"csrf_token": token,
                                               "codes": [f"{codes[0]} ", f" {codes[1]}\t"]})
    assert created.status_code == 303, created.text
    url = created.headers["location"]
    page = app_client.get(url).text
    assert t("desk.borrow.created", no=int(url.rsplit("/", 1)[1]), count=2) in page
    cells = [row.split("<td>")[5].split("</td>")[0]
             for row in page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]]
    assert cells == ["4", "3"]  # each volume's planned pages, as on the register
    noted = app_client.post(f"{url}/problem", data={"csrf_token": token,
                                                    "archive_code": f" {codes[1]} ",
                                                    "problem": "封皮破损"})
    assert noted.status_code == 303, noted.text
    assert "封皮破损" in app_client.get(url).text


def test_a_refused_hand_over_stays_on_the_page_with_what_was_typed(
        app_client: TestClient, line: Line) -> None:
    _archivist(line.ctx)
    codes = _more_volumes(line)
    token = login(app_client, "clerk")
    url = app_client.post("/borrow", data={"csrf_token": token,
                                           "codes": codes}).headers["location"]
    for headers in ({}, {"HX-Request": "true", "HX-Boosted": "true"}):
        bad = app_client.post(f"{url}/confirm", headers=headers, data={
            "csrf_token": token, "archive_login": "archivist",
            "archive_password": "a wrong password", "remarks": "两卷封皮已破"})
        assert bad.status_code == 403
        assert 'data-key="desk.cosign.failed"' in bad.text
        assert t("desk.cosign.failed", login="archivist") in bad.text
        assert t("web.error.title") not in bad.text  # the batch page, not the error page
        assert t("desk.borrow.batch_title", no=int(url.rsplit("/", 1)[1])) in bad.text
        assert 'name="archive_login" maxlength="100" value="archivist"' in bad.text
        assert 'value="两卷封皮已破"' in bad.text
        assert "a wrong password" not in bad.text
    with line.ctx.transaction() as session:
        assert session.scalar(select(BorrowBatch.status).where(
            BorrowBatch.no == int(url.rsplit("/", 1)[1]))) == wf.BORROW_PLANNED


@pytest.fixture
def returnable(any_project: ProjectContext) -> Iterator[tuple[TestClient, int, list[str]]]:
    """A borrow batch of two volumes through the whole line, ready to go back."""
    codes = add_volumes(any_project, 2)
    add_people(any_project)
    no, made = borrow_and_split(any_project, 2)
    for code in made:
        take_to_return(any_project, code)
    add_user(any_project, "clerk", PASSWORD, worker="王借", roles=[wf.BORROW_CLERK])
    _archivist(any_project)
    app = create_app(WebSettings(project=any_project.home, clock=Clock()))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield client, no, codes


def test_a_refused_return_stays_on_the_page_with_what_was_typed(
        returnable: tuple[TestClient, int, list[str]]) -> None:
    client, no, codes = returnable
    token = login(client, "clerk")
    url = f"/borrow/{no}"
    typed = {"csrf_token": token, "archive_login": "archivist", "archive_password": PASSWORD,
             "shelving_rule": "按档号顺序上架", "remarks": "当面清点"}
    for headers in ({}, {"HX-Request": "true", "HX-Boosted": "true"}):
        short = client.post(f"{url}/return", headers=headers, data={
            **typed, "counted": "1", "handed": codes[0]})
        assert short.status_code == 409
        assert 'data-key="return.count_mismatch"' in short.text
        assert t("return.count_mismatch", no=no, counted=1, registered=2) in short.text
        assert t("web.error.title") not in short.text
        assert 'name="counted" min="0" required value="1"' in short.text
        assert f">{codes[0]}</textarea>" in short.text
        assert 'value="按档号顺序上架"' in short.text and 'value="当面清点"' in short.text
        assert 'value="archivist"' in short.text and PASSWORD not in short.text
    handed = f"{codes[1]}\n{codes[0]}"
    wrong_order = client.post(f"{url}/return", data={**typed, "counted": "2",
                                                      "handed": handed})
    assert wrong_order.status_code == 409
    assert 'data-key="return.order_mismatch"' in wrong_order.text
    assert f">{handed}</textarea>" in wrong_order.text
    done = client.post(f"{url}/return", data={**typed, "counted": "2",
                                              "handed": f"{codes[0]} \n {codes[1]}"})
    assert done.status_code == 303, done.text
    assert t("desk.return.done", no=no, staff="档案室刘") in client.get(url).text
