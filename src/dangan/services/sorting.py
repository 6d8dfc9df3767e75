"""整理: the sorting record of a volume before scanning — unbinding notes, special bindings
photographed, pages numbered. A volume is signed off for ``sort`` only with its record; a
correction is a new record naming the one it corrects and keeps what it does not change.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.db.models import StageEvent, WorkBatch
from dangan.domain import workflow as wf
from dangan.errors import InputError, IntegrityError, StateError
from dangan.i18n import join, t
from dangan.services import engine
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext
from dangan.storage.areas import Area

PHOTO_DIR = "整理照片"  # under 过程记录: photos of special bindings, per volume
MAX_PHOTO = 20 * 1024 * 1024
_PHOTO_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "TIFF": ".tif"}


def read_photo(path: str | Path) -> tuple[bytes, str]:
    """A sorting photo given by path: (its bytes, the suffix of its format). A path that is not
    an existing file, or a file that is not a JPEG, PNG or TIFF image, is refused by name."""
    from PIL import Image, UnidentifiedImageError

    file = Path(path)
    if not file.is_file():
        raise InputError("sort.photo_missing", path=str(path))
    data = file.read_bytes()
    if not data or len(data) > MAX_PHOTO:
        raise InputError("sort.photo_size", path=str(path), max=MAX_PHOTO // (1024 * 1024))
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            image.verify()  # the structure; then every pixel decodes (a cut-off file does not)
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as exc:
        raise InputError("sort.photo_not_image", path=str(path),
                         types=", ".join(_PHOTO_FORMATS)) from exc
    if kind not in _PHOTO_FORMATS:
        raise InputError("sort.photo_not_image", path=str(path), types=", ".join(_PHOTO_FORMATS))
    return data, _PHOTO_FORMATS[kind]


def photo_ref(archive_code: str, data: bytes, suffix: str) -> str:
    """Where a photo is (or would be) stored: ``<path>#sha256=<digest>`` (content-addressed)."""
    digest = hashlib.sha256(data).hexdigest()
    folder = re.sub(r"[^\w.\-]+", "_", archive_code)[:120] or "_"
    return f"{Area.RECORDS.value}/{PHOTO_DIR}/{folder}/{digest[:16]}{suffix}#sha256={digest}"


def store_photo(ctx: ProjectContext, archive_code: str, data: bytes, suffix: str) -> str:
    """Write one photo to 过程记录/整理照片/<volume>/<sha256 prefix><suffix> (atomically, by the
    storage layer), read it back and check its SHA-256; returns ``<path>#sha256=<digest>``."""
    ref = photo_ref(archive_code, data, suffix)
    rel, digest = ref.split("#sha256=")
    written = ctx.storage.write_bytes(rel, data)
    if written != digest or hashlib.sha256(ctx.storage.read_bytes(rel)).hexdigest() != digest:
        raise IntegrityError("records.photo_checksum", name=rel)
    return ref


SORT_FIELDS = ("pages_numbered", "unbind_notes", "special_binding_photos")


def latest_sort_record(session: Session, volume_id: int) -> StageEvent | None:
    """The volume's sort record in force: the latest one (earlier ones are its history)."""
    return session.scalars(select(StageEvent).where(
        StageEvent.volume_id == volume_id, StageEvent.kind == wf.EVENT_SORT_RECORD)
        .order_by(StageEvent.at.desc(), StageEvent.id.desc()).limit(1)).first()


def record_sorting(ctx: ProjectContext, actor: Actor, archive_code: str, pages_numbered: int,
                   unbind_notes: str = "", photos: Sequence[str] = (),
                   remarks: str = "", photo_files: Sequence[str | Path] = (), *,
                   remove_photos: Sequence[str] = (), clear_notes: bool = False,
                   based_on: int | None = None) -> int:
    """拆卷/分类/编页码 done for one volume: the sorter records what was found and numbered.

    ``photos``: photos already stored (``<path>#sha256=…``); ``photo_files``: local image files,
    checked first (a missing file or a non-image refuses the whole record), then copied into
    过程记录/整理照片 with their SHA-256 once the volume and the claim are checked, inside the
    record's transaction (a failed copy records nothing).

    A record for a volume that already has one is a correction: a new record naming the one
    it corrects (``corrects``) and what changed (``changed``: field -> [before, after]); the
    earlier record stays as it was. A correction keeps what it does not change — the rule,
    so that a form or command that sends a field empty never erases it:
    - the saved photos stay; new ones are added (one already in the record is not added
      twice); a photo leaves the record only when named in ``remove_photos`` (its stored
      reference; recorded as ``removed_photos``; the file stays in 过程记录, where the
      earlier record names it). A name that is not in the record is refused.
    - empty ``unbind_notes`` keeps the saved notes; only ``clear_notes`` empties them.
    ``based_on``: the record the correction was made from (the form's); when another record
    was saved since, the correction is refused (``sort.record_changed``), not applied over it.
    ``registered_pages``: the client's count when recorded, kept with the record (a count that
    differs is a warning to settle with the client, ``sort.page_differs``, not a refusal).
    Recording needs the batch's sort claim; the sort sign-off (``signoff``) then checks that
    every volume has its record."""
    if pages_numbered < 1:
        raise InputError("sort.bad_page_count", value=pages_numbered)
    files = [read_photo(p) for p in photo_files]
    with ctx.transaction() as session:
        volume = ws.volume_by_code(session, ctx.project_id, archive_code)
        if volume.work_batch_id is None or volume.stage != wf.SORT:
            raise StateError("workflow.wrong_stage", stage=t(f"stage.{wf.SORT}"),
                             current=t(f"stage.{volume.stage}"))
        batch = session.get(WorkBatch, volume.work_batch_id)
        assert batch is not None
        engine.require_role(actor, wf.SORT)
        engine.require_claimant(session, batch, wf.SORT, actor)
        added = [*photos, *(photo_ref(volume.archive_code, d, sfx) for d, sfx in files)]
        last = latest_sort_record(session, volume.id)

        def corrected(base: StageEvent | None) -> tuple[dict[str, object], list[str]]:
            return _corrected(volume.archive_code, dict(base.data or {}) if base else {},
                              pages_numbered, unbind_notes, clear_notes, added, remove_photos)

        def repeated(values: dict[str, object]) -> bool:  # the last record, sent again
            return (last is not None and last.worker_id == actor.worker_id
                    and (last.remarks or "") == remarks
                    and all((last.data or {}).get(f) == values[f] for f in SORT_FIELDS))

        if based_on is not None and (last is None or last.id != based_on):
            base = session.get(StageEvent, based_on)
            if base is None or base.volume_id != volume.id or base.kind != wf.EVENT_SORT_RECORD:
                base = None
            if base is not None and last is not None and repeated(corrected(base)[0]):
                return last.id  # the same correction sent twice (a retried form)
            raise StateError("sort.record_changed", code=volume.archive_code)
        values, removed = corrected(last)
        if last is not None and repeated(values):
            return last.id  # a repeated command: nothing recorded twice
        for data, suffix in files:
            store_photo(ctx, volume.archive_code, data, suffix)
        before = dict(last.data or {}) if last is not None else {}
        record: dict[str, object] = {**values, "registered_pages": volume.expected_pages}
        if last is not None:
            record["corrects"] = last.id
            record["changed"] = {f: [before.get(f), values[f]] for f in SORT_FIELDS
                                 if before.get(f) != values[f]}
        if removed:
            record["removed_photos"] = removed
        event = ws.add_event(session, ctx.project_id, wf.EVENT_SORT_RECORD, actor.name,
                             stage=wf.SORT, worker_id=actor.worker_id, volume_id=volume.id,
                             work_batch_id=batch.id, remarks=remarks, data=record)
        session.flush()
        return event.id


def _corrected(code: str, before: dict[str, object], pages_numbered: int, unbind_notes: str,
               clear_notes: bool, added: Sequence[str], remove_photos: Sequence[str]
               ) -> tuple[dict[str, object], list[str]]:
    """The record's values once corrected (``record_sorting``'s rule: what is not changed is
    kept) and the photos removed."""
    saved = before.get("special_binding_photos")
    kept = [str(p) for p in saved] if isinstance(saved, list) else []
    unknown = [p for p in remove_photos if p not in kept]
    if unknown:
        raise InputError("sort.photo_not_in_record", code=code, photo=join(unknown))
    removed = [p for p in kept if p in remove_photos]
    photos: list[str] = []
    for ref in [*(p for p in kept if p not in removed), *added]:
        if ref not in photos:
            photos.append(ref)
    notes = unbind_notes
    if not notes.strip() and not clear_notes:
        notes = str(before.get("unbind_notes") or "")
    return ({"pages_numbered": pages_numbered, "unbind_notes": notes,
             "special_binding_photos": photos}, removed)


def page_differs(data: dict[str, object] | None, registered: int | None = None) -> str:
    """The warning of a sort record whose numbered pages differ from the client's count
    (``registered``: the count now; else the one kept with the record); empty when they agree
    or either is unknown. Said, not refused: the count is what the paper has."""
    if not data:
        return ""
    if registered is None:
        kept = data.get("registered_pages")
        registered = kept if isinstance(kept, int) else None
    numbered = data.get("pages_numbered")
    if not registered or not isinstance(numbered, int) or registered == numbered:
        return ""
    return t("sort.page_differs", registered=registered, numbered=numbered)


def pages_numbered(session: Session, volume_id: int) -> int | None:
    data = session.scalar(select(StageEvent.data).where(
        StageEvent.volume_id == volume_id, StageEvent.kind == wf.EVENT_SORT_RECORD)
        .order_by(StageEvent.at.desc(), StageEvent.id.desc()).limit(1))
    return None if data is None else int(data.get("pages_numbered") or 0)
