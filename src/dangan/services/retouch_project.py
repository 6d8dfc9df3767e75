"""Use case: retouch a project's scanned volumes, 已扫描 → 已修图, and record everything.

Per page: the retouched file (checksummed) is recorded as a ``StoredFile`` of the retouched
area, the measurements go to ``Page.metrics["retouch"]`` and every QC finding becomes a
``Defect`` (source ``retouch``). A volume whose pages all came out is signed off for the
retouch stage by the named retoucher; a volume with unreadable pages is left for rework.
Each volume is recorded in its own transaction, after its files are safely written.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dangan.compute.executors import Executor
from dangan.db.models import Defect, Page, StoredFile, Volume, WorkBatch
from dangan.errors import NotFoundError
from dangan.i18n import t
from dangan.imaging import context as c
from dangan.imaging.context import PageReport, QcThresholds, RetouchOptions
from dangan.imaging.files import PageTask
from dangan.services import workflow_state as ws
from dangan.services.project import ProjectContext, open_project
from dangan.services.retouch import RetouchSummary, page_size_mm, run_tasks
from dangan.storage.areas import Area

STAGE = "retouch"
ERRORS = {c.UNREADABLE, c.CONTENT_AT_EDGE, c.BLACK_BORDER, c.SKEW, c.BLURRED}
METRIC_KEYS = ("rotation", "orientation_confidence", "skew_before_deg", "skew_after_deg",
               "skew_method", "holes_found", "holes_filled", "scale", "ink_ratio", "sharpness",
               "edge_residue", "content_margin_mm", "width", "height", "dpi", "dpi_source",
               "hole_boxes", "review")


@dataclass(frozen=True)
class _Source:
    volume_id: int
    archive_code: str
    page_id: int | None
    page_no: int | None
    rel: str  # relative to the storage root


def options_for(ctx: ProjectContext) -> RetouchOptions:
    """The frozen retouch options from the project's configuration."""
    cfg, scan = ctx.config.retouch, ctx.config.scan
    return RetouchOptions(dpi=scan.dpi, mode=cfg.colour_mode, fmt=cfg.format, holes=cfg.holes,
                          jpeg_quality=cfg.jpeg_quality, page_size_mm=page_size_mm(cfg.page_size),
                          margin_mm=cfg.margin_mm, orientation=cfg.orientation,
                          deskew=cfg.deskew, borders=cfg.borders,
                          qc=QcThresholds(max_residual_skew_deg=cfg.max_skew_deg))


def _sources(ctx: ProjectContext, batch: str | None) -> list[_Source]:
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
        return [_Source(v.id, v.archive_code, p.id if p else None, p.page_no if p else None, f.path)
                for v, f, p in rows]


def _target(rel: str, opts: RetouchOptions) -> str:
    parts = rel.split("/", 1)
    inner = parts[1] if len(parts) == 2 and parts[0] == Area.SCANNED.value else rel
    return f"{Area.RETOUCHED.value}/{posixpath.splitext(inner)[0]}{opts.suffix}"


def _url(ctx: ProjectContext, rel: str) -> str:
    return ctx.storage.url.rstrip("/") + "/" + rel


def run(home: Path, executor: Executor, batch: str | None = None, user: str | None = None,
        progress: Callable[[PageReport], None] | None = None,
        force: bool = False) -> RetouchSummary:
    ctx = open_project(home)
    opts = options_for(ctx)
    sources = _sources(ctx, batch)
    if not sources:
        raise NotFoundError("retouch.no_batch_pages")
    by_rel = {s.rel: s for s in sources}
    tasks = [PageTask(_url(ctx, s.rel), _url(ctx, _target(s.rel, opts)), s.rel, opts, force)
             for s in sources]
    summary = run_tasks(tasks, executor, progress=progress)
    grouped: dict[int, list[tuple[_Source, PageReport]]] = defaultdict(list)
    for report in summary.pages:
        src = by_rel[report.source]
        grouped[src.volume_id].append((src, report))
    for volume_id, pages in grouped.items():
        record_volume(ctx, volume_id, pages, opts, user)
    return summary


def _page_no(src: _Source) -> int | None:
    if src.page_no is not None:
        return src.page_no
    digits = re.findall(r"\d+", posixpath.basename(src.rel))
    return int(digits[-1]) if digits else None


def record_volume(ctx: ProjectContext, volume_id: int, pages: list[tuple[_Source, PageReport]],
                  opts: RetouchOptions, user: str | None) -> None:
    """One transaction: files, metrics, defects and (when clean) the retoucher's sign-off."""
    hashes = {src.rel: (ctx.storage.sha256(_target(src.rel, opts)),
                        ctx.storage.size(_target(src.rel, opts)))
              for src, rep in pages if rep.status != "failed"}
    with ctx.transaction() as session:
        volume = session.get(Volume, volume_id)
        assert volume is not None
        for src, rep in pages:
            _record_page(session, ctx, volume, src, rep, opts, hashes.get(src.rel))
        failed = any(rep.status == "failed" for _, rep in pages)
        if user and not failed:
            n_def = sum(len(rep.defects) for _, rep in pages)
            ws.sign_off_volume_in_session(session, ctx.project_id, ctx.config, volume, STAGE,
                                          user, remarks=t("retouch.signoff_remarks",
                                                          pages=len(pages), defects=n_def))


def _record_page(session: Any, ctx: ProjectContext, volume: Volume, src: _Source,
                 rep: PageReport, opts: RetouchOptions, stored: tuple[str, int] | None) -> None:
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
    for defect in rep.defects:
        session.add(Defect(
            project_id=ctx.project_id, volume_id=volume.id, work_batch_id=volume.work_batch_id,
            page_no=_page_no(src), code=defect.code, source="retouch",
            severity="error" if defect.code in ERRORS else "warning",
            stage="scan" if defect.code in (c.UNREADABLE, c.BLURRED, c.BLANK_PAGE) else STAGE,
            message=f"{t(f'retouch.defect.{defect.code}')} {defect.detail}".strip(),
            data={"path": src.rel, "detail": defect.detail}))
