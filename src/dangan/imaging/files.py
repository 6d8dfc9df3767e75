"""Retouch one page file to another through fsspec, safely.

The output is written under a temporary name in the destination folder and renamed when
complete, so a crash or a killed worker leaves either nothing or a whole file; a rerun
skips pages whose output exists and is complete.

A project's page is written only below its storage area folder (``PageTask.within``), which
``dangan init`` made: when that folder has gone (a NAS share unmounted mid-run) the page fails
as ``storage_unreachable`` naming it, and no folder is made — the storage root is never
recreated on the local disk.
"""

from __future__ import annotations

import os
import posixpath
import uuid
from dataclasses import dataclass

import fsspec

from dangan.imaging.context import UNREADABLE, PageReport, RetouchOptions
from dangan.imaging.pipeline import retouch_bytes

TEMP_MARK = ".dangan-part-"
# Why a page failed for a reason that is not the page's own (the first part of its
# ``unreadable`` detail): the storage, or the process working on it.
STORAGE_UNREACHABLE = "storage_unreachable"
READ_ERROR = "read_error"
WRITE_ERROR = "write_error"


class StorageUnreachable(OSError):
    """The folder a write must go below is not there (``path``)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


@dataclass(frozen=True)
class PageTask:
    source: str  # fsspec URL or local path
    target: str
    rel: str  # relative path shown in reports
    options: RetouchOptions
    force: bool = False
    page: int | None = None  # 1-based page of a multi-page source; None: the first, and say
    # A folder that must already exist (a project's storage area): the write makes folders only
    # below it. None (plain folders): the target's folders are made as needed.
    within: str | None = None
    pages: int = 1  # pages of the source file
    # Why planning refused the page before any work (the detail of its ``unreadable``
    # finding): another source claims the same output name. "" for a page to retouch.
    refused: str = ""


def output_complete(fs: fsspec.AbstractFileSystem, path: str) -> bool:
    """True when ``path`` holds a whole image file (JPEG end marker, TIFF header)."""
    try:
        size = fs.size(path)
    except FileNotFoundError:
        return False
    if not size:
        return False
    with fs.open(path, "rb") as fh:
        head = fh.read(4)
        if head[:2] == b"\xff\xd8":
            fh.seek(max(0, size - 16))
            return b"\xff\xd9" in fh.read()
        return head in (b"II*\x00", b"MM\x00*")


def _is_local(fs: fsspec.AbstractFileSystem) -> bool:
    return "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))


def require_folder(fs: fsspec.AbstractFileSystem, folder: str) -> None:
    """Raise ``StorageUnreachable`` when a local ``folder`` is not there. Object stores have
    no folders to lose (their own errors name the URL)."""
    if _is_local(fs) and not os.path.isdir(folder):
        raise StorageUnreachable(folder)


def _make_below(fs: fsspec.AbstractFileSystem, within: str, parent: str) -> None:
    """Make ``parent``'s folders below ``within`` one level at a time, never ``within`` or
    anything above it: a level whose parent has gone fails instead of being recreated."""
    base = within.rstrip("/") or "/"
    if not _is_local(fs):
        fs.makedirs(parent, exist_ok=True)
        return
    require_folder(fs, base)
    rel = posixpath.relpath(parent, base)
    if rel == ".":
        return
    if rel.startswith("../") or rel == "..":
        raise ValueError(f"{parent} is not below {base}")
    current = base
    for part in rel.split("/"):
        current = posixpath.join(current, part)
        try:
            os.mkdir(current)
        except FileExistsError:
            continue  # made before, or by another worker just now
        except FileNotFoundError as exc:  # a level above went away meanwhile
            raise StorageUnreachable(base) from exc


def write_atomic(fs: fsspec.AbstractFileSystem, path: str, data: bytes,
                 within: str | None = None) -> None:
    """Write ``data`` to ``path`` under a temporary name, then rename it into place. With
    ``within``, folders are made only below that existing folder (``StorageUnreachable``
    when it has gone); without, every missing folder of ``path`` is made."""
    parent = posixpath.dirname(path)
    if within is not None:
        _make_below(fs, within, parent)
    elif parent:
        fs.makedirs(parent, exist_ok=True)
    tmp = posixpath.join(parent, f"{TEMP_MARK}{uuid.uuid4().hex}{posixpath.basename(path)}")
    try:
        with fs.open(tmp, "wb") as fh:
            fh.write(data)
        fs.mv(tmp, path)
    finally:
        if fs.exists(tmp):
            fs.rm(tmp)


def retouch_file(task: PageTask) -> PageReport:
    """Retouch ``task.source`` into ``task.target``; the report says what happened."""
    if task.refused:
        return _failed(task, task.refused)
    out_fs, out_path = fsspec.core.url_to_fs(task.target)
    within = fsspec.core.url_to_fs(task.within)[1] if task.within is not None else None
    try:
        if within is not None:  # before any work: the area gone is the run's fault, said once
            require_folder(out_fs, within)
    except StorageUnreachable as exc:
        return _unreachable(task, exc)
    if not task.force and output_complete(out_fs, out_path):
        return PageReport(source=task.rel, output=task.target, status="skipped",
                          page=task.page or 1, pages=task.pages)
    in_fs, in_path = fsspec.core.url_to_fs(task.source)
    try:
        with in_fs.open(in_path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return _failed(task, f"{READ_ERROR}:{type(exc).__name__}:{in_path}")
    result = retouch_bytes(data, task.options, task.rel, task.page)
    if result.data is not None:
        try:
            write_atomic(out_fs, out_path, result.data, within)
        except StorageUnreachable as exc:
            return _unreachable(task, exc)
        except OSError as exc:  # not writable (permissions, full, a file in the way)
            return _failed(task, f"{WRITE_ERROR}:{type(exc).__name__}:{out_path}")
        result.report.output = task.target
    return result.report


def _unreachable(task: PageTask, exc: StorageUnreachable) -> PageReport:
    return _failed(task, f"{STORAGE_UNREACHABLE}:{exc.path}")


def _failed(task: PageTask, detail: str) -> PageReport:
    """A page not retouched, and why (the detail of its ``unreadable`` finding)."""
    report = PageReport(source=task.rel, status="failed", page=task.page or 1,
                        pages=task.pages)
    report.flag(UNREADABLE, detail)
    return report
