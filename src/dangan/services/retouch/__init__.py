"""Use case: retouch a tree of page images (plain folders), or a project's work batch.

Plain-folder mode mirrors ``SRC`` into ``DST`` (same relative paths, the output suffix of
the chosen format) and writes a JSON report. It needs no project, so the engine can be run
and compared like unpaper or ScanTailor.
"""

from __future__ import annotations

import json
import os
import posixpath
import stat
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import fsspec

from dangan.compute.executors import Executor
from dangan.domain.paper_sizes import PAPER_SIZES_MM, paper_size_mm
from dangan.errors import InputError
from dangan.i18n import t
from dangan.imaging.context import UNREADABLE, PageReport, RetouchOptions
from dangan.imaging.files import TEMP_MARK, PageTask, retouch_file
from dangan.imaging.load import page_count

# What scanners write. A file with another suffix is still read when its first bytes say it
# is a page image; anything else is listed in the report as ignored, never dropped silently.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".jpe", ".jfif", ".tif", ".tiff", ".png", ".bmp", ".dib",
                  ".pnm", ".pbm", ".pgm", ".ppm", ".jp2", ".j2k", ".jpx", ".jpf", ".webp",
                  ".gif", ".pdf")
MULTI_PAGE_SUFFIXES = (".tif", ".tiff", ".pdf", ".gif", ".webp")
MAGIC = (b"\xff\xd8", b"II*\x00", b"MM\x00*", b"\x89PNG", b"BM", b"GIF8", b"%PDF",
         b"\x00\x00\x00\x0cjP  ", b"\xffO\xffQ", b"P1", b"P2", b"P3", b"P4", b"P5", b"P6")


@dataclass
class RetouchSummary:
    pages: list[PageReport] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 1
    ignored: list[str] = field(default_factory=list)  # files under SRC that are no page image
    signed: list[str] = field(default_factory=list)  # volumes whose retouch stage was signed
    unsigned: list[str] = field(default_factory=list)  # why a recorded volume is not signed
    already: list[str] = field(default_factory=list)  # volumes done and signed by an earlier run
    kept: list[str] = field(default_factory=list)  # volumes wholly recorded by an earlier run
    redone: int = 0  # pages an interrupted run wrote but did not record, done again
    # signed volume -> (pages, retouch QC findings): the figures of its sign-off remarks
    signed_figures: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(p.status for p in self.pages))

    @property
    def defects(self) -> dict[str, int]:
        return dict(Counter(d.code for p in self.pages for d in p.defects))

    @property
    def pages_per_second(self) -> float:
        done = sum(1 for p in self.pages if p.status != "skipped")
        return done / self.seconds if self.seconds > 0 else 0.0

    def resumed(self) -> str:
        """What an earlier, interrupted run had finished (kept) and what this run did again,
        in words; "" when nothing was resumed (a first run, or the same request repeated)."""
        kept = self.counts.get("skipped", 0)
        done = len(self.pages) - kept
        if self.redone or (kept and (done or set(self.kept) - set(self.already))):
            return t("retouch.resumed", kept=kept, volumes=len(self.kept), done=done,
                     redone=self.redone)
        return ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "pages": len(self.pages), "counts": self.counts, "defects": self.defects,
            "seconds": round(self.seconds, 3), "workers": self.workers,
            "pages_per_second": round(self.pages_per_second, 2),
            "review": dict(Counter(r for p in self.pages for r in p.review)),
            "ignored": sorted(self.ignored), "already": sorted(self.already),
            "kept": sorted(self.kept), "redone": self.redone,
            "signed": {code: {"pages": p, "defects": d}
                       for code, (p, d) in sorted(self.signed_figures.items())},
            "results": [p.to_dict() for p in sorted(self.pages, key=lambda p: p.source)],
        }


def page_size_mm(name: str) -> tuple[float, float]:
    size = paper_size_mm(name)
    if size is None:
        raise InputError("retouch.bad_page_size", value=name, choices=", ".join(PAPER_SIZES_MM))
    return size


def _join(root: str, rel: str) -> str:
    return root.rstrip("/") + "/" + rel


def _sniff(fs: fsspec.AbstractFileSystem, path: str) -> bool:
    try:
        with fs.open(path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return True  # unreadable: let the page's report say so
    return head.startswith(MAGIC) or head[4:12] in (b"ftypjp2 ",) or (
        head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def _pages_of(fs: fsspec.AbstractFileSystem, path: str) -> int:
    if posixpath.splitext(path)[1].lower() not in MULTI_PAGE_SUFFIXES:
        return 1
    try:
        with fs.open(path, "rb") as fh:
            return page_count(fh)
    except OSError:
        return 1


def plan_tree(src: str, dst: str, opts: RetouchOptions, force: bool = False,
              ignored: list[str] | None = None) -> list[PageTask]:
    """One task per page under ``src`` (each page of a multi-page file becomes
    ``name-p002.jpg``); targets mirror it under ``dst``. Files that are not page images are
    appended to ``ignored`` (relative paths) so the report can list them."""
    fs, root = fsspec.core.url_to_fs(src)
    if not fs.isdir(root):
        raise InputError("retouch.no_source", path=src)
    protocol = src.split("://", 1)[0] + "://" if "://" in src else ""
    local = "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))
    real_root = os.path.realpath(root) if local else ""
    tasks = []
    unsafe: list[str] = []
    for path in sorted(fs.find(root)):
        name = posixpath.basename(path)
        if name.startswith(".") or TEMP_MARK in name:
            continue
        if local and (reason := _unsafe(path, real_root)):
            unsafe.append(t("retouch.unsafe_file", path=posixpath.relpath(path, root),
                            reason=t(reason)))
            continue  # never opened: a FIFO would block, a link would leave the tree
        rel = posixpath.relpath(path, root.rstrip("/") or "/")
        if posixpath.splitext(name)[1].lower() not in IMAGE_SUFFIXES and not _sniff(fs, path):
            if ignored is not None:
                ignored.append(rel)
            continue
        stem = posixpath.splitext(rel)[0]
        source = protocol + path if protocol else path
        pages = _pages_of(fs, path)
        if pages == 1:
            tasks.append(PageTask(source, _join(dst, stem + opts.suffix), rel, opts, force, 1))
            continue
        for n in range(1, pages + 1):
            tasks.append(PageTask(source, _join(dst, f"{stem}-p{n:03d}{opts.suffix}"), rel,
                                  opts, force, n))
    if unsafe:
        raise InputError("retouch.unsafe_source", path=src, count=len(unsafe), details=unsafe)
    return tasks


def _unsafe(path: str, real_root: str) -> str | None:
    """Why a local file under the source tree is refused (a catalogue key), or None: a FIFO,
    device or socket (opening one may block forever), or a link leading out of the tree."""
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            target = os.path.realpath(path)
            if os.path.commonpath([target, real_root]) != real_root:
                return "retouch.reason.link_out"
            st = os.stat(path)
    except (OSError, ValueError):
        return None  # unreadable: the page's report says so
    if not stat.S_ISREG(st.st_mode):
        return "retouch.reason.special"
    return None


def _lost(task: PageTask, exc: BaseException) -> PageReport:
    report = PageReport(source=task.rel, status="failed")
    report.flag(UNREADABLE, f"worker_lost:{type(exc).__name__}")
    return report


def run_tasks(tasks: list[PageTask], executor: Executor,
              progress: Callable[[PageReport], None] | None = None) -> RetouchSummary:
    """Retouch every task; one bad page never stops the others. ``progress`` is called in this
    process for each page's report as it comes back (in the order pages finish, with any
    executor); an exception it raises stops the run like Ctrl-C."""
    summary = RetouchSummary(workers=executor.workers)
    start = time.perf_counter()
    results: Iterator[PageReport] = executor.map_unordered(retouch_file, tasks, on_lost=_lost)
    try:
        for report in results:
            summary.pages.append(report)
            if progress is not None:
                progress(report)
    except BaseException:  # Ctrl-C: the executor stops its workers; then drop their parts
        close = getattr(results, "close", None)
        if close is not None:
            close()
        remove_parts({posixpath.dirname(task.target) for task in tasks})
        raise
    summary.seconds = time.perf_counter() - start
    return summary


def remove_parts(folders: set[str]) -> None:
    """Partial outputs (``TEMP_MARK`` files) left in ``folders`` by workers stopped mid-page."""
    for folder in folders:
        try:
            fs, path = fsspec.core.url_to_fs(folder)
            names = fs.ls(path, detail=False) if fs.isdir(path) else []
            for full in names:
                if posixpath.basename(full).startswith(TEMP_MARK):
                    fs.rm(full)
        except OSError:
            continue


def write_report(path: str, summary: RetouchSummary, extra: dict[str, Any] | None = None) -> None:
    fs, p = fsspec.core.url_to_fs(path)
    data = summary.to_dict()
    if extra:
        data = {**extra, **data}
    parent = posixpath.dirname(p)
    if parent:
        fs.makedirs(parent, exist_ok=True)
    with fs.open(p, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)
