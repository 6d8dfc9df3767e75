"""The guards a stage adds before its sign-off, beyond claim, role and stage order.

Declared in ``dangan.domain.registry.STAGE_GUARDS`` and implemented once here (``GUARDS``);
importing this module fails if a declared guard has no implementation. The engine
(``services.engine``) runs them inside its sign-off transaction. 扫描 and 上传 may be signed
without their recorded work only as a recorded decision (``work_waived`` events: who, when,
why), for the volumes lacking it; 标引 never without the volume's catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from dangan.db.models import (
    CatalogueKeying,
    Item,
    Page,
    QCInspection,
    StageEvent,
    StoredFile,
    Volume,
    WorkBatch,
)
from dangan.domain import registry
from dangan.domain import workflow as wf
from dangan.errors import InputError, StateError
from dangan.i18n import t
from dangan.services import workflow_state as ws

Guard = Callable[[Session, int, wf.StageGraph, WorkBatch | None, Sequence[Volume], str], None]


def _waived(session: Session, volumes: Sequence[Volume], stage: str) -> set[int]:
    """Volumes whose ``stage`` work was waived by a recorded decision (reason, person, time)."""
    return set(session.scalars(select(StageEvent.volume_id).where(
        StageEvent.volume_id.in_([v.id for v in volumes]), StageEvent.stage == stage,
        StageEvent.kind == wf.EVENT_WORK_WAIVED)))


def _sort_record(session: Session, _project_id: int, _graph: wf.StageGraph,
                 _batch: WorkBatch | None, volumes: Sequence[Volume], _stage: str) -> None:
    ids = [v.id for v in volumes]
    recorded = set(session.scalars(select(StageEvent.volume_id).where(
        StageEvent.volume_id.in_(ids), StageEvent.kind == wf.EVENT_SORT_RECORD)))
    missing = [v.archive_code for v in volumes if v.id not in recorded]
    if missing:
        raise StateError("sort.record_missing", count=len(missing), details=missing[:20])


def _pages_ingested(session: Session, _project_id: int, _graph: wf.StageGraph,
                    _batch: WorkBatch | None, volumes: Sequence[Volume], stage: str) -> None:
    """A scan sign-off needs the volume's pages recorded by ingest (or a recorded waiver)."""
    if not volumes:
        return
    with_pages = set(session.scalars(select(Page.volume_id).where(
        Page.volume_id.in_([v.id for v in volumes])).distinct()))
    waived = _waived(session, volumes, stage)
    missing = [v.archive_code for v in volumes if v.id not in with_pages | waived]
    if missing:
        raise StateError("workflow.pages_not_ingested", count=len(missing), codes=missing[0],
                         details=missing[:20])


def _forms_packaged(session: Session, _project_id: int, graph: wf.StageGraph,
                    _batch: WorkBatch | None, volumes: Sequence[Volume], stage: str) -> None:
    """An upload sign-off needs every configured delivery form recorded (or a waiver)."""
    if not volumes:
        return
    have: dict[int, set[str]] = {}
    for volume_id, kind in session.execute(select(StoredFile.volume_id, StoredFile.kind).where(
            StoredFile.volume_id.in_([v.id for v in volumes]),
            StoredFile.area == "uploaded").distinct()):
        if volume_id is not None:
            have.setdefault(volume_id, set()).add(kind)
    waived = _waived(session, volumes, stage)
    lacking: list[str] = []
    for v in volumes:
        if v.id in waived:
            continue
        kinds = have.get(v.id, set())
        forms = [f for f in graph.delivery_forms
                 if not kinds & set(registry.FORM_FILE_KINDS.get(f, (f,)))]
        if forms:
            lacking.append(f"{v.archive_code}: {', '.join(forms)}")
    if lacking:
        raise StateError("workflow.forms_not_packaged", count=len(lacking),
                         first=lacking[0], details=lacking[:20])


def _catalogue_imported(session: Session, _project_id: int, _graph: wf.StageGraph,
                        _batch: WorkBatch | None, volumes: Sequence[Volume], _stage: str) -> None:
    """An index sign-off needs the volume's catalogue: at least one 卷内目录 entry (``item``)
    imported or accepted at the desk. Under 一稿双录 the keyings (``catalogue_keying``) are
    no catalogue until their resolution is imported; such a volume is named as waiting for
    its second keying or its resolution. Not waivable: a volume without its catalogue is
    indexed first."""
    if not volumes:
        return
    ids = [v.id for v in volumes]
    with_items = set(session.scalars(select(Item.volume_id).where(
        Item.volume_id.in_(ids)).distinct()))
    missing = [v for v in volumes if v.id not in with_items]
    if not missing:
        return
    rounds: dict[int, set[int]] = {}  # the rounds keyed since the last resolution
    for volume_id, rnd in session.execute(select(CatalogueKeying.volume_id, CatalogueKeying.round)
                                          .where(CatalogueKeying.volume_id.in_(
                                              [v.id for v in missing]))
                                          .order_by(CatalogueKeying.id)):
        if rnd == 3:
            rounds.pop(volume_id, None)
        else:
            rounds.setdefault(volume_id, set()).add(rnd)
    lines = []
    for v in missing:
        keyed = rounds.get(v.id, set())
        why = ("index.catalogue_keying_unresolved" if {1, 2} <= keyed else
               "index.catalogue_keying_second" if keyed else "index.catalogue_none")
        lines.append(t(why, code=v.archive_code))
    raise StateError("index.catalogue_not_imported", count=len(missing),
                     first=missing[0].archive_code, details=lines[:20])


def _qc_verdict(session: Session, _project_id: int, _graph: wf.StageGraph,
                batch: WorkBatch | None, _volumes: Sequence[Volume], stage: str) -> None:
    if batch is None:
        return
    decision = session.scalar(select(QCInspection.decision).where(
        QCInspection.work_batch_id == batch.id).order_by(QCInspection.round.desc()).limit(1))
    if decision != "pass" or ws.open_rework_count(session, batch.id):
        raise StateError("workflow.qc_signoff_via_decide", code=batch.code)


def _review_settled(session: Session, _project_id: int, graph: wf.StageGraph,
                    _batch: WorkBatch | None, volumes: Sequence[Volume], _stage: str) -> None:
    """A retouch sign-off never signs a volume with a page the engine was not sure of
    (an open ``needs_review`` finding) until a person accepted or replaced that page."""
    from dangan.services.retouch.hold import held_in_session, held_lines, pages_count

    held = held_in_session(session, [v.id for v in volumes])
    if held:
        first = next(iter(held))
        raise StateError("retouch.hold.refused", count=len(held), pages=pages_count(held),
                         first=first, details=held_lines(held, stage_signed=False,
                                                   next_stage=graph.next(wf.RETOUCH)))


def _rebind_ready(session: Session, project_id: int, _graph: wf.StageGraph,
                  batch: WorkBatch | None, volumes: Sequence[Volume], _stage: str) -> None:
    from dangan.services.rebind import rebind_problems

    rebind_problems(session, project_id, volumes)


GUARDS: dict[str, Guard] = {
    "sort_record": _sort_record,
    "pages_ingested": _pages_ingested,
    "catalogue_imported": _catalogue_imported,
    "forms_packaged": _forms_packaged,
    "qc_verdict": _qc_verdict,
    "rebind_ready": _rebind_ready,
    "review_settled": _review_settled,
}
_missing = {g for gs in registry.STAGE_GUARDS.values() for g in gs} - set(GUARDS)
if _missing:  # pragma: no cover - a declaration without implementation is a programming error
    raise RuntimeError(f"stage guards declared but not implemented: {sorted(_missing)}")


def run_guards(session: Session, project_id: int, graph: wf.StageGraph, batch: WorkBatch | None,
               volumes: Sequence[Volume], stage: str) -> None:
    for name in registry.STAGE_GUARDS.get(stage, ()):
        GUARDS[name](session, project_id, graph, batch, volumes, stage)


def _check_waiver(stage: str, reason: str) -> None:
    guards = registry.STAGE_GUARDS.get(stage, ())
    if not guards or not set(guards) <= registry.WAIVABLE_GUARDS:
        raise StateError("workflow.not_waivable", stage=t(f"stage.{stage}"))
    if not reason.strip():
        raise InputError("workflow.waiver_needs_reason")


def waive_work(session: Session, project_id: int, volumes: Sequence[Volume], stage: str,
               worker_id: int, person: str, reason: str, at: datetime) -> None:
    """Record the decision to sign ``stage`` without its recorded work (who, when, why). Only
    stages whose guards are all waivable; the reason is required."""
    _check_waiver(stage, reason)
    session.execute(insert(StageEvent), [
        {"project_id": project_id, "kind": wf.EVENT_WORK_WAIVED, "stage": stage,
         "worker_id": worker_id, "person": person, "volume_id": v.id,
         "work_batch_id": v.work_batch_id, "remarks": reason.strip(), "data": {}, "at": at}
        for v in volumes])


def waive_lacking(session: Session, project_id: int, graph: wf.StageGraph, batch: WorkBatch,
                  volumes: Sequence[Volume], stage: str, worker_id: int, person: str,
                  reason: str, at: datetime) -> None:
    """Record a waiver for each volume whose stage work the guards do not find."""
    _check_waiver(stage, reason)
    lacking = []
    for v in volumes:
        try:
            run_guards(session, project_id, graph, batch, [v], stage)
        except StateError:
            lacking.append(v)
    if lacking:
        waive_work(session, project_id, lacking, stage, worker_id, person, reason, at)
        session.flush()
