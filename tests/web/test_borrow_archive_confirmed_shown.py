"""The clerk sees on the batch page that the archive room already confirmed with its own
account: who, when, and until when the confirmation holds."""

from __future__ import annotations

from fastapi.testclient import TestClient

from web.support import Line, login
from web.test_borrow_desk import _archivist, _more_volumes


def test_the_clerk_sees_who_confirmed_for_the_archive_room(app_client: TestClient,
                                                           line: Line) -> None:
    _archivist(line)
    codes = _more_volumes(line, 2)
    token = login(app_client, "clerk")
    url = app_client.post("/borrow", data={"csrf_token": token,
                                           "codes": codes}).headers["location"]
    assert 'class="archive-confirmed"' not in app_client.get(url).text
    token = login(app_client, "archivist")
    assert app_client.post(f"{url}/archive-confirm", data={"csrf_token": token}
                           ).status_code == 303
    login(app_client, "clerk")
    page = app_client.get(url).text
    shown = page.split('class="archive-confirmed">', 1)[1].split("</span>", 1)[0]
    assert "档案室刘" in shown and "已用本人账号确认借出" in shown
