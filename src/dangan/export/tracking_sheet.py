"""电子档案信息跟踪表: the per-volume tracking sheet stored beside the images.

Rebuilt from the database after every sign-off (the workflow engine calls
``write_tracking_sheets``), so it always shows one signature row per stage of the line — the
borrowing and the return also naming the archive-room person who co-signed — with time and
remarks so far, and the 原卷错误 notes (problems of the paper) each under the stage that found
them: borrowing (a note made after the register was signed marked as such, with its time and
person), sorting, scanning. Printable: A4 landscape, fitted to one page wide, borders, Chinese
headers, the title repeated on every printed page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from copy import copy
from datetime import UTC, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from sqlalchemy import select

from dangan.db.models import BorrowBatch, StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.export.workbook_save import print_setup, save_workbook
from dangan.i18n import t
from dangan.storage import Area

# the rows of a project of the default line
SIGNED_STAGES = ("borrow", "sort", "scan", "retouch", "index", "upload", "qc", "rebind", "return")
# the stages whose problems of the paper the sheet lists, each in a row of its own
PROBLEM_STAGES = (wf.BORROW, wf.SORT, wf.SCAN)
COSIGNED = (wf.BORROW, wf.RETURN)  # signed by the archive room too


def signed_stages(config: Any) -> tuple[str, ...]:
    """The rows: every stage of the project's line."""
    try:
        graph = wf.StageGraph.build(config.workflow.stages, config.qc.rounds)
    except (wf.GraphError, AttributeError):
        return SIGNED_STAGES
    return tuple(graph.stages)
SHEET_SUFFIX = "电子档案信息跟踪表.xlsx"


def sheet_rel(folder: str, archive_code: str) -> str:
    return f"{Area.SCANNED.value}/{folder}/{archive_code}-{SHEET_SUFFIX}"


def _fmt_time(at: datetime | None) -> str:
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


def build_workbook(data: dict[str, Any]) -> bytes:
    """The sheet's bytes from plain data (kept separate from the database for tests).

    Built for speed (one sheet per volume at every sign-off): each of the four cell styles is
    registered once, on the first cell wearing it, and the other cells take that cell's style
    ids; merged ranges are laid out directly (their covered cells created bare, as
    ``merge_cells`` leaves them, without its border bookkeeping for a range whose first cell
    has no border yet). The file is the one the plain ``cell.font = …`` / ``merge_cells``
    calls give (the tests compare every part of it with such a build)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = t("sheet.title")[:31]
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    bold = Font(bold=True)
    styles = _Styles({"label": (bold, box, wrap), "cell": (None, box, wrap),
                      "header": (bold, box, None), "boxed": (None, box, None)})
    merged: list[str] = []

    def merge(row: int, first: int, last: int) -> None:
        merged.append(f"{get_column_letter(first)}{row}:{get_column_letter(last)}{row}")
        for col in range(first + 1, last + 1):
            ws._cells[(row, col)] = MergedCell(ws, row, col)

    merge(1, 1, 6)
    ws["A1"] = t("sheet.title")
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center")
    rows: list[tuple[str, Any]] = [
        (t("sheet.project"), data.get("project", "")),
        (t("sheet.archive_code"), data["archive_code"]),
        (t("sheet.classification"), data.get("classification", "")),
        (t("sheet.volume_title"), data.get("title", "")),
        (t("sheet.page_count"), data.get("page_count", "")),
        (t("sheet.registered_pages"), data.get("expected_pages", "")),
        (t("sheet.folder"), data.get("folder", "")),
        (t("sheet.scan_operator"), data.get("scan_operator", "")),
        (t("sheet.scan_time"), data.get("scan_time", "")),
    ]
    problems = data.get("problems") or {}
    rows += [(t(f"sheet.problems_at.{stage}"),
              "\n".join(problems.get(stage) or []) or t("sheet.no_problems"))
             for stage in PROBLEM_STAGES]
    rows.append((t("sheet.sort_notes"), data.get("sort_notes") or ""))
    r = 3
    for label, value in rows:
        styles.apply(ws.cell(r, 1, label), "label")
        ws.cell(r, 2, value)
        merge(r, 2, 6)
        for c in range(2, 7):
            styles.apply(ws.cell(r, c), "cell")
        r += 1
    r += 1
    headers = [t("sheet.stage"), t("sheet.signature"), t("sheet.signed_at"), t("sheet.remarks")]
    for c, h in enumerate(headers, start=1):
        styles.apply(ws.cell(r, c, h), "header")
    merge(r, 4, 6)
    for c in (5, 6):
        styles.apply(ws.cell(r, c), "boxed")
    signatures = data.get("signatures", {})
    for stage in data.get("stages") or SIGNED_STAGES:
        r += 1
        sig = signatures.get(stage, {})
        ws.cell(r, 1, t(f"stage.{stage}"))
        ws.cell(r, 2, sig.get("person", ""))
        ws.cell(r, 3, sig.get("at", ""))
        ws.cell(r, 4, sig.get("remarks", ""))
        merge(r, 4, 6)
        ws.row_dimensions[r].height = 30
        for c in range(1, 7):
            styles.apply(ws.cell(r, c), "cell")
    r += 2
    ws.cell(r, 1, t("sheet.printed", at=data.get("generated", "")))
    for ref in merged:
        ws.merged_cells.add(CellRange(ref))
    for col, width in zip("ABCDEF", (18, 22, 18, 20, 20, 20), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, "1:1", landscape=True)
    buf = io.BytesIO()
    save_workbook(wb, buf)
    return buf.getvalue()


class _Styles:
    """Named (font, border, alignment) styles of one workbook. The first cell given a style
    registers it (openpyxl hashes each font / border / alignment object at every assignment,
    most of a sheet's cost); later cells get a copy of that cell's style ids."""

    def __init__(self, styles: dict[str, tuple[Font | None, Border | None, Alignment | None]]
                 ) -> None:
        self._styles = styles
        self._ids: dict[str, Any] = {}

    def apply(self, cell: Any, name: str) -> None:
        ids = self._ids.get(name)
        if ids is not None:
            cell._style = copy(ids)
            return
        font, border, alignment = self._styles[name]
        if font is not None:
            cell.font = font
        if border is not None:
            cell.border = border
        if alignment is not None:
            cell.alignment = alignment
        self._ids[name] = copy(cell._style)


NOTE_KINDS = (wf.EVENT_SIGNOFF, wf.EVENT_BORROW_PROBLEM, wf.EVENT_SORT_RECORD,
              wf.EVENT_SCAN_RECORD, wf.EVENT_CORRECTION)


def sheet_data(ctx: Any, session: Any, volume: Volume) -> dict[str, Any]:
    events = session.scalars(
        select(StageEvent).where(StageEvent.volume_id == volume.id,
                                 StageEvent.kind.in_(NOTE_KINDS))
        .order_by(StageEvent.at, StageEvent.id)
    ).all()
    borrowed = session.get(BorrowBatch, volume.borrow_batch_id) if volume.borrow_batch_id else None
    signatures: dict[str, dict[str, str]] = {}
    scan: StageEvent | None = None
    scan_record: StageEvent | None = None
    # 原卷错误: what the paper itself showed, per stage, in the order seen
    notes: dict[str, list[str]] = {stage: [] for stage in PROBLEM_STAGES}
    sort_notes = ""  # the sorter's notes (unbinding): remarks, not problems
    added: list[str] = []  # problems added to the scan record later (a rerun of ingest)
    for ev in events:  # later sign-offs of a stage (after rework) replace earlier ones
        if ev.kind == wf.EVENT_CORRECTION:
            if ev.stage == wf.SCAN:
                added.extend(str(p) for p in (ev.data or {}).get("problems", []))
        elif ev.kind == wf.EVENT_BORROW_PROBLEM and ev.remarks:
            notes[wf.BORROW].append(_borrow_note(ev, borrowed))
        elif ev.kind == wf.EVENT_SORT_RECORD:
            sort_notes = str((ev.data or {}).get("unbind_notes") or "")  # the latest record
        elif ev.kind == wf.EVENT_SCAN_RECORD:
            scan_record = ev
        elif ev.stage:
            if ev.stage == wf.SCAN:
                scan = ev
            signatures[ev.stage] = {"person": _signer(ev, borrowed), "at": _fmt_time(ev.at),
                                    "remarks": ev.remarks}
    recorded = scan_record or scan
    if recorded is not None:
        notes[wf.SCAN].extend(str(p) for p in (recorded.data or {}).get("problems", []))
    notes[wf.SCAN].extend(added)
    extra = volume.extra or {}
    try:
        parts = ctx.rules.archive_code.parse(volume.archive_code)
        classification = str(parts.get("category", parts.get("doc_class", "")))
    except Exception:
        classification = ""
    return {
        "project": ctx.config.project.name,
        "archive_code": volume.archive_code,
        "classification": extra.get("classification", classification),
        "title": volume.title,
        "page_count": volume.page_count,
        "expected_pages": volume.expected_pages,
        "folder": volume.folder_name,
        "scan_operator": scan.person if scan else "",
        "scan_time": _fmt_time(scan.at) if scan else "",
        "problems": notes,
        "sort_notes": sort_notes,
        "signatures": signatures,
        "stages": signed_stages(ctx.config),
        "generated": _fmt_time(datetime.now(UTC)),
    }


def _signer(ev: StageEvent, borrowed: BorrowBatch | None) -> str:
    """Who signed the stage; borrowing and returning name the archive-room person too."""
    if ev.stage not in COSIGNED or borrowed is None:
        return ev.person
    staff = borrowed.archive_staff if ev.stage == wf.BORROW else borrowed.return_archive_staff
    return t("sheet.cosigned", person=ev.person, staff=staff) if staff else ev.person


def _borrow_note(ev: StageEvent, borrowed: BorrowBatch | None) -> str:
    """A problem seen at borrowing; one noted after both sides signed the register is marked
    as a later note, with its time and person (it is not what the archive room signed)."""
    later = (ev.data or {}).get("later")
    if later is None:  # recorded before the flag existed: after the archive room confirmed?
        signed = borrowed.archive_confirmed_at if borrowed is not None else None
        later = signed is not None and _utc(ev.at) > _utc(signed)
    if not later:
        return ev.remarks
    return t("sheet.later_note", text=ev.remarks, at=_fmt_time(ev.at), person=ev.person)


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def write_tracking_sheet(ctx: Any, volume_id: int) -> str:
    """(Re)write the volume's sheet beside its scans from the database; returns its path."""
    with ctx.transaction() as session:
        volume = session.get(Volume, volume_id)
        if volume is None or not volume.folder_name:
            from dangan.errors import NotFoundError

            raise NotFoundError("error.not_found")
        rel, data = _sheet_of(ctx, session, volume)
    ctx.storage.write_bytes(rel, build_workbook(data))
    return rel


def _sheet_of(ctx: Any, session: Any, volume: Volume) -> tuple[str, dict[str, Any]]:
    return sheet_rel(volume.folder_name or "", volume.archive_code), sheet_data(ctx, session, volume)


def write_tracking_sheets(ctx: Any, volume_ids: Sequence[int]) -> list[str]:
    """Rebuild the sheets of the volumes that have a scan folder (after a sign-off): what
    they show is read in one transaction, then each sheet is written."""
    if not volume_ids:
        return []
    from dangan.intake.renumber import crash_point

    crash_point("signoff.before_sheets")  # the sign-off is committed, its sheets not written
    with ctx.transaction() as session:
        volumes = session.scalars(select(Volume).where(
            Volume.id.in_(list(volume_ids)), Volume.folder_name.is_not(None),
            Volume.page_count.is_not(None)).order_by(Volume.id)).all()
        sheets = [_sheet_of(ctx, session, volume) for volume in volumes]
    for rel, data in sheets:
        ctx.storage.write_bytes(rel, build_workbook(data))
    return [rel for rel, _data in sheets]
