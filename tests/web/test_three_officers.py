"""三员分立 through the HTTP layer: with ``[web] three_officers = true`` the administrator,
the security officer and the auditor each keep to their own pages; none changes production
data (403, recorded); an account holds at most one of the three; the auditor reads the audit
trail filtered by person, kind and date (both databases)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import StageEvent, Worker, WorkerRole
from dangan.domain import workflow as wf
from dangan.web.accounts import add_user
from dangan.web.app import create_app
from dangan.web.routes.audit import SECURITY_AUDITOR, SECURITY_OFFICER, appoint
from dangan.web.settings import WebSettings
from web.support import HOSTILE, PASSWORD, Clock, Line, csrf_of, login


@pytest.fixture
def officers_client(line: Line, clock: Clock) -> Iterator[TestClient]:
    toml = line.ctx.home / "dangan.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[web]\nthree_officers = true\n",
                    encoding="utf-8")
    add_user(line.ctx, "secofficer", PASSWORD, worker="保密员甲")
    add_user(line.ctx, "auditor", PASSWORD, worker="审计员乙")
    appoint(line.ctx, "secofficer", SECURITY_OFFICER, "test")
    appoint(line.ctx, "auditor", SECURITY_AUDITOR, "test")
    app = create_app(WebSettings(project=line.ctx.home, clock=clock))
    assert app.state.ctx.config.web.three_officers
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield client


def _refusals(line: Line) -> list[StageEvent]:
    with line.ctx.transaction() as session:
        rows = list(session.scalars(select(StageEvent).where(StageEvent.kind == "web_refused")))
        session.expunge_all()
        return rows


def test_officers_change_no_production_data(officers_client: TestClient, line: Line) -> None:
    code = line.batches[0]
    for who in ("admin", "secofficer", "auditor"):
        token = login(officers_client, who)
        refused = officers_client.post(f"/batches/{code}/claim", data={"csrf_token": token})
        assert refused.status_code == 403, who
        assert officers_client.post("/borrow", data={"csrf_token": token,
                                                     "next_count": "1"}).status_code == 403
    assert line.batch(code) == (wf.SORT, wf.WAITING)
    reasons = [e.data.get("reason") for e in _refusals(line)]
    assert reasons.count("officers:production") == 6
    # the administrator no longer sets roles: that is the security officer's
    token = login(officers_client, "admin")
    assert officers_client.post("/admin/users/scanner/roles", data={
        "csrf_token": token, "roles": [wf.QC_INSPECTOR]}).status_code == 403
    # but still adds accounts
    assert officers_client.post("/admin/users", data={
        "csrf_token": token, "login": "newbie", "password": PASSWORD,
        "worker": "新人"}).status_code == 303


def test_each_officer_their_own_duty(officers_client: TestClient, line: Line) -> None:
    token = login(officers_client, "secofficer")
    assert officers_client.get("/officers").status_code == 200
    assert officers_client.get("/audit").status_code == 403  # the auditor's page
    assert officers_client.post("/officers/roles/scanner", data={
        "csrf_token": token, "roles": [wf.SCAN_OPERATOR, wf.QC_INSPECTOR]}).status_code == 303
    assert officers_client.post("/officers/lock/sorter2",
                                data={"csrf_token": token}).status_code == 303
    # an officer gets no line role; appointing is the administrator's
    assert officers_client.post("/officers/roles/auditor", data={
        "csrf_token": token, "roles": [wf.SORTER]}).status_code == 422
    assert officers_client.post("/officers/appoint/scanner", data={
        "csrf_token": token, "officer": SECURITY_AUDITOR}).status_code == 403
    with line.ctx.transaction() as session:
        roles = set(session.scalars(select(WorkerRole.role).join_from(
            WorkerRole, WorkerRole.worker).where(WorkerRole.worker.has(login="scanner"))))
    assert roles == {wf.SCAN_OPERATOR, wf.QC_INSPECTOR}
    # a locked account cannot sign in
    officers_client.cookies.clear()
    page = officers_client.get("/login")
    assert officers_client.post("/login", data={"login": "sorter2", "password": PASSWORD,
                                                "csrf_token": csrf_of(page.text)}
                                ).status_code == 401
    # the administrator cannot make themself, or the security officer, an auditor too
    token = login(officers_client, "admin")
    assert officers_client.post("/officers/appoint/admin", data={
        "csrf_token": token, "officer": SECURITY_AUDITOR}).status_code == 422
    assert officers_client.post("/officers/appoint/newbie", data={
        "csrf_token": token, "officer": SECURITY_AUDITOR}).status_code == 404


def test_two_officer_roles_refused_everything(officers_client: TestClient, line: Line) -> None:
    with line.ctx.transaction() as session:
        worker = session.scalar(select(Worker).where(Worker.login == "auditor"))
        assert worker is not None
        session.add(WorkerRole(worker_id=worker.id, role=SECURITY_OFFICER))
    officers_client.cookies.clear()
    page = officers_client.get("/login")
    officers_client.post("/login", data={"login": "auditor", "password": PASSWORD,
                                         "csrf_token": csrf_of(page.text)})
    refused = officers_client.get("/audit")
    assert refused.status_code == 403 and "只能担任三员中的一员" in refused.text


def test_auditor_reads_the_trail_with_filters(officers_client: TestClient, line: Line) -> None:
    # a failed sign-in with a hostile login name and a refused action land in the trail
    officers_client.cookies.clear()
    page = officers_client.get("/login")
    officers_client.post("/login", data={"login": HOSTILE[:90], "password": "x" * 9,
                                         "csrf_token": csrf_of(page.text)})
    token = login(officers_client, "scanner")
    officers_client.post(f"/batches/{line.batches[0]}/claim", data={"csrf_token": token})
    login(officers_client, "auditor")
    page = officers_client.get("/audit").text
    assert "web_login_failed" in page and "&lt;script&gt;" in page and "<script>alert" not in page
    only = officers_client.get("/audit", params={"kind": "web_refused", "person": "张扫"}).text
    assert only.count("data-event=") >= 1 and "web_login_failed" not in only.split("<tbody>")[1]
    assert officers_client.get("/audit", params={"day_from": "2999-01-01"}).text.count(
        "data-event=") == 0
    assert officers_client.get("/audit", params={"day_to": "bad"}).status_code == 422


def test_without_the_setting_admin_reads_audit(app_client: TestClient, line: Line) -> None:
    token = login(app_client, "admin")
    assert app_client.get("/audit").status_code == 200
    assert app_client.get("/officers").status_code == 200
    login(app_client, "scanner")
    assert app_client.get("/audit").status_code == 403
    assert token


def test_the_security_officer_cannot_lock_the_last_administrator_or_themself(
        officers_client: TestClient, line: Line) -> None:
    json = {"Accept": "application/json"}
    token = login(officers_client, "secofficer")
    admin = officers_client.post("/officers/lock/admin", data={"csrf_token": token},
                                 headers=json)
    assert admin.status_code == 409 and admin.json()["key"] == "web.account.last_admin"
    own = officers_client.post("/officers/lock/secofficer", data={"csrf_token": token},
                               headers=json)
    assert own.status_code == 409 and own.json()["key"] == "officers.lock_self"
    with line.ctx.transaction() as session:
        active = dict(session.execute(select(Worker.login, Worker.active)).all())
    assert active["admin"] and active["secofficer"]
    login(officers_client, "admin")  # still signs in


def test_a_new_password_from_the_command_line_unlocks_a_locked_account(
        officers_client: TestClient, line: Line) -> None:
    from dangan.web.accounts import set_password

    token = login(officers_client, "secofficer")
    assert officers_client.post("/officers/lock/sorter2",
                                data={"csrf_token": token}).status_code == 303
    assert set_password(line.ctx, "sorter2", "another horse 43") is True
    login(officers_client, "sorter2", "another horse 43")
    assert set_password(line.ctx, "sorter2", PASSWORD) is False  # active: nothing to enable


def test_an_account_with_a_line_role_is_not_appointed_an_officer(
        officers_client: TestClient, line: Line) -> None:
    token = login(officers_client, "admin")
    refused = officers_client.post("/officers/appoint/clerk", headers={
        "Accept": "application/json"}, data={"csrf_token": token, "officer": SECURITY_OFFICER})
    assert refused.status_code == 422 and refused.json()["key"] == "officers.has_line_roles"
    with line.ctx.transaction() as session:
        roles = set(session.scalars(select(WorkerRole.role).join(
            Worker, Worker.id == WorkerRole.worker_id).where(Worker.login == "clerk")))
    assert roles == {wf.BORROW_CLERK}
