"""The local-copy rule: a scan station's copy of a volume goes only when nothing can need it.

A volume folder under the station's scan root may be deleted when the volume has passed every
stage (its stage is ``done``: every sign-off up to the return is on record), its borrow batch
has been returned to the archive room, and every file dangan stored of it verifies against
its checksum now. A dry run (the default) says, per folder, what would go and why the rest
stays; ``apply`` deletes, each deletion one event in the audit trail. The storage root is
never a scan root: a scan root overlapping it is refused before anything is read.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from dangan.db.models import BorrowBatch, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.errors import InputError
from dangan.i18n import t
from dangan.intake.walk import JUNK_NAMES
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor, require_any_role
from dangan.services.project import ProjectContext
from dangan.storage.paths import overlaps

MAX_DEPTH = 4  # as deep as intake looks for volume folders
CLEANERS = frozenset({wf.SCAN_OPERATOR, wf.PROJECT_MANAGER})

# reason codes, one per folder (``site.cleanup.reason.<code>`` in the catalogue)
DELETABLE = "deletable"
DELETED = "deleted"
UNKNOWN = "unknown_volume"
NOT_DONE = "not_done"
NOT_RETURNED = "not_returned"
NO_FILES = "no_files"
FIXITY = "fixity_failed"


@dataclass(frozen=True)
class FolderDecision:
    folder: str  # relative to the scan root
    archive_code: str
    reason: str
    params: dict[str, object] = field(default_factory=dict)

    @property
    def goes(self) -> bool:
        return self.reason in (DELETABLE, DELETED)

    def message(self) -> str:
        return t(f"site.cleanup.reason.{self.reason}", **self.params)

    def to_dict(self) -> dict[str, object]:
        return {"folder": self.folder, "archive_code": self.archive_code, "reason": self.reason,
                "params": self.params, "message": self.message()}


@dataclass
class CleanupReport:
    root: str
    applied: bool
    folders: list[FolderDecision] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"root": self.root, "applied": self.applied,
                "folders": [f.to_dict() for f in self.folders]}


def refuse_storage(ctx: ProjectContext, scan_root: Path) -> None:
    if overlaps(str(scan_root), ctx.storage.url):
        raise InputError("site.cleanup.inside_storage", path=scan_root, storage=ctx.storage.url)


def volume_folders(root: Path, names: set[str]) -> Iterator[tuple[Path, str | None]]:
    """Folders named like a volume (not looked into), and folders of loose files naming none.

    A folder of loose files is still looked into (a work-batch folder with a stray file keeps
    its volume folders). Never follows a symbolic link: a link to the storage is not a way
    into it."""
    def walk(folder: Path, depth: int) -> Iterator[tuple[Path, str | None]]:
        subdirs: list[os.DirEntry[str]] = []
        loose = False
        with os.scandir(folder) as entries:
            for entry in entries:
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISDIR(mode):
                    subdirs.append(entry)
                elif stat.S_ISREG(mode) and not entry.name.startswith(".") \
                        and entry.name.lower() not in JUNK_NAMES:
                    loose = True
        if loose and folder != root:
            yield folder, None
        for entry in sorted(subdirs, key=lambda e: e.name):
            path = Path(entry.path)
            if entry.name in names:
                yield path, entry.name
            elif depth < MAX_DEPTH:
                yield from walk(path, depth + 1)

    yield from walk(root, 1)


def _decide(ctx: ProjectContext, volume: Volume, returned: bool) -> tuple[str, dict[str, object]]:
    """The rule for one volume; its files are hashed only when nothing else keeps it."""
    if volume.stage != wf.DONE:
        return NOT_DONE, {"stage": t(f"stage.{volume.stage}")}
    if not returned:
        return NOT_RETURNED, {}
    with ctx.transaction() as session:
        files = session.execute(select(StoredFile.path, StoredFile.sha256).where(
            StoredFile.project_id == ctx.project_id, StoredFile.volume_id == volume.id)).all()
    if not files:
        return NO_FILES, {}
    bad = [path for path, sha in files
           if not ctx.storage.exists(path) or ctx.storage.sha256(path) != sha]
    if bad:
        return FIXITY, {"bad": len(bad), "count": len(files), "first": bad[0]}
    return DELETABLE, {"files": len(files)}


def _decisions(ctx: ProjectContext, scan_root: Path) -> Iterator[FolderDecision]:
    """One decision per folder, each made when its turn comes (never from a stale list)."""
    root = scan_root.resolve()
    if not root.is_dir():
        raise InputError("site.cleanup.no_root", path=scan_root)
    refuse_storage(ctx, root)
    with ctx.transaction() as session:
        rows = session.execute(select(Volume.archive_code, Volume.folder_name).where(
            Volume.project_id == ctx.project_id)).all()
    by_name: dict[str, str] = {}
    for code, folder_name in rows:
        by_name[code] = code
        if folder_name:
            by_name.setdefault(folder_name, code)
    for folder, name in volume_folders(root, set(by_name)):
        rel = folder.relative_to(root).as_posix()
        if name is None:
            yield FolderDecision(rel, "", UNKNOWN)
            continue
        code = by_name[name]
        reason, params = _decide(ctx, *_state(ctx, code))
        yield FolderDecision(rel, code, reason, params)


def _state(ctx: ProjectContext, code: str) -> tuple[Volume, bool]:
    with ctx.transaction() as session:
        volume = ws.volume_by_code(session, ctx.project_id, code)
        status = session.scalar(select(BorrowBatch.status).where(
            BorrowBatch.id == volume.borrow_batch_id)) if volume.borrow_batch_id else None
        return volume, status == wf.BORROW_RETURNED


def plan(ctx: ProjectContext, scan_root: Path) -> CleanupReport:
    """What would go and why the rest stays; reads, deletes nothing."""
    report = CleanupReport(str(scan_root.resolve()), applied=False)
    report.folders.extend(_decisions(ctx, scan_root))
    return report


def _size(folder: Path) -> tuple[int, int]:
    files = size = 0
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            files += 1
            size += os.lstat(os.path.join(dirpath, name)).st_size
    return files, size


def apply(ctx: ProjectContext, actor: Actor, scan_root: Path) -> CleanupReport:
    """Delete every folder the rule lets go, each right after its files were verified.

    The event is written in the transaction that deletes, after the volume's stage and
    return are read again inside it: a folder that cannot be removed rolls its event back, a
    folder is not removed without its event, and a volume reopened meanwhile keeps its copy."""
    require_any_role(actor, CLEANERS)
    report = CleanupReport(str(scan_root.resolve()), applied=True)
    host = socket.gethostname()
    for decision in _decisions(ctx, scan_root):
        if decision.reason != DELETABLE:
            report.folders.append(decision)
            continue
        folder = Path(report.root) / decision.folder
        files, size = _size(folder)
        with ctx.transaction() as session:
            volume = ws.volume_by_code(session, ctx.project_id, decision.archive_code)
            status = session.scalar(select(BorrowBatch.status).where(
                BorrowBatch.id == volume.borrow_batch_id))
            if volume.stage != wf.DONE or status != wf.BORROW_RETURNED:
                reason = NOT_DONE if volume.stage != wf.DONE else NOT_RETURNED
                report.folders.append(FolderDecision(decision.folder, decision.archive_code,
                                                     reason, {"stage": t(f"stage.{volume.stage}")}))
                continue
            ws.add_event(session, ctx.project_id, wf.EVENT_LOCAL_COPY_DELETED, actor.name,
                         worker_id=actor.worker_id, volume_id=volume.id,
                         data={"host": host, "folder": str(folder), "files": files,
                               "bytes": size, "verified": decision.params.get("files", 0)})
            session.flush()
            shutil.rmtree(folder)
        report.folders.append(FolderDecision(decision.folder, decision.archive_code, DELETED,
                                             {"files": files}))
    return report
