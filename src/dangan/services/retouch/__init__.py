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
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

import fsspec

from dangan.compute.executors import Executor
from dangan.domain.paper_sizes import PAPER_SIZES_MM, paper_size_mm
from dangan.errors import DanganError, InputError, StorageError
from dangan.i18n import catalogue, current_language, join, t
from dangan.imaging import context as c
from dangan.imaging.context import UNREADABLE, PageReport, RetouchOptions
from dangan.imaging.files import (
    FILE_WARNING,
    READ_ERROR,
    STORAGE_UNREACHABLE,
    TEMP_MARK,
    WRITE_ERROR,
    KeptPage,
    PageTask,
    retouch_file,
    task_name,
)
from dangan.imaging.load import page_count
from dangan.imaging.pipeline import DPI_UNCERTAIN
from dangan.imaging.qc import CONVERTED, INFORMATION

# What scanners write. A file with another suffix is still read when its first bytes say it
# is a page image; anything else is listed in the report as ignored, never dropped silently.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".jpe", ".jfif", ".tif", ".tiff", ".png", ".bmp", ".dib",
                  ".pnm", ".pbm", ".pgm", ".ppm", ".jp2", ".j2k", ".jpx", ".jpf", ".webp",
                  ".gif", ".pdf")
MULTI_PAGE_SUFFIXES = (".tif", ".tiff", ".pdf", ".gif", ".webp")
# The automatic QC's findings that are errors (the others are warnings), as recorded in a
# project's defect table and listed after a run.
ERRORS = frozenset({c.UNREADABLE, c.CONTENT_AT_EDGE, c.BLACK_BORDER, c.SKEW, c.BLURRED})
# Lines of the "pages to look at" list printed after a run; the rest is counted.
MAX_ISSUE_LINES = 20
# Why a page failed when the reason is not the page's own (the first part of its ``unreadable``
# detail): the storage could not be reached, written or read, or the process working on the
# page died. Such a page is a failed page of the run (named, its volume not signed; exit 11
# for the storage), never a defect recorded against the page or its scanner. A plain-folder
# run's source that cannot be read is a page of the input that failed (exit 4).
WORKER_LOST = "worker_lost"
OUTPUT_CLASH = "output_clash"  # two sources, one output name (planning refuses both)
STORAGE_FAULTS = frozenset({STORAGE_UNREACHABLE, WRITE_ERROR, READ_ERROR})
RUN_FAULTS = STORAGE_FAULTS | {WORKER_LOST}
MAGIC = (b"\xff\xd8", b"II*\x00", b"MM\x00*", b"\x89PNG", b"BM", b"GIF8", b"%PDF",
         b"\x00\x00\x00\x0cjP  ", b"\xffO\xffQ", b"P1", b"P2", b"P3", b"P4", b"P5", b"P6")


def is_kept(rep: PageReport) -> bool:
    """True for a page not done again whose findings come from its output's record."""
    return isinstance(rep, KeptPage)


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
    # signed volume -> pages with an open error-level retouch finding (signed all the same)
    signed_with_errors: dict[str, list[int]] = field(default_factory=dict)
    # page report source -> (volume, page) as a person names them (a project's archive code
    # and page number); a plain-folder run names a page by its path
    places: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    fallback_dpi: int = 0  # the resolution a page without a plausible dpi of its own was read at
    # volume -> its pages the engine was not sure of (``hold.HeldPage``: page, reasons in
    # words): recorded, not signed until a person accepted or replaced each of them
    held: dict[str, list[Any]] = field(default_factory=dict)
    # the stage a project's work batch goes to once every volume's retouch is signed
    next_stage: str = ""

    @property
    def counts(self) -> dict[str, int]:
        """Pages by what this run did: a page kept from an earlier run (its findings reported
        again, its status as then found) counts as skipped."""
        return dict(Counter("skipped" if is_kept(p) else p.status for p in self.pages))

    def kept_pages(self) -> list[PageReport]:
        """Pages of a plain-folder run not done again: the output records the same source and
        options, and what was found on the page then."""
        return sorted((p for p in self.pages if is_kept(p)), key=lambda p: (p.source, p.page))

    @property
    def defects(self) -> dict[str, int]:
        """Findings by code, on the pages themselves: a page failed by the storage or a lost
        worker is a failed page of the run (``run_failed``), never a finding of the page."""
        return dict(Counter(d.code for p in self.pages if not run_fault(p) for d in p.defects))

    def run_failed(self) -> list[PageReport]:
        """Pages failed for a reason not their own (the storage, a lost worker)."""
        return [p for p in self.failed() if run_fault(p)]

    @property
    def pages_per_second(self) -> float:
        done = sum(1 for p in self.pages if p.status != "skipped" and not is_kept(p))
        return done / self.seconds if self.seconds > 0 else 0.0

    def failed(self) -> list[PageReport]:
        return sorted((p for p in self.pages if p.status == "failed"), key=lambda p: p.source)

    def dpi_counts(self) -> dict[str, dict[str, int]]:
        """Where each page's resolution came from (file, option, fallback) -> dpi -> pages."""
        out: dict[str, Counter[str]] = {}
        for p in self.pages:
            if p.status in ("failed", "skipped") or not p.dpi_source:
                continue
            out.setdefault(p.dpi_source, Counter())[str(p.dpi)] += 1
        return {src: dict(sorted(n.items())) for src, n in sorted(out.items())}

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
            "ignored": sorted(self.ignored),
            "ignored_reasons": {rel: ignored_reason(rel) for rel in sorted(self.ignored)},
            "already": sorted(self.already),
            "kept": sorted(self.kept), "redone": self.redone,
            "signed": {code: {"pages": p, "defects": d}
                       for code, (p, d) in sorted(self.signed_figures.items())},
            "held": {code: [page.to_dict() for page in pages]
                     for code, pages in sorted(self.held.items())},
            "dpi": self.dpi_counts(),
            "failed": [p.source for p in self.failed()],
            "run_failed": [p.source for p in self.run_failed()],
            "results": [p.to_dict() for p in sorted(self.pages, key=lambda p: p.source)],
        }


@dataclass(frozen=True)
class PageIssue:
    """One finding of one page, as a person reads it: where, how grave, what, in words."""

    volume: str  # archive code (project), or the page's folder (plain folders)
    page: int | None  # page number (project)
    path: str  # the page's file, relative to the source tree (or storage)
    level: str  # error | warning
    code: str
    words: str


def _params(detail: str) -> dict[str, str]:
    return dict(kv.split("=", 1) for kv in detail.replace(",", " ").split() if "=" in kv)


def _percent(value: str, digits: int) -> str:
    try:
        return f"{float(value) * 100:.{digits}f}"
    except ValueError:
        return value


def defect_words(code: str, detail: str) -> str:
    """A finding in words (the reader's language), from its code and machine detail."""
    name = t(f"retouch.defect.{code}")
    if code == c.NEEDS_REVIEW:
        reason, _sep, more = detail.partition(":")
        words = t(f"retouch.review.{reason}")
        if reason == DPI_UNCERTAIN and more:
            words = dpi_uncertain_words(_params(more)) or words
        if reason == "orientation" and more.startswith("orientation_"):
            words = t("retouch.words_more", words=words, more=t(f"retouch.orientation.{more}"))
        return words if not words.startswith("retouch.") else f"{name} {detail}".strip()
    if code == c.UNREADABLE:
        kind, _sep, rest = detail.partition(":")
        if kind == OUTPUT_CLASH:
            return _clash_words(rest)
        words = t(f"retouch.unreadable.{kind}", where=fault_path(kind, rest))
        return words if not words.startswith("retouch.") else t("retouch.unreadable.error")
    if code == FILE_WARNING:  # the image library's own words
        return t("retouch.why.file_warning", message=detail)
    params = _params(detail)
    key = code
    if "side" in params or "cut" in params:  # the output page's side(s), in words
        sides = params.get("side") or params["cut"]
        params["side"] = join(t(f"retouch.side.{s}") for s in sides.split("/"))
    if code == c.BLACK_BORDER and "residue" in params:
        params["percent"] = _percent(params["residue"], 1)
        key = "black_border_side" if "side" in params else code
    if code == c.CONTENT_AT_EDGE and "margin" in params:
        params["margin"] = params["margin"].lstrip("-").replace("mm", " mm")
    if code == c.CONTENT_AT_EDGE and "cut" in params:
        key = "content_at_edge_cut"
    if code == CONVERTED and "bits" in params:  # older details have no bits
        key = "converted_bits"
    if code == c.BLANK_PAGE and "ink" in params:
        params["percent"] = _percent(params["ink"], 2)
    template = catalogue().get(f"retouch.why.{key}")
    if template is not None:
        try:
            return template[1 if current_language() == "en" else 0].format(**params)
        except (KeyError, IndexError, ValueError):
            pass
    return f"{name} {detail}".strip()


def dpi_uncertain_words(params: dict[str, str]) -> str | None:
    """A ``dpi_uncertain`` review in words from its detail: the dpi the page was read at and
    where it came from (the file's tag, or the scan dpi when the file has none or an
    implausible one), and what that makes of it — a frame or sheet larger than A3, or pixels
    that are exactly a usual paper size at another dpi. None for a detail that says neither."""
    assumed, source = params.get("assumed"), params.get("source")
    if not assumed:
        return None
    why = (t("retouch.dpi_why.file", assumed=assumed) if source == c.DPI_FILE else
           t("retouch.dpi_why.rejected", assumed=assumed, file_dpi=params["file_dpi"])
           if "file_dpi" in params else t("retouch.dpi_why.untagged", assumed=assumed))
    size, _at, dpi = params.get("pixels", "").partition("@")
    what = (t("retouch.dpi_what.pixels", frame_mm=params["frame_mm"], size=size, dpi=dpi)
            if dpi and "frame_mm" in params else
            t("retouch.dpi_what.sheet", sheet_mm=params["sheet_mm"]) if "sheet_mm" in params
            else t("retouch.dpi_what.frame", frame_mm=params["frame_mm"])
            if "frame_mm" in params else None)
    return None if what is None else t("retouch.review.dpi_uncertain_words", why=why, what=what)


def _clash_words(rest: str) -> str:
    try:
        clash = json.loads(rest)
        return t("retouch.unreadable.output_clash", target=clash["target"],
                 others=join(clash["with"]))
    except (ValueError, KeyError, TypeError):
        return t("retouch.unreadable.error")


def fault_path(kind: str, rest: str) -> str:
    """The path a run fault's detail names (``kind:path`` or ``kind:Error:path``)."""
    if kind == STORAGE_UNREACHABLE:
        return rest
    return rest.partition(":")[2] or rest


def run_fault(rep: PageReport) -> tuple[str, str] | None:
    """(kind, path) when ``rep`` failed for a reason that is not the page's own (the storage,
    the process working on it); None for a page's own failure (a damaged file) or success."""
    if rep.status != "failed":
        return None
    for d in rep.defects:
        kind, _sep, rest = d.detail.partition(":")
        if d.code == UNREADABLE and kind in RUN_FAULTS:
            return kind, fault_path(kind, rest)
    return None


def page_name(rep: PageReport, summary: RetouchSummary) -> str:
    """A page as a person names it: archive code and page (project), else its file."""
    volume, page = summary.places.get(rep.source, ("", None))
    if volume and page is not None:
        return f"{volume} {page}"
    return rep.source if rep.pages <= 1 else f"{rep.source} p{rep.page}"


def failure_error(summary: RetouchSummary, project: bool = False) -> DanganError | None:
    """The error a run with failed pages ends with, once the rest is done and recorded: a
    storage fault (exit 11) naming the path when any page failed for one, else the failed
    pages (exit 4), each named with why; None when no page failed. A source that cannot be
    read is a storage fault in a project (its masters were verified at ingest), a bad input
    in a plain-folder run."""
    failed = summary.failed()
    if not failed:
        return None
    details = [t("retouch.pages_failed_line", path=page_name(rep, summary),
                 why=join(defect_words(d.code, d.detail) for d in rep.defects))
               for rep in failed]
    names = join(page_name(rep, summary) for rep in failed[:10]) + ("…" if len(failed) > 10
                                                                    else "")
    kinds = STORAGE_FAULTS if project else STORAGE_FAULTS - {READ_ERROR}
    storage = [f for f in (run_fault(rep) for rep in failed) if f and f[0] in kinds]
    if storage:
        paths = sorted({path for _kind, path in storage})
        return StorageError("retouch.storage_failed", count=len(storage),
                            path=join(paths[:3]) + ("…" if len(paths) > 3 else ""),
                            names=names, details=details)
    return InputError("retouch.pages_failed", count=len(failed), names=names, details=details)


def _page_sort_key(issue: PageIssue) -> tuple[str, int, str, int]:
    return (issue.volume, issue.page or 0, issue.path, 0 if issue.level == "error" else 1)


def page_issues(summary: RetouchSummary) -> list[PageIssue]:
    """Every finding of this run's pages to look at, page by page (errors first within a
    page). What is for information only (``qc.INFORMATION``: a CMYK or 16-bit file converted,
    an EXIF turn followed) is no finding to look at: counted and in the report, not here."""
    issues = []
    for rep in summary.pages:
        volume, page = summary.places.get(rep.source, (posixpath.dirname(rep.source) or ".",
                                                        None))
        path = rep.source if rep.pages <= 1 else f"{rep.source} p{rep.page}"
        for d in rep.defects:
            if d.code in INFORMATION:
                continue
            level = "error" if d.code in ERRORS else "warning"
            issues.append(PageIssue(volume, page, path, level, d.code,
                                    defect_words(d.code, d.detail)))
    return sorted(issues, key=_page_sort_key)


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


# A copy kept aside (an editor's or a copy program's) is no page of the volume, even when it
# holds an image: retouched, it came out as one more page (``0001.tif.bak`` → ``0001.tif.jpg``).
BACKUP_SUFFIXES = (".bak", ".old", ".orig", ".tmp", ".part", ".swp", ".crdownload")


def _backup_copy(name: str) -> bool:
    lower = name.lower()
    return lower.endswith("~") or lower.endswith(BACKUP_SUFFIXES)


# Why a file under SRC is no page of the run (``ignored_reason``, ``retouch.ignored_<why>``).
IGNORED_HIDDEN = "hidden"  # a hidden file (".name"), or a hidden folder (".sub/") as a whole
IGNORED_BACKUP = "backup"  # a copy kept aside (``BACKUP_SUFFIXES``, "~")
IGNORED_NOT_IMAGE = "not_image"  # neither its suffix nor its first bytes say page image


def _hidden_folder(rel: str) -> str:
    """The outermost hidden folder ``rel`` lies in (``.sub/``), "" when none."""
    parts = rel.split("/")[:-1]
    for i, part in enumerate(parts):
        if part.startswith("."):
            return "/".join(parts[:i + 1]) + "/"
    return ""


def ignored_reason(rel: str) -> str:
    """Why ``rel`` (an entry of ``plan_tree``'s ``ignored``) was not retouched."""
    name = rel.rstrip("/").rsplit("/", 1)[-1]
    if rel.endswith("/") or name.startswith("."):
        return IGNORED_HIDDEN
    return IGNORED_BACKUP if _backup_copy(name) else IGNORED_NOT_IMAGE


def plan_tree(src: str, dst: str, opts: RetouchOptions, force: bool = False,
              ignored: list[str] | None = None) -> list[PageTask]:
    """One task per page under ``src`` (each page of a multi-page file becomes
    ``name-p002.jpg``); targets mirror it under ``dst``. Every other file is appended to
    ``ignored`` (relative paths) so the report can list it, with why (``ignored_reason``):
    a file that is no page image, a backup copy, a hidden file (``.name``, never opened), and
    a hidden folder (``.sub/``, listed once for all it holds, never opened)."""
    fs, root = fsspec.core.url_to_fs(src)
    if not fs.isdir(root):
        raise InputError("retouch.no_source", path=src)
    protocol = src.split("://", 1)[0] + "://" if "://" in src else ""
    local = "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))
    real_root = os.path.realpath(root) if local else ""
    tasks = []
    unsafe: list[str] = []
    hidden_folders: set[str] = set()
    for path in sorted(fs.find(root)):
        name = posixpath.basename(path)
        rel = posixpath.relpath(path, root.rstrip("/") or "/")
        if (folder := _hidden_folder(rel)) or name.startswith("."):
            # never opened; a hidden folder is listed once, standing for every file in it
            if folder and folder not in hidden_folders:
                hidden_folders.add(folder)
                if ignored is not None:
                    ignored.append(folder)
            elif not folder and ignored is not None:
                ignored.append(rel)
            continue
        if local and (reason := _unsafe(path, real_root)):
            unsafe.append(t("retouch.unsafe_file", path=posixpath.relpath(path, root),
                            reason=t(reason)))
            continue  # never opened: a FIFO would block, a link would leave the tree
        if _backup_copy(name) or (posixpath.splitext(name)[1].lower() not in IMAGE_SUFFIXES
                                  and not _sniff(fs, path)):
            if ignored is not None:
                ignored.append(rel)
            continue
        stem = posixpath.splitext(rel)[0]
        source = protocol + path if protocol else path
        pages = _pages_of(fs, path)
        if pages == 1:
            tasks.append(PageTask(source, _join(dst, stem + opts.suffix), rel, opts, force, 1,
                                  stamp=True))
            continue
        for n in range(1, pages + 1):
            tasks.append(PageTask(source, _join(dst, f"{stem}-p{n:03d}{opts.suffix}"), rel,
                                  opts, force, n, pages=pages, stamp=True))
    if unsafe:
        raise InputError("retouch.unsafe_source", path=src, count=len(unsafe), details=unsafe)
    return _refuse_clashes(tasks, dst)


task_label = task_name  # a source page as the report names it


def _refuse_clashes(tasks: list[PageTask], dst: str) -> list[PageTask]:
    """Pages of two sources that would be written to one output name (``0001.jpg`` beside
    ``0001.tif``; page 2 of ``0002.tif`` beside ``0002-p002.jpg``) are all refused, each
    naming the others: neither may overwrite nor hide the other."""
    claims: dict[str, list[int]] = {}
    for i, task in enumerate(tasks):
        claims.setdefault(task.target, []).append(i)
    out = list(tasks)
    for target, claimants in claims.items():
        if len(claimants) < 2:
            continue
        rel = target[len(dst.rstrip("/")) + 1:] if target.startswith(dst.rstrip("/") + "/") \
            else target
        for i in claimants:
            others = [task_label(tasks[j]) for j in claimants if j != i]
            detail = json.dumps({"target": rel, "with": others}, ensure_ascii=False)
            out[i] = replace(tasks[i], refused=f"{OUTPUT_CLASH}:{detail}")
    return out


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
    report.flag(UNREADABLE, f"{WORKER_LOST}:{type(exc).__name__}")
    return report


# Told how many pages a run is to do once they are planned (a progress bar's total, where the
# caller cannot count them itself: a project's run plans its pages inside). Set it with
# ``pages_planned``.
_PLANNED: ContextVar[Callable[[int], None] | None] = ContextVar("retouch_planned",
                                                                default=None)


@contextmanager
def pages_planned(callback: Callable[[int], None]) -> Iterator[None]:
    """Within this block, ``run_tasks`` calls ``callback`` with the number of its pages before
    it starts them."""
    token = _PLANNED.set(callback)
    try:
        yield
    finally:
        _PLANNED.reset(token)


def run_tasks(tasks: list[PageTask], executor: Executor,
              progress: Callable[[PageReport], None] | None = None) -> RetouchSummary:
    """Retouch every task; one bad page never stops the others. ``progress`` is called in this
    process for each page's report as it comes back (in the order pages finish, with any
    executor); an exception it raises stops the run like Ctrl-C."""
    planned = _PLANNED.get()
    if planned is not None:
        planned(len(tasks))
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
