"""The local-copy rule: a scan station's copy of a volume goes only when nothing can need it.

A volume folder under the station's scan root may be deleted when the volume has passed every
stage (its stage is ``done``: every sign-off up to the return is on record), its borrow batch
has been returned to the archive room, every file dangan stored of it verifies against its
checksum now, and every file in the folder is accounted for:

* a page file must be a page stored for that volume (in 已扫描, same file name) with the same
  SHA-256 as its master — a page added, rescanned or edited after ingest keeps the folder;
* dangan's own bookkeeping of a finished run (ingest's receipt ``.dangan-ingested.json``,
  renumber's receipt ``.dangan-renumber-done.json`` and its log ``.dangan-changes.jsonl``, the
  ingest watcher's marker — ``.dangan-complete``, or any name a watcher of the project
  recorded (``watch --marker``) — and report ``.dangan-ingest-report.json``) and
  the files the operating system leaves (``Thumbs.db``, ``.DS_Store``, ``desktop.ini``,
  ``ehthumbs.db``) hold nothing of the paper: they go with the folder and are listed in the
  audit event like the pages;
* what an unfinished dangan run left (a renumber's journal or staged page, a temporary file)
  keeps the folder (``unfinished_run``); so does anything else — a note, a subfolder, a link,
  an AppleDouble ``._`` file — each named in the dry run;
* the pages renumber took out, kept in ``.dangan-removed/`` and never stored, are hashed and
  listed with their SHA-256 (``removed_pages``): they keep the folder until a person who
  checked them confirms they may go (``include_removed``); they are then deleted with it and
  recorded in the audit event like the other files.

A folder someone works in is neither checked nor deleted (``busy``): while an ingest of the
project runs (its lock held: which folders it reads is not known), or while another process
holds the folder's own lock (a renumber, the ingest watcher). ``apply`` holds the folder's
lock from the check until the folder is gone, and the ingest lock for the deletion itself.

A volume whose ingest is unfinished (its tracking sheet not in 已扫描, or ingest's pending
marker still there — what ``fixity`` names) does not verify, like a stored file missing or
changed: its folder stays and the command exits with the integrity code.

A dry run (the default) says, per folder, what would go and why the rest stays — including
folders that are not volume folders and links, which are never followed nor deleted. ``apply``
deletes exactly the files it verified (a file added or touched since keeps the folder) and
records the folder and each deleted file (name, SHA-256, size) in one audit event. The
storage root is never a scan root: a scan root overlapping it is refused before anything is
read — by path, and by file identity (device and inode), since a second mount of the same
storage (a NAS share mounted twice, a bind mount) reaches it by another path. A volume folder
or file that is a stored one by identity is refused likewise, checked when the folder is
decided on and again right before it is deleted. A second mount that shows another device
number is caught two ways, neither writing to the storage: a scan root on the same network
share as the storage, at a nesting place (the kernel's mountinfo: type, source and root of
each mount, ``mounts``), and a local page that is its stored master by inode number, size and
modification time to the nanosecond (ingest writes each master anew, so a copy never matches).
"""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from dangan.db.models import BorrowBatch, StoredFile, Volume
from dangan.db.session import db_errors
from dangan.domain import workflow as wf
from dangan.errors import ConflictError, InputError, NotFoundError
from dangan.export.tracking_sheet import sheet_rel
from dangan.i18n import catalogue, t
from dangan.intake import renumber
from dangan.intake.locks import (
    folder_is_locked,
    folder_lock,
    project_lock,
    project_lock_holder,
)
from dangan.intake.walk import INTERNAL_PREFIX, JUNK_NAMES
from dangan.intake.watch import REPORT, recorded_markers
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor, require_any_role
from dangan.services.ingest_markers import RECEIPT, left_unfinished
from dangan.services.project import ProjectContext
from dangan.services.site.scan_folders import (  # noqa: F401 (re-exported)
    LOOSE_FILES,
    MAX_DEPTH,
    NOT_A_VOLUME,
    SYMLINK,
    UNKNOWN,
    WORK_BATCH,
    Found,
    _classifier,
    refuse_volume_folder,
    volume_folders,
)
from dangan.services.site.storage_guard import StorageGuard
from dangan.storage import Area
from dangan.storage.checksum import sha256_file
from dangan.storage.paths import overlaps

CLEANERS = frozenset({wf.SCAN_OPERATOR, wf.PROJECT_MANAGER})
SHOWN = 20  # file names a decision carries at most
# dangan's own files a finished run leaves in a volume folder: they go with it
# (and the watcher's marker: the default, and any other a watcher of the project recorded)
BOOKKEEPING = frozenset({RECEIPT, renumber.RECEIPT, renumber.CHANGES_LOG, REPORT})

# reason codes, one per folder (``site.cleanup.reason.<code>`` in the catalogue)
DELETABLE = "deletable"
DELETED = "deleted"
NOT_BORROWED = "not_borrowed"
NOT_DONE = "not_done"
NOT_RETURNED = "not_returned"
NO_FILES = "no_files"
FIXITY = "fixity_failed"
INGEST_UNFINISHED = "ingest_unfinished"  # its tracking sheet or receipt not yet written
NOT_STORED = "not_stored"  # a local file with no stored page of that name
UNFINISHED_RUN = "unfinished_run"  # a renumber's journal or staged page, a temporary file
REMOVED_PAGES = "removed_pages"  # .dangan-removed/: pages renumber took out, never stored
DIFFERS = "differs"  # a local page whose SHA-256 is not its master's
OTHER_ENTRY = "other_entry"  # a subfolder, link or special file inside the volume folder
UNREADABLE = "unreadable"
BUSY = "busy"  # a renumber, an ingest or the watcher works in it now: neither checked nor deleted
CHANGED = "changed"  # the folder changed between its check and the deletion
DELETE_FAILED = "delete_failed"
# a reason whose words are not under ``site.cleanup.reason.<code>``
MESSAGES = {REMOVED_PAGES: "site.cleanup.removed_pages_confirm"}
# kept because the storage does not verify: the command exits with the integrity code
STORAGE_FAILURES = frozenset({FIXITY, INGEST_UNFINISHED})


@dataclass(frozen=True)
class LocalFile:
    """A file of a volume folder as it was verified (stat kept to see a later change)."""

    name: str
    sha256: str
    size: int
    mtime_ns: int
    inode: int

    def record(self) -> dict[str, object]:
        return {"name": self.name, "sha256": self.sha256, "size": self.size}


@dataclass(frozen=True)
class FolderDecision:
    folder: str  # relative to the scan root
    archive_code: str
    reason: str
    params: dict[str, object] = field(default_factory=dict)
    files: tuple[LocalFile, ...] = ()  # what would go (deletable) or went (deleted)

    @property
    def goes(self) -> bool:
        return self.reason in (DELETABLE, DELETED)

    @property
    def names(self) -> list[str]:
        """The files that keep the folder (the first ``SHOWN``), if files keep it."""
        names = self.params.get("names")
        return [str(n) for n in names] if isinstance(names, list) else []

    def message(self) -> str:
        key = MESSAGES.get(self.reason, f"site.cleanup.reason.{self.reason}")
        if self.params.get("count") == 1 and f"{key}.one" in catalogue():
            key += ".one"  # "1 such file", not "1 such files"
        return t(key, **self.params)

    def to_dict(self) -> dict[str, object]:
        return {"folder": self.folder, "archive_code": self.archive_code, "reason": self.reason,
                "params": self.params, "message": self.message(),
                "files": [f.record() for f in self.files]}


@dataclass
class CleanupReport:
    root: str
    applied: bool
    folders: list[FolderDecision] = field(default_factory=list)

    @property
    def storage_failures(self) -> list[FolderDecision]:
        """The folders kept because the storage does not verify (a stored file missing or
        changed, an unfinished ingest)."""
        return [d for d in self.folders if d.reason in STORAGE_FAILURES]

    def to_dict(self) -> dict[str, object]:
        return {"root": self.root, "applied": self.applied,
                "folders": [f.to_dict() for f in self.folders]}


def refuse_storage(ctx: ProjectContext, scan_root: Path) -> None:
    if overlaps(str(scan_root), ctx.storage.url):
        raise InputError("site.cleanup.inside_storage", path=scan_root, storage=ctx.storage.url)


# --- the rule for one volume folder --------------------------------------------------------
def _local_files(folder: Path, pages: dict[str, str], bookkeeping: frozenset[str] = BOOKKEEPING,
                 include_removed: bool = False
                 ) -> tuple[list[LocalFile], tuple[str, dict[str, object]] | None]:
    """Every file of the folder hashed and accounted for, or why the folder stays (the first
    kind of problem found, naming its first file and how many files have it). The pages
    renumber took out (``.dangan-removed/``) are hashed and listed; they go with the folder
    only with ``include_removed`` (a person has checked them)."""
    problems: dict[str, list[str]] = {}
    details: dict[str, str] = {}
    files: list[LocalFile] = []
    removed: list[LocalFile] = []
    with os.scandir(folder) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        st = entry.stat(follow_symlinks=False)
        if stat.S_ISDIR(st.st_mode) and entry.name == renumber.REMOVED_DIR:
            _removed_pages(Path(entry.path), removed, problems, details)
            continue
        if not stat.S_ISREG(st.st_mode):
            problems.setdefault(OTHER_ENTRY, []).append(entry.name)
            continue
        expected = pages.get(entry.name)
        housekeeping = entry.name in bookkeeping or entry.name.lower() in JUNK_NAMES
        if expected is None and not housekeeping and entry.name.startswith(INTERNAL_PREFIX):
            problems.setdefault(UNFINISHED_RUN, []).append(entry.name)
            continue
        if expected is None and not housekeeping:
            problems.setdefault(NOT_STORED, []).append(entry.name)
            continue
        try:
            sha = sha256_file(entry.path)
        except OSError as exc:
            problems.setdefault(UNREADABLE, []).append(entry.name)
            details.setdefault(entry.name, exc.strerror or str(exc))
            continue
        if expected is not None and sha != expected:
            problems.setdefault(DIFFERS, []).append(entry.name)
            continue
        files.append(LocalFile(entry.name, sha, st.st_size, st.st_mtime_ns, st.st_ino))
    if removed and not include_removed:
        problems[REMOVED_PAGES] = [f.name for f in removed]
    for reason in (NOT_STORED, DIFFERS, UNFINISHED_RUN, REMOVED_PAGES, OTHER_ENTRY, UNREADABLE):
        names = problems.get(reason)
        if names:
            params: dict[str, object] = {"name": names[0], "count": len(names),
                                         "names": names[:SHOWN],
                                         "detail": details.get(names[0], "")}
            if reason == REMOVED_PAGES:  # the folder named, each page with its SHA-256
                params["name"] = renumber.REMOVED_DIR
                params["removed"] = [f.record() for f in removed[:SHOWN]]
            return files, (reason, params)
    return files + removed, None


def _removed_pages(removed_dir: Path, into: list[LocalFile], problems: dict[str, list[str]],
                   details: dict[str, str]) -> None:
    """The pages renumber took out, each hashed (named ``.dangan-removed/<name>``); anything
    else in that folder (a subfolder, a link) keeps the volume folder as any such entry."""
    with os.scandir(removed_dir) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        name = f"{renumber.REMOVED_DIR}/{entry.name}"
        st = entry.stat(follow_symlinks=False)
        if not stat.S_ISREG(st.st_mode):
            problems.setdefault(OTHER_ENTRY, []).append(name)
            continue
        try:
            sha = sha256_file(entry.path)
        except OSError as exc:
            problems.setdefault(UNREADABLE, []).append(name)
            details.setdefault(name, exc.strerror or str(exc))
            continue
        into.append(LocalFile(name, sha, st.st_size, st.st_mtime_ns, st.st_ino))


Verdict = tuple[str, dict[str, object], list[LocalFile]]


def _not_yet(stage: str, returned: bool) -> tuple[str, dict[str, object]] | None:
    """Why a borrowed volume is not through the line yet (None: it is). At the return stage
    every stage before it is signed: what it waits for is its return."""
    if stage == wf.RETURN or (stage == wf.DONE and not returned):
        return NOT_RETURNED, {}
    if stage != wf.DONE:
        return NOT_DONE, {"stage": t(f"stage.{stage}")}
    return None


def _decide(ctx: ProjectContext, volume: Volume, returned: bool, folder: Path,
            guard: StorageGuard | None = None, include_removed: bool = False) -> Verdict:
    """The rule for one volume; files are hashed only when nothing else keeps it."""
    if volume.borrow_batch_id is None:
        return NOT_BORROWED, {"stage": t(f"stage.{volume.stage}")}, []
    pending = _not_yet(volume.stage, returned)
    if pending is not None:
        return pending[0], pending[1], []
    if guard is not None:
        guard.refuse_folder(folder)
    with ctx.transaction() as session:
        stored = session.execute(select(
            StoredFile.path, StoredFile.sha256, StoredFile.area, StoredFile.kind).where(
            StoredFile.project_id == ctx.project_id, StoredFile.volume_id == volume.id)).all()
    if not stored:
        return NO_FILES, {}, []
    pages = {path.rsplit("/", 1)[-1]: sha for path, sha, area, kind in stored
             if area == Area.SCANNED.key and kind == "page"}
    if guard is not None:
        guard.refuse_same_files(folder, {path.rsplit("/", 1)[-1]: path
                                         for path, _s, area, kind in stored
                                         if area == Area.SCANNED.key and kind == "page"})
    files, problem = _local_files(folder, pages, BOOKKEEPING | recorded_markers(ctx.home),
                                  include_removed)
    if problem is not None:
        return problem[0], problem[1], []
    bad = [path for path, sha, _a, _k in stored
           if not ctx.storage.exists(path) or ctx.storage.sha256(path) != sha]
    if bad:
        return FIXITY, {"bad": len(bad), "count": len(stored), "first": bad[0]}, []
    if volume.folder_name and any(area == Area.SCANNED.key for _p, _s, area, _k in stored) \
            and left_unfinished(ctx, volume.archive_code, volume.folder_name):
        return INGEST_UNFINISHED, {"sheet": sheet_rel(volume.folder_name, volume.archive_code)}, []
    taken_out = sum(f.name.startswith(f"{renumber.REMOVED_DIR}/") for f in files)
    return DELETABLE, {"files": len(stored), "local": len(files), "removed": taken_out}, files


def _state(ctx: ProjectContext, code: str) -> tuple[Volume, bool]:
    with ctx.transaction() as session:
        volume = ws.volume_by_code(session, ctx.project_id, code)
        status = session.scalar(select(BorrowBatch.status).where(
            BorrowBatch.id == volume.borrow_batch_id)) if volume.borrow_batch_id else None
        return volume, status == wf.BORROW_RETURNED


INGEST = "ingest"  # the project lock ingest (and the watcher's ingest) holds while it runs
Act = Callable[[FolderDecision, Path], FolderDecision]


def _ingest_running(ctx: ProjectContext) -> dict[str, object] | None:
    """An ingest of the project running now (its lock held): which folders it reads is not
    known, so every folder waits for it (None: none runs)."""
    holder = project_lock_holder(ctx.home, INGEST)
    if holder is None:
        return None
    return _busy_ingest(holder)


def _busy_ingest(holder: dict[str, object]) -> dict[str, object]:
    return {"holder": t("site.cleanup.busy_ingest", pid=holder.get("pid", "?"),
                        host=holder.get("host", "?"), since=holder.get("since", "?"))}


def _decide_locked(ctx: ProjectContext, found: Found, rel: str, guard: StorageGuard,
                   act: Act | None, include_removed: bool) -> FolderDecision:
    """The rule for one volume folder. A volume through the line is checked only when no
    ingest of the project runs and no one holds the folder's lock (the one renumber and the
    watcher take): else it is kept as ``busy``. With ``act`` (the deletion) the folder's lock
    is held from the check until ``act`` is done; a dry run only looks."""
    volume, returned = _state(ctx, found.archive_code)
    through = volume.borrow_batch_id is not None and _not_yet(volume.stage, returned) is None
    with ExitStack() as stack:
        if through:
            busy = _ingest_running(ctx)
            if busy is None:
                try:
                    if act is not None:
                        stack.enter_context(folder_lock(found.path, wait=0))
                    elif folder_is_locked(found.path):
                        raise ConflictError("intake.lock.folder_busy", path=found.path)
                except ConflictError:
                    busy = {"holder": t("site.cleanup.busy_folder")}
            if busy is not None:
                return FolderDecision(rel, found.archive_code, BUSY, busy)
        reason, params, files = _decide(ctx, volume, returned, found.path, guard,
                                        include_removed)
        decision = FolderDecision(rel, found.archive_code, reason, params, tuple(files))
        if act is not None and decision.reason == DELETABLE:
            decision = act(decision, found.path)
        return decision


def _decisions(ctx: ProjectContext, scan_root: Path, guard: StorageGuard,
               act: Act | None = None, include_removed: bool = False
               ) -> Iterator[FolderDecision]:
    """One decision per folder, each made when its turn comes (never from a stale list);
    ``act`` is called on each deletable one while its folder's lock is still held."""
    if not scan_root.is_dir():
        raise NotFoundError("site.cleanup.no_root", path=scan_root)
    root = scan_root.resolve()
    refuse_storage(ctx, root)
    guard.refuse_inside(root)
    guard.refuse_share(root)
    classify = _classifier(ctx)
    refuse_volume_folder(root, classify)
    for found in volume_folders(root, classify, guard):
        rel = found.path.relative_to(root).as_posix()
        if found.kind != "volume":
            params: dict[str, object] = {"name": found.name} if found.name else {}
            yield FolderDecision(rel, found.archive_code, found.kind, params)
            continue
        yield _decide_locked(ctx, found, rel, guard, act, include_removed)


def plan(ctx: ProjectContext, scan_root: Path, *,
         include_removed: bool = False) -> CleanupReport:
    """What would go and why the rest stays; reads, deletes nothing. ``include_removed``:
    what would go if the pages renumber took out were confirmed to go."""
    report = CleanupReport(str(scan_root.resolve()), applied=False)
    with db_errors(ctx.database_url, rerun="cleanup"):
        report.folders.extend(_decisions(ctx, scan_root, StorageGuard(ctx),
                                         include_removed=include_removed))
    return report


# --- deleting -----------------------------------------------------------------------------
def _unchanged(folder: Path, files: tuple[LocalFile, ...]) -> str | None:
    """The first entry of the folder that is not exactly as verified (None: all as verified).
    The pages renumber took out are looked at in their folder the same way."""
    seen = {f.name: f for f in files}
    removed = folder / renumber.REMOVED_DIR
    with os.scandir(folder) as it:
        names = sorted(e.name for e in it)
    if renumber.REMOVED_DIR in names and removed.is_dir() and not removed.is_symlink():
        names.remove(renumber.REMOVED_DIR)
        with os.scandir(removed) as it:
            names.extend(sorted(f"{renumber.REMOVED_DIR}/{e.name}" for e in it))
    for name in names:
        if name not in seen:
            return name
    for f in files:
        try:
            st = os.lstat(folder / f.name)
        except OSError:
            return f.name
        if (st.st_size, st.st_mtime_ns, st.st_ino) != (f.size, f.mtime_ns, f.inode) \
                or not stat.S_ISREG(st.st_mode):
            return f.name
    return None


def _delete(ctx: ProjectContext, actor: Actor, decision: FolderDecision, folder: Path,
            host: str, guard: StorageGuard) -> FolderDecision:
    """Delete the verified files of one folder, then the folder; one audit event names the
    folder and every file deleted (written in the transaction that deletes, after the
    volume's stage and return are read again inside it)."""
    code, rel = decision.archive_code, decision.folder
    with ctx.transaction() as session:
        volume = ws.volume_by_code(session, ctx.project_id, code)
        status = session.scalar(select(BorrowBatch.status).where(
            BorrowBatch.id == volume.borrow_batch_id)) if volume.borrow_batch_id else None
        pending = _not_yet(volume.stage, status == wf.BORROW_RETURNED)
        if pending is not None:
            return FolderDecision(rel, code, *pending)
        guard.refuse_folder(folder)  # again, right before: a mount may have changed since
        guard.refuse_same_files(folder, guard.masters.get(str(folder), {}))
        changed = _unchanged(folder, decision.files)
        if changed is not None:
            return FolderDecision(rel, code, CHANGED, {"name": changed})
        deleted: list[LocalFile] = []
        failure: tuple[str, str] | None = None
        for f in decision.files:
            try:
                os.unlink(folder / f.name)
            except OSError as exc:
                failure = (f.name, exc.strerror or str(exc))
                break
            deleted.append(f)
        if failure is None and os.path.isdir(folder / renumber.REMOVED_DIR):
            try:  # emptied above (its pages were verified and deleted), or found empty
                os.rmdir(folder / renumber.REMOVED_DIR)
            except OSError as exc:
                failure = (renumber.REMOVED_DIR, exc.strerror or str(exc))
        if failure is None:
            try:
                os.rmdir(folder)
            except OSError as exc:  # something appeared in it meanwhile: it stays
                failure = (".", exc.strerror or str(exc))
        if deleted:
            taken_out = [f.record() for f in deleted
                         if f.name.startswith(f"{renumber.REMOVED_DIR}/")]
            remarks = t("site.cleanup.event_remarks", host=host, folder=str(folder),
                        count=len(deleted), mb=f"{sum(f.size for f in deleted) / 1e6:.1f}")
            if taken_out:
                remarks += " " + t("site.cleanup.removed_included", count=len(taken_out),
                                   who=actor.name)
            ws.add_event(session, ctx.project_id, wf.EVENT_LOCAL_COPY_DELETED, actor.name,
                         worker_id=actor.worker_id, volume_id=volume.id,
                         remarks=remarks,
                         data={"host": host, "folder": str(folder),
                               "files": [f.record() for f in deleted],
                               "count": len(deleted), "bytes": sum(f.size for f in deleted),
                               "verified": decision.params.get("files", 0),
                               "removed_pages": taken_out,
                               "folder_removed": failure is None})
    if failure is not None:
        return FolderDecision(rel, code, DELETE_FAILED,
                              {"name": failure[0], "detail": failure[1], "files": len(deleted)},
                              tuple(deleted))
    return FolderDecision(rel, code, DELETED, {"files": len(deleted)}, tuple(deleted))


def apply(ctx: ProjectContext, actor: Actor, scan_root: Path, *,
          include_removed: bool = False) -> CleanupReport:
    """Delete every folder the rule lets go, each right after its files were verified.
    ``include_removed``: ``actor`` confirms that the pages renumber took out of a folder
    (listed with their SHA-256 by the dry run) may go with it; each is recorded in the audit
    event like the other files."""
    require_any_role(actor, CLEANERS)
    report = CleanupReport(str(scan_root.resolve()), applied=True)
    host = socket.gethostname()
    guard = StorageGuard(ctx)

    def delete(decision: FolderDecision, _found: Path) -> FolderDecision:
        folder = Path(report.root) / decision.folder
        try:  # no ingest may start while the folder goes (one running keeps it)
            with project_lock(ctx.home, INGEST, wait=0):
                return _delete(ctx, actor, decision, folder, host, guard)
        except ConflictError as exc:
            if exc.key != "intake.lock.busy":
                raise
            return FolderDecision(decision.folder, decision.archive_code, BUSY,
                                  _busy_ingest(exc.params))

    with db_errors(ctx.database_url, rerun="cleanup"):
        report.folders.extend(_decisions(ctx, scan_root, guard, delete, include_removed))
    return report
