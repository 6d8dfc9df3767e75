"""一次抽检合格 means one thing in every report: volumes accepted at their first QC sampling,
of the volumes whose first QC sampling was decided (DOMAIN.md). The weekly report used to
count inspections (re-inspections after rework included) and the summary work batches, so
the same line read 2/5 in one and 2/4 in the other."""

from __future__ import annotations

from datetime import datetime

import pytest

from dangan.db.models import BorrowBatch, QCInspection, Volume, WorkBatch
from dangan.i18n import t
from dangan.reports.common import FirstPass, parse_period
from dangan.reports.summary import summary
from dangan.reports.weekly import weekly
from dangan.services.project import ProjectContext
from reports.helpers import at

# work batch -> (volumes, [(round, decision, decided at)]) — C fails its first sampling in
# W47 and passes after rework in W48; D's first inspection was voided (catalogue imported
# after the draw: no verdict), its first verdict is a pass; E's sample is still open.
BATCHES: dict[str, tuple[int, list[tuple[int, str | None, datetime | None]]]] = {
    "1-5-1": (1, [(1, "pass", at("2026-11-25"))]),
    "1-5-2": (2, [(1, "pass", at("2026-11-25"))]),
    "1-5-3": (3, [(1, "fail", at("2026-11-18")), (2, "pass", at("2026-11-25"))]),
    "1-5-4": (1, [(1, "void", at("2026-11-24")), (2, "pass", at("2026-11-25"))]),
    "1-5-5": (2, [(1, None, None)]),
}


@pytest.fixture
def inspected(any_project: ProjectContext) -> ProjectContext:
    ctx = any_project
    with ctx.transaction() as s:
        bb = BorrowBatch(project_id=ctx.project_id, no=1, status="borrowed")
        s.add(bb)
        s.flush()
        n = 0
        for seq, (code, (volumes, inspections)) in enumerate(BATCHES.items(), start=1):
            wb = WorkBatch(project_id=ctx.project_id, borrow_batch_id=bb.id, code=code,
                           seq=seq, total=len(BATCHES))
            s.add(wb)
            s.flush()
            for _ in range(volumes):
                n += 1
                s.add(Volume(project_id=ctx.project_id, archive_code=f"1997-民-0014-{n:04d}",
                             expected_pages=40, page_count=40, borrow_batch_id=bb.id,
                             work_batch_id=wb.id, list_row=n))
            for round_, decision, decided in inspections:
                s.add(QCInspection(work_batch_id=wb.id, round=round_, seed=1, sample=[],
                                   population=volumes, decision=decision, decided_at=decided,
                                   pass_rate=None if decision in (None, "void") else
                                   1.0 if decision == "pass" else 0.8))
    return ctx


def test_summary_counts_volumes_accepted_at_their_first_sampling(
        inspected: ProjectContext) -> None:
    s = summary(inspected)
    # 1-5-1 (1 volume), 1-5-2 (2) and 1-5-4 (1) passed their first sampling; 1-5-3 (3) failed
    # it; the open sample of 1-5-5 is not decided
    assert s.first_pass == FirstPass(accepted=4, decided=7)
    assert s.inspections == 5  # verdicts only: the voided and the open one are none
    facts = dict(s.document("测试项目").facts)
    assert facts[t("reports.fact.first_pass")] == "4/7"


def test_weekly_counts_the_first_samplings_decided_in_its_week(
        inspected: ProjectContext) -> None:
    w48 = weekly(inspected, parse_period("2026-W48"))
    # 1-5-3's pass after rework is no first sampling: W48 holds those of 1-5-1, 1-5-2, 1-5-4
    assert w48.first_pass == FirstPass(accepted=4, decided=4)
    w47 = weekly(inspected, parse_period("2026-W47"))
    assert w47.first_pass == FirstPass(accepted=0, decided=3)
    facts = dict(w48.document("测试项目").facts)
    assert facts[t("reports.fact.first_pass_week")] == "4/4"
    # the weeks add up to the summary's figure: one definition
    total = summary(inspected).first_pass
    assert (w47.first_pass.accepted + w48.first_pass.accepted,
            w47.first_pass.decided + w48.first_pass.decided) == (total.accepted, total.decided)
