"""The menu shows each account exactly the pages it may open: an item is there when its page
answers 200 and absent when it answers 403, for every role; 三员管理 only with the
three-officer setting."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from dangan.domain import workflow as wf
from dangan.services import workers
from dangan.web.accounts import add_user
from dangan.web.app import create_app
from dangan.web.deps import NAV
from dangan.web.routes.audit import SECURITY_AUDITOR, appoint
from dangan.web.settings import WebSettings
from web.support import PASSWORD, Clock, Line, login

MORE = {"binder": ("吴装", wf.BINDER), "indexer": ("钱标", wf.INDEXER),
        "uploader": ("钱传", wf.UPLOADER), "retoucher": ("赵修", wf.RETOUCHER),
        "manager": ("郑经理", wf.PROJECT_MANAGER), "archivist": ("档案室刘", wf.ARCHIVE_STAFF)}


def _menu(client: TestClient) -> set[str]:
    page = client.get("/tasks").text
    nav = page.split("<nav>", 1)[1].split("</nav>", 1)[0]
    return set(re.findall(r'<a href="([^"]+)"', nav))


def _opens(client: TestClient, path: str) -> bool:
    status = client.get(path).status_code
    assert status in (200, 403), (path, status)
    return status == 200


def test_every_role_sees_exactly_the_pages_it_may_open(app_client: TestClient,
                                                       line: Line) -> None:
    for login_name, (name, role) in MORE.items():
        workers.add_worker(line.ctx, name, [role])
        add_user(line.ctx, login_name, PASSWORD, worker=name, roles=[role])
    pages = [href for href, _key, _plain in NAV]
    seen: dict[str, set[str]] = {}
    for who in ("admin", "clerk", "sorter", "scanner", "qc", *MORE):
        login(app_client, who)
        menu = _menu(app_client)
        # the officers' page opens for the administrator, but without the three-officer
        # setting it has no place in the menu
        assert menu == {p for p in pages if _opens(app_client, p)} - {"/officers"}, who
        seen[who] = menu
    for who in ("sorter", "scanner", "qc", "binder", "indexer", "uploader", "retoucher"):
        assert "/borrow" not in seen[who], who
    assert {"/borrow", "/tasks"} <= seen["clerk"] and "/scan-station" in seen["scanner"]
    assert "/admin/users" in seen["admin"] and "/audit" in seen["admin"]
    assert "/officers" not in seen["admin"]  # the three-officer setting is off
    assert "/admin/users" not in seen["clerk"]
    login(app_client, "scanner")  # no scan folder yet: the station opens and says so
    assert 'data-key="intake.check.root_missing"' in app_client.get("/scan-station").text


def test_the_officers_page_is_in_the_menu_with_the_setting(line: Line, clock: Clock) -> None:
    toml = line.ctx.home / "dangan.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[web]\nthree_officers = true\n",
                    encoding="utf-8")
    add_user(line.ctx, "auditor", PASSWORD, worker="审计员乙")
    appoint(line.ctx, "auditor", SECURITY_AUDITOR, "test")
    app = create_app(WebSettings(project=line.ctx.home, clock=clock))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        login(client, "admin")
        admin = _menu(client)
        assert "/officers" in admin and "/audit" not in admin
        assert _opens(client, "/officers") and not _opens(client, "/audit")
        login(client, "auditor")
        auditor = _menu(client)
        assert "/audit" in auditor and _opens(client, "/audit")
