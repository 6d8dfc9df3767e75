"""What the scan check looks up in a project: the volume list a folder is held to, and the
pages already ingested (by SHA-256), gathered into the check's options.

``dangan check -p`` and ingest's own check build their ``CheckOptions`` here; without a
project the court rule and the default scan spec stand in.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from sqlalchemy import select

from dangan.config import ScanConfig
from dangan.db.models import BorrowBatch, Page, StageEvent, StoredFile, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.domain.naming import NamingRules, court_rules
from dangan.intake.check import CheckOptions, StoredCopy
from dangan.intake.walk import ListedVolume, VolumeList
from dangan.services.project import ProjectContext
from dangan.storage import Area

SCANNED_KEY = Area.SCANNED.key


def expected_pages(ctx: ProjectContext) -> VolumeList:
    """The project's volume list as the check compares folders with it: per volume the pages
    its folder must hold (the sorter's latest count, taken just before scanning, else the
    list's 页数), its borrow and work batch, and the folder it was ingested from."""
    pid = ctx.project_id
    with ctx.transaction() as session:
        rows = session.execute(
            select(Volume.id, Volume.archive_code, Volume.expected_pages, Volume.folder_name,
                   BorrowBatch.no, WorkBatch.code)
            .outerjoin(BorrowBatch, BorrowBatch.id == Volume.borrow_batch_id)
            .outerjoin(WorkBatch, WorkBatch.id == Volume.work_batch_id)
            .where(Volume.project_id == pid)).all()
        numbered: dict[int, int] = {}
        for volume_id, data in session.execute(
                select(StageEvent.volume_id, StageEvent.data).where(
                    StageEvent.project_id == pid, StageEvent.kind == wf.EVENT_SORT_RECORD)
                .order_by(StageEvent.at, StageEvent.id)):
            if volume_id is not None and (data or {}).get("pages_numbered"):
                numbered[volume_id] = int(data["pages_numbered"])  # the latest one wins
        ingested = set(session.scalars(select(StoredFile.volume_id).where(
            StoredFile.project_id == pid, StoredFile.area == SCANNED_KEY).distinct()))
        work_batches = frozenset(session.scalars(
            select(WorkBatch.code).where(WorkBatch.project_id == pid)))
        borrow_batches = frozenset(session.scalars(
            select(BorrowBatch.no).where(BorrowBatch.project_id == pid)))
    volumes = {code: ListedVolume(numbered.get(vid, pages), borrow_no, work_code,
                                  folder if vid in ingested else None,
                                  "sort" if vid in numbered else "list")
               for vid, code, pages, folder, borrow_no, work_code in rows}
    return VolumeList(volumes, work_batches, borrow_batches)


def check_options(ctx: ProjectContext | None = None, *, rules: NamingRules | None = None,
                  scan: ScanConfig | None = None, content: bool = True,
                  workers: int = 0) -> CheckOptions:
    """Options from the project (rules, scan spec, volume list) or from what the caller gives."""
    if ctx is not None:
        return CheckOptions(rules or ctx.rules, scan or ctx.config.scan, expected_pages(ctx),
                            content, workers, stored=functools.partial(stored_pages, ctx))
    return CheckOptions(rules or court_rules(), scan or ScanConfig(), None, content, workers)


def stored_pages(ctx: ProjectContext, hashes: Sequence[str],
                 chunk: int = 500) -> dict[str, list[StoredCopy]]:
    """The pages in 已扫描 recorded with these SHA-256s (the check's copies of ingested pages),
    read in one transaction, one query per ``chunk`` hashes."""
    out: dict[str, list[StoredCopy]] = {}
    with ctx.transaction() as session:
        for i in range(0, len(hashes), chunk):
            for sha, path, code, page_no in session.execute(
                    select(StoredFile.sha256, StoredFile.path, Volume.archive_code, Page.page_no)
                    .join(Volume, Volume.id == StoredFile.volume_id)
                    .outerjoin(Page, Page.id == StoredFile.page_id)
                    .where(StoredFile.project_id == ctx.project_id,
                           StoredFile.area == SCANNED_KEY, StoredFile.kind == "page",
                           StoredFile.sha256.in_(hashes[i : i + chunk]))):
                out.setdefault(sha, []).append(StoredCopy(code, page_no, path))
    return out
