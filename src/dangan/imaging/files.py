"""Retouch one page file to another through fsspec, safely.

The output is written under a temporary name in the destination folder and renamed when
complete, so a crash or a killed worker leaves either nothing or a whole file; a rerun
skips pages whose output exists and is complete.

A plain-folder page (``PageTask.stamp``) records in its output what it was made from: the
source's SHA-256 and a digest of the options (and page), in a JPEG comment (COM segment) or
the TIFF ImageDescription tag, and on the next line what was found on it (its report as JSON:
status, review reasons, defects with their details, changes, measurements). A rerun skips the
page only when the output says the same source bytes and options — a replaced source, a
changed ``--mode``, an output by an older release (no record, or a record without findings)
are done again — and the skipped page (``KeptPage``) reports the findings its output records,
so a flag is never lost on a rerun. The decision reads only the output's first segments
(a few kilobytes), never all of it. A project's pages are recorded in its database instead.

A project's page is written only below its storage area folder (``PageTask.within``), which
``dangan init`` made: when that folder has gone (a NAS share unmounted mid-run) the page fails
as ``storage_unreachable`` naming it, and no folder is made — the storage root is never
recreated on the local disk.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import struct
import uuid
import warnings
from dataclasses import asdict, dataclass, fields
from typing import Any, BinaryIO

import fsspec
import PIL

from dangan.imaging.context import UNREADABLE, Defect, PageReport, RetouchOptions
from dangan.imaging.pipeline import Retouched, retouch_bytes

TEMP_MARK = ".dangan-part-"
# Why a page failed for a reason that is not the page's own (the first part of its
# ``unreadable`` detail): the storage, or the process working on it.
STORAGE_UNREACHABLE = "storage_unreachable"
READ_ERROR = "read_error"
WRITE_ERROR = "write_error"
# What the image library warned while reading a page (damaged metadata…): a finding of the
# page, its detail the warning ("UserWarning: Corrupt EXIF data…"), never a line on stderr
# that names no file.
FILE_WARNING = "file_warning"
_IMAGE_LIBRARY = os.path.dirname(PIL.__file__)


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
    # Record the source's SHA-256 and the options in the output, and skip only an output that
    # records the same (plain folders); False: skip any complete output (a project's database
    # says what was done).
    stamp: bool = False


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
    if not task.force and not task.stamp and output_complete(out_fs, out_path):
        return _skipped(task)
    in_fs, in_path = fsspec.core.url_to_fs(task.source)
    try:
        with in_fs.open(in_path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return _failed(task, f"{READ_ERROR}:{type(exc).__name__}:{in_path}")
    stamp = make_stamp(data, task) if task.stamp else ""
    if stamp and not task.force and output_complete(out_fs, out_path):
        kept = kept_page(task, read_record(out_fs, out_path), stamp)
        if kept is not None:
            return kept
    result = _retouch(data, task)
    if result.data is not None:
        try:
            record = make_record(stamp, result.report) if stamp else ""
            out = add_stamp(result.data, record) if record else result.data
            write_atomic(out_fs, out_path, out, within)
        except StorageUnreachable as exc:
            return _unreachable(task, exc)
        except OSError as exc:  # not writable (permissions, full, a file in the way)
            return _failed(task, f"{WRITE_ERROR}:{type(exc).__name__}:{out_path}")
        result.report.output = task.target
    return result.report


def _retouch(data: bytes, task: PageTask) -> Retouched:
    """``retouch_bytes``, with what the image library warns on this page recorded in its
    report (``FILE_WARNING``, once per message; not for a page that failed: its failure says
    why, the warning was a symptom of it); any other warning is passed on naming the page."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = retouch_bytes(data, task.options, task.rel, task.page)
    said: set[str] = set()
    for w in caught:
        text = f"{w.category.__name__}: {' '.join(str(w.message).split())}"[:200]
        if not os.path.abspath(w.filename).startswith(_IMAGE_LIBRARY + os.sep):
            warnings.warn_explicit(f"{task_name(task)}: {w.message}", w.category, w.filename,
                                   w.lineno)
        elif text not in said and result.report.status != "failed":
            said.add(text)
            result.report.flag(FILE_WARNING, text)
    return result


def task_name(task: PageTask) -> str:
    """A source page as a report names it: its file, and the page of a multi-page file."""
    return task.rel if task.pages <= 1 else f"{task.rel} p{task.page}"


def _unreachable(task: PageTask, exc: StorageUnreachable) -> PageReport:
    return _failed(task, f"{STORAGE_UNREACHABLE}:{exc.path}")


def _failed(task: PageTask, detail: str) -> PageReport:
    """A page not retouched, and why (the detail of its ``unreadable`` finding)."""
    report = PageReport(source=task.rel, status="failed", page=task.page or 1,
                        pages=task.pages)
    report.flag(UNREADABLE, detail)
    return report


def _skipped(task: PageTask) -> PageReport:
    return PageReport(source=task.rel, output=task.target, status="skipped",
                      page=task.page or 1, pages=task.pages)


# /2: the stamp's line is followed by the page's findings; an output stamped /1 records none
# and is done again.
STAMP_MARK = "dangan-retouch/2"
STAMP_HEAD = 4096  # bytes of a file read first to find its record
RECORD_MAX = 65_000  # bytes of a record (a JPEG comment holds at most 65,533)
_DESCRIPTION = 270  # TIFF ImageDescription
# Of a page's report, what is the run's and not the page's: not recorded in its output.
_NOT_RECORDED = frozenset({"source", "output", "seconds", "page", "pages"})
# What is kept of a report too long to record whole (a page with very many hole boxes).
_FINDINGS = ("status", "review", "defects", "changes", "dpi", "dpi_source", "rotation",
             "width", "height")


@dataclass
class KeptPage(PageReport):
    """A page not done again: its output was made from the same source bytes with the same
    options by an earlier run, and what that run found on it (status, review reasons,
    defects, changes, measurements) is reported again from the record in the output."""

    kept: bool = True


def make_record(stamp: str, report: PageReport) -> str:
    """The stamp and, on the next line, what was found on the page (ASCII JSON); "" when the
    findings cannot be recorded whole (the page is then done again by a rerun, never skipped
    without them)."""
    data = {k: v for k, v in report.to_dict().items() if k not in _NOT_RECORDED}
    for candidate in (data, {k: data[k] for k in _FINDINGS if k in data}):
        text = f"{stamp}\n" + json.dumps(candidate, sort_keys=True, separators=(",", ":"))
        if len(text) <= RECORD_MAX:
            return text
    return ""


def kept_page(task: PageTask, record: str, stamp: str) -> KeptPage | None:
    """The page as an earlier run found it, when its output's ``record`` carries ``stamp`` (the
    same source and options) and readable findings; None: the page is to be done again."""
    line, _sep, findings = record.partition("\n")
    if line != stamp:
        return None
    known = {f.name for f in fields(PageReport)} - _NOT_RECORDED
    try:
        data: dict[str, Any] = json.loads(findings)
        values = {k: v for k, v in data.items() if k in known}
        for key in ("defects", "changes"):
            values[key] = [Defect(str(d["code"]), str(d.get("detail", "")))
                           for d in values.get(key, [])]
        if values.get("status") not in ("ok", "defect"):
            return None
        return KeptPage(source=task.rel, output=task.target, page=task.page or 1,
                        pages=task.pages, **values)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def make_stamp(source: bytes, task: PageTask) -> str:
    """What an output is made from: the source's SHA-256, and a digest of the options and
    the page of the source."""
    options = json.dumps({"options": asdict(task.options), "page": task.page or 1},
                         sort_keys=True, default=str)
    return (f"{STAMP_MARK} source-sha256={hashlib.sha256(source).hexdigest()} "
            f"options={hashlib.sha256(options.encode('utf-8')).hexdigest()[:32]}")


def add_stamp(data: bytes, stamp: str) -> bytes:
    """``data`` (an encoded JPEG or TIFF) with ``stamp`` recorded in it; other data as it is."""
    text = stamp.encode("ascii")
    if data[:2] == b"\xff\xd8":
        at = 2
        if data[2:4] == b"\xff\xe0":  # JFIF APP0 stays first
            at = 4 + int.from_bytes(data[4:6], "big")
        return data[:at] + b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text + data[at:]
    return _stamp_tiff(data, text)


def _tiff_order(head: bytes) -> str | None:
    order = {b"II": "<", b"MM": ">"}.get(head[:2])
    if order is None or len(head) < 8 or struct.unpack(order + "H", head[2:4])[0] != 42:
        return None  # not a classic TIFF (BigTIFF is never written here)
    return order


def _stamp_tiff(data: bytes, text: bytes) -> bytes:
    """Append the first IFD again with an ImageDescription holding ``text`` and point the
    header at it: the image data is not moved, so no other offset changes."""
    e = _tiff_order(data)
    if e is None:
        return data
    ifd = struct.unpack(e + "I", data[4:8])[0]
    count = struct.unpack(e + "H", data[ifd:ifd + 2])[0]
    entries = [data[ifd + 2 + 12 * i: ifd + 14 + 12 * i] for i in range(count)]
    entries = [en for en in entries if struct.unpack(e + "H", en[:2])[0] != _DESCRIPTION]
    following = data[ifd + 2 + 12 * count: ifd + 6 + 12 * count]  # the next IFD's offset
    out = bytearray(data)
    if len(out) % 2:
        out += b"\0"  # TIFF offsets are even
    value = text + b"\0"
    entries.append(struct.pack(e + "HHII", _DESCRIPTION, 2, len(value), len(out)))
    out += value
    if len(out) % 2:
        out += b"\0"
    entries.sort(key=lambda en: struct.unpack(e + "H", en[:2])[0])
    out[4:8] = struct.pack(e + "I", len(out))
    out += struct.pack(e + "H", len(entries)) + b"".join(entries) + following
    return bytes(out)


def read_stamp(fs: fsspec.AbstractFileSystem, path: str) -> str:
    """The stamp an output records ("" when none, or unreadable)."""
    return read_record(fs, path).partition("\n")[0]


def read_record(fs: fsspec.AbstractFileSystem, path: str) -> str:
    """The record an output holds: its stamp and the page's findings ("" when none, or
    unreadable), read from its first segments only."""
    try:
        with fs.open(path, "rb") as fh:
            head = fh.read(STAMP_HEAD)
            if head[:2] == b"\xff\xd8":
                return _jpeg_stamp(fh)
            return _tiff_stamp(fh, head)
    except (OSError, ValueError, struct.error):
        return ""


def _jpeg_stamp(fh: BinaryIO) -> str:
    at = 2
    for _segment in range(32):  # the record follows the JFIF header; never past the data
        fh.seek(at)
        head = fh.read(4)
        if len(head) < 4 or head[0] != 0xFF:
            return ""
        marker, size = head[1], int.from_bytes(head[2:4], "big")
        if marker == 0xDA:  # image data: no stamp before it
            return ""
        if marker == 0xFE:
            body = fh.read(size - 2)
            if body.startswith(STAMP_MARK.encode("ascii")):
                return body.decode("ascii", "replace")
        at += 2 + size
    return ""


def _tiff_stamp(fh: BinaryIO, head: bytes) -> str:
    e = _tiff_order(head)
    if e is None:
        return ""
    fh.seek(struct.unpack(e + "I", head[4:8])[0])
    count = struct.unpack(e + "H", fh.read(2))[0]
    entries = fh.read(12 * min(count, 512))
    for i in range(0, len(entries) - 11, 12):
        tag, kind, n, offset = struct.unpack(e + "HHII", entries[i:i + 12])
        if tag == _DESCRIPTION and kind == 2 and 4 < n <= RECORD_MAX + 1:
            fh.seek(offset)
            text = fh.read(n).rstrip(b"\0").decode("ascii", "replace")
            return text if text.startswith(STAMP_MARK) else ""
    return ""
