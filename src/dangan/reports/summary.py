"""工程总结表 (acceptance summary): what the project delivered and how it was checked —
volumes, pages, items, delivered files by form, dates, people by role, defects found and
fixed per QC round (people by role: those who signed work of the role's stages, not
those merely holding it), pass rates, original-paper errors, and returned volumes against the
borrow register."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import Integer, func, select

from dangan.db.models import (
    BorrowBatch,
    BorrowRegisterEntry,
    Defect,
    Item,
    QCInspection,
    StageEvent,
    Volume,
    WorkBatch,
)
from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.reports.common import (
    VERDICTS,
    FirstPass,
    defect_label,
    first_pass,
    found_label,
    found_order,
    found_when,
    label,
    local_day,
    pages_of,
)
from dangan.reports.document import INTEGER, NUMBER, PERCENT, ReportDoc, Table
from dangan.services.progress import stored_files
from dangan.services.project import ProjectContext

FIXED = ("fixed", "verified")


@dataclass(frozen=True)
class RoundFigures:
    round: int  # when found: 0 on the line, n in QC inspection n, -1 after QC (found_when)
    found: int
    fixed: int


@dataclass(frozen=True)
class Summary:
    volumes: int
    pages: int
    items: int
    volumes_returned: int
    register_entries: int
    register_returned: int
    first_day: str
    last_day: str
    files: tuple[tuple[str, str, int, int], ...]  # area, kind, files, bytes
    people: dict[str, int]  # role -> workers who signed work of that role's stages
    rounds: tuple[RoundFigures, ...]
    inspections: int
    first_pass: FirstPass  # volumes accepted at their first QC sampling / first sampled
    mean_pass_rate: float | None
    original_errors: dict[str, int]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def document(self, project: str) -> ReportDoc:
        def head(*cols: str) -> tuple[str, ...]:
            return tuple(t(f"reports.col.{c}") for c in cols)

        facts = (
            (t("reports.fact.volumes"), self.volumes), (t("reports.fact.pages"), self.pages),
            (t("reports.fact.items"), self.items),
            (t("reports.fact.start"), self.first_day), (t("reports.fact.end"), self.last_day),
            (t("reports.fact.register_entries"), self.register_entries),
            (t("reports.fact.register_returned"), self.register_returned),
            (t("reports.fact.volumes_returned"), self.volumes_returned),
            (t("reports.fact.inspections"), self.inspections),
            (t("reports.fact.first_pass"), str(self.first_pass)),
            (t("reports.fact.mean_pass_rate"),
             "" if self.mean_pass_rate is None else self.mean_pass_rate),
            (t("reports.fact.original"), sum(self.original_errors.values())))
        tables = (
            Table(t("reports.summary.files"), head("area", "form", "files", "megabytes"),
                  tuple((label(f"area.{a}", a), label(f"file_kind.{k}", k), n,
                         round(size / 1_000_000, 2)) for a, k, n, size in self.files),
                  ("", "", INTEGER, NUMBER)),
            Table(t("reports.summary.people"), head("role", "workers"),
                  tuple((label(f"role.{r}", r), n) for r, n in self.people.items())),
            Table(t("reports.summary.rounds"), head("round", "found", "fixed"),
                  tuple((found_label(r.round), r.found, r.fixed) for r in self.rounds),
                  ("", INTEGER, INTEGER)),
            Table(t("reports.quality.original"), head("code", "defects"),
                  tuple((defect_label(c), n) for c, n in self.original_errors.items())),
        )
        return ReportDoc(t("reports.summary.title"), project, facts, tables,
                         fill_in=(t("reports.summary.sign_company"),
                                  t("reports.summary.sign_client")),
                         fact_kinds={t("reports.fact.mean_pass_rate"): PERCENT})


def summary(ctx: ProjectContext) -> Summary:
    pid = ctx.project_id
    with ctx.transaction() as session:
        day = local_day(StageEvent.at, session.get_bind().dialect.name)
        volumes, pages = session.execute(select(func.count(), func.sum(pages_of())).where(
            Volume.project_id == pid)).one()
        items = session.scalar(select(func.count()).select_from(Item).join(
            Volume, Volume.id == Item.volume_id).where(Volume.project_id == pid))
        returned = session.scalar(select(func.count()).select_from(Volume).where(
            Volume.project_id == pid, Volume.stage == wf.DONE))
        entries, back = session.execute(select(
            func.count(), func.count(BorrowRegisterEntry.returned_at)).select_from(
            BorrowRegisterEntry).join(BorrowBatch, BorrowBatch.id ==
                                      BorrowRegisterEntry.borrow_batch_id)
            .where(BorrowBatch.project_id == pid)).one()
        first, last = session.execute(select(func.min(day), func.max(day)).where(
            StageEvent.project_id == pid, StageEvent.kind == wf.EVENT_SIGNOFF)).one()
        files = tuple(stored_files(session, pid))  # the database's tally (migration 0013)
        held: dict[str, set[int]] = {}  # role -> workers who signed work of its stages
        for stage, worker in session.execute(
                select(StageEvent.stage, StageEvent.worker_id).where(
                    StageEvent.project_id == pid, StageEvent.kind == wf.EVENT_SIGNOFF,
                    StageEvent.worker_id.is_not(None)).distinct()):
            role = wf.STAGE_ROLE.get(stage or "")
            if role is not None and worker is not None:
                held.setdefault(role, set()).add(worker)
        held.setdefault(wf.QC_INSPECTOR, set()).update(w for w in session.scalars(
            select(QCInspection.inspector_id).join(
                WorkBatch, WorkBatch.id == QCInspection.work_batch_id)
            .where(WorkBatch.project_id == pid, QCInspection.inspector_id.is_not(None))
            .distinct()) if w is not None)
        people = {role: len(workers) for role, workers in sorted(held.items()) if workers}
        found = (select(found_when().label("round"),
                        func.cast(Defect.status.in_(FIXED), Integer).label("fixed"))
                 .outerjoin(QCInspection, QCInspection.id == Defect.inspection_id)
                 .where(Defect.project_id == pid, Defect.cause != "original",
                        Defect.severity == "error", Defect.status != "waived")
                 .subquery("found"))
        rounds = tuple(sorted(
            (RoundFigures(int(r), int(n), int(f or 0)) for r, n, f in session.execute(
                select(found.c.round, func.count(), func.sum(found.c.fixed))
                .group_by(found.c.round))), key=lambda r: found_order(r.round)))
        rates = [r for r in session.scalars(
            select(QCInspection.pass_rate)
            .join(WorkBatch, WorkBatch.id == QCInspection.work_batch_id)
            .where(WorkBatch.project_id == pid, QCInspection.decision.in_(VERDICTS))).all()]
        accepted = first_pass(session, pid)
        original = dict(session.execute(
            select(Defect.code, func.count()).where(Defect.project_id == pid,
                                                    Defect.cause == "original")
            .group_by(Defect.code).order_by(Defect.code)).all())
    known = [r for r in rates if r is not None]
    return Summary(int(volumes or 0), int(pages or 0), int(items or 0), int(returned or 0),
                   int(entries or 0), int(back or 0), str(first or ""), str(last or ""), files,
                   people, rounds, len(rates), accepted,
                   round(sum(known) / len(known), 4) if known else None, original)

