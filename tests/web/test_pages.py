"""The screens and their plumbing: language per account, downloads, progress, volumes, the
administrator's page, the error handler (HTML or JSON), cookie flags, the API's docs."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import StageEvent
from dangan.db.web_models import WebAccount, WebToken
from dangan.web import accounts
from dangan.web import security as sec
from dangan.web.app import create_app
from dangan.web.settings import WebSettings
from web.support import PASSWORD, Clock, Line, csrf_of, login


def test_language_is_chosen_per_account(app_client: TestClient, line: Line) -> None:
    token = login(app_client, "sorter")
    assert "我的任务" in app_client.get("/tasks").text
    response = app_client.post("/lang", data={"csrf_token": token, "lang": "en",
                                              "back": "/progress"})
    assert response.status_code == 303 and response.headers["location"] == "/progress"
    assert "By stage (volumes)" in app_client.get("/progress").text
    with line.ctx.transaction() as session:
        langs = {a.worker_id: a.lang for a in session.scalars(select(WebAccount))}
    assert "en" in langs.values()
    # another account still reads Chinese; the sorter gets English again at the next login
    login(app_client, "scanner")
    assert "我的任务" in app_client.get("/tasks").text
    login(app_client, "sorter")
    assert "My tasks" in app_client.get("/tasks").text
    refused = app_client.post(f"/batches/{line.batches[0]}/claim", data={})
    assert "CSRF check failed" in refused.text
    # before signing in, the form itself switches
    app_client.cookies.clear()
    assert "登录名" in app_client.get("/login").text
    assert "Password" in app_client.get("/login", params={"lang": "en"}).text
    assert "Password" in app_client.get("/login").text


def test_cookies_are_httponly_lax_and_secure_over_https(line: Line, clock: Clock) -> None:
    app = create_app(WebSettings(project=line.ctx.home, clock=clock))
    with TestClient(app, base_url="https://dangan.example", follow_redirects=False) as client:
        page = client.get("/login")
        response = client.post("/login", data={"login": "sorter", "password": PASSWORD,
                                               "csrf_token": csrf_of(page.text)})
        cookie = next(c for c in response.headers.get_list("set-cookie")
                      if c.startswith("__Host-dangan_session="))
        lowered = cookie.lower()
        assert "httponly" in lowered and "samesite=lax" in lowered and "secure" in lowered
        assert client.get("/tasks").status_code == 200
    headers = client.get("/login").headers
    assert "default-src 'self'" in headers["content-security-policy"]


def test_task_list_counts_and_scanner_field(app_client: TestClient, line: Line) -> None:
    login(app_client, "sorter")
    page = app_client.get("/tasks").text
    assert page.count("data-batch=") == len(line.batches)
    assert f"共 {len(line.batches)} 项" in page and "共 0 项" in page
    code = line.batches[1]
    for typed in (code, f"dangan:测试项目:work_batch:2:{code}", f"  {code}\n"):
        response = app_client.get("/scan", params={"code": typed})
        assert response.status_code == 303
        assert app_client.get(response.headers["location"]).status_code == 200
    missing = app_client.get(app_client.get("/scan", params={"code": "9-9-9"})
                             .headers["location"])
    assert missing.status_code == 404 and "9-9-9" in missing.text


def test_batch_page_and_downloads(app_client: TestClient, line: Line) -> None:
    code = line.batches[0]
    line.to_scan(code)
    login(app_client, "qc")
    page = app_client.get(f"/batches/{code}").text
    assert "李整" in page and "整理" in page
    assert "1997-民-0014-0001" in page
    assert "/sign" not in page  # a QC inspector has nothing to do at 扫描
    card = app_client.get(f"/batches/{code}/card.pdf")
    assert card.status_code == 200 and card.content.startswith(b"%PDF")
    assert card.headers["content-type"] == "application/pdf"
    sheets = app_client.get(f"/batches/{code}/sheets.zip")
    assert sheets.status_code == 404 and "跟踪表" in sheets.text


def test_progress_volumes_and_history(app_client: TestClient, line: Line) -> None:
    line.to_scan(line.batches[0])
    login(app_client, "clerk")
    progress = app_client.get("/progress").text
    assert "扫描" in progress and "整理" in progress
    found = app_client.get("/volumes", params={"q": "0014-0001"}).text
    assert "共 1 项" in found
    assert "共 6 项" in app_client.get("/volumes").text
    history = app_client.get("/volumes/1997-民-0014-0001").text
    assert "sort_record" in history and "李整" in history
    api = app_client.get("/api/v1/progress", headers={"Accept": "application/json"}).json()
    assert {p["stage"] for p in api["stages"]} >= {"scan", "sort"}


def test_errors_are_html_or_json_with_their_status(app_client: TestClient) -> None:
    login(app_client, "sorter")
    page = app_client.get("/batches/no-such")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert 'data-key="workflow.batch_not_found"' in page.text
    data = app_client.get("/batches/no-such", headers={"Accept": "application/json"})
    assert data.status_code == 404 and data.json()["key"] == "workflow.batch_not_found"
    assert app_client.get("/nowhere").status_code == 404
    assert app_client.get("/api/v1/nowhere").json()["key"] == "web.not_found"


def test_administrator_manages_accounts(app_client: TestClient, line: Line) -> None:
    token = login(app_client, "admin")
    page = app_client.get("/admin/users")
    assert page.status_code == 200 and "李整" in page.text
    added = app_client.post("/admin/users", data={
        "csrf_token": token, "login": "binder", "worker": "吴装", "password": PASSWORD,
        "roles": ["binder"]})
    assert added.status_code == 303
    made = app_client.post("/admin/users/binder/token",
                           data={"csrf_token": token, "name": "装订台"})
    assert "只显示这一次" in made.text
    with line.ctx.transaction() as session:
        assert session.scalar(select(WebToken.name)) == "装订台"
    weak = app_client.post("/admin/users", data={"csrf_token": token, "login": "x",
                                                 "password": "short"})
    assert weak.status_code == 422 and 'data-key="web.account.weak_password"' in weak.text
    assert app_client.post("/admin/users/binder/roles",
                           data={"csrf_token": token, "roles": ["binder", "sorter"]}
                           ).status_code == 303
    assert app_client.post("/admin/users/binder/disable",
                           data={"csrf_token": token}).status_code == 303
    with line.ctx.transaction() as session:
        actions = [e.data["action"] for e in session.scalars(select(StageEvent).where(
            StageEvent.kind == sec.EVENT_ACCOUNT, StageEvent.person == "管理员甲"))]
    assert actions == ["add", "token", "roles", "disable"]


def test_an_api_token_can_be_revoked(app_client: TestClient, line: Line) -> None:
    secret = accounts.new_token(line.ctx, "scanner", "扫描工作站2")
    auth = {"Authorization": f"Bearer {secret}"}
    assert app_client.get("/api/v1/me", headers=auth).status_code == 200
    token = login(app_client, "admin")
    listed = app_client.get("/admin/users").text
    assert "扫描工作站2" in listed and secret not in listed
    (row,) = accounts.list_tokens(line.ctx)
    assert app_client.post(f"/admin/tokens/{row.id}/revoke",
                           data={"csrf_token": token}).status_code == 303
    app_client.cookies.clear()
    assert app_client.get("/api/v1/me", headers=auth).status_code == 401
    assert accounts.list_tokens(line.ctx)[0].revoked_at is not None


def test_api_docs_use_only_vendored_files(app_client: TestClient) -> None:
    login(app_client, "sorter")
    docs = app_client.get("/api/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    schema = app_client.get("/api/openapi.json").json()
    assert "/api/v1/batches/{code}/sign" in schema["paths"]
    assert app_client.get("/static/vendor/swagger-ui-dist/swagger-ui.css").status_code == 200


def test_task_list_shows_a_page_of_many_with_the_full_count(line: Line, clock: Clock) -> None:
    from dangan.web.tasks import my_tasks

    account = load_account_by_login(line, "sorter")
    tasks = my_tasks(line.ctx, account, limit=2)
    assert tasks.waiting_total == len(line.batches) == 3
    assert [b.code for b in tasks.waiting] == line.batches[:2]
    assert [b.volume_count for b in tasks.waiting] == [2, 2]
    assert tasks.waiting[0].first_code == "1997-民-0014-0001"
    assert tasks.waiting[0].last_code == "1997-民-0014-0002"
    scanner = load_account_by_login(line, "scanner")
    assert my_tasks(line.ctx, scanner).waiting_total == 0


def load_account_by_login(line: Line, login: str) -> sec.Account:
    from dangan.db.models import Worker

    with line.ctx.transaction() as session:
        worker = session.scalar(select(Worker).where(Worker.login == login))
        assert worker is not None
        return sec.load_account(session, worker)


def test_bulk_sign_off_signs_what_it_may_and_reports_the_rest(app_client: TestClient,
                                                              line: Line) -> None:
    first, second, third = line.batches
    line.to_scan(first)
    line.to_scan(second)
    line.pages_ingested(first)
    line.pages_ingested(second)
    token = login(app_client, "scanner")
    for code in (first, second):
        assert app_client.post(f"/batches/{code}/claim",
                               data={"csrf_token": token}).status_code == 303
    page = app_client.get("/tasks").text
    assert page.count('name="codes" value="') == 2  # a box for each held batch
    assert page.count('form="bulk-sign"') == 4  # each with the stage it shows
    done = app_client.post("/tasks/sign", data={"csrf_token": token, "remarks": "批量",
                                                "codes": [first, second, third]})
    assert done.status_code == 303
    shown = app_client.get("/tasks").text
    assert f"已签字 2 个小批次：{first}、{second}" in shown
    assert f"未签字：{third}（无权执行此操作" in shown
    assert line.batch(first) == ("retouch", "waiting") == line.batch(second)
    assert line.batch(third) == ("sort", "waiting")
    with line.ctx.transaction() as session:
        reasons = [e.data["reason"] for e in session.scalars(
            select(StageEvent).where(StageEvent.kind == sec.EVENT_REFUSED))]
    assert reasons == ["stage:sort"]
    assert app_client.post("/tasks/sign", data={"codes": [first]}).status_code == 403
