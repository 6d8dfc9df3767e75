"""Retouch one page file to another through fsspec, safely.

The output is written under a temporary name in the destination folder and renamed when
complete, so a crash or a killed worker leaves either nothing or a whole file; a rerun
skips pages whose output exists and is complete.
"""

from __future__ import annotations

import posixpath
import uuid
from dataclasses import dataclass

import fsspec

from dangan.imaging.context import UNREADABLE, PageReport, RetouchOptions
from dangan.imaging.pipeline import retouch_bytes

TEMP_MARK = ".dangan-part-"


@dataclass(frozen=True)
class PageTask:
    source: str  # fsspec URL or local path
    target: str
    rel: str  # relative path shown in reports
    options: RetouchOptions
    force: bool = False
    page: int | None = None  # 1-based page of a multi-page source; None: the first, and say


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


def write_atomic(fs: fsspec.AbstractFileSystem, path: str, data: bytes) -> None:
    parent = posixpath.dirname(path)
    if parent:
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
    out_fs, out_path = fsspec.core.url_to_fs(task.target)
    if not task.force and output_complete(out_fs, out_path):
        return PageReport(source=task.rel, output=task.target, status="skipped")
    in_fs, in_path = fsspec.core.url_to_fs(task.source)
    try:
        with in_fs.open(in_path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        report = PageReport(source=task.rel, status="failed")
        report.flag(UNREADABLE, f"read_error:{type(exc).__name__}")
        return report
    result = retouch_bytes(data, task.options, task.rel, task.page)
    if result.data is not None:
        write_atomic(out_fs, out_path, result.data)
        result.report.output = task.target
    return result.report
