"""Quality (质量统计), live: defects per worker, type and stage, per 1,000 pages, by QC
inspection round; rework done and waiting; pass rates per work batch. 原卷错误 (the paper's
own faults) are counted apart and never against a worker."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.db.models import Defect, QCInspection, Rework, StageEvent, WorkBatch, Worker
from dangan.i18n import t
from dangan.reports.common import (
    VERDICTS,
    Period,
    defect_label,
    found_label,
    found_order,
    found_when,
    label,
    verdict_label,
    work_select,
)
from dangan.reports.document import INTEGER, NUMBER, PERCENT, ReportDoc, Table
from dangan.services.project import ProjectContext


@dataclass(frozen=True)
class WorkerQuality:
    worker: str
    pages: int
    defects: int
    per_1000_pages: float
    by_code: dict[str, int]


@dataclass(frozen=True)
class StageQuality:
    stage: str
    pages: int
    defects: int
    per_1000_pages: float


@dataclass(frozen=True)
class BatchQuality:
    batch: str
    inspections: int
    first_decision: str
    first_rate: float | None
    last_decision: str
    last_rate: float | None


@dataclass(frozen=True)
class Quality:
    period: str
    workers: tuple[WorkerQuality, ...]
    stages: tuple[StageQuality, ...]
    codes: dict[str, int]
    # when found -> defects: "0" on the line, "n" in the batch's n-th QC inspection, "-1" after
    # its QC began outside any inspection (common.found_when)
    rounds: dict[str, int]
    original: dict[str, int]  # 原卷错误 by code, never charged
    rework: dict[str, int]  # status -> count
    batches: tuple[BatchQuality, ...]
    batch_pass_rate: float | None  # share of inspected batches passed at the first round

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def document(self, project: str) -> ReportDoc:
        def head(*cols: str) -> tuple[str, ...]:
            return tuple(t(f"reports.col.{c}") for c in cols)

        code_name = defect_label

        tables = (
            Table(t("reports.quality.by_worker"), head("worker", "pages", "defects", "per_1000",
                                                       "codes"),
                  tuple((w.worker, w.pages, w.defects, w.per_1000_pages,
                         "、".join(f"{code_name(c)}×{n}" for c, n in w.by_code.items()))
                        for w in self.workers), ("", INTEGER, INTEGER, NUMBER, "")),
            Table(t("reports.quality.by_stage"), head("stage", "pages", "defects", "per_1000"),
                  tuple((t(f"stage.{s.stage}"), s.pages, s.defects, s.per_1000_pages)
                        for s in self.stages), ("", INTEGER, INTEGER, NUMBER)),
            Table(t("reports.quality.by_code"), head("code", "defects"),
                  tuple((code_name(c), n) for c, n in self.codes.items())),
            Table(t("reports.quality.by_round"), head("round", "defects"),
                  tuple((found_label(int(r)), n) for r, n in self.rounds.items()),
                  ("", INTEGER)),
            Table(t("reports.quality.original"), head("code", "defects"),
                  tuple((code_name(c), n) for c, n in self.original.items())),
            Table(t("reports.quality.rework"), head("status", "count"),
                  tuple((label(f"reports.rework.{s}", s), n) for s, n in self.rework.items())),
            Table(t("reports.quality.batches"), head("batch", "inspections", "first_decision",
                                                     "first_rate", "last_decision", "last_rate"),
                  tuple((b.batch, b.inspections, verdict_label(b.first_decision), b.first_rate,
                         verdict_label(b.last_decision), b.last_rate) for b in self.batches),
                  ("", INTEGER, "", PERCENT, "", PERCENT)),
        )
        facts = ((t("reports.fact.period"), self.period or t("reports.fact.all")),
                 (t("reports.fact.defects"), sum(self.codes.values())),
                 (t("reports.fact.original"), sum(self.original.values())),
                 (t("reports.fact.batch_pass_rate"),
                  "" if self.batch_pass_rate is None else self.batch_pass_rate))
        return ReportDoc(t("reports.quality.title"), project, facts, tables,
                         fact_kinds={t("reports.fact.batch_pass_rate"): PERCENT})


def _per_1000(defects: int, pages: int) -> float:
    return round(defects * 1000 / pages, 2) if pages else 0.0


def quality(ctx: ProjectContext, period: Period | None = None) -> Quality:
    starts = period.starts_at if period else None
    ends = period.ends_at if period else None
    pid = ctx.project_id
    with ctx.transaction() as session:
        names = dict(session.execute(select(Worker.id, Worker.name).where(
            Worker.project_id == pid)).all())
        conds = [Defect.project_id == pid, Defect.status != "waived"]
        if starts is not None and ends is not None:
            conds += [Defect.found_at >= starts, Defect.found_at < ends]
        found = (select(Defect.responsible_id, Defect.stage, Defect.code, Defect.cause,
                        found_when().label("round"))
                 .outerjoin(QCInspection, QCInspection.id == Defect.inspection_id)
                 .where(*conds).subquery("found"))
        rows = session.execute(
            select(found.c.responsible_id, found.c.stage, found.c.code, found.c.cause,
                   found.c.round, func.count().label("n"))
            .group_by(found.c.responsible_id, found.c.stage, found.c.code, found.c.cause,
                      found.c.round)).all()
        worker_pages: dict[int, int] = defaultdict(int)
        stage_pages: dict[str, int] = defaultdict(int)
        for r in session.execute(work_select(pid, starts, ends, StageEvent.worker_id,
                                              StageEvent.stage, exact=False)):
            worker_pages[r.worker_id] += int(r.pages or 0)
            stage_pages[r.stage] += int(r.pages or 0)
        rework = dict(session.execute(select(Rework.status, func.count()).where(
            Rework.project_id == pid).group_by(Rework.status)).all())
        batches = _batches(session, pid)
    return _assemble(period, rows, names, worker_pages, stage_pages, rework, batches)


def _batches(session: Session, pid: int) -> list[BatchQuality]:
    rows = session.execute(
        select(WorkBatch.code, QCInspection.round, QCInspection.decision, QCInspection.pass_rate)
        .join(QCInspection, QCInspection.work_batch_id == WorkBatch.id)
        .where(WorkBatch.project_id == pid,
               QCInspection.decision.is_(None) | QCInspection.decision.in_(VERDICTS))
        .order_by(WorkBatch.code, QCInspection.round)).all()
    grouped: dict[str, list[tuple[str, float | None]]] = defaultdict(list)
    for code, _round, decision, rate in rows:
        grouped[code].append((decision or "", rate))
    return [BatchQuality(code, len(v), v[0][0], v[0][1], v[-1][0], v[-1][1])
            for code, v in grouped.items()]


def _assemble(period: Period | None, rows: Sequence[Any], names: dict[int, str],
              worker_pages: dict[int, int], stage_pages: dict[str, int], rework: dict[str, int],
              batches: list[BatchQuality]) -> Quality:
    by_worker: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_stage: dict[str, int] = defaultdict(int)
    codes: dict[str, int] = defaultdict(int)
    rounds: dict[str, int] = defaultdict(int)
    original: dict[str, int] = defaultdict(int)
    for responsible, stage, code, cause, round_, n in rows:
        if cause == "original":
            original[code] += n
            continue
        codes[code] += n
        rounds[str(round_)] += n
        by_stage[stage or ""] += n
        if responsible is not None:
            by_worker[responsible][code] += n
    workers = tuple(sorted(
        (WorkerQuality(names.get(w, "?"), worker_pages.get(w, 0), sum(c.values()),
                       _per_1000(sum(c.values()), worker_pages.get(w, 0)), dict(sorted(c.items())))
         for w, c in by_worker.items()), key=lambda q: (-q.per_1000_pages, q.worker)))
    stages = tuple(StageQuality(s, stage_pages.get(s, 0), n, _per_1000(n, stage_pages.get(s, 0)))
                   for s, n in sorted(by_stage.items()))
    decided = [b for b in batches if b.first_decision]
    first_pass = (round(sum(b.first_decision == "pass" for b in decided) / len(decided), 4)
                  if decided else None)
    return Quality(period.label if period else "", workers, stages, dict(sorted(codes.items())),
                   dict(sorted(rounds.items(), key=lambda kv: found_order(int(kv[0])))),
                   dict(sorted(original.items())),
                   dict(sorted(rework.items())), tuple(batches), first_pass)
