"""Pages the retouch engine was not sure of, held for a person before the stage is signed.

A page flagged ``needs_review`` by the automatic retouch (left on its side, an unsure sheet, a
torn edge…) was left as it was, for a person. Its volume is not signed for 修图 while such a
finding is open (the engine's ``review_settled`` guard; the retouch run leaves such volumes
out of its sign-off and names them): the retoucher looks at each page and accepts it or
replaces it with a hand-fixed file (``services.retouch.fix``, the desk or ``dangan page``),
then runs retouch again, which signs what is recorded and no longer held.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.db.models import Defect, Volume
from dangan.domain import workflow as wf
from dangan.i18n import join, t
from dangan.imaging.context import NEEDS_REVIEW
from dangan.services.retouch import defect_words

if TYPE_CHECKING:
    from dangan.config import ProjectConfig

# Held volumes and pages named one by one in a run's summary and a refusal's details.
MAX_HELD_LINES = 40


@dataclass(frozen=True)
class HeldPage:
    """One page a person must look at: its number and why, in the reader's words."""

    page_no: int
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"page": self.page_no, "reasons": list(self.reasons)}


def _words(defect: Defect) -> str:
    detail = str((defect.data or {}).get("detail", ""))
    return defect_words(defect.code, detail) if detail or not defect.message else defect.message


def held_in_session(session: Session, volume_ids: Iterable[int],
                    at_retouch_only: bool = False) -> dict[str, list[HeldPage]]:
    """archive code -> its pages holding an open ``needs_review`` retouch finding (with the
    reasons in words), for the given volumes; ``at_retouch_only``: only volumes still at 修图
    (one signed already is no longer held)."""
    ids = list(volume_ids)
    if not ids:
        return {}
    query = (select(Volume.archive_code, Defect).join(Defect, Defect.volume_id == Volume.id)
             .where(Volume.id.in_(ids), Defect.source == "retouch", Defect.status == "open",
                    Defect.code == NEEDS_REVIEW)
             .order_by(Volume.archive_code, Defect.page_no, Defect.id))
    if at_retouch_only:
        query = query.where(Volume.stage == wf.RETOUCH)
    pages: dict[str, dict[int, list[str]]] = {}
    for code, defect in session.execute(query).all():
        words = pages.setdefault(code, {}).setdefault(int(defect.page_no or 0), [])
        said = _words(defect)
        if said not in words:
            words.append(said)
    return {code: [HeldPage(no, tuple(reasons)) for no, reasons in sorted(by_page.items())]
            for code, by_page in sorted(pages.items())}


def held_volumes(session: Session, project_id: int, archive_codes: Sequence[str] = (),
                 batch_id: int | None = None) -> dict[str, list[HeldPage]]:
    """The held pages of the named volumes (or of a work batch's volumes) still at 修图."""
    query = select(Volume.id).where(Volume.project_id == project_id)
    if archive_codes:
        query = query.where(Volume.archive_code.in_(list(archive_codes)))
    if batch_id is not None:
        query = query.where(Volume.work_batch_id == batch_id)
    return held_in_session(session, session.scalars(query).all(), at_retouch_only=True)


def stage_after_retouch(config: ProjectConfig) -> str:
    """The stage of the project's workflow a work batch goes to after 修图 (标引, 质检…)."""
    from dangan.services.workflow_state import graph_for

    graph = graph_for(config)
    return graph.next(wf.RETOUCH) if wf.RETOUCH in graph else wf.DONE


def next_stage_words(next_stage: str) -> str:
    """The name of ``next_stage`` in the user's language, as the held pages' advice says it."""
    return t(f"stage.{next_stage}") if next_stage and next_stage != wf.DONE else t("stage.done")


def held_entries(held: Mapping[str, list[HeldPage]], stage_signed: bool = True, *,
                 next_stage: str) -> list[tuple[int, str]]:
    """Each held volume (depth 0) and its pages with the reasons (depth 1), in words, then
    what to do (depth 0), naming ``next_stage``: where the work batch goes once every volume
    is signed (``stage_after_retouch``). ``stage_signed``: the volume's line says it was not
    signed (a run's summary); else that the stage cannot be signed (a refused sign-off)."""
    if not held:
        return []
    out: list[tuple[int, str]] = []
    for code, pages in held.items():
        out.append((0, t("retouch.hold.volume" if stage_signed else "retouch.hold.volume_refused",
                         code=code, stage=t(f"stage.{wf.RETOUCH}"), count=len(pages),
                         pages=join(str(p.page_no) for p in pages))))
        out.extend((1, t("retouch.hold.page", code=code, page=p.page_no,
                         words=join(p.reasons))) for p in pages)
    if len(out) > MAX_HELD_LINES:
        left = len(out) - MAX_HELD_LINES
        out = [*out[:MAX_HELD_LINES], (1, t("retouch.hold.more", count=left))]
    out.append((0, t("retouch.hold.todo", next=next_stage_words(next_stage))))
    return out


def held_lines(held: Mapping[str, list[HeldPage]], stage_signed: bool = True, *,
               next_stage: str) -> list[str]:
    """``held_entries`` as lines."""
    return [line for _depth, line in held_entries(held, stage_signed, next_stage=next_stage)]


def pages_count(held: Mapping[str, list[HeldPage]]) -> int:
    return sum(len(pages) for pages in held.values())
