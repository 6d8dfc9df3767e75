"""The web batch page shows the notes made after both sides signed (后补记录), with time and
person, and says so when such a note is made."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dangan.i18n import t
from dangan.services import borrow
from web.support import Line, login


def test_the_batch_page_shows_later_notes(app_client: TestClient, line: Line) -> None:
    token = login(app_client, "clerk")
    code = borrow.borrow_batch_info(line.ctx, 1).rows[0].archive_code
    noted = app_client.post("/borrow/1/problem", data={"csrf_token": token,
                                                       "archive_code": code,
                                                       "problem": "卷皮脱落"})
    assert noted.status_code == 303, noted.text
    page = app_client.get(noted.headers["location"]).text
    (note,) = borrow.borrow_batch_info(line.ctx, 1).rows[0].later_notes  # type: ignore[attr-defined]
    assert t("borrow.later_notes_column") in page
    row = next(r for r in page.split("<tbody>")[1].split("<tr>") if code in r)
    assert t("borrow.later_note", at=note.at.strftime("%Y-%m-%d %H:%M"), person=note.person,
             text="卷皮脱落") in row
    assert t("borrow.problem_noted_later", code=code, text="卷皮脱落",
             at=note.at.strftime("%Y-%m-%d %H:%M"), person=note.person) in page
