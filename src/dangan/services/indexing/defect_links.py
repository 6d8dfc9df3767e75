"""Defects tied to a volume's catalogue items survive the items being replaced by an import."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.db.models import Defect as DefectRow
from dangan.db.models import Item


def unlink(session: Session, volume_id: int) -> list[tuple[DefectRow, int]]:
    """Detach the defects tied to the volume's catalogue items before they are replaced: each
    keeps the item it was about as data (``item_seq``, ``item_title``, ``item_pages``), so a
    defect (open, fixed, waived or the paper's own) is never lost with the rows it points to."""
    items = {i.id: i for i in session.scalars(select(Item).where(Item.volume_id == volume_id))}
    if not items:
        return []
    linked = []
    for defect in session.scalars(select(DefectRow).where(DefectRow.item_id.in_(list(items)))):
        item = items[defect.item_id or 0]
        data = dict(defect.data or {})
        data.setdefault("item_seq", item.seq)
        data.setdefault("item_title", item.title or "")
        data.setdefault("item_pages", [item.page_start, item.page_end])
        defect.data = data  # a new dict: the JSON column sees the change
        defect.item_id = None
        linked.append((defect, item.seq))
    session.flush()  # the references are cleared before the items go
    return linked


def relink(session: Session, linked: list[tuple[DefectRow, int]],
                    new_items: list[Item]) -> None:
    """Tie each detached defect to the replacing item at the same 顺序号 (if there is one);
    without one its item stays recorded as data, the link cleared."""
    if not linked:
        return
    session.flush()  # the new items' ids
    by_seq = {i.seq: i.id for i in new_items}
    for defect, seq in linked:
        defect.item_id = by_seq.get(seq)
