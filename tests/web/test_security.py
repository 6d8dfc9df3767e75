"""Security through the HTTP layer, on SQLite and PostgreSQL: sessions, roles, CSRF, signing
as oneself only, revocation, escaping, throttling — each refusal leaves the state unchanged
and is in the audit trail."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dangan.db.models import StageEvent, Volume
from dangan.services.project import ProjectContext
from dangan.web import accounts
from dangan.web import security as sec
from dangan.web.app import ROUTERS, create_app
from dangan.web.settings import WebSettings
from web.support import HOSTILE, PASSWORD, Clock, Line, build_line, csrf_of, login

OPEN_PATHS = {"/login"}


def events(line: Line, kind: str) -> list[StageEvent]:
    with line.ctx.transaction() as session:
        rows = list(session.scalars(select(StageEvent).where(StageEvent.kind == kind)
                                    .order_by(StageEvent.id)))
        session.expunge_all()
        return rows


def signoffs(line: Line) -> int:
    with line.ctx.transaction() as session:
        return int(session.scalar(select(func.count(StageEvent.id)).where(
            StageEvent.kind == "signoff", StageEvent.work_batch_id.is_not(None))) or 0)


def test_every_route_without_a_session_is_refused_or_redirected(app_client: TestClient) -> None:
    routes = [(prefix + r.path, r) for router, prefix in ROUTERS for r in router.routes
              if isinstance(r, APIRoute)]
    checked = 0
    for full, route in routes:
        if full in OPEN_PATHS or full == "/":
            continue
        path = (full.replace("{code}", "1-3-1").replace("{login}", "sorter")
                .replace("{token_id}", "1"))
        for method in route.methods:
            response = app_client.request(method, path)
            assert response.status_code in (303, 401), (method, path, response.status_code)
            if response.status_code == 303:
                assert response.headers["location"].startswith("/login"), path
            checked += 1
    for path in ("/api/docs", "/api/openapi.json"):
        assert app_client.get(path).status_code in (303, 401)
    assert checked >= 20
    api = app_client.get("/api/v1/tasks")
    assert api.status_code == 401 and api.json()["key"] == "web.not_authenticated"


def test_wrong_role_gets_403_and_nothing_changes(app_client: TestClient, line: Line) -> None:
    code = line.batches[0]
    token = login(app_client, "scanner")  # the batch waits at 整理, a sorter's stage
    response = app_client.post(f"/batches/{code}/claim", data={"csrf_token": token})
    assert response.status_code == 403
    assert "整理员" in response.text
    assert line.batch(code) == ("sort", "waiting")
    assert app_client.get("/admin/users").status_code == 403
    assert app_client.post("/admin/users", data={"csrf_token": token, "login": "x",
                                                 "password": PASSWORD}).status_code == 403
    api = app_client.post(f"/api/v1/batches/{code}/claim", headers={"X-CSRF-Token": token})
    assert api.status_code == 403 and api.json()["key"] == "web.forbidden"
    refused = events(line, sec.EVENT_REFUSED)
    assert [e.person for e in refused] == ["张扫"] * 4
    assert refused[0].data["path"] == f"/batches/{code}/claim"


def test_missing_or_wrong_csrf_gets_403_and_nothing_changes(app_client: TestClient,
                                                             line: Line) -> None:
    code = line.batches[0]
    login(app_client, "sorter")
    for data in ({}, {"csrf_token": "forged"}):
        response = app_client.post(f"/batches/{code}/claim", data=data)
        assert response.status_code == 403
        assert 'data-key="web.csrf_failed"' in response.text
    assert app_client.post(f"/batches/{code}/claim",
                           headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert line.batch(code) == ("sort", "waiting")
    assert [e.data["reason"] for e in events(line, sec.EVENT_REFUSED)] == ["csrf"] * 3
    # the login form refuses a post without its double-submit cookie value
    app_client.cookies.clear()
    assert app_client.post("/login", data={"login": "sorter", "password": PASSWORD,
                                           "csrf_token": "x"}).status_code == 403


def test_nobody_can_sign_for_someone_else(app_client: TestClient, line: Line) -> None:
    code = line.batches[0]
    line.to_scan(code)
    token = login(app_client, "scanner")
    assert app_client.post(f"/batches/{code}/claim", data={"csrf_token": token}).status_code == 303
    before = signoffs(line)
    other = login(app_client, "scanner2")
    # a field naming the holder changes nothing: the signer is the signed-in account
    response = app_client.post(f"/batches/{code}/sign",
                               data={"csrf_token": other, "worker": "张扫", "person": "张扫"})
    assert response.status_code == 409
    assert "张扫" in response.text
    assert signoffs(line) == before
    refused = events(line, sec.EVENT_REFUSED)
    assert [(e.person, e.data["reason"]) for e in refused] == [
        ("张扫二", "workflow.claimed_by_other")]
    token = login(app_client, "scanner")
    # nothing was ingested: the scan stage is signed only with a recorded reason
    refused_no_pages = app_client.post(f"/batches/{code}/sign",
                                       data={"csrf_token": token, "remarks": "ok"})
    assert refused_no_pages.status_code == 409 and "dangan ingest" in refused_no_pages.text
    done = app_client.post(f"/batches/{code}/sign",
                           data={"csrf_token": token, "worker": "张扫二", "remarks": "ok",
                                 "without_work": "测试：页面在别处入库"})
    assert done.status_code == 303
    with line.ctx.transaction() as session:
        people = set(session.scalars(select(StageEvent.person).where(
            StageEvent.kind == "signoff", StageEvent.stage == "scan")))
    assert people == {"张扫"}
    assert line.batch(code)[0] == "retouch"


def test_a_revoked_session_stops_at_once(app_client: TestClient, line: Line,
                                         clock: Clock) -> None:
    login(app_client, "sorter")
    cookie = app_client.cookies.get("dangan_session")
    assert app_client.get("/tasks").status_code == 200
    accounts.set_roles(line.ctx, "sorter", ["sorter", "scan_operator"], by="管理员甲")
    response = app_client.get("/tasks")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    # logout ends the session: the old cookie no longer opens anything
    token = login(app_client, "sorter")
    cookie = app_client.cookies.get("dangan_session")
    assert app_client.post("/logout", data={"csrf_token": token}).status_code == 303
    app_client.cookies.set("dangan_session", cookie or "")
    assert app_client.get("/tasks").status_code == 303
    # disabling ends it too, and the login is refused afterwards
    login(app_client, "sorter")
    accounts.disable_user(line.ctx, "sorter", by="管理员甲")
    assert app_client.get("/tasks").status_code == 303
    page = app_client.get("/login")
    failed = app_client.post("/login", data={"login": "sorter", "password": PASSWORD,
                                             "csrf_token": csrf_of(page.text)})
    assert failed.status_code == 401
    # an idle session ends after web.idle_minutes
    login(app_client, "scanner")
    clock.advance(minutes=line.ctx.config.web.idle_minutes + 1)
    assert app_client.get("/tasks").status_code == 303


def test_hostile_text_is_shown_escaped_and_stored_intact(app_client: TestClient,
                                                         line: Line) -> None:
    code = line.batches[0]
    with line.ctx.transaction() as session:
        volume = session.scalar(select(Volume).order_by(Volume.id).limit(1))
        assert volume is not None
        volume.title = HOSTILE
        archive_code = volume.archive_code
    line.to_scan(code)
    line.pages_ingested(code)
    token = login(app_client, "scanner")
    app_client.post(f"/batches/{code}/claim", data={"csrf_token": token})
    assert app_client.post(f"/batches/{code}/sign",
                           data={"csrf_token": token, "remarks": HOSTILE}).status_code == 303
    for path in (f"/batches/{code}", f"/volumes/{archive_code}", "/volumes?q=%3Cscript%3E"):
        page = app_client.get(path).text
        assert "<script>alert" not in page, path
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#34;&#39;; DROP TABLE volume;--" \
            in page, path
    with line.ctx.transaction() as session:
        assert session.scalar(select(Volume.title).where(Volume.archive_code == archive_code)) \
            == HOSTILE
        assert HOSTILE in set(session.scalars(select(StageEvent.remarks).where(
            StageEvent.kind == "signoff")))
    found = app_client.get("/volumes", params={"q": "' OR 1=1 --"})
    assert app_client.get("/volumes", params={"q": "%"}).status_code == 200
    assert "共 0 项" in found.text
    assert "共 1 项" in app_client.get("/volumes", params={"q": "DROP TABLE"}).text


def test_a_hostile_archive_code_is_shown_escaped_and_found(any_project: ProjectContext,
                                                           clock: Clock) -> None:
    line = build_line(any_project, first_code=HOSTILE)
    app = create_app(WebSettings(project=line.ctx.home, clock=clock))
    with TestClient(app, follow_redirects=False) as client:
        login(client, "clerk")
        escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#34;&#39;; DROP TABLE volume;--"
        pages = [client.get(f"/batches/{line.batches[0]}"),
                 client.get("/volumes", params={"q": "<script>"}),
                 client.get("/volumes/" + quote(HOSTILE, safe=""))]
        for page in pages:
            assert page.status_code == 200
            assert "<script>alert" not in page.text and escaped in page.text
        assert "共 1 项" in pages[1].text
        link = re.search(r'href="(/volumes/[^"]*script[^"]*)"', pages[0].text)
        assert link is not None
        assert client.get(html.unescape(link.group(1))).status_code == 200
    assert line.volume_codes(line.batches[0])[0] == HOSTILE


def _try(client: TestClient, password: str) -> int:
    page = client.get("/login")
    return client.post("/login", data={"login": "sorter", "password": password,
                                       "csrf_token": csrf_of(page.text)}).status_code


def test_login_throttling_slows_down_then_locks(app_client: TestClient, line: Line,
                                                clock: Clock) -> None:
    app_client.cookies.clear()
    assert [_try(app_client, "wrong") for _ in range(3)] == [401, 401, 401]
    assert _try(app_client, PASSWORD) == 429  # must wait even with the right password
    clock.advance(seconds=2)
    assert _try(app_client, PASSWORD) == 303
    app_client.cookies.clear()
    lock_after = line.ctx.config.web.lock_after
    for _ in range(lock_after):
        clock.advance(seconds=61)
        assert _try(app_client, "wrong") == 401
    clock.advance(seconds=61)
    page = app_client.get("/login")
    locked = app_client.post("/login", data={"login": "sorter", "password": PASSWORD,
                                             "csrf_token": csrf_of(page.text)})
    assert locked.status_code == 429 and "sorter 已被锁定" in locked.text
    assert events(line, sec.EVENT_LOGIN_LOCKED)
    clock.advance(minutes=line.ctx.config.web.lock_minutes + 1)
    assert _try(app_client, PASSWORD) == 303
    assert len(events(line, sec.EVENT_LOGIN_FAILED)) == 3 + lock_after
    assert len(events(line, sec.EVENT_LOGIN)) == 2


def test_api_token_claims_and_signs_as_its_account(app_client: TestClient, line: Line) -> None:
    code = line.batches[0]
    line.to_scan(code)
    line.pages_ingested(code)
    secret = accounts.new_token(line.ctx, "scanner", "扫描工作站1")
    app_client.cookies.clear()
    auth = {"Authorization": f"Bearer {secret}"}
    assert app_client.get("/api/v1/me", headers=auth).json()["name"] == "张扫"
    assert app_client.get("/api/v1/tasks", headers=auth).json()["counts"]["waiting"] == 1
    claimed = app_client.post(f"/api/v1/batches/{code}/claim", headers=auth)
    assert claimed.status_code == 200 and claimed.json()["worker"] == "张扫"
    again = app_client.post(f"/api/v1/batches/{code}/claim", headers=auth)  # already its own
    assert again.status_code == 200 and again.json()["already_held"] is True
    signed = app_client.post(f"/api/v1/batches/{code}/sign", headers=auth,
                             json={"remarks": "扫描完成"})
    assert signed.status_code == 200 and signed.json()["person"] == "张扫"
    bad = app_client.get("/api/v1/tasks", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["key"] == "web.bad_token"
    accounts.disable_user(line.ctx, "scanner")
    assert app_client.get("/api/v1/tasks", headers=auth).status_code == 401
