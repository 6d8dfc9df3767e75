"""Indexing use cases: catalogue template, import, check, double keying.

An import is all or nothing: every row of every volume is validated first and one located
message per problem is returned; only a clean file is written, in one transaction, with a
``catalogue_import`` event per volume naming the indexer. Indexing is in the workflow: the
catalogue of a volume that has passed QC or gone back to the archive room is not changed
unless the import is a recorded correction with a reason. After the import is recorded the
engine signs the index stage for the volumes whose batch the indexer holds at that stage.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Text, delete, func, select, type_coerce
from sqlalchemy.orm import Session

from dangan.db.models import (
    CatalogueKeying,
    Claim,
    ImportLog,
    Item,
    Page,
    Rework,
    StoredFile,
    Volume,
    VolumeRecord,
    WorkBatch,
)
from dangan.domain import workflow as wf
from dangan.domain.catalogue import Catalogue, CatalogueSchema, RawEntry, validate_catalogue
from dangan.domain.defects import Defect, make_defect
from dangan.domain.keying import Difference, compare_typings, resolution_choices
from dangan.errors import ConflictError, NamingError, NotFoundError, SpreadsheetError, StateError
from dangan.export.catalogue_xlsx import VolumeCatalogue, write_catalogue_workbook
from dangan.i18n import t
from dangan.io.catalogue import CatalogueInput, read_catalogue
from dangan.services import claims, engine
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor
from dangan.services.indexing import blanks, defect_links
from dangan.services.project import ProjectContext
from dangan.storage import Area, sha256_bytes

ITEM_COLUMNS = ("doc_no", "author", "title", "date", "security_class", "remarks")


def schema_of(ctx: ProjectContext) -> CatalogueSchema:
    return CatalogueSchema.from_config(ctx.config.catalogue)


@dataclass
class ImportResult:
    volumes: int = 0
    items: int = 0
    replaced: int = 0
    stored_as: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)  # locked volumes reopened by correction
    signed: list[str] = field(default_factory=list)  # volumes whose index stage was signed
    unsigned: list[str] = field(default_factory=list)  # why a recorded volume is not signed
    unchanged: list[str] = field(default_factory=list)  # already recorded exactly so: untouched
    notes: list[str] = field(default_factory=list)  # sheets skipped, headers combined, columns left
    skipped: list[str] = field(default_factory=list)  # record rows left as the template wrote them
    kept_blank: list[str] = field(default_factory=list)  # blank cells kept the recorded value


# --- loading what is recorded -------------------------------------------------------------

def image_counts(session: Session, volume_ids: Sequence[int] | None = None) -> dict[int, int]:
    """Pages per volume: Page rows when intake recorded them, else the registered count."""
    q = select(Page.volume_id, func.count()).group_by(Page.volume_id)
    if volume_ids is not None:
        q = q.where(Page.volume_id.in_(volume_ids))
    counts = {vid: n for vid, n in session.execute(q)}
    vq = select(Volume.id, Volume.page_count).where(Volume.page_count.is_not(None))
    if volume_ids is not None:
        vq = vq.where(Volume.id.in_(volume_ids))
    for vid, n in session.execute(vq):
        if n is not None:
            counts.setdefault(vid, int(n))
    return counts


def item_values(row: Any) -> dict[str, str]:
    """An Item (or an Item row) as the text a catalogue row would carry."""
    values = {"seq": str(row.seq), "page_start": str(row.page_start), "page_end": str(row.page_end),
              "doc_no": row.doc_no or "", "author": row.author or "", "title": row.title or "",
              "date": row.date or "", "security_class": row.security_class or "",
              "remarks": row.remarks or ""}
    extra = row.extra
    if isinstance(extra, str):  # raw JSON text (see load_catalogues); most rows are "{}"
        extra = json.loads(extra) if extra not in ("{}", "null") else None
    if extra:
        values.update({k: str(v) for k, v in extra.items()})
    return values


def load_catalogues(session: Session, project_id: int, codes: Sequence[str] | None = None,
                    ) -> tuple[dict[int, Any], dict[int, list[dict[str, str]]], dict[int, dict[str, Any]]]:
    """Volumes (id -> row with archive_code, page_count), entries as text, record fields; in bulk."""
    vq = select(Volume.id, Volume.archive_code, Volume.page_count).where(Volume.project_id == project_id)
    if codes:
        vq = vq.where(Volume.archive_code.in_(list(codes)))
    volumes = {r.id: r for r in session.execute(vq)}
    ids = list(volumes)
    entries: dict[int, list[dict[str, str]]] = defaultdict(list)
    records: dict[int, dict[str, Any]] = {}
    # extra as raw text: decoding 100,000 empty JSON objects costs more than the validation
    cols = (Item.volume_id, Item.seq, Item.page_start, Item.page_end,
            type_coerce(Item.extra, Text).label("extra"),
            *(getattr(Item, c) for c in ITEM_COLUMNS))
    iq = select(*cols).order_by(Item.volume_id, Item.seq)
    rq = select(VolumeRecord.volume_id, VolumeRecord.fields)
    if codes:
        iq = iq.where(Item.volume_id.in_(ids))
        rq = rq.where(VolumeRecord.volume_id.in_(ids))
    for row in session.execute(iq):
        if row.volume_id in volumes:
            entries[row.volume_id].append(item_values(row))
    for vid, fields in session.execute(rq):
        if vid in volumes:
            records[vid] = dict(fields or {})
    return volumes, entries, records


# --- template --------------------------------------------------------------------------------

def write_template(ctx: ProjectContext, dest: Path) -> Path:
    """A blank catalogue workbook for this project, the record sheet listing the volumes with
    what is known of them: the title the client's volume list gave (案卷题名) and the pages
    scanned."""
    schema = schema_of(ctx)
    with ctx.transaction() as session:
        rows = session.execute(select(Volume.archive_code, Volume.id, Volume.title)
                               .where(Volume.project_id == ctx.project_id)
                               .order_by(Volume.id)).all()
        counts = image_counts(session)
    vols = [VolumeCatalogue(code, {
        **({"title": title.strip()} if title and title.strip() else {}),
        **({"page_count": counts[vid]} if vid in counts else {})}) for code, vid, title in rows]
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("wb") as fh:
        write_catalogue_workbook(fh, schema, vols)
    return dest


def catalogue_workbook_bytes(ctx: ProjectContext, codes: Sequence[str] | None = None) -> bytes:
    """The recorded catalogue in the import layout (for handover and re-import)."""
    schema = schema_of(ctx)
    with ctx.transaction() as session:
        volumes, entries, records = load_catalogues(session, ctx.project_id, codes)
    vols = [VolumeCatalogue(v.archive_code, records.get(vid, {}), entries.get(vid, []))
            for vid, v in sorted(volumes.items(), key=lambda kv: ctx.rules.archive_code.sort_key(kv[1].archive_code))
            if vid in entries or vid in records]
    buf = io.BytesIO()
    write_catalogue_workbook(buf, schema, vols)
    return buf.getvalue()


# --- import ----------------------------------------------------------------------------------

def validate_input(session: Session, ctx: ProjectContext, data: CatalogueInput,
                   result: ImportResult | None = None, blank_keeps: bool = True,
                   ) -> tuple[dict[str, Volume], list[Catalogue], list[str]]:
    """Validate every volume of the input against the recorded page images.

    Record rows left as the template wrote them are skipped first (``result.skipped``), and
    with ``blank_keeps`` a blank cell over a recorded value keeps it (``result.kept_blank``):
    see ``blanks``."""
    schema = schema_of(ctx)
    problems = list(data.problems)
    volumes = {v.archive_code: v for v in session.scalars(
        select(Volume).where(Volume.project_id == ctx.project_id,
                             Volume.archive_code.in_(data.codes)))}
    counts = image_counts(session, [v.id for v in volumes.values()])
    skipped = blanks.drop_unfilled(data, volumes, counts)
    kept: list[str] = []
    if blank_keeps:
        ids = [volumes[c].id for c in data.records if c in volumes]
        stored: dict[int, dict[str, Any]] = {vid: dict(fields or {}) for vid, fields in session.execute(
            select(VolumeRecord.volume_id, VolumeRecord.fields).where(VolumeRecord.volume_id.in_(ids)))}
        kept = blanks.keep_recorded(data, volumes, stored)
        with_items = [c for c in data.entries if c in volumes]
        _vols, items, _recs = load_catalogues(session, ctx.project_id, with_items) \
            if with_items else ({}, {}, {})
        kept = list(dict.fromkeys([*kept, *blanks.keep_recorded_items(data, volumes, items)]))
    if result is not None:
        result.skipped, result.kept_blank = skipped, kept
    codes = data.codes
    catalogues: list[Catalogue] = []
    for code in codes:
        record = data.records.get(code)
        rows = data.entries.get(code, [])
        source = data.entry_source.get(code) or data.record_source.get(code, "")
        if code not in volumes:
            first_row = record.row if record else rows[0].row
            try:  # a mistyped 档号 is reported as breaking the project's rule, not as unknown
                ctx.rules.archive_code.parse(code)
                detail = t("index.unknown_volume", code=code)
            except NamingError as exc:
                detail = exc.message
            problems.append(t("index.row_problem", source=source, row=first_row, detail=detail))
            continue
        vol = volumes[code]
        cat = validate_catalogue(code, record, rows, schema, counts.get(vol.id), source,
                                 data.record_source.get(code))
        if record is not None and not rows:
            cat.defects = [d for d in cat.defects if d.code != "catalogue_empty"]
        problems.extend(d.message for d in cat.defects if d.is_error)
        catalogues.append(cat)
    return volumes, catalogues, problems


def import_catalogue(ctx: ProjectContext, actor: Actor, paths: Sequence[Path], replace: bool = False,
                     correction: str = "", blank_keeps: bool = True) -> ImportResult:
    """Import 卷宗信息 and 卷内目录 from .xlsx/.csv; all or nothing; then sign what is held.

    ``correction``: the reason a catalogue already past QC (or returned) is changed; without
    one such a change is refused (StateError ``index.catalogue_locked``). Rows the file
    leaves as the template wrote them are skipped and a blank cell keeps a recorded value
    (``blanks``); ``blank_keeps=False`` (the 著录台: the form is the whole record) clears it."""
    engine.require_any_role(actor, frozenset({wf.INDEXER}))
    graph = ws.graph_for(ctx.config)
    data = read_catalogue(paths)
    result = ImportResult(notes=list(data.notes))
    files = ", ".join(p.name for p in paths)
    copies: list[str] = []  # backup copies written in 制作目录: removed if the import fails
    try:
        return _import(ctx, actor, paths, data, files, replace, correction, graph, result, copies,
                       blank_keeps)
    except BaseException:
        for rel in copies:
            with contextlib.suppress(OSError):
                ctx.storage.fs.rm(ctx.storage.path(rel))
        raise


def _import(ctx: ProjectContext, actor: Actor, paths: Sequence[Path], data: CatalogueInput, files: str,
            replace: bool, correction: str, graph: wf.StageGraph, result: ImportResult,
            copies: list[str], blank_keeps: bool) -> ImportResult:
    with ctx.transaction() as session:
        volumes, catalogues, problems = validate_input(session, ctx, data, result, blank_keeps)
        if problems:
            raise SpreadsheetError("index.import_rejected", count=len(problems),
                                   files=files, details=problems)
        ids = [volumes[c.archive_code].id for c in catalogues if c.entries]
        existing = set(session.scalars(select(Item.volume_id).where(Item.volume_id.in_(ids)).distinct()))
        changed, same = _changed_volumes(session, ctx, volumes, catalogues)
        same_ids = {v.id for v in same}  # recorded already, exactly as this import has it
        at_index = [c.archive_code for c in catalogues
                    if volumes[c.archive_code].stage == wf.INDEX]
        if not replace:  # the same catalogue again changes nothing and is no conflict
            if existing - same_ids:
                codes = sorted(v.archive_code for v in volumes.values()
                               if v.id in existing - same_ids)
                raise ConflictError("index.already_imported", count=len(codes),
                                    details=codes[:50])
            result.unchanged = sorted((v.archive_code for v in same),
                                      key=ctx.rules.archive_code.sort_key)
            catalogues = [c for c in catalogues if volumes[c.archive_code].id not in same_ids]
        locked = sorted(v.archive_code for v in changed if _locked(graph, v.stage))
        if locked and not correction.strip():
            raise StateError("index.catalogue_locked", count=len(locked), details=locked[:50])
        reasons = _may_change(session, graph, actor, changed, correction)
        written = {c.archive_code for c in catalogues}
        result.kept_blank = [c for c in result.kept_blank if c in written]
        for cat in catalogues:
            vol = volumes[cat.archive_code]
            if cat.entries:
                result.replaced += vol.id in existing
                linked = defect_links.unlink(session, vol.id)
                session.execute(delete(Item).where(Item.volume_id == vol.id))
                new_items = _item_rows(vol.id, cat)
                session.add_all(new_items)
                result.items += len(cat.entries)
                defect_links.relink(session, linked, new_items)
            if cat.record:
                _save_record(session, vol, cat.record)
            result.volumes += 1
            reopened = vol.archive_code in locked or vol.id in reasons
            if reopened:
                ws.add_event(session, ctx.project_id, wf.EVENT_CORRECTION, actor.name,
                             stage=wf.INDEX, worker_id=actor.worker_id, volume_id=vol.id,
                             work_batch_id=vol.work_batch_id,
                             remarks=reasons.get(vol.id) or correction.strip(),
                             data={"what": "catalogue", "files": files,
                                   "volume_stage": vol.stage})
                result.corrected.append(vol.archive_code)
            ws.add_event(session, ctx.project_id, wf.EVENT_CATALOGUE, actor.name,
                         stage=wf.INDEX, worker_id=actor.worker_id, volume_id=vol.id,
                         work_batch_id=vol.work_batch_id, remarks=correction.strip(),
                         data={"files": files, "items": len(cat.entries),
                               "replaced": vol.id in existing, "correction": reopened,
                               "changed": vol.id not in same_ids})
        session.flush()  # the database refuses here, before any copy is written
        for path in paths if catalogues else ():
            copies.append(_keep_copy(ctx, session, path, "catalogue", data.rows))
            result.stored_as.append(copies[-1])
    copies.clear()  # committed: the copies are the import's record, kept
    if at_index:
        outcome = engine.sign_recorded(ctx, actor, at_index, wf.INDEX)
        result.signed, result.unsigned = list(outcome.signed), outcome.messages()
    return result


def _past_index(graph: wf.StageGraph, stage: str) -> bool:
    """Whether a volume at ``stage`` has finished indexing (packaged, at QC, past QC)."""
    if wf.INDEX not in graph.stages or (stage not in graph.stages and stage != wf.DONE):
        return _locked(graph, stage)
    return graph.passed(stage, wf.INDEX)


def _may_change(session: Session, graph: wf.StageGraph, actor: Actor, changed: list[Volume],
                correction: str) -> dict[int, str]:
    """Who may change a recorded catalogue, as the workflow says: at 著录 not while another
    indexer holds the batch; once indexed (packaged, at QC, past QC) only as a correction —
    by the indexer with an open rework of the volume (the rework is the reason), or with a
    reason by the indexer who signed its indexing or one holding a claim of its batch.
    Returns the correction's recorded reason per volume id changed after indexing."""
    reasons: dict[int, str] = {}
    others: list[str] = []
    no_reason: list[str] = []
    not_theirs: list[str] = []
    for vol in changed:
        if vol.work_batch_id is None:
            continue
        if not _past_index(graph, vol.stage):
            claim = ws.open_claim(session, vol.work_batch_id, wf.INDEXER)
            if claim is not None and claim.worker_id != actor.worker_id:
                others.append(f"{vol.archive_code}（{ws.worker_name(session, claim.worker_id)}）")
            continue
        rework = session.scalar(select(Rework).where(
            Rework.volume_id == vol.id, Rework.status == "open", Rework.stage == wf.INDEX,
            Rework.assignee_id == actor.worker_id).order_by(Rework.id).limit(1))
        if rework is not None:
            reasons[vol.id] = correction.strip() or t("index.rework_reason", id=rework.id,
                                                      reason=rework.reason)
            continue
        if not correction.strip():
            no_reason.append(vol.archive_code)
            continue
        holds = session.scalar(select(Claim.id).where(
            Claim.work_batch_id == vol.work_batch_id, Claim.worker_id == actor.worker_id,
            Claim.released_at.is_(None)).limit(1)) is not None
        if not holds and ws.responsible_for(session, vol, wf.INDEX) != actor.worker_id:
            not_theirs.append(vol.archive_code)
            continue
        reasons[vol.id] = correction.strip()
    if others:
        raise ConflictError("index.claimed_by_other", count=len(others), details=others[:50])
    if no_reason:
        raise StateError("index.indexed_needs_correction", count=len(no_reason),
                         details=no_reason[:50])
    if not_theirs:
        raise StateError("index.correction_not_yours", count=len(not_theirs),
                         details=not_theirs[:50])
    return reasons


def require_desk_entry(ctx: ProjectContext, actor: Actor, volume_id: int) -> None:
    """A catalogue typed at the desk (著录台) for one volume, before anything is written: at
    著录 only by the indexer holding its batch's index claim (``workflow.not_claimed``; held by
    another, ``index.claimed_by_other`` as the import says); once indexed, the import's correction rules decide
    (``import_catalogue``); a volume not yet at 著录 is refused (``index.desk_not_at_index``)."""
    engine.require_any_role(actor, frozenset({wf.INDEXER}))
    graph = ws.graph_for(ctx.config)
    with ctx.transaction() as session:
        vol = session.get(Volume, volume_id)
        if vol is None or vol.project_id != ctx.project_id:
            raise NotFoundError("index.desk_no_volume", id=volume_id)
        if wf.INDEX not in graph.stages or _past_index(graph, vol.stage):
            return
        batch = session.get(WorkBatch, vol.work_batch_id) if vol.work_batch_id else None
        if vol.stage != wf.INDEX or batch is None:
            raise StateError("index.desk_not_at_index", code=vol.archive_code,
                             current=ws.stage_label(vol.stage), stage=t(f"stage.{wf.INDEX}"))
        held = ws.open_claim(session, batch.id, wf.INDEXER)
        if held is not None and held.worker_id != actor.worker_id:  # as the import says it
            raise ConflictError("index.claimed_by_other", count=1, details=[
                f"{vol.archive_code}（{ws.worker_name(session, held.worker_id)}）"])
        claims.require_work_claim(session, batch, wf.INDEX, actor)


def _locked(graph: wf.StageGraph, stage: str) -> bool:
    """Whether a volume at ``stage`` has passed QC (or is back on the shelf)."""
    if stage == wf.DONE:
        return True
    if stage not in graph.stages or not graph.qc_levels:
        return stage == wf.RETURN
    return graph.passed(stage, graph.qc_levels[-1])


def _changed_volumes(session: Session, ctx: ProjectContext, volumes: dict[str, Volume],
                     catalogues: Sequence[Catalogue]) -> tuple[list[Volume], list[Volume]]:
    """The volumes whose recorded catalogue this import would change, and those that have a
    recorded catalogue this import leaves exactly as it is."""
    codes = [c.archive_code for c in catalogues]
    _vols, entries, records = load_catalogues(session, ctx.project_id, codes)
    changed: list[Volume] = []
    same: list[Volume] = []
    for cat in catalogues:
        vol = volumes[cat.archive_code]
        if vol.id not in entries and vol.id not in records:
            continue  # nothing recorded yet: a first import changes nothing signed
        old_rows = [{k: v for k, v in row.items() if v} for row in entries.get(vol.id, [])]
        new_rows = [{k: v for k, v in item_values(row).items() if v}
                    for row in _item_rows(vol.id, cat)] if cat.entries else old_rows
        new_record = ({k: v for k, v in cat.record.items() if k != "archive_code"}
                      if cat.record else records.get(vol.id, {}))
        if old_rows != new_rows or records.get(vol.id, {}) != new_record:
            changed.append(vol)
        else:
            same.append(vol)
    return changed, same


def _item_rows(volume_id: int, cat: Catalogue) -> list[Item]:
    rows = []
    for e in cat.entries:
        known = {c: e.fields.get(c, "") for c in ITEM_COLUMNS}
        extra = {k: v for k, v in e.fields.items() if k not in ITEM_COLUMNS and k != "seq" and v}
        rows.append(Item(volume_id=volume_id, seq=e.seq, page_start=e.page_start,
                         page_end=e.page_end, extra=extra, **known))
    return rows


def _save_record(session: Session, vol: Volume, fields: dict[str, str]) -> None:
    fields = {k: v for k, v in fields.items() if k != "archive_code"}
    rec = session.scalar(select(VolumeRecord).where(VolumeRecord.volume_id == vol.id))
    if rec is None:
        session.add(VolumeRecord(volume_id=vol.id, fields=fields))
    else:
        rec.fields = fields
    if fields.get("title"):
        vol.title = fields["title"]


def _keep_copy(ctx: ProjectContext, session: Session, path: Path, kind: str, rows: int) -> str:
    """Back the file up into 制作目录 (the seed: 第一时间将目录数据备份至服务器) and log it."""
    data = path.read_bytes()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    rel = f"{Area.CATALOGUE.value}/{stamp}-{path.name}"
    digest = ctx.storage.write_bytes(rel, data)
    session.add(StoredFile(project_id=ctx.project_id, area=Area.CATALOGUE.key, path=rel,
                           kind=kind, sha256=digest, size=len(data)))
    session.add(ImportLog(project_id=ctx.project_id, kind=kind, filename=path.name,
                          sha256=sha256_bytes(data), rows=rows, summary={"stored_as": rel}))
    return rel


# --- check -----------------------------------------------------------------------------------

def check_index(ctx: ProjectContext, volume: str | None = None) -> list[Defect]:
    """Validate the recorded catalogues of the project (or one volume) against page counts."""
    return check_index_counted(ctx, volume)[0]


def check_index_counted(ctx: ProjectContext, volume: str | None = None) -> tuple[list[Defect], int]:
    """The defects and the number of volumes checked. The whole project covers every volume
    at or past 标引 (one with no catalogue at all is ``catalogue_empty``) and every volume that
    has a catalogue; ``volume`` checks that one whatever its stage."""
    schema = schema_of(ctx)
    graph = ws.graph_for(ctx.config)
    with ctx.transaction() as session:
        volumes, entries, records = load_catalogues(session, ctx.project_id,
                                                    [volume] if volume else None)
        if volume and not volumes:
            raise NotFoundError("index.volume_not_found", code=volume)
        counts = image_counts(session, list(volumes) if volume else None)
        stages: dict[int, str] = {vid: stage for vid, stage in session.execute(
            select(Volume.id, Volume.stage).where(Volume.project_id == ctx.project_id))}
    defects: list[Defect] = []
    checked = 0
    for vid, vol in volumes.items():
        rows = entries.get(vid)
        if not rows and vid not in records and not volume \
                and not _indexed_by_now(graph, stages.get(vid, "")):
            continue  # not at 标引 yet
        checked += 1
        record = (RawEntry({**records[vid], "archive_code": vol.archive_code})
                  if vid in records else None)
        raw = [RawEntry(r) for r in rows or []]
        cat = validate_catalogue(vol.archive_code, record, raw, schema, counts.get(vid))
        defects.extend(cat.defects)
    return defects, checked


def uncatalogued(session: Session, ctx: ProjectContext, volume: str | None = None,
                 record_counts: bool = True) -> list[str]:
    """Archive codes of the volumes at or past 标引 (or ``volume``, whatever its stage) that
    have no catalogue at all: no item and (when ``record_counts``) no volume record."""
    graph = ws.graph_for(ctx.config)
    q = select(Volume.id, Volume.archive_code, Volume.stage).where(Volume.project_id == ctx.project_id)
    if volume:
        q = q.where(Volume.archive_code == volume)
    rows = [r for r in session.execute(q) if volume or _indexed_by_now(graph, r.stage)]
    ids = [r.id for r in rows]
    has = set(session.scalars(select(Item.volume_id).where(Item.volume_id.in_(ids)).distinct()))
    if record_counts:
        has |= set(session.scalars(select(VolumeRecord.volume_id)
                                   .where(VolumeRecord.volume_id.in_(ids))))
    return sorted((r.archive_code for r in rows if r.id not in has),
                  key=ctx.rules.archive_code.sort_key)


def _indexed_by_now(graph: wf.StageGraph, stage: str) -> bool:
    """Whether a volume at ``stage`` has reached 标引 (is at it or past it)."""
    if wf.INDEX not in graph.stages:
        return False
    if stage == wf.DONE:
        return True
    return stage in graph.stages and graph.position(stage) >= graph.position(wf.INDEX)


# --- double keying (一稿双录) -----------------------------------------------------------------

def compare_keyings(ctx: ProjectContext, first: Path, second: Path, typists: tuple[str, str] = ("", ""),
                    ) -> list[Difference]:
    """Compare two independent typings and record both rounds with their differences."""
    a, b = read_catalogue([first]), read_catalogue([second])
    diffs = compare_typings(a.as_typing(), b.as_typing())
    by_volume: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in diffs:
        by_volume[d.volume].append(d.to_dict())
    with ctx.transaction() as session:
        volumes = _volumes_by_code(session, ctx.project_id, [*a.codes, *b.codes])
        for rnd, (data, path, typist) in enumerate(((a, first, typists[0]), (b, second, typists[1])), 1):
            typing = data.as_typing()
            for code, vol in volumes.items():
                if code in typing:
                    session.add(CatalogueKeying(volume_id=vol.id, round=rnd, source=path.name,
                                                data={**typing[code], "typist": typist},
                                                differences=by_volume.get(code, [])))
    return diffs


def resolve_keying(ctx: ProjectContext, actor: Actor, final: Path, replace: bool = True) -> ImportResult:
    """The third person's resolved workbook: record round 3 and import it as the catalogue."""
    data = read_catalogue([final])
    typing = data.as_typing()
    with ctx.transaction() as session:
        volumes = _volumes_by_code(session, ctx.project_id, data.codes)
        latest: dict[int, dict[int, CatalogueKeying]] = defaultdict(dict)
        for k in session.scalars(select(CatalogueKeying).where(
                CatalogueKeying.volume_id.in_([v.id for v in volumes.values()]))
                .order_by(CatalogueKeying.id)):
            latest[k.volume_id][k.round] = k
        for code, vol in volumes.items():
            rounds = latest.get(vol.id, {})
            if 1 not in rounds or 2 not in rounds:
                raise ConflictError("index.no_keying", code=code)
            diffs = compare_typings({code: rounds[1].data}, {code: rounds[2].data})
            diffs = [d for d in diffs if d.field != "typist"]
            session.add(CatalogueKeying(volume_id=vol.id, round=3, source=final.name,
                                        data={**typing[code], "resolver": actor.name},
                                        differences=resolution_choices(diffs, typing)))
    return import_catalogue(ctx, actor, [final], replace=replace)


def _volumes_by_code(session: Session, project_id: int, codes: Sequence[str]) -> dict[str, Volume]:
    return {v.archive_code: v for v in session.scalars(
        select(Volume).where(Volume.project_id == project_id,
                             Volume.archive_code.in_(list(dict.fromkeys(codes)))))}


def missing_catalogue(code: str) -> Defect:
    return make_defect("catalogue_empty", path="", volume=code, where=t("index.where_volume", code=code))
