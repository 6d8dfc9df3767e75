"""The reports read what the real line writes: volumes taken from borrowing to return
through the workflow services, then productivity, pay, summary and the CLI."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from cli.runner import dangan
from dangan.i18n import t
from dangan.reports.common import Period
from dangan.reports.pay import pay_report
from dangan.reports.productivity import productivity
from dangan.reports.summary import summary
from dangan.services import returns
from dangan.services.engine import resolve_actor
from workflow.helpers import add_people, add_volumes, borrow_and_split, take_to_return


def test_reports_from_the_real_line(any_project) -> None:  # type: ignore[no-untyped-def]
    ctx = any_project
    add_people(ctx)
    add_volumes(ctx, 4, pages=40)
    _no, made = borrow_and_split(ctx, 4, pages_per_batch=80)
    for code in made:
        take_to_return(ctx, code)
    returns.return_batch(ctx, resolve_actor(ctx, "王借"), 1, "档案室刘老师",
                         shelving_rule="从右至左")
    p = productivity(ctx, None)
    stages = {s.stage: s for s in p.stages}
    # no period asked: the report says it covers everything, not an empty 期间
    assert dict(p.document("p").facts)[t("reports.fact.period")] == t("reports.fact.all")
    # scanning and upload were signed without their work (a recorded waiver) and nothing
    # was retouched: no pages are counted for them, though 40 were registered per volume
    assert "scan" not in stages and "upload" not in stages
    assert stages["retouch"].volumes == 4 and stages["retouch"].pages == 0
    assert stages["return"].volumes == 4 and stages["borrow"].volumes == 4
    assert stages["sort"].pages == 160  # work on the paper: the registered pages
    pay = pay_report(ctx, Period("all", date(2000, 1, 1), date(2100, 1, 1)))
    slips = {s.worker: s.total for s in pay.slips}
    # 4 volumes × 2.90 sorting and rebinding; the waived scans and the empty retouch pay 0
    assert "张扫" not in slips and "赵修" not in slips
    assert slips["李整"] == 11.6 and slips["吴装"] == 11.6
    s = summary(ctx)
    assert (s.volumes, s.pages, s.volumes_returned) == (4, 160, 4)
    assert (s.register_entries, s.register_returned) == (4, 4)
    assert s.people["scan_operator"] == 1 and s.people["qc_inspector"] == 1
    assert s.first_pass.decided == s.first_pass.accepted == 4  # each batch passed at once


def test_cli_reports_and_mentor(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = str(project.home)
    add_people(project)
    r = dangan("worker", "mentor", "张扫二", "--mentor", "张扫", "--until", "2026-12-31",
               "-p", home)
    assert r.returncode == 0, r.stderr
    assert "张扫" in r.stdout
    r = dangan("worker", "mentor", "张扫二", "--mentor", "无此人", "--until", "2026-12-31",
               "-p", home)
    assert r.returncode != 0 and "无此人" in r.stderr
    out = tmp_path / "pay.xlsx"
    r = dangan("report", "pay", "--period", "2026-11", "-p", home, "-o", str(out), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["period"] == "2026-11" and out.is_file()
    r = dangan("report", "pay", "--period", "2026-10", "--close", "-w", "张扫", "-p", home)
    assert r.returncode != 0  # only the project manager closes a period
    r = dangan("report", "pay", "--period", "2026-10", "--close", "-w", "郑经理", "-p", home,
               "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["closed"] is True
    r = dangan("report", "pay", "--period", "2026-10", "--close", "-w", "郑经理", "-p", home)
    assert r.returncode != 0 and "已结账" in r.stderr
    # a period that has not ended is not closed: its last day named
    r = dangan("report", "pay", "--period", "2099-12", "--close", "-w", "郑经理", "-p", home)
    assert r.returncode == 7 and "2099-12-31" in r.stderr and "2100-01-01" in r.stderr
    r = dangan("report", "pay", "--period", "2026-11", "-w", "不存在的人", "-p", home)
    assert r.returncode != 0 and "不存在的人" in r.stderr
    for command in ("estimate", "productivity", "quality", "weekly", "summary"):
        r = dangan("report", command, "-p", home, "-o", str(tmp_path / f"{command}.pdf"))
        assert r.returncode == 0, (command, r.stderr)
        assert (tmp_path / f"{command}.pdf").stat().st_size > 1000
    r = dangan("report", "quality", "-p", home, "--period", "2026-13")
    assert r.returncode == 4 and "2026-13" in r.stderr
    r = dangan("report", "summary", "-p", home, "-o", str(tmp_path / "x.doc"))
    assert r.returncode == 4
