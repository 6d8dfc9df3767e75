"""Teams on 用户与岗位 (administrators only): make one, put workers in, change the leader,
take out, dissolve; each change in the audit trail; refusals answered with their key."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import StageEvent
from dangan.services import workers
from dangan.web import security as sec
from web.support import HOSTILE, Line, login


def _team_events(line: Line) -> list[dict[str, object]]:
    with line.ctx.transaction() as session:
        rows = session.scalars(select(StageEvent.data).where(
            StageEvent.kind == sec.EVENT_ACCOUNT).order_by(StageEvent.id)).all()
    return [d for d in rows if str(d.get("action", "")).startswith("team_")]


def test_teams_on_the_users_page(app_client: TestClient, line: Line) -> None:
    token = login(app_client, "admin")
    r = app_client.post("/admin/teams", data={"csrf_token": token, "team": "扫描一组",
                                              "leader": "张扫"})
    assert r.status_code == 303
    r = app_client.post("/admin/teams/join", data={"csrf_token": token, "team": "扫描一组",
                                                   "worker": "张扫二"})
    assert r.status_code == 303
    page = app_client.get("/admin/users").text
    assert 'data-team="扫描一组"' in page and "张扫、张扫二" in page
    # a worker in one team cannot lead another; the refusal names the rule
    r = app_client.post("/admin/teams", data={"csrf_token": token, "team": "二组",
                                              "leader": "张扫二"},
                        headers={"Accept": "application/json"})
    assert r.status_code == 409 and r.json()["key"] == "teams.in_other_team"
    r = app_client.post("/admin/teams/leader", data={"csrf_token": token, "team": "扫描一组",
                                                     "worker": "张扫二"})
    assert r.status_code == 303
    r = app_client.post("/admin/teams/join", data={"csrf_token": token, "team": "",
                                                   "worker": "张扫"})
    assert r.status_code == 303
    assert [(x.name, x.leader, x.members) for x in workers.list_teams(line.ctx)] == [
        ("扫描一组", "张扫二", ("张扫二",))]
    # a hostile team name is stored intact and shown escaped
    r = app_client.post("/admin/teams", data={"csrf_token": token, "team": HOSTILE,
                                              "leader": "孙检"})
    assert r.status_code == 303
    page = app_client.get("/admin/users").text
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert HOSTILE in [x.name for x in workers.list_teams(line.ctx)]
    r = app_client.post("/admin/teams/remove", data={"csrf_token": token, "team": "扫描一组"})
    assert r.status_code == 303
    actions = [d["action"] for d in _team_events(line)]
    assert actions == ["team_add", "team_join", "team_leader", "team_leave", "team_add",
                       "team_remove"]


def test_teams_need_an_administrator_and_csrf(app_client: TestClient, line: Line) -> None:
    token = login(app_client, "scanner")
    r = app_client.post("/admin/teams", data={"csrf_token": token, "team": "x",
                                              "leader": "张扫"})
    assert r.status_code == 403
    token = login(app_client, "admin")
    r = app_client.post("/admin/teams", data={"csrf_token": "wrong", "team": "x",
                                              "leader": "张扫"})
    assert r.status_code == 403
    assert workers.list_teams(line.ctx) == [] and _team_events(line) == []
