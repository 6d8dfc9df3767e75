"""What ingest leaves beside a volume's pages, and how an interrupted ingest is finished.

``PENDING`` is published in 已扫描/<folder>/ with the pages, from before the volume's record
is committed until the scan folder's receipt (``RECEIPT``, in the operator's scan folder) is
written; then the tracking sheet is written, last. A crash between leaves the marker or no
sheet: fixity, status, cleanup and backup name the volume, and the rerun of ingest finishes
it here (receipt, sheet, marker dropped).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from dangan.db.models import StageEvent, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.errors import StorageError
from dangan.export.tracking_sheet import sheet_rel, write_tracking_sheet
from dangan.intake import renumber as rn
from dangan.services.project import ProjectContext
from dangan.storage import Area
from dangan.storage.atomic import TMP_PREFIX

RECEIPT = ".dangan-ingested.json"
PENDING = ".dangan-ingest-pending.json"
SCANNED_KEY = Area.SCANNED.key


def pending_marker(code: str, base: str) -> tuple[str, bytes]:
    return f"{base}/{PENDING}", json.dumps(
        {"archive_code": code, "at": datetime.now(UTC).isoformat()}, ensure_ascii=False).encode()


def write_receipt(path: str, code: str, files: Sequence[tuple[str, str]], worker: str,
                  at: datetime) -> None:
    # A read-only scan share keeps no receipt: the database still knows the volume is ingested.
    with contextlib.suppress(OSError):
        for name in os.listdir(path):  # a run killed while writing it left its temporary
            if name.startswith(TMP_PREFIX) and name.endswith(RECEIPT):
                os.remove(os.path.join(path, name))
        rn.write_json_atomic(os.path.join(path, RECEIPT), {
            "archive_code": code, "worker": worker, "at": at.isoformat(),
            "files": {rel.rsplit("/", 1)[-1]: sha for rel, sha in files}})


def remove_pending(ctx: ProjectContext, base: str) -> None:
    rel = f"{base}/{PENDING}"
    if ctx.storage.exists(rel):
        try:
            ctx.storage.fs.rm(ctx.storage.path(rel))
        except OSError as exc:
            raise StorageError("storage.write_failed", path=rel, detail=str(exc)) from exc


def left_unfinished(ctx: ProjectContext, code: str, folder_name: str,
                    base: str | None = None) -> bool:
    """The one rule of an unfinished ingest, for ingest's rerun, ``fixity`` and ``status``:
    the pending marker is still in 已扫描/<folder>/ (``base``, when the scan folder's name
    is not the recorded one), or the tracking sheet is missing. Two stat calls, no database."""
    base = base or f"{Area.SCANNED.value}/{folder_name}"
    return ctx.storage.exists(f"{base}/{PENDING}") or \
        not ctx.storage.exists(sheet_rel(folder_name, code))


def unfinished(ctx: ProjectContext, volume_id: int, folder: Any, base: str) -> bool:
    """Recorded by a run that stopped before the receipt or the tracking sheet was written:
    the pending marker is left, or the sheet is missing (``left_unfinished``)."""
    with ctx.transaction() as session:
        volume = session.get(Volume, volume_id)
        assert volume is not None
        code, folder_name = volume.archive_code, volume.folder_name or folder.name
    return left_unfinished(ctx, code, folder_name, base)


def finish_unfinished(ctx: ProjectContext, volume_id: int, folder: Any, base: str,
                      recorded: dict[str, StoredFile], sheet_written: bool = False) -> None:
    """Write the receipt and the tracking sheet of an unfinished volume now, once (the sheet
    not again when a sign-off of this run just rebuilt it), then drop the marker."""
    with ctx.transaction() as session:
        volume = session.get(Volume, volume_id)
        assert volume is not None
        code = volume.archive_code
        event = session.scalar(select(StageEvent).where(
            StageEvent.volume_id == volume_id, StageEvent.kind == wf.EVENT_SCAN_RECORD)
            .order_by(StageEvent.id.desc()).limit(1))
        worker = event.person if event else ""
        at = event.at if event else datetime.now(UTC)
    files = [(rel, f.sha256) for rel, f in sorted(recorded.items())]
    write_receipt(folder.path, code, files, worker, at)
    remove_pending(ctx, base)
    if not sheet_written:
        write_tracking_sheet(ctx, volume_id)
