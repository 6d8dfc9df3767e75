"""The client's list of volumes to digitize: import it (all or nothing) and report status."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, select

from dangan.db.models import Defect, ImportLog, Page, StageEvent, Volume, VolumeRecord
from dangan.domain import workflow as wf
from dangan.errors import ConflictError, InputError, NamingError, SpreadsheetError
from dangan.i18n import join, t
from dangan.io.sheets import (
    Row,
    Table,
    check_row,
    column_limits,
    half_width,
    is_total_line,
    read_tables,
    resolve_columns,
)
from dangan.services import progress
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext
from dangan.storage import sha256_file

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "archive_code": ("档号", "案卷档号", "档案号", "案卷号", "卷号", "archive code", "archive_code", "code"),
    "title": ("题名", "案卷题名", "标题", "名称", "案由", "title"),
    "year": ("年度", "年份", "年", "year"),
    "location": ("存放位置", "位置", "库房位置", "存放地点", "排架号", "location"),
    "room": ("库房", "库房号", "room"),
    "cabinet": ("柜号", "档案柜", "柜", "cabinet"),
    "shelf": ("架号", "层", "列", "shelf"),
    "box": ("盒号", "盒", "box"),
    "expected_pages": ("页数", "总页数", "页码数", "张页数", "pages", "page count", "page_count"),
}
LOCATION_PARTS = ("room", "cabinet", "shelf", "box")
LIMITS = column_limits(Volume, ("archive_code", "title", "year", "location", "expected_pages"))
COMPARED = ("title", "year", "location", "expected_pages", "extra")
# what identifies a volume and its size: fixed once its pages are scanned (the scans, the
# tracking sheet and the delivery were made against them)
FIXED_AFTER_SCAN = ("title", "year", "expected_pages")


@dataclass
class ImportSummary:
    added: int = 0
    unchanged: int = 0
    updated: int = 0
    changes: list[str] = field(default_factory=list)
    kept_titles: list[str] = field(default_factory=list)  # archive codes: the indexed title kept
    page_differs: list[str] = field(default_factory=list)  # scanned volumes: registered ≠ scanned
    notes: list[str] = field(default_factory=list)  # what the import read or skipped, and where

    def message(self) -> str:
        done = t("volumes.imported", added=self.added, unchanged=self.unchanged, updated=self.updated)
        if self.kept_titles:
            done += t("volumes.kept_indexed_titles", count=len(self.kept_titles))
        for note in self.notes:
            done += "\n" + note
        if self.page_differs:
            done += "\n" + t("volumes.page_differs", count=len(self.page_differs),
                             volumes="\n".join(self.page_differs))
        return done


def _scanned_pages(session: Any, volume_ids: list[int]) -> dict[int, int]:
    """Page images ingested per volume (only volumes with any)."""
    if not volume_ids:
        return {}
    return {vid: int(n) for vid, n in session.execute(
        select(Page.volume_id, func.count(Page.id)).where(Page.volume_id.in_(volume_ids))
        .group_by(Page.volume_id)).all()}


def page_count_differences(session: Any, project_id: int,
                           work_batch_id: int | None = None) -> list[str]:
    """Scanned volumes (of the project, or of one work batch) whose registered page count (the
    client's list) differs from the pages scanned, one line each: the project manager settles
    them with the client. A volume rebound with the reason recorded (checked with the client:
    the 装订 decision, ``work_waived`` at 装订) is settled and no longer listed."""
    settled = exists().where(StageEvent.volume_id == Volume.id, StageEvent.stage == wf.REBIND,
                             StageEvent.kind == wf.EVENT_WORK_WAIVED)
    query = (select(Volume.archive_code, Volume.expected_pages, Volume.page_count)
             .where(Volume.project_id == project_id, Volume.page_count.is_not(None),
                    Volume.expected_pages.is_not(None),
                    Volume.page_count != Volume.expected_pages, ~settled))
    if work_batch_id is not None:
        query = query.where(Volume.work_batch_id == work_batch_id)
    rows = session.execute(query.order_by(Volume.archive_code)).all()
    return [t("volumes.page_differs_row", code=c, registered=e, scanned=p) for c, e, p in rows]


def page_differences(ctx: ProjectContext, work_batch_id: int | None = None) -> list[str]:
    """``page_count_differences`` in its own transaction (the web progress and batch pages)."""
    with ctx.transaction() as session:
        return page_count_differences(session, ctx.project_id, work_batch_id)


def shown(value: Any) -> str:
    """A stored or read value as a user reads it: 空 for nothing, other columns as 列名：值."""
    if value is None or value == "" or value == {}:
        return t("volumes.value_empty")
    if isinstance(value, dict):
        return "、".join(t("volumes.extra_value", column=k, value=v) for k, v in value.items())
    return str(value)


def _refuse_after_scan(volume: Volume, diffs: dict[str, Any], row: int,
                       scanned: dict[int, int]) -> str | None:
    """Why a row may not change a scanned volume (its identity or page count), else None."""
    pages = scanned.get(volume.id) or volume.page_count
    fixed = [k for k in FIXED_AFTER_SCAN if k in diffs]
    if not pages or not fixed:
        return None
    return t("volumes.row_refused_scanned", row=row, code=volume.archive_code,
             fields=join([t(f"volumes.field.{k}") for k in fixed]), pages=pages,
             stage=t(f"stage.{volume.stage}"))


def _int_cell(row: Row, header: str | None, errors: list[str], suffix: str = "") -> int | None:
    """A whole number as typed, full-width digits as ASCII (the one rule of every import);
    ``suffix`` may follow it (年度 “1997年”)."""
    raw = half_width(row.get(header))
    if raw == "":
        return None
    text = raw[: -len(suffix)].strip() if suffix and raw.endswith(suffix) else raw
    if text.isascii() and text.isdigit():
        return int(text)
    errors.append(t("volumes.row_error", row=row.number,
                    detail=t("volumes.row_bad_int", column=header, value=raw)))
    return None


def _data_table(path: Path, hints: list[str]) -> tuple[Table, list[str]]:
    """The visible sheet holding the list (the one with an 档号 column), and notes naming
    the sheets passed over: hidden ones (never read) and those without an 档号 column.
    Refused naming every sheet looked at when none has one, and naming them when two do
    (which is the list is the office's to say, not a guess)."""
    hidden: list[str] = []
    tables = read_tables(path, header_hint=hints, hidden_sheets=hidden)
    notes = [t("sheets.hidden_sheets_skipped", sheets="、".join(hidden))] if hidden else []
    if len(tables) == 1:
        label, table = tables[0]
        if not table.rows and not any(h in hints for h in table.headers):
            raise SpreadsheetError("volumes.no_header", path=path)
        return table, ([t("volumes.sheet_used", sheet=label), *notes] if hidden else [])
    with_code = [(label, table) for label, table in tables
                 if table.header_found and resolve_columns(table, COLUMN_ALIASES)["archive_code"]]
    if not with_code:
        raise SpreadsheetError("volumes.no_code_sheet", path=path,
                               sheets="、".join(label for label, _ in tables))
    if len(with_code) > 1:
        raise SpreadsheetError("volumes.two_code_sheets", path=path,
                               sheets="、".join(label for label, _ in with_code))
    label, table = with_code[0]
    skipped = [other for other, _ in tables if other != label]
    notes.insert(0, t("volumes.sheet_used", sheet=label))
    if skipped:
        notes.append(t("sheets.sheets_skipped", sheets="、".join(skipped)))
    return table, notes


def _parse_rows(ctx: ProjectContext, path: Path,
                notes: list[str] | None = None) -> list[dict[str, Any]]:
    hints = [h for variants in COLUMN_ALIASES.values() for h in variants]
    table, found = _data_table(path, hints)
    if notes is not None:
        notes.extend(found)
        if table.sub_header_row is not None:
            notes.append(t("sheets.two_row_header", row=table.sub_header_row))
    cols = resolve_columns(table, COLUMN_ALIASES, required=("archive_code",))
    used = {h for h in cols.values() if h}
    if notes is not None:
        if table.hidden:
            notes.append(t("sheets.hidden_columns", columns="、".join(table.hidden)))
        if extra := [h for h in table.headers if h not in used]:
            notes.append(t("volumes.extra_columns", columns="、".join(extra)))
    absent = [key for key in ("title", "year", "expected_pages") if cols[key] is None]
    if cols["location"] is None and not any(cols[p] for p in LOCATION_PARTS):
        absent.append("location")
    extra_columns = [h for h in table.headers if h not in used]
    errors: list[str] = []
    seen: dict[str, int] = {}
    parsed: list[dict[str, Any]] = []
    for row in table.rows:
        code = row.get(cols["archive_code"]).replace(" ", "")
        if is_total_line(table, row, code):
            if notes is not None:
                notes.append(t("volumes.total_row_skipped", row=row.number))
            continue
        if not code:
            errors.append(t("volumes.row_error", row=row.number, detail=t("volumes.row_empty_code")))
            continue
        try:
            ctx.rules.archive_code.parse(code)
        except NamingError as exc:
            errors.append(t("volumes.row_error", row=row.number, detail=exc.message))
            continue
        if code in seen:
            errors.append(t("volumes.row_error", row=row.number,
                            detail=t("volumes.row_duplicate_code", code=code, other=seen[code])))
            continue
        seen[code] = row.number
        location = half_width(row.get(cols["location"]))
        parts = [half_width(row.get(cols[p])) for p in LOCATION_PARTS if row.get(cols[p])]
        if parts and not location:
            location = "-".join(parts)
        data: dict[str, Any] = {
            "archive_code": code,
            "title": row.get(cols["title"]),
            "year": _int_cell(row, cols["year"], errors, suffix="年"),
            "location": location,
            "expected_pages": _int_cell(row, cols["expected_pages"], errors),
            "extra": {h: v for h, v in row.values.items() if h not in used and v != ""},
            "extra_columns": extra_columns,
            "list_row": row.number,
        }
        # a column the file does not have is not given: the stored value stands (an empty
        # cell in a column it has is given, empty)
        for key in absent:
            del data[key]
        parsed.append(data)
        errors.extend(check_row(row, data, LIMITS, cols))  # before any database sees it
    if errors:
        raise SpreadsheetError("volumes.rows_invalid", path=path, count=len(errors), details=errors)
    return parsed


def import_volumes(ctx: ProjectContext, path: Path, update: bool = False,
                   actor: Actor | None = None) -> ImportSummary:
    """Import the client's volume list in one transaction.

    Re-importing the same list changes nothing. A row that differs from what was imported
    before is reported and nothing is written, unless ``update`` is set (then the change is
    applied and recorded in the audit trail, signed by ``actor``, a registered worker: a
    change to registered volumes without one is refused). A volume whose title was set by
    indexing (its volume record's 案卷题名) keeps it: the list's title is no change to it, with
    or without ``update`` (the indexers' work is never overwritten from the client's list).
    A row changing the title, year or page count of a volume whose pages are scanned is
    refused, with or without ``update``: the import stops naming each such row, its volume
    and the pages scanned, and reports what the rest of the list would have done.
    """
    notes: list[str] = []
    rows = _parse_rows(ctx, path, notes)
    summary = ImportSummary(notes=notes)
    with ctx.transaction() as session:
        existing = {
            v.archive_code: v
            for v in session.scalars(select(Volume).where(Volume.project_id == ctx.project_id))
        }
        indexed = {vid: (fields or {}).get("title") for vid, fields in session.execute(
            select(VolumeRecord.volume_id, VolumeRecord.fields).join(
                Volume, Volume.id == VolumeRecord.volume_id).where(
                Volume.project_id == ctx.project_id)).all()}
        pending: list[tuple[Volume, dict[str, Any]]] = []
        refused: list[str] = []
        scanned = _scanned_pages(session, [v.id for v in existing.values()])
        for data in rows:
            columns = data.pop("extra_columns")
            volume = existing.get(data["archive_code"])
            if volume is None:
                session.add(Volume(project_id=ctx.project_id, **data))
                summary.added += 1
                continue
            if not columns:  # no other column in the file: the stored ones stand
                data.pop("extra")
            else:  # the file's other columns give their values; the stored others stand
                data["extra"] = {**{k: v for k, v in (volume.extra or {}).items()
                                    if k not in columns}, **data["extra"]}
            diffs = {k: data[k] for k in COMPARED if k in data and getattr(volume, k) != data[k]}
            if "title" in diffs and volume.title and indexed.get(volume.id) == volume.title:
                del diffs["title"]  # the indexers' title stands
                summary.kept_titles.append(volume.archive_code)
            if not diffs:
                summary.unchanged += 1
                continue
            if (why := _refuse_after_scan(volume, diffs, data["list_row"], scanned)) is not None:
                refused.append(why)
                continue
            for key, new in diffs.items():
                summary.changes.append(t(
                    "volumes.changed_row", row=data["list_row"], code=volume.archive_code,
                    field=t(f"volumes.field.{key}"), old=shown(getattr(volume, key)),
                    new=shown(new),
                ))
            pending.append((volume, diffs))
        if refused:
            raise ConflictError("volumes.scanned_rows_refused", count=len(refused), details=[
                *refused, t("volumes.rest_of_import" if pending else "volumes.rest_of_import_none",
                            added=summary.added, unchanged=summary.unchanged,
                            changed=len(pending)),
                *summary.changes])
        if pending and not update:
            raise ConflictError("volumes.changed_rows", count=len(pending), details=summary.changes)
        if pending and actor is None:
            raise InputError("volumes.update_needs_worker", count=len(pending))
        for volume, diffs in pending:
            before = {k: getattr(volume, k) for k in diffs}
            for key, new in diffs.items():
                setattr(volume, key, new)
            session.add(StageEvent(
                project_id=ctx.project_id, kind="volume_update", volume_id=volume.id,
                person=actor.name if actor else "", worker_id=actor.worker_id if actor else None,
                data={"before": before, "after": diffs, "file": path.name},
            ))
            summary.updated += 1
        session.flush()
        summary.page_differs = page_count_differences(session, ctx.project_id)
        session.add(ImportLog(
            project_id=ctx.project_id, kind="volume_list", filename=str(path),
            sha256=sha256_file(path), rows=len(rows),
            summary={"added": summary.added, "unchanged": summary.unchanged,
                     "updated": summary.updated},
        ))
    return summary


@dataclass
class ProjectStatus:
    name: str
    database: str
    storage: str
    volumes: int
    pages_expected: int
    by_stage: dict[str, int]
    files_by_area: dict[str, int]
    open_defects: int
    unfinished: list[str] = field(default_factory=list)  # ingests stopped after their record
    page_differs: list[str] = field(default_factory=list)  # registered pages ≠ pages scanned


def project_status(ctx: ProjectContext) -> ProjectStatus:
    """One query per figure, whatever the size of the project."""
    pid = ctx.project_id
    with ctx.transaction() as session:
        counts = progress.volume_counts(session, pid)  # the database's tallies (0013)
        volumes, pages = sum(c[2] for c in counts), sum(c[3] for c in counts)
        by_stage: dict[str, int] = {}
        for stage, _status, n, _p in counts:
            by_stage[stage] = by_stage.get(stage, 0) + n
        files = progress.files_by_area(session, pid)
        open_defects = session.scalar(
            select(func.count(Defect.id)).where(Defect.project_id == pid, Defect.status == "open")
        ) or 0
        page_differs = page_count_differences(session, pid)
    from dangan.services.fixity import unfinished_ingests
    from dangan.services.project import _safe_url

    return ProjectStatus(
        name=ctx.config.project.name, database=_safe_url(ctx.database_url),
        storage=ctx.storage.url, volumes=volumes, pages_expected=int(pages or 0),
        by_stage=by_stage, files_by_area=files, open_defects=open_defects,
        unfinished=unfinished_ingests(ctx), page_differs=page_differs,
    )
