"""原卷错误 recorded from the command line: ``dangan qc record … --cause original`` stores the
cause and the pay report lists the defect at 0, never deducting it from the worker."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from cli.runner import dangan
from dangan.db.models import Defect
from dangan.domain import workflow as wf
from dangan.reports.common import Period
from dangan.reports.pay import pay_report
from dangan.services import claims, qc
from dangan.services.engine import resolve_actor
from workflow.helpers import add_volumes, line_to, volume_codes


def test_qc_record_cause_original_is_never_deducted(project) -> None:  # type: ignore[no-untyped-def]
    ctx, home = project, str(project.home)
    add_volumes(ctx, 1, pages=40)
    batch = line_to(ctx, wf.QC, claim=False)
    claims.claim(ctx, resolve_actor(ctx, "孙检"), batch)
    qc.draw_sample(ctx, resolve_actor(ctx, "孙检"), batch, seed=7)
    code = volume_codes(ctx, batch)[0]
    r = dangan("qc", "record", code, "-c", "blurred", "-w", "孙检", "--page", "3",
               "--cause", "original", "-p", home, "--json")
    assert r.returncode == 0, r.stderr
    original_id = json.loads(r.stdout)["id"]
    r = dangan("qc", "record", code, "-c", "blurred", "-w", "孙检", "--page", "4",
               "-p", home, "--json")
    assert r.returncode == 0, r.stderr
    worker_id = json.loads(r.stdout)["id"]
    r = dangan("qc", "record", code, "-c", "blurred", "-w", "孙检", "--page", "5",
               "--cause", "paper", "-p", home)
    assert r.returncode != 0
    with ctx.sessions() as session:
        causes = {i: c for i, c in session.execute(select(Defect.id, Defect.cause)).all()}
    assert causes == {original_id: "original", worker_id: "worker"}
    pay = pay_report(ctx, Period("all", date(2000, 1, 1), date(2100, 1, 1)))
    lines = {ln.defect_id: ln for ln in pay.lines if ln.defect_id}
    assert lines[original_id].amount == 0.0 and lines[original_id].kind == "original"
    assert lines[worker_id].amount < 0.0 and lines[worker_id].kind == "deduction"
