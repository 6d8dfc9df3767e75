"""Use case: retouch a project's scanned volumes, 已扫描 → 已修图, and record everything.

Per page: the retouched file (checksummed) is recorded as a ``StoredFile`` of the retouched
area, the measurements go to ``Page.metrics["retouch"]`` and every QC finding becomes a
``Defect`` (source ``retouch``, stored as code + parameters). Each volume is recorded in its
own transaction as soon as the last of its pages comes back (in the order pages finish,
whatever the executor), so a run killed midway keeps every volume it finished. At the end the
workflow engine signs the retouch stage for the retoucher (when they hold the batch's retouch
claim and every page came out), except for a volume with a page the engine was not sure of
(an open ``needs_review`` finding): it is held for a person (``summary.held``: its pages and
why), who accepts or replaces each such page (``services.retouch.fix``); a rerun then signs
it. A refused sign-off leaves the record in place, and a rerun
skips the pages recorded before, redoes the others (a page whose file exists but whose metrics
or row are missing is processed again) and signs what an earlier run recorded but did not sign.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select

from dangan.compute.executors import Executor
from dangan.db.models import Defect, Page, Rework, StageEvent, StoredFile, Volume, WorkBatch
from dangan.domain import registry
from dangan.domain import workflow as wf
from dangan.errors import NotFoundError, StorageError
from dangan.i18n import join, t
from dangan.imaging import context as c
from dangan.imaging.context import PageReport, QcThresholds, RetouchOptions
from dangan.imaging.files import TEMP_MARK, PageTask
from dangan.imaging.qc import INFORMATION
from dangan.intake.renumber import crash_point
from dangan.services import claims, engine
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext
from dangan.services.retouch import (
    ERRORS,
    RUN_FAULTS,
    STORAGE_FAULTS,
    RetouchSummary,
    defect_words,
    page_size_mm,
    run_fault,
    run_tasks,
)
from dangan.services.retouch.hold import HeldPage, held_in_session, stage_after_retouch
from dangan.storage import sha256_bytes
from dangan.storage.areas import Area

STAGE = "retouch"
METRIC_KEYS = ("rotation", "orientation_confidence", "skew_before_deg", "skew_after_deg",
               "skew_method", "holes_found", "holes_filled", "scale", "ink_ratio", "faint_ratio",
               "sharpness", "edge_residue", "content_margin_mm", "width", "height", "dpi", "dpi_source",
               "hole_boxes", "hole_unsure_boxes", "corners_cut_mm2", "torn_mm2", "review")


@dataclass(frozen=True)
class _Source:
    volume_id: int
    archive_code: str
    page_id: int | None
    page_no: int | None
    rel: str  # relative to the storage root
    recorded: bool = False  # retouched file and metrics already recorded
    hand_fixed: bool = False  # replaced by a person (``fix``): never redone, even by force


def options_for(ctx: ProjectContext) -> RetouchOptions:
    """The frozen retouch options from the project's configuration. A page is read at its
    file's own dpi when that is plausible for its pixel size (the dpi ingest recorded and
    ``check`` accepted: a 300 dpi master keeps its physical size), else at the project's
    scan dpi (``dpi_source`` fallback, said in the report), as the plain-folder route does."""
    cfg, scan = ctx.config.retouch, ctx.config.scan
    return RetouchOptions(dpi=scan.dpi, trust_file_dpi=True, mode=cfg.colour_mode, fmt=cfg.format, holes=cfg.holes,
                          jpeg_quality=cfg.jpeg_quality, page_size_mm=page_size_mm(cfg.page_size),
                          margin_mm=cfg.margin_mm, orientation=cfg.orientation,
                          deskew=cfg.deskew, borders=cfg.borders,
                          qc=QcThresholds(max_residual_skew_deg=cfg.max_skew_deg,
                                          min_dpi=scan.min_dpi))


def _sources(ctx: ProjectContext, batch: str | None, opts: RetouchOptions) -> list[_Source]:
    with ctx.transaction() as session:
        query = (select(Volume, StoredFile, Page).join(StoredFile, StoredFile.volume_id == Volume.id)
                 .outerjoin(Page, Page.id == StoredFile.page_id)
                 .where(Volume.project_id == ctx.project_id,
                        StoredFile.area == Area.SCANNED.key, StoredFile.kind == "page"))
        if batch:
            wb = session.scalar(select(WorkBatch).where(WorkBatch.project_id == ctx.project_id,
                                                        WorkBatch.code == batch))
            if wb is None:
                raise NotFoundError("workflow.no_batch", code=batch)
            query = query.where(Volume.work_batch_id == wb.id)
        rows = session.execute(query.order_by(Volume.id, StoredFile.path)).all()
        retouched = session.execute(select(StoredFile.path, StoredFile.page_id).where(
            StoredFile.project_id == ctx.project_id, StoredFile.area == Area.RETOUCHED.key,
            StoredFile.sha256 != "",
            StoredFile.volume_id.in_({v.id for v, _f, _p in rows}))).all()
        done = {path for path, _page in retouched}
        # a page replaced by hand is recorded under its new version's name (``fix``)
        hand_fixed = {page for _path, page in retouched if page is not None}
        sources = []
        for v, f, p in rows:
            by_hand = p is not None and p.id in hand_fixed and "hand_fixed" in (p.metrics or {})
            measured = bool(p is None or (p.metrics or {}).get("retouch"))
            sources.append(_Source(v.id, v.archive_code, p.id if p else None,
                                   p.page_no if p else None, f.path,
                                   (_target(f.path, opts) in done or by_hand) and measured,
                                   by_hand and measured))
        return sources


def _target(rel: str, opts: RetouchOptions) -> str:
    parts = rel.split("/", 1)
    inner = parts[1] if len(parts) == 2 and parts[0] == Area.SCANNED.value else rel
    return f"{Area.RETOUCHED.value}/{posixpath.splitext(inner)[0]}{opts.suffix}"


def _url(ctx: ProjectContext, rel: str) -> str:
    return ctx.storage.url.rstrip("/") + "/" + rel


class _Recorder:
    """Records each volume of a run as soon as the last of its pages comes back (called in
    the main process for every page report, in the order pages finish)."""

    def __init__(self, ctx: ProjectContext, sources: list[_Source], opts: RetouchOptions,
                 actor: Actor | None, request: str,
                 progress: Callable[[PageReport], None] | None) -> None:
        self.ctx, self.opts, self.actor, self.request = ctx, opts, actor, request
        self.progress = progress
        self.by_rel = {s.rel: s for s in sources}
        self.left: Counter[int] = Counter(s.volume_id for s in sources)
        self.folders: dict[int, set[str]] = defaultdict(set)
        self.folder_left: Counter[str] = Counter()
        for s in sources:
            folder = posixpath.dirname(_target(s.rel, opts))
            self.folders[s.volume_id].add(folder)
            self.folder_left[folder] += 1
        self.grouped: dict[int, list[tuple[_Source, PageReport]]] = defaultdict(list)
        self.recorded: set[int] = set()
        self.written: set[int] = set()  # volumes whose record this run committed

    def page_done(self, report: PageReport) -> None:
        src = self.by_rel[report.source]
        self.grouped[src.volume_id].append((src, report))
        self.left[src.volume_id] -= 1
        self.folder_left[posixpath.dirname(_target(src.rel, self.opts))] -= 1
        if self.left[src.volume_id] == 0:
            try:
                self._record(src.volume_id)
            except StorageError:
                self.require_root()  # the root gone: say so, not the one file it broke
                raise
        if self.progress is not None:
            self.progress(report)

    def require_root(self) -> None:
        """The storage root still there and holding its areas (as ingest and backup check
        it), else ``storage.root_missing`` / ``storage.root_empty`` (exit 11) with what this
        run retouched and what of it is recorded: the pages retouched but not recorded are
        done again by a rerun."""
        try:
            self.ctx.storage.require_root()
        except StorageError as exc:
            done = [rep for pages in self.grouped.values() for _s, rep in pages
                    if rep.status not in ("failed", "skipped")]
            recorded = [pages for vid, pages in self.grouped.items() if vid in self.written]
            codes = sorted(pages[0][0].archive_code for pages in recorded)
            line = t("retouch.storage_lost_progress", done=len(done),
                     recorded=sum(1 for pages in recorded for _s, rep in pages
                                  if rep.status not in ("failed", "skipped")),
                     volumes=len(codes), codes=join(codes) or "-")
            raise StorageError(exc.key, details=[line], **exc.params) from exc

    def finish(self) -> None:
        """Every task came back: record whatever is not yet (never expected), then drop the
        partial outputs left anywhere by workers killed mid-page."""
        for volume_id in list(self.grouped):
            if volume_id not in self.recorded:
                self._record(volume_id)
        _remove_leftover_parts(self.ctx, {f for fs in self.folders.values() for f in fs})

    def _record(self, volume_id: int) -> None:
        self.recorded.add(volume_id)
        pages = self.grouped[volume_id]
        # no writer of this run is left in a folder whose every page came back
        _remove_leftover_parts(self.ctx, {f for f in self.folders[volume_id]
                                          if self.folder_left[f] <= 0})
        if all(rep.status == "skipped" for _s, rep in pages):
            return  # recorded by an earlier run: nothing to write
        crash_point("retouch.pages_done")
        record_volume(self.ctx, volume_id, pages, self.opts, self.actor, self.request)
        self.written.add(volume_id)
        crash_point("retouch.volume_recorded")


def run(ctx: ProjectContext, executor: Executor, batch: str | None = None,
        actor: Actor | None = None, progress: Callable[[PageReport], None] | None = None,
        force: bool = False) -> RetouchSummary:
    """Retouch, recording each volume as soon as its pages are done, then (with an
    ``actor``) sign what may be signed."""
    opts = options_for(ctx)
    sources = _sources(ctx, batch, opts)
    if not sources:
        raise NotFoundError("retouch.no_batch_pages")
    if actor is not None:  # never recorded under one retoucher while another holds a batch
        claims.refuse_other_holders(ctx, actor, {s.volume_id for s in sources}, wf.RETOUCH)
    redo = _written_unrecorded(ctx, [s for s in sources if not s.recorded], opts)
    area = _url(ctx, Area.RETOUCHED.value)  # made by init: never recreated by a page's write
    tasks = [PageTask(_url(ctx, s.rel), _url(ctx, _target(s.rel, opts)), s.rel, opts,
                      (force and not s.hand_fixed) or not s.recorded, within=area)
             for s in sources]
    recorder = _Recorder(ctx, sources, opts, actor, _request_digest(opts, batch, force),
                         progress)
    summary = run_tasks(tasks, executor, progress=recorder.page_done)
    summary.places = {s.rel: (s.archive_code, _page_no(s)) for s in sources}
    summary.fallback_dpi = opts.dpi
    if any(f and f[0] in STORAGE_FAULTS for f in map(run_fault, summary.failed())):
        recorder.require_root()  # pages failed because the storage root went away
    try:
        recorder.finish()
    except StorageError:
        recorder.require_root()
        raise
    crash_point("retouch.run_recorded")
    grouped = recorder.grouped
    summary.redone = sum(1 for p in summary.pages if p.source in redo and p.status != "skipped")
    summary.kept = sorted(pages[0][0].archive_code for pages in grouped.values()
                          if all(rep.status == "skipped" for _s, rep in pages))
    clean = [pages[0][0].archive_code for pages in grouped.values()
             if all(rep.status != "failed" for _s, rep in pages)]
    summary.already = _already_signed(ctx, grouped)
    clean = [code for code in clean if code not in summary.already]
    if actor is not None and clean:
        # a page the engine was not sure of waits for a person: its volume is not signed
        summary.held = _held(ctx, grouped, clean)
        summary.next_stage = stage_after_retouch(ctx.config)
        clean = [code for code in clean if code not in summary.held]
    if actor is not None and clean:
        _sign(ctx, actor, summary, grouped, clean)
    summary.unsigned.extend(_failed_volumes(grouped))
    return summary


def _held(ctx: ProjectContext, grouped: dict[int, list[tuple[_Source, PageReport]]],
          codes: list[str]) -> dict[str, list[HeldPage]]:
    """The volumes among ``codes`` still at 修图 with a page holding an open ``needs_review``
    finding (this run's or an earlier one's, not yet accepted or replaced)."""
    wanted = set(codes)
    ids = [pages[0][0].volume_id for pages in grouped.values()
           if pages[0][0].archive_code in wanted]
    with ctx.transaction() as session:
        return held_in_session(session, ids, at_retouch_only=True)


def _failed_volumes(grouped: dict[int, list[tuple[_Source, PageReport]]]) -> list[str]:
    """Why a volume with pages that could not be retouched is not signed, and what to do."""
    lines = []
    for pages in grouped.values():
        failed = sorted((_page_no(src) or 0) for src, rep in pages if rep.status == "failed")
        if not failed:
            continue
        # not the pages' own fault (storage, a lost worker): no rescan, fix it and run again
        key = ("retouch.volume_failed_run" if all(run_fault(rep) for _s, rep in pages
                                                   if rep.status == "failed")
               else "retouch.volume_failed_pages")
        lines.append(t(key, code=pages[0][0].archive_code, stage=t("stage.retouch"),
                       count=len(failed), pages=join(str(n) for n in failed)))
    return lines


def _sign(ctx: ProjectContext, actor: Actor, summary: RetouchSummary,
          grouped: dict[int, list[tuple[_Source, PageReport]]], clean: list[str]) -> None:
    """One sign-off at the end of the run, through the engine, of the volumes that came out
    whole (those recorded by an earlier, interrupted run too)."""
    figures = _volume_figures(ctx, {pages[0][0].archive_code: (pages[0][0].volume_id,
                                                               len(pages))
                                    for pages in grouped.values()
                                    if pages[0][0].archive_code in clean})
    signed: list[str] = []
    unsigned: list[str] = []
    # one sign-off per work batch: a batch's own remarks (used when it moves on) count every
    # page and finding of the batch, the volumes signed by an earlier run too
    for codes, (pages, defects) in _batch_figures(ctx, clean):
        outcome = engine.sign_recorded(
            ctx, actor, codes, wf.RETOUCH,
            remarks=t("retouch.signoff_remarks", pages=pages, defects=defects),
            volume_remarks={code: t("retouch.signoff_remarks", pages=p, defects=d)
                            for code, (p, d) in figures.items() if code in codes})
        signed.extend(outcome.signed)
        unsigned.extend(outcome.messages())
    summary.signed = signed
    summary.signed_figures = {code: figures[code] for code in summary.signed}
    summary.signed_with_errors = _open_errors(ctx, summary.signed)
    summary.unsigned = unsigned


def _batch_figures(ctx: ProjectContext, codes: list[str]
                   ) -> list[tuple[list[str], tuple[int, int]]]:
    """``codes`` by work batch (in their order), each with its batch's figures: the pages of
    every volume of the batch and the retouch findings recorded on them (not waived)."""
    with ctx.transaction() as session:
        rows = session.execute(select(Volume.archive_code, Volume.work_batch_id).where(
            Volume.project_id == ctx.project_id, Volume.archive_code.in_(codes))).all()
        batch_of = {code: batch for code, batch in rows}
        ids = sorted({b for b in batch_of.values() if b is not None})
        pages = dict(session.execute(
            select(Volume.work_batch_id, func.count(Page.id)).join(
                Page, Page.volume_id == Volume.id).where(Volume.work_batch_id.in_(ids))
            .group_by(Volume.work_batch_id)).all())
        found = dict(session.execute(
            select(Volume.work_batch_id, func.count(Defect.id)).join(
                Defect, Defect.volume_id == Volume.id).where(
                Volume.work_batch_id.in_(ids), Defect.source == "retouch",
                Defect.status != "waived").group_by(Volume.work_batch_id)).all())
    grouped: dict[int | None, list[str]] = {}
    for code in codes:
        grouped.setdefault(batch_of.get(code), []).append(code)
    return [(group, (int(pages.get(b, 0)), int(found.get(b, 0))))
            for b, group in grouped.items()]


def _open_errors(ctx: ProjectContext, codes: list[str]) -> dict[str, list[int]]:
    """archive code -> the pages holding an open error-level retouch finding. The retouch
    stage is signed all the same: QC sends open errors back as rework before it samples
    (``qc sample``), which the run says, naming the pages."""
    if not codes:
        return {}
    with ctx.transaction() as session:
        rows = session.execute(
            select(Volume.archive_code, Defect.page_no).join(Defect, Defect.volume_id == Volume.id)
            .where(Volume.project_id == ctx.project_id, Volume.archive_code.in_(codes),
                   Defect.source == "retouch", Defect.status == "open",
                   Defect.severity == "error")).all()
    out: dict[str, set[int]] = defaultdict(set)
    for code, page_no in rows:
        out[code].add(int(page_no or 0))
    return {code: sorted(pages) for code, pages in sorted(out.items())}


def _written_unrecorded(ctx: ProjectContext, sources: list[_Source],
                        opts: RetouchOptions) -> set[str]:
    """Pages (by ``rel``) whose retouched file an earlier run wrote but did not record: this
    run does them again. One listing per folder."""
    fs = ctx.storage.fs
    by_folder: dict[str, list[_Source]] = defaultdict(list)
    for s in sources:
        by_folder[posixpath.dirname(_target(s.rel, opts))].append(s)
    found: set[str] = set()
    for folder, members in by_folder.items():
        base = ctx.storage.path(folder)
        try:
            names = {posixpath.basename(n) for n in fs.ls(base, detail=False)}
        except (FileNotFoundError, NotADirectoryError):
            continue
        found.update(s.rel for s in members
                     if posixpath.basename(_target(s.rel, opts)) in names)
    return found


def _volume_figures(ctx: ProjectContext, volumes: dict[str, tuple[int, int]]
                    ) -> dict[str, tuple[int, int]]:
    """archive code -> (its pages, the retouch QC findings recorded on it), for the sign-off
    remarks of each volume: its own figures (an earlier, interrupted run's findings too),
    never the whole run's. ``volumes``: archive code -> (volume id, pages in this run)."""
    with ctx.transaction() as session:
        found = dict(session.execute(
            select(Defect.volume_id, func.count()).where(
                Defect.volume_id.in_([vid for vid, _n in volumes.values()]),
                Defect.source == "retouch", Defect.status != "waived")
            .group_by(Defect.volume_id)).all())
    return {code: (n, int(found.get(vid, 0))) for code, (vid, n) in volumes.items()}


def _request_digest(opts: RetouchOptions, batch: str | None, force: bool) -> str:
    """What was asked: the retouch options, the batch and whether every page is redone."""
    body = {"options": asdict(opts), "batch": batch, "force": force}
    return sha256_bytes(json.dumps(body, sort_keys=True, default=str).encode("utf-8"))


def _already_signed(ctx: ProjectContext,
                    grouped: dict[int, list[tuple[_Source, PageReport]]]) -> list[str]:
    """Volumes this run found wholly done (every page recorded before, none redone) whose
    retouch stage is signed already: a repeated request, nothing more to record or sign."""
    untouched = [vid for vid, pages in grouped.items()
                 if all(rep.status == "skipped" for _s, rep in pages)]
    if not untouched:
        return []
    with ctx.transaction() as session:
        signed = set(session.scalars(select(StageEvent.volume_id).where(
            StageEvent.volume_id.in_(untouched), StageEvent.kind == wf.EVENT_SIGNOFF,
            StageEvent.stage == wf.RETOUCH)))
        return sorted(session.scalars(select(Volume.archive_code).where(
            Volume.id.in_(signed), Volume.stage != wf.RETOUCH)))


def _remove_leftover_parts(ctx: ProjectContext, folders: set[str]) -> None:
    """Partial outputs of a worker killed mid-page (never published under a page's name).

    Called only for folders whose every page of this run has come back, so no writer of this
    run is left there."""
    fs = ctx.storage.fs
    for folder in folders:
        base = ctx.storage.path(folder)
        if not fs.exists(base):
            continue
        for full in fs.ls(base, detail=False):
            if posixpath.basename(full).startswith(TEMP_MARK):
                fs.rm(full)


def _page_no(src: _Source) -> int | None:
    if src.page_no is not None:
        return src.page_no
    digits = re.findall(r"\d+", posixpath.basename(src.rel))
    return int(digits[-1]) if digits else None


def record_volume(ctx: ProjectContext, volume_id: int, pages: list[tuple[_Source, PageReport]],
                  opts: RetouchOptions, actor: Actor | None = None, request: str = "") -> None:
    """One transaction: the volume's files, metrics and defects, and the retouch record.

    A page skipped as recorded before keeps its recorded checksum (never re-hashed: a file
    changed since is fixity's finding, not a new version)."""
    hashes = {src.rel: (ctx.storage.sha256(_target(src.rel, opts)),
                        ctx.storage.size(_target(src.rel, opts)))
              for src, rep in pages if rep.status not in ("failed", "skipped")}
    with ctx.transaction() as session:
        volume = session.get(Volume, volume_id)
        assert volume is not None
        for src, rep in pages:
            _record_page(session, ctx, volume, src, rep, opts, hashes.get(src.rel), request)
        done = [rep for _s, rep in pages if rep.status != "skipped"]
        if done:
            # a page failed by the storage or a lost worker is a failed page of the run,
            # never a defect of the page: counted apart (``run_failed``), no finding
            faults = [rep for rep in done if run_fault(rep)]
            failed = sum(r.status == "failed" for r in done)
            session.add(StageEvent(
                project_id=ctx.project_id, kind=wf.EVENT_RETOUCH_RECORD, stage=wf.RETOUCH,
                volume_id=volume.id, work_batch_id=volume.work_batch_id,
                worker_id=actor.worker_id if actor else None,
                person=actor.name if actor else "",
                remarks=t("retouch.record_failed_remarks", pages=len(done), failed=failed,
                          run_failed=len(faults)) if failed else "",
                data={"pages": len(done), "failed": failed, "run_failed": len(faults),
                      "defects": sum(len(r.defects) for r in done if not run_fault(r)),
                      "request": request}))


def _record_page(session: Any, ctx: ProjectContext, volume: Volume, src: _Source,
                 rep: PageReport, opts: RetouchOptions, stored: tuple[str, int] | None,
                 request: str = "") -> None:
    if run_fault(rep):
        return  # the storage's or a worker's fault, not the page's: nothing measured, no defect
    page = session.get(Page, src.page_id) if src.page_id else None
    if page is not None and rep.status != "skipped":
        data = rep.to_dict()
        page.metrics = {**(page.metrics or {}), "retouch": {k: data[k] for k in METRIC_KEYS}}
    if stored is not None:
        target = _target(src.rel, opts)
        row = session.scalar(select(StoredFile).where(StoredFile.project_id == ctx.project_id,
                                                      StoredFile.path == target))
        if row is None:
            row = StoredFile(project_id=ctx.project_id, volume_id=volume.id, path=target,
                             area=Area.RETOUCHED.key, kind="page", sha256="", size=0)
            session.add(row)
        row.page_id, row.sha256, row.size = src.page_id, stored[0], stored[1]
    if rep.status == "skipped":
        return
    page_no = _page_no(src)
    known = _settle_earlier(session, volume, page_no, rep, request) if page_no is not None \
        else set()
    for defect in rep.defects:
        if defect.code in known or defect.code in INFORMATION:
            continue  # recorded by an earlier run of this page; or no defect (a conversion)
        session.add(Defect(
            project_id=ctx.project_id, volume_id=volume.id, work_batch_id=volume.work_batch_id,
            page_no=page_no, code=defect.code, source="retouch",
            severity="error" if defect.code in ERRORS else "warning",
            stage=registry.defect_stage(defect.code) or STAGE,
            message=defect_words(defect.code, defect.detail),  # in words, not "residue=0.040"
            data={"path": src.rel, "detail": defect.detail, "key": f"retouch.defect.{defect.code}",
                  "params": {}}))


def _settle_earlier(session: Any, volume: Volume, page_no: int, rep: PageReport,
                    request: str) -> set[str]:
    """A page retouched again: its earlier open retouch findings that this run no longer makes
    are settled (never deleted), each with why in its data — ``fixed`` (QC verifies it at its
    next passing verdict) for a finding the page no longer shows, ``waived`` for a storage or
    worker fault an older release recorded as the page's own (charged to no one). A finding
    under an open rework is left to the rework. Returns the codes still open (not recorded
    again)."""
    found = {d.code for d in rep.defects if d.code not in INFORMATION}
    retouched = rep.status != "failed"  # a page that failed (its own fault) shows nothing new
    in_rework = set(session.scalars(select(Rework.defect_id).where(
        Rework.volume_id == volume.id, Rework.status == "open",
        Rework.defect_id.is_not(None))))
    still: set[str] = set()
    at = ws.now()
    for row in session.scalars(select(Defect).where(
            Defect.volume_id == volume.id, Defect.page_no == page_no,
            Defect.source == "retouch", Defect.status == "open")):
        detail = str((row.data or {}).get("detail", ""))
        fault = row.code == c.UNREADABLE and detail.partition(":")[0] in RUN_FAULTS
        if (row.code in found and not fault) or row.id in in_rework or not retouched:
            still.add(row.code)
            continue
        row.status = "waived" if fault else "fixed"
        row.resolved_at = at
        row.data = {**(row.data or {}), "resolution": {
            "reason": "run_fault" if fault else "not_found_again", "by": "retouch",
            "request": request}}
    return still
