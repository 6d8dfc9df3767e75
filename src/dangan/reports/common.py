"""Shared pieces of the reports: periods, the report time zone, and the sign-off units.

Times are stored in UTC; days, weeks and months of a report are those of the local time zone
(where the line works). A unit of work is a volume's *first* sign-off of a stage: re-signing
after rework or a hand-back and taking the batch again never counts (or pays) twice. The
pages of work done are the pages recorded for that stage (:func:`work_select`), the same for
pay, productivity, progress, estimate, weekly and quality reports; the registered page count
(entered with the volume list) stands only for work still to do, or for the stages done on
the paper before its images are counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, literal_column, select
from sqlalchemy.orm import Session, aliased

from dangan.db.models import Item, QCInspection, StageEvent, StoredFile, Volume, WorkBatch
from dangan.domain import registry
from dangan.domain import workflow as wf
from dangan.errors import InputError
from dangan.i18n import defect_label as defect_label
from dangan.i18n import label as label
from dangan.storage.areas import Area

UNITS = ("page", "volume", "item")
# The verdicts of a QC inspection; an inspection voided (its sample drawn from catalogues
# imported again since, ``services.qc.VOID``) is no verdict and counts nowhere.
VERDICTS = ("pass", "fail")


def local_zone() -> tzinfo:
    zone = datetime.now().astimezone().tzinfo
    return zone if zone is not None else UTC


def utc_offset_hours() -> int:
    offset = datetime.now().astimezone().utcoffset()
    return int(offset.total_seconds() // 3600) if offset is not None else 0


@dataclass(frozen=True)
class Period:
    """[start, end) in local days; ``label`` as the user wrote it (2026-11, 2026-W47, …)."""

    label: str
    start: date
    end: date  # exclusive

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time(), local_zone()).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.end, time(), local_zone()).astimezone(UTC)


def parse_period(text: str) -> Period:
    """``2026-11`` (a month), ``2026-W47`` (an ISO week), ``2026-11-02`` (a day) or
    ``2026-11-01..2026-11-15`` (inclusive range)."""
    s = text.strip()
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{2})", s):
            y, mo = int(m[1]), int(m[2])
            start = date(y, mo, 1)
            end = date(y + (mo == 12), mo % 12 + 1, 1)
            return Period(s, start, end)
        if m := re.fullmatch(r"(\d{4})-W(\d{2})", s, flags=re.I):
            start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return Period(s.upper(), start, start + timedelta(days=7))
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", s):
            a, b = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            if b >= a:
                return Period(s, a, b + timedelta(days=1))
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            d = date.fromisoformat(s)
            return Period(s, d, d + timedelta(days=1))
    except ValueError:
        pass
    raise InputError("reports.bad_period", period=text)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError("reports.bad_date", value=text) from None


def local_day(column: Any, dialect: str) -> ColumnElement[Any]:
    """The local calendar day of a stored UTC timestamp, as SQL (text 'YYYY-MM-DD')."""
    hours = utc_offset_hours()
    if dialect == "sqlite":
        return func.date(column, f"{hours:+d} hours")
    shifted = func.timezone("UTC", column) + literal_column(f"interval '{hours} hours'")
    return func.to_char(shifted, "YYYY-MM-DD")


def pages_of(volume: type[Volume] = Volume) -> ColumnElement[Any]:
    """A volume's pages as far as they are known: counted at intake, else the registered
    expectation — the size of the work, never the work done (:func:`stage_pages`)."""
    return func.coalesce(volume.page_count, volume.expected_pages, 0)


def items_per_volume() -> Any:
    return (select(Item.volume_id.label("volume_id"), func.count().label("n"))
            .group_by(Item.volume_id).subquery("items"))


# Stages done on the paper before (or without) its images: their pages are the volume's
# pages as counted (at intake), else as registered.
PAPER_STAGES = (wf.BORROW, wf.SORT, wf.REBIND, wf.RETURN)


# Stages whose work a recorded decision may waive (signed ``--without-work``). A rebinder's
# accepted page shortfall is also a ``work_waived`` event, but the volume was rebound.
WORK_WAIVABLE = tuple(stage for stage, guards in registry.STAGE_GUARDS.items()
                      if guards and set(guards) <= registry.WAIVABLE_GUARDS)


def stage_pages(stage: Any, *, exact: bool = True) -> ColumnElement[Any]:
    """The pages a volume's sign-off of ``stage`` (a column) stands for: the pages recorded
    for that stage's work, never the registered expectation once images are involved —
    ingested pages for 扫描 (and the stages after it), retouched page files for 修图, the
    counted (else registered) pages for the stages on paper.

    ``exact=False`` (at a glance: the dashboard, the weekly, quality and estimate reports): a
    volume with retouched files counts its ingested pages for 修图 — one index probe instead
    of counting its files; the same figure whenever the volume was retouched whole
    (``dangan retouch`` signs only such volumes). Pay counts the files."""
    if exact:
        retouched: ColumnElement[Any] = (
            select(func.count(func.distinct(StoredFile.page_id)))
            .where(StoredFile.volume_id == Volume.id, StoredFile.area == Area.RETOUCHED.key,
                   StoredFile.page_id.is_not(None))
            .correlate(Volume).scalar_subquery())
    else:
        retouched = case((exists().where(StoredFile.volume_id == Volume.id,
                                         StoredFile.area == Area.RETOUCHED.key)
                          .correlate(Volume), func.coalesce(Volume.page_count, 0)), else_=0)
    return case((stage.in_(PAPER_STAGES),
                 func.coalesce(Volume.page_count, Volume.expected_pages, 0)),
                (stage == wf.RETOUCH, retouched),
                else_=func.coalesce(Volume.page_count, 0))


def first_signoff() -> ColumnElement[bool]:
    """The sign-off (``StageEvent``) is its volume's first of the stage, as the engine marked
    it when signing (``StageEvent.first_signoff``; migration 0018 for the sign-offs before):
    re-signing after rework or a re-borrow never counts twice."""
    return StageEvent.first_signoff.is_(True)


def not_waived() -> ColumnElement[bool]:
    """The sign-off (``StageEvent``) is not of a stage whose work was waived for its volume
    (signed ``--without-work``): such a sign-off stands for no work done. Looked up per
    sign-off, not kept on it like :func:`first_signoff`: a waiver is an event of its own, of
    any time (one recorded after the first sign-off takes it back too), and an event once
    written never changes."""
    waived = aliased(StageEvent)
    return ~exists().where(waived.volume_id == StageEvent.volume_id,
                           waived.stage == StageEvent.stage,
                           waived.stage.in_(WORK_WAIVABLE),
                           waived.kind == wf.EVENT_WORK_WAIVED)


def work_select(project_id: int, starts_at: datetime | None, ends_at: datetime | None,
                *group: Any, exact: bool = True) -> Select[Any]:
    """Volumes, pages and items of the work signed per ``group``: a volume's first sign-off
    of a stage, its pages as recorded for that stage (:func:`stage_pages`); a volume whose
    stage work was waived (``work_waived``: signed without the work) counts nothing there.
    ``exact=False``: 修图 pages by :func:`stage_pages` at a glance — for the reports over the
    whole project (weekly, quality, estimate), where counting every volume's retouched files
    costs seconds; pay and productivity count them exactly."""
    items = items_per_volume()
    conds: list[ColumnElement[bool]] = [
        StageEvent.project_id == project_id, StageEvent.kind == wf.EVENT_SIGNOFF,
        StageEvent.volume_id.is_not(None), first_signoff(), not_waived()]
    if starts_at is not None:
        conds.append(StageEvent.at >= starts_at)
    if ends_at is not None:
        conds.append(StageEvent.at < ends_at)
    return (select(*group, func.count().label("volumes"),
                   func.sum(stage_pages(StageEvent.stage, exact=exact)).label("pages"),
                   func.sum(func.coalesce(items.c.n, 0)).label("items"))
            .select_from(StageEvent)
            .join(Volume, Volume.id == StageEvent.volume_id)
            .outerjoin(items, items.c.volume_id == StageEvent.volume_id)
            .where(*conds)
            .group_by(*group))


def _first_sampling(project_id: int) -> Any:
    """Per work batch: the round of its first QC inspection that reached a verdict (a voided
    inspection is no verdict)."""
    return (select(QCInspection.work_batch_id.label("batch_id"),
                   func.min(QCInspection.round).label("round"))
            .join(WorkBatch, WorkBatch.id == QCInspection.work_batch_id)
            .where(WorkBatch.project_id == project_id, QCInspection.decision.in_(VERDICTS))
            .group_by(QCInspection.work_batch_id).subquery("first_sampling"))


def first_verdicts(session: Session, project_id: int) -> dict[str, int]:
    """Work batches by the verdict of their first QC sampling (as ``first_pass`` takes it)."""
    first = _first_sampling(project_id)
    return {str(d): int(n) for d, n in session.execute(
        select(QCInspection.decision, func.count()).select_from(first)
        .join(QCInspection, and_(QCInspection.work_batch_id == first.c.batch_id,
                                 QCInspection.round == first.c.round))
        .group_by(QCInspection.decision)).all()}


@dataclass(frozen=True)
class FirstPass:
    """一次抽检合格: volumes accepted at their first QC sampling, of the volumes whose first
    QC sampling was decided."""

    accepted: int
    decided: int

    def __str__(self) -> str:
        return f"{self.accepted}/{self.decided}"


def first_pass(session: Session, project_id: int, starts_at: datetime | None = None,
               ends_at: datetime | None = None) -> FirstPass:
    """一次抽检合格, the one definition every report uses: a volume is accepted at its first QC
    sampling when the first inspection of its work batch that reached a verdict passed (a
    voided inspection is no verdict; a re-inspection after rework is never a first sampling);
    the verdict of a sampling is every volume's of the batch. With a period: the volumes whose
    first sampling was decided in it."""
    first = _first_sampling(project_id)
    q = (select(func.count(Volume.id),
                func.sum(case((QCInspection.decision == "pass", 1), else_=0)))
         .select_from(first)
         .join(QCInspection, and_(QCInspection.work_batch_id == first.c.batch_id,
                                  QCInspection.round == first.c.round))
         .join(Volume, Volume.work_batch_id == first.c.batch_id))
    if starts_at is not None:
        q = q.where(QCInspection.decided_at >= starts_at)
    if ends_at is not None:
        q = q.where(QCInspection.decided_at < ends_at)
    decided, accepted = session.execute(q).one()
    return FirstPass(int(accepted or 0), int(decided or 0))


# When a defect was found (``found_when``): on the line before its work batch's QC began, in
# the n-th QC inspection of the batch (n ≥ 1: that inspection's sample), or after the batch's
# QC began but outside any inspection (an inspector's later finding, a check run after QC).
FOUND_ON_LINE, FOUND_AFTER_QC = 0, -1


def found_when() -> ColumnElement[Any]:
    """A ``Defect`` row's :data:`FOUND_ON_LINE`, inspection number or :data:`FOUND_AFTER_QC`,
    as SQL (the ``Defect`` outer-joined to its ``QCInspection``)."""
    from dangan.db.models import Defect

    began = aliased(QCInspection)
    return case((QCInspection.round.is_not(None), QCInspection.round),
                (exists().where(began.work_batch_id == Defect.work_batch_id,
                                began.started_at <= Defect.found_at), FOUND_AFTER_QC),
                else_=FOUND_ON_LINE)


def found_label(when: int) -> str:
    from dangan.i18n import t

    if when == FOUND_ON_LINE:
        return t("reports.quality.line")
    if when == FOUND_AFTER_QC:
        return t("reports.quality.after_qc")
    return t("reports.quality.inspection_no", n=when)


def found_order(when: int) -> int:
    """On the line first, then the inspections in order, then after QC."""
    return 1_000_000 if when == FOUND_AFTER_QC else when


def round2(value: float) -> float:
    return round(value + 0.0, 2)


def verdict_label(decision: str | None) -> str:
    return label(f"reports.verdict.{decision}", decision or "")
