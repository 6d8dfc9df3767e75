"""借还卷 through HTTP: codes typed with spaces around them are found and listed, and the
batch page shows each volume's planned pages."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dangan.db.models import Volume
from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.services import workers
from dangan.services.project import ProjectContext
from dangan.web.accounts import add_user
from web.support import PASSWORD, Line, login


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
