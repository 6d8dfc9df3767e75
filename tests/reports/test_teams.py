"""Teams (班组): a name and a leader, a worker in at most one team; productivity per team
computed by hand; the CLI ``dangan worker team …``."""

from __future__ import annotations

import json

import pytest

from cli.runner import dangan
from dangan.errors import ConflictError, NotFoundError
from dangan.reports.common import parse_period
from dangan.reports.productivity import productivity
from dangan.services import workers
from reports.helpers import Line, at


def test_team_rules(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    for name in ("老王", "小李", "小赵", "老周"):
        workers.add_worker(ctx, name, ["scan_operator"])
    team = workers.add_team(ctx, "扫描一组", "老王")
    assert (team.name, team.leader, team.members) == ("扫描一组", "老王", ("老王",))
    workers.join_team(ctx, "小李", "扫描一组")
    workers.add_team(ctx, "扫描二组", "老周")
    with pytest.raises(ConflictError) as exc:
        workers.add_team(ctx, "扫描一组", "小赵")
    assert exc.value.key == "teams.exists"
    with pytest.raises(ConflictError) as exc:  # the leader of one team cannot lead another
        workers.add_team(ctx, "扫描三组", "老王")
    assert exc.value.key == "teams.in_other_team"
    with pytest.raises(ConflictError) as exc:  # nor walk away from the team they lead
        workers.join_team(ctx, "老王", "扫描二组")
    assert exc.value.key == "teams.leader_leaves"
    with pytest.raises(NotFoundError) as exc:
        workers.join_team(ctx, "无此人", "扫描一组")
    assert exc.value.key == "workflow.worker_not_found"
    with pytest.raises(NotFoundError) as exc:
        workers.join_team(ctx, "小赵", "无此组")
    assert exc.value.key == "teams.not_found"
    # moving is explicit: joining another team leaves the first (never two at once)
    workers.join_team(ctx, "小李", "扫描二组")
    teams = {x.name: x for x in workers.list_teams(ctx)}
    assert teams["扫描一组"].members == ("老王",)
    assert set(teams["扫描二组"].members) == {"老周", "小李"}
    with pytest.raises(ConflictError) as exc:  # a leader from another team is refused
        workers.set_leader(ctx, "扫描二组", "老王")
    assert exc.value.key == "teams.in_other_team"
    workers.set_leader(ctx, "扫描二组", "小李")
    workers.join_team(ctx, "老周", None)  # no longer the leader: may leave
    assert sorted(workers.team_of_workers(ctx).values()) == ["扫描一组", "扫描二组"]
    workers.remove_team(ctx, "扫描一组")
    assert [x.name for x in workers.list_teams(ctx)] == ["扫描二组"]
    assert workers.join_team(ctx, "老王", "扫描二组") is not None


def test_productivity_per_team(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    line = Line(ctx, volumes=6, pages=40)
    line.people(甲=["scan_operator"], 乙=["scan_operator"], 丙=["scan_operator"],
                丁=["retoucher"])
    workers.add_team(ctx, "一组", "甲")
    workers.join_team(ctx, "乙", "一组")
    workers.add_team(ctx, "二组", "丁")
    line.sign("甲", "scan", ["V1", "V2"], at("2026-11-02"))
    line.sign("乙", "scan", ["V3"], at("2026-11-02"))
    line.sign("乙", "scan", ["V4"], at("2026-11-03"))
    line.sign("丙", "scan", ["V5", "V6"], at("2026-11-03"))  # in no team
    line.sign("甲", "scan", ["V1"], at("2026-11-04"))  # a re-sign after rework: never counted
    line.sign("丁", "retouch", ["V1", "V2", "V3"], at("2026-11-04"))
    p = productivity(ctx, parse_period("2026-11"), "month")
    rows = {(r.team, r.stage): r for r in p.teams}
    one = rows[("一组", "scan")]
    # 4 volumes × 40 pages; person-days: 甲 on the 2nd, 乙 on the 2nd and 3rd
    assert (one.workers, one.volumes, one.pages, one.person_days) == (2, 4, 160, 3)
    assert one.pages_per_day == round(160 / 3, 1)
    two = rows[("二组", "retouch")]
    assert (two.workers, two.volumes, two.pages, two.person_days) == (1, 3, 120, 1)
    alone = rows[("", "scan")]
    assert (alone.workers, alone.volumes, alone.pages, alone.person_days) == (1, 2, 80, 1)
    assert [r.team for r in p.teams] == ["一组", "二组", ""]  # named teams first
    doc = p.document("测试")
    table = next(tb for tb in doc.tables if tb.title == "按班组")
    assert ("2026-11", "（未编组）", "扫描", 1, 2, 80, 0, 1, 80.0) in table.rows


def test_cli_worker_team(project) -> None:  # type: ignore[no-untyped-def]
    home = str(project.home)
    for name in ("老王", "小李"):
        workers.add_worker(project, name, ["scan_operator"])
    r = dangan("worker", "team", "add", "扫描一组", "-w", "老王", "-p", home)
    assert r.returncode == 0, r.stderr
    assert "扫描一组" in r.stdout and "老王" in r.stdout
    r = dangan("worker", "team", "join", "扫描一组", "-w", "小李", "-p", home)
    assert r.returncode == 0, r.stderr
    r = dangan("worker", "team", "list", "-p", home, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == [{"id": 1, "name": "扫描一组", "leader": "老王",
                                     "members": ["老王", "小李"]}]
    r = dangan("worker", "team", "leave", "-w", "老王", "-p", home)
    assert r.returncode == 6 and "组长" in r.stderr
    r = dangan("worker", "team", "join", "无此组", "-w", "小李", "-p", home)
    assert r.returncode == 5 and "无此组" in r.stderr
    r = dangan("worker", "team", "leader", "扫描一组", "-w", "小李", "-p", home)
    assert r.returncode == 0, r.stderr
    r = dangan("worker", "team", "leave", "-w", "老王", "-p", home)
    assert r.returncode == 0, r.stderr
    r = dangan("worker", "team", "remove", "扫描一组", "-p", home)
    assert r.returncode == 0, r.stderr
    r = dangan("worker", "team", "list", "-p", home)
    assert r.returncode == 0 and "尚无班组" in r.stdout
