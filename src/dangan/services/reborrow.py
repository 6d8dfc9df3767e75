"""再借: a volume back in the archive room whose rework needs the paper is borrowed again.

A defect the client's acceptance (验收) finds after the return is reworked by whoever made it;
one of a stage done on the paper (整理, 扫描, 装订: ``qc.PAPER_STAGES``) needs the volume out
again. Such a volume — and only such a one — may be listed on a new borrow batch of its own
(a re-borrow batch, never mixed with volumes borrowed the first time): the listing event names
the open reworks and their defects, the register shows them in 借出时情况, and the engine signs
the borrowing as for any batch. The volume keeps its work batch: once out it goes to 装订 (or
to 还卷 when the line has no rebinding), its work batch back to 装订 with it; the rework is
done and re-inspected, the binder rebinds it through the engine and it goes back with the
re-borrow batch's own return list, which closes the work batch again.

Reads and wording only: listing lives in ``services.borrow``, signing in ``services.engine``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.db.models import BorrowBatch, Defect, Rework, StageEvent, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.i18n import defect_label, join, t

# the listing event (``borrow_list``) of a re-borrowed volume carries these in its data
FLAG = "reborrow"


def paper_stages() -> frozenset[str]:
    """The stages whose rework needs the paper (``qc.PAPER_STAGES``, read when asked:
    ``services.qc`` imports the rework and engine modules that use this one)."""
    from dangan.services.qc import PAPER_STAGES

    return PAPER_STAGES


def paper_reworks(session: Session, volume_ids: Sequence[int]) -> dict[int, list[Rework]]:
    """Per volume, its open reworks of a stage done on the paper, oldest first."""
    if not volume_ids:
        return {}
    found: dict[int, list[Rework]] = {}
    for rework in session.scalars(select(Rework).where(
            Rework.volume_id.in_(list(volume_ids)), Rework.status == "open",
            Rework.stage.in_(sorted(paper_stages()))).order_by(Rework.id)):
        found.setdefault(rework.volume_id or 0, []).append(rework)
    return found


def paper_in_archive(volume: Volume) -> bool:
    """The paper is in the archive room: returned (``done``), or listed on a borrow batch
    whose register is not yet signed (``borrow``)."""
    return volume.stage in (wf.DONE, wf.BORROW)


def reborrowed(session: Session, batch_id: int,
               volumes: Sequence[Volume]) -> dict[int, WorkBatch]:
    """The volumes of borrow batch ``batch_id`` that came back on it for rework, each with
    its work batch: a volume listed already on a work batch of another borrow batch."""
    ids = {v.work_batch_id for v in volumes if v.work_batch_id is not None}
    if not ids:
        return {}
    batches = {b.id: b for b in session.scalars(select(WorkBatch).where(
        WorkBatch.id.in_(ids), WorkBatch.borrow_batch_id != batch_id))}
    return {v.id: batches[v.work_batch_id] for v in volumes
            if v.work_batch_id is not None and v.work_batch_id in batches}


def listing_data(reworks: Sequence[Rework], first_no: int | None) -> dict[str, Any]:
    """What the listing event of a re-borrowed volume records."""
    return {FLAG: True, "rework_ids": [r.id for r in reworks],
            "defect_ids": [r.defect_id for r in reworks if r.defect_id is not None],
            "previous_borrow_no": first_no}


def listings(session: Session, batch_id: int) -> dict[int, dict[str, Any]]:
    """Per re-borrowed volume of the batch, the data its listing event recorded."""
    rows = session.execute(select(StageEvent.volume_id, StageEvent.data).where(
        StageEvent.borrow_batch_id == batch_id, StageEvent.kind == wf.EVENT_BORROW_LIST)
        .order_by(StageEvent.id)).all()
    return {int(vid): dict(data) for vid, data in rows
            if vid is not None and (data or {}).get(FLAG)}


def defects_words(session: Session, defect_ids: Sequence[int]) -> str:
    """The defects a re-borrow is for, in the reader's language: number, kind, page, stage."""
    if not defect_ids:
        return "-"
    defects = session.scalars(select(Defect).where(Defect.id.in_(list(defect_ids)))
                              .order_by(Defect.id)).all()
    return join(t("borrow.reborrow.defect", id=d.id, defect=defect_label(d.code),
                  page=d.page_no if d.page_no is not None else "-",
                  stage=t(f"stage.{d.stage}") if d.stage else "-") for d in defects)


def register_note(session: Session, data: dict[str, Any]) -> str:
    """The register's 借出时情况 of a re-borrowed volume: 再借 for rework, naming the defects
    and the borrow batch it went back with."""
    return t("borrow.reborrow.note", no=data.get("previous_borrow_no") or "-",
             defects=defects_words(session, data.get("defect_ids") or []))


def previous_borrow_no(session: Session, volume: Volume) -> int | None:
    if volume.borrow_batch_id is None:
        return None
    return session.scalar(select(BorrowBatch.no).where(BorrowBatch.id == volume.borrow_batch_id))


@dataclass(frozen=True)
class Candidate:
    """A returned volume that may be borrowed again: its open reworks needing the paper."""

    archive_code: str
    title: str
    pages: int | None
    returned_with: int | None  # the borrow batch it went back with
    defects: str  # in words (``defects_words``)


def candidates(session: Session, project_id: int, limit: int = 200) -> list[Candidate]:
    """Returned volumes with an open rework that needs the paper, in the client's list order
    (the borrow desk offers them for a re-borrow)."""
    ids = list(session.scalars(select(Rework.volume_id).join(
        Volume, Volume.id == Rework.volume_id).where(
        Rework.project_id == project_id, Rework.status == "open",
        Rework.stage.in_(sorted(paper_stages())), Volume.stage == wf.DONE).distinct()))
    volumes = session.scalars(select(Volume).where(Volume.id.in_(ids))
                              .order_by(Volume.list_row, Volume.id).limit(limit)).all()
    open_ = paper_reworks(session, [v.id for v in volumes])
    return [Candidate(v.archive_code, v.title, v.expected_pages, previous_borrow_no(session, v),
                      defects_words(session, [r.defect_id for r in open_.get(v.id, [])
                                              if r.defect_id is not None]))
            for v in volumes]
