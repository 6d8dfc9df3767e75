"""``dangan sheets rebuild``: bring the tracking sheets (电子档案信息跟踪表) up to date with the
database when a sign-off could not rebuild them (the storage read-only, full or gone after its
commit) — after 还卷, the last stage, no later sign-off does.

A sheet is up to date when the stored file shows what a rebuild from the database would: the
same cells, the line saying when it was printed aside (compared as values, so a sheet written
in the other language of the catalogue counts as out of date and is rewritten in the current
one). A missing or unreadable sheet is out of date. The rebuild is the sign-offs' own
(``signed_sheets.after_signoff``): an atomic write of the sheet built from the database.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from dangan.db.models import Volume
from dangan.errors import DanganError, NotFoundError
from dangan.export.tracking_sheet import build_workbook, sheet_data, sheet_rel
from dangan.services.project import ProjectContext
from dangan.services.signed_sheets import after_signoff, failure_place

REBUILT = "rebuilt"
UP_TO_DATE = "up_to_date"
NO_SHEET = "no_sheet"  # a named volume not ingested yet: it has no sheet to rebuild
FAILED = "failed"


@dataclass
class SheetOutcome:
    archive_code: str
    outcome: str  # REBUILT / UP_TO_DATE / NO_SHEET / FAILED
    path: str = ""  # the sheet, relative to the storage root
    sha256: str = ""  # of the sheet written (read back from the storage)
    place: str = ""  # FAILED: where
    cause: str = ""  # FAILED: why


def rebuild_sheets(ctx: ProjectContext, codes: Sequence[str] = ()) -> list[SheetOutcome]:
    """Rebuild the out-of-date tracking sheets of the volumes ``codes`` (all volumes with a
    sheet when empty), one volume at a time so that one failure does not stop the others.
    An archive code the project does not hold: ``NotFoundError`` before anything is written."""
    out: list[SheetOutcome] = []
    for volume_id, code, has_sheet in _volumes(ctx, codes):
        if not has_sheet:
            out.append(SheetOutcome(code, NO_SHEET))
            continue
        with ctx.transaction() as session:
            volume = session.get(Volume, volume_id)
            assert volume is not None
            rel = sheet_rel(volume.folder_name or "", volume.archive_code)
            data = sheet_data(ctx, session, volume)
        if _is_current(ctx, rel, data):
            out.append(SheetOutcome(code, UP_TO_DATE, path=rel))
            continue
        try:
            after_signoff(ctx, [volume_id])
            sha = ctx.storage.sha256(rel)
        except (DanganError, OSError) as exc:
            place, cause = failure_place(ctx, exc)
            out.append(SheetOutcome(code, FAILED, path=rel, place=place, cause=cause))
            continue
        out.append(SheetOutcome(code, REBUILT, path=rel, sha256=sha))
    return out


def _volumes(ctx: ProjectContext, codes: Sequence[str]) -> list[tuple[int, str, bool]]:
    """(id, archive code, has a sheet) of the volumes named, in the order named (each once),
    or of every volume with a sheet (a scan folder and a page count), by archive code."""
    has_sheet = Volume.folder_name.is_not(None) & Volume.page_count.is_not(None)
    with ctx.transaction() as session:
        if not codes:
            rows = session.execute(select(Volume.id, Volume.archive_code).where(
                Volume.project_id == ctx.project_id, has_sheet)
                .order_by(Volume.archive_code)).all()
            return [(volume_id, code, True) for volume_id, code in rows]
        wanted = list(dict.fromkeys(codes))
        found: dict[str, tuple[int, bool]] = {}
        for i in range(0, len(wanted), 500):
            for volume_id, code, sheet in session.execute(
                    select(Volume.id, Volume.archive_code, has_sheet).where(
                        Volume.project_id == ctx.project_id,
                        Volume.archive_code.in_(wanted[i:i + 500]))):
                found[code] = (volume_id, bool(sheet))
    for code in wanted:
        if code not in found:
            raise NotFoundError("workflow.volume_not_found", code=code)
    return [(found[code][0], code, found[code][1]) for code in wanted]


def _is_current(ctx: ProjectContext, rel: str, data: dict[str, Any]) -> bool:
    """The stored sheet shows what a rebuild would (the printed-at line aside)."""
    try:
        if not ctx.storage.exists(rel):
            return False
        stored = _cells(ctx.storage.read_bytes(rel))
    except Exception:  # unreadable, not a workbook: rebuilt
        return False
    return stored == _cells(build_workbook(data))


def _cells(content: bytes) -> list[tuple[Any, ...]]:
    """The sheet's cell values row by row, without its last row (when it was printed)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content), read_only=True)
    try:
        ws = wb.worksheets[0]
        rows = [tuple(row) for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    while rows and not any(v not in (None, "") for v in rows[-1]):
        rows.pop()
    return rows[:-1]
