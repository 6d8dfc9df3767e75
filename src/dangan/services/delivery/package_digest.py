"""What a delivery package holds, as checksums recorded with its ``package`` event: the
catalogue fields its files carry and the retouched pages it was built from, and the last
catalogue import of the volume packaging saw. ``readiness.stale_packages`` compares them with
what is recorded now.

A form's files carry of the catalogue (卷内目录) only this: which pages make each file and its
name (顺序号, page range) — every form; the title, author and document number in a PDF's
properties; the title in the JPEG form's page index. Other fields (date, security class,
remarks, extra columns) and the volume record (卷宗信息) are delivered in the handover's
catalogue workbook and link data, built when the handover is made: changing them leaves the
package as it is.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.db.models import Item, Page, StageEvent, StoredFile
from dangan.domain import workflow as wf
from dangan.storage import Area, sha256_bytes

_SPLIT = ("seq", "page_start", "page_end")
CATALOGUE_FIELDS: dict[str, tuple[str, ...]] = {
    "pdf": (*_SPLIT, "title", "author", "doc_no"),
    "jpg": (*_SPLIT, "title"),
    "zip": _SPLIT,
    "tiff": _SPLIT,
}


def _digest(body: Any) -> str:
    return sha256_bytes(json.dumps(body, ensure_ascii=False, sort_keys=True,
                                   default=str).encode("utf-8"))


def catalogue_digest(items: Sequence[Any], form: str) -> str:
    """The catalogue as ``form``'s files carry it: the form's fields of every item, by 顺序号."""
    fields = CATALOGUE_FIELDS.get(form, _SPLIT)
    rows = sorted(([getattr(i, f) for f in fields] for i in items), key=lambda r: r[0])
    return _digest({"fields": fields, "items": rows})


def pages_digest(pages: Iterable[tuple[int, str]]) -> str:
    """The retouched pages a package was built from: (page number, recorded SHA-256) each."""
    return _digest(sorted(pages))


def recorded_items(session: Session, volume_ids: Collection[int]) -> dict[int, list[Any]]:
    """The volumes' items, only the fields a package carries (light rows, one query)."""
    out: dict[int, list[Any]] = defaultdict(list)
    if volume_ids:
        fields = sorted({f for names in CATALOGUE_FIELDS.values() for f in names})
        for row in session.execute(select(Item.volume_id, *(getattr(Item, f) for f in fields))
                                   .where(Item.volume_id.in_(list(volume_ids)))):
            out[row.volume_id].append(row)
    return out


def recorded_pages(session: Session, volume_ids: Collection[int]) -> dict[int, dict[int, str]]:
    """The volumes' retouched pages: page number → recorded SHA-256 (one query)."""
    out: dict[int, dict[int, str]] = defaultdict(dict)
    if volume_ids:
        for vid, page_no, sha in session.execute(
                select(StoredFile.volume_id, Page.page_no, StoredFile.sha256)
                .join(Page, Page.id == StoredFile.page_id)
                .where(StoredFile.volume_id.in_(list(volume_ids)),
                       StoredFile.area == Area.RETOUCHED.key)):
            if vid is not None:
                out[vid][page_no] = sha
    return out


def latest_catalogue_events(session: Session, project_id: int,
                            volume_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Volume id → the id of its latest ``catalogue_import`` event, for the project's volumes
    (or ``volume_ids``), in one grouped query.

    Packaging reads this before it reads the items: an import committed in between is then
    after what the package saw, and ``stale_packages`` compares the catalogue again."""
    q = select(StageEvent.volume_id, func.max(StageEvent.id)).where(
        StageEvent.project_id == project_id, StageEvent.kind == wf.EVENT_CATALOGUE)
    if volume_ids is not None:
        ids = list(volume_ids)
        if not ids:
            return {}
        q = q.where(StageEvent.volume_id.in_(ids))
    return {vid: int(last) for vid, last in session.execute(q.group_by(StageEvent.volume_id))
            if vid is not None and last is not None}


def seen_catalogue_event(event_id: int, data: dict[str, Any]) -> int:
    """The latest catalogue import a package event was built after: recorded with it, or —
    for a package recorded without it — the package event itself (imports after it)."""
    seen = data.get("catalogue_event")
    return int(seen) if isinstance(seen, int) else event_id
