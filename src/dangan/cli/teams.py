"""``dangan worker team …``: teams (班组) — a name and a leader, a worker in at most one team;
and the table of ``dangan worker list``. Thin: the rules live in ``dangan.services.workers``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from dangan.cli.common import AsJson, Project, console, open_ctx, print_json, worker_option
from dangan.i18n import join, t

if TYPE_CHECKING:
    from dangan.services.workers import WorkerInfo

team_app = typer.Typer(help="cli.help.worker.team", no_args_is_help=True)
TeamName = typer.Argument(..., metavar="TEAM", help="cli.opt.team.name")


@team_app.command("add", help="cli.help.worker.team.add")
def team_add(team: str = TeamName, leader: str = worker_option("cli.opt.team.leader"),
             project: Path = Project) -> None:
    from dangan.services.workers import add_team

    info = add_team(open_ctx(project), team, leader)
    console.print(escape(t("teams.added", name=info.name, leader=info.leader)))


@team_app.command("leader", help="cli.help.worker.team.leader")
def team_leader(team: str = TeamName, leader: str = worker_option("cli.opt.team.leader"),
                project: Path = Project) -> None:
    from dangan.services.workers import set_leader

    info = set_leader(open_ctx(project), team, leader)
    console.print(escape(t("teams.leader_set", name=info.name, leader=info.leader)))


@team_app.command("join", help="cli.help.worker.team.join")
def team_join(team: str = TeamName, worker: str = worker_option("cli.opt.team.join"),
              project: Path = Project) -> None:
    from dangan.services.workers import join_team

    join_team(open_ctx(project), worker, team)
    console.print(escape(t("teams.joined", worker=worker, team=team)))


@team_app.command("leave", help="cli.help.worker.team.leave")
def team_leave(worker: str = worker_option("cli.opt.team.leave"),
               project: Path = Project) -> None:
    from dangan.services.workers import join_team

    join_team(open_ctx(project), worker, None)
    console.print(escape(t("teams.left", worker=worker)))


@team_app.command("remove", help="cli.help.worker.team.remove")
def team_remove(team: str = TeamName, project: Path = Project) -> None:
    from dangan.services.workers import remove_team

    remove_team(open_ctx(project), team)
    console.print(escape(t("teams.removed", name=team)))


@team_app.command("list", help="cli.help.worker.team.list")
def team_list(project: Path = Project, as_json: bool = AsJson) -> None:
    from dangan.services.workers import list_teams

    teams = list_teams(open_ctx(project, read_only=True))
    if as_json:
        print_json([x.to_dict() for x in teams])
        return
    if not teams:
        console.print(t("teams.none"))
        return
    table = Table(t("teams.col.team"), t("teams.col.leader"), t("teams.col.members"))
    for x in teams:
        table.add_row(x.name, x.leader, join(x.members))
    console.print(table)


def workers_table(infos: Sequence[WorkerInfo]) -> Table:
    """``dangan worker list``: each worker's name and roles (岗位), headed as such."""
    table = Table("ID", t("workers.col.name"), t("workers.col.roles"))
    for i in infos:
        table.add_row(str(i.id), i.name, join(t(f"role.{r}") for r in i.roles))
    return table


def register(worker_app: typer.Typer) -> None:
    worker_app.add_typer(team_app, name="team")
