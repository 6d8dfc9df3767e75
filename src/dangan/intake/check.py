"""``dangan check``: names, then content, of every volume under a scan root.

The name pass (``walk``) is cheap; the content pass reads each page once, hashes it
(SHA-256), decodes it at reduced resolution in a process pool and compares pages for
duplicate scans within a volume and across neighbouring volumes (a sheet that slipped into
the next folder). Byte-identical page files are found by their hash anywhere in the run and,
with a project, among the pages already ingested (``CheckOptions.stored``).
"""

from __future__ import annotations

import hashlib
import math
import os
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from dangan.compute.executors import init_pool_worker, terminate_pool
from dangan.config import PAGE_SIZES_MM, ScanConfig
from dangan.domain import defects as dc
from dangan.domain.defects import Defect, make_defect, sort_key, summarise
from dangan.domain.naming import NamingRules
from dangan.i18n import join, t
from dangan.intake.blank import DPI_RANGE, MARK
from dangan.intake.content import PageInfo, decode_page, measure_page, one_opencv_thread
from dangan.intake.duplicates import find_duplicates
from dangan.intake.walk import (
    Listing,
    PageEntry,
    VolumeFolder,
    Walker,
    normal_format,
    severity_for_blank,
)

MAX_FILE_BYTES = 1 << 30  # a page file above 1 GiB is not read
BED_ALLOWANCE_MM = 25.0  # scanner bed a scan may show on each side (retouch crops it)
CHUNK = 16


@dataclass(frozen=True)
class StoredCopy:
    """A page file already ingested (a master in 已扫描), as ``CheckOptions.stored`` gives it."""

    volume: str  # archive code
    page: int | None  # page number
    path: str  # relative to the storage root


# SHA-256s (hex) → the pages already ingested with those bytes (a hash found nowhere: absent)
StoredLookup = Callable[[Sequence[str]], Mapping[str, Sequence[StoredCopy]]]


@dataclass(frozen=True)
class CheckOptions:
    """Everything a check depends on; frozen, and picklable without ``stored``."""

    rules: NamingRules
    scan: ScanConfig
    expected_pages: Mapping[str, int | None] | None = None  # None: no volume list given
    content: bool = True
    workers: int = 0  # 0: one per core; 1: in this process
    full_decode: bool = False
    stored: StoredLookup | None = None  # a project's ingested pages, by SHA-256


@dataclass
class VolumeResult:
    folder: VolumeFolder
    infos: dict[str, PageInfo] = field(default_factory=dict)  # by file name

    @property
    def defects(self) -> list[Defect]:
        return self.folder.defects


@dataclass
class CheckReport:
    root: str
    volumes: list[VolumeResult]
    other_defects: list[Defect]

    @property
    def defects(self) -> list[Defect]:
        items = list(self.other_defects)
        for vol in self.volumes:
            items.extend(vol.defects)
        return sorted(items, key=sort_key)

    @property
    def page_count(self) -> int:
        return sum(len(v.folder.pages) for v in self.volumes)

    def summary(self) -> dict[str, Any]:
        return {"volumes": len(self.volumes), "pages": self.page_count,
                **summarise(self.defects)}

    def to_dict(self) -> dict[str, Any]:
        return {"defects": [d.to_dict() for d in self.defects], "summary": self.summary()}

    def volume(self, archive_code_or_rel: str) -> VolumeResult | None:
        for vol in self.volumes:
            if archive_code_or_rel in (vol.folder.archive_code, vol.folder.rel):
                return vol
        return None


# --- reading pages (runs in worker processes) --------------------------------------------
def read_page_file(path: str) -> bytes | PageInfo:
    """The file's bytes, opened without following links or blocking on a FIFO."""
    read = _read_page(path)
    return read if isinstance(read, PageInfo) else read[0]


def _read_page(path: str) -> tuple[bytes, int] | PageInfo:
    """``read_page_file``'s bytes and the file's mtime (ns) from before they were read."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return PageInfo(reason="unreadable", reason_params={"detail": exc.strerror or str(exc)})
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return PageInfo(reason="unreadable", reason_params={"detail": "not a regular file"})
        if st.st_size > MAX_FILE_BYTES:
            return PageInfo(reason="too_large", reason_params={"width": "?", "height": "?"})
        return _read_to_end(fd, st.st_size), st.st_mtime_ns
    except OSError as exc:
        return PageInfo(reason="unreadable", reason_params={"detail": exc.strerror or str(exc)})
    finally:
        os.close(fd)


def _read_to_end(fd: int, size: int) -> bytes:
    """Every byte from ``fd`` to the end of the file, as a buffered ``read()`` gives them, in
    one read of the size ``fstat`` said (and a byte more) into the bytes returned: no buffer
    grown and copied on the way (≈ 0.05 ms of a page's 7). A file that grew since, or a read
    that stopped short (a network share), is read on to its end."""
    first = os.read(fd, size + 1)
    if not first:
        return first
    chunks = [first]
    while more := os.read(fd, max(size, 1 << 16)):
        chunks.append(more)
    return first if len(chunks) == 1 else b"".join(chunks)


DECODE_BATCH = 8  # pages decoded one after another before any of them is measured…
DECODE_BATCH_BYTES = 64 << 20  # …while their files together hold no more than this


def inspect_files(paths: Sequence[str], full_decode: bool = False) -> list[PageInfo]:
    """``inspect_page`` of each file, with its SHA-256, size and mtime.

    A few pages are read, hashed and decoded in a row, then measured in a row
    (``content.decode_page``, then ``content.measure_page``: the same results as page by
    page). A decode runs through the whole file and leaves little of the measuring code's
    instructions and tables in the CPU's caches; taking them a batch at a time saved
    0.1–0.3 ms of CPU a page of ≈ 7.8 in paired runs on a shared machine."""
    out: list[PageInfo] = []
    batch: list[tuple[bytes, int, str, PageInfo, Any]] = []
    held = 0

    def measure() -> None:
        for data, mtime_ns, sha, info, grey in batch:
            info = measure_page(data, info, grey)
            out.append(replace(info, sha256=sha, size=len(data), mtime_ns=mtime_ns)
                       if data else info)
        batch.clear()

    with one_opencv_thread():
        for path in paths:
            read = _read_page(path)
            if isinstance(read, PageInfo):
                batch.append((b"", 0, "", read, None))
            else:
                data, mtime_ns = read
                sha = hashlib.sha256(data).hexdigest()
                batch.append((data, mtime_ns, sha, *decode_page(data, full_decode=full_decode)))
                held += len(data)
            if len(batch) >= DECODE_BATCH or held >= DECODE_BATCH_BYTES:
                measure()
                held = 0
        measure()
    return out


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _pool(workers: int) -> ProcessPoolExecutor:
    """Workers started by a fork server, never forked from this process: they inherit none
    of its descriptors (the project lock, the database), and OpenCV in them starts fresh, so
    ``init_pool_worker`` may set its threads (a child forked from a process whose OpenCV
    thread pool existed must not — see ``one_opencv_thread``). Each worker watches this
    process and ends when it ends, ``kill -9`` included: no orphan keeps reading pages."""
    import multiprocessing as mp

    context = mp.get_context("forkserver")
    # The fork server imports this module (OpenCV, NumPy) once, so its workers start with it
    # (≈ 0.7 s CPU each otherwise). Importing OpenCV starts no threads: forking from it is safe.
    # No effect when the server already runs.
    context.set_forkserver_preload(["__main__", __name__])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=init_pool_worker, initargs=(os.getpid(),))


def inspect_all(paths: Sequence[str], workers: int = 0, full_decode: bool = False) -> list[PageInfo]:
    """``inspect_files`` over a process pool (or in-process for small jobs / workers=1)."""
    n = workers or os.cpu_count() or 1
    if n <= 1 or len(paths) <= CHUNK:
        return inspect_files(paths, full_decode)
    results: list[PageInfo] = []
    pool = _pool(n)
    try:
        for part in pool.map(inspect_files, list(_chunks(paths, CHUNK)),
                             [full_decode] * ((len(paths) + CHUNK - 1) // CHUNK)):
            results.extend(part)
    except BaseException:  # Ctrl-C (the workers ignore it) or an error: stop them now
        terminate_pool(pool)
        raise
    pool.shutdown()
    return results


# --- page-level rules ----------------------------------------------------------------------
def expected_pixels(page_size: str, dpi: float) -> tuple[int, int]:
    w_mm, h_mm = PAGE_SIZES_MM[page_size]
    return round(w_mm / 25.4 * dpi), round(h_mm / 25.4 * dpi)


def _size_fits(info: PageInfo, scan: ScanConfig, dpi: float) -> bool:
    """Do the pixels make the project's page size at ``dpi`` (within the tolerance, plus a
    little bed around the sheet)?"""
    exp_w, exp_h = expected_pixels(scan.page_size, dpi)
    bed = 2 * BED_ALLOWANCE_MM / 25.4 * dpi
    short, long_ = sorted((info.width, info.height))
    tol = scan.size_tolerance
    return ((1 - tol) * exp_w <= short <= (1 + tol) * exp_w + bed
            and (1 - tol) * exp_h <= long_ <= (1 + tol) * exp_h + bed)


USUAL_DPI = (150, 200, 240, 300, 400, 600, 1200)  # scanning resolutions the pixels may show


def pixels_dpi(info: PageInfo, scan: ScanConfig) -> int | None:
    """The resolution at which the pixels are the project's page size: the scan dpi when
    they are, else the usual resolution nearest to the pixels' own width; None at none."""
    if _size_fits(info, scan, scan.dpi):
        return scan.dpi
    own = min(info.width, info.height) * 25.4 / min(PAGE_SIZES_MM[scan.page_size])
    fits = [d for d in USUAL_DPI if _size_fits(info, scan, d)]
    return min(fits, key=lambda d: abs(math.log(d / own))) if fits else None


MAIN_DPI = (200, 300, 400, 600)  # the resolutions scan rooms set: the likelier explanations
COMMON_SIZES = ("A4", "A3")  # the sheets archives hold most, then the other sizes
CLOSE_FIT = 0.02  # pixels at most this much smaller than a size at a dpi are the sheet whole
SNUG_BED_MM = 10.0  # a snug scan shows at most this much bed a side


def _reading(info: PageInfo, scan: ScanConfig, size: str, dpi: int,
             tag: int | None) -> tuple[int, int, float] | None:
    """How well ``size`` at ``dpi`` explains the pixels, smaller better: (smaller, unlikely,
    deviation), None when it does not fit (``_size_fits``' rule: the tolerance, plus a bed).
    smaller: 1 when the pixels are a sheet smaller than the size (cut, cropped: more than
    ``CLOSE_FIT`` short on a side), else 0. unlikely: a size other than the project's (1 for
    the common ones, 2 for the others), a resolution other than the project's or the tag's
    (1 for the usual ones, 2 for the others), one against the file's tag (2: its tag would be
    wrong too), more bed than a snug scan's (1, ``SNUG_BED_MM``), each adding up."""
    w, h = expected_pixels(size, dpi)
    short, long_ = sorted((info.width, info.height))
    bed = 2 * BED_ALLOWANCE_MM / 25.4 * dpi
    tol = scan.size_tolerance
    if not ((1 - tol) * w <= short <= (1 + tol) * w + bed
            and (1 - tol) * h <= long_ <= (1 + tol) * h + bed):
        return None
    under = max(0.0, 1 - short / w, 1 - long_ / h)
    over = max(0.0, short / w - 1, long_ / h - 1)
    bed_mm = max(0, short - w, long_ - h) / 2 / dpi * 25.4
    unlikely = ((0 if size == scan.page_size else 1 if size in COMMON_SIZES else 2)
                + (0 if dpi in (scan.dpi, tag) else 1 if dpi in MAIN_DPI else 2)
                + (2 if tag is not None and dpi != tag else 0)
                + (1 if bed_mm > SNUG_BED_MM else 0))
    return int(under > CLOSE_FIT), unlikely, max(under, over)


def pixels_are(info: PageInfo, scan: ScanConfig) -> list[tuple[str, int]]:
    """What paper size at which resolution the pixels are: the likeliest explanation among
    the known sizes at the project's dpi, the file's tag (a scanning resolution) and the
    usual ones (``_reading``): the sheet whole before a smaller one, then the project's size
    and dpi, the tag, the usual resolutions and the common sizes, a snug scan. Several when
    they explain the pixels equally well, as likely and as close (within ``CLOSE_FIT``):
    the pixels cannot tell them apart; [] at none."""
    tag = round(info.dpi) if info.dpi is not None and DPI_RANGE[0] <= info.dpi <= DPI_RANGE[1] \
        else None
    dpis = dict.fromkeys((scan.dpi, *(() if tag is None else (tag,)), *USUAL_DPI))
    found: list[tuple[tuple[int, int, float], str, int]] = []
    for size in dict.fromkeys((scan.page_size, *PAGE_SIZES_MM)):
        for dpi in dpis:
            got = _reading(info, scan, size, dpi, tag)
            if got is not None:
                found.append((got, size, dpi))
    if not found:
        return []
    found.sort(key=lambda f: f[0])
    best = found[0][0]
    if best[0]:  # only smaller sheets: the likeliest of them
        return [(found[0][1], found[0][2])]
    return [(size, dpi) for got, size, dpi in found
            if got[:2] == best[:2] and got[2] <= best[2] + CLOSE_FIT]


def _are_note(info: PageInfo, scan: ScanConfig,
              are: list[tuple[str, int]]) -> list[tuple[str, dict[str, Any]]]:
    """The note's words for ``pixels_are``: the sheet and resolution the pixels are (or the
    ones they may equally be), and when that is another size, the resolution they would have
    as the project's size when that would pass (an A3 sheet at 200 dpi is an A4 one at
    283 dpi: either a sheet of another size or a resolution no scanner is set to)."""
    if not are:
        return [("no_fit", {"page_size": scan.page_size})]
    sep = t("intake.dpi_note.or")
    words = [("pixels", {"page_size": are[0][0], "dpi": are[0][1]}) if len(are) == 1 else
             ("pixels_either", {"choices": sep.join(f"{s}@{d}dpi" for s, d in are)})]
    own = min(info.width, info.height) * 25.4 / min(PAGE_SIZES_MM[scan.page_size])
    if all(size != scan.page_size for size, _dpi in are) and own >= scan.min_dpi:
        words.append(("as_project", {"page_size": scan.page_size, "dpi": round(own)}))
    return words


def _tag_words(tag: float) -> float | int:
    """A file's dpi tag as said: whole when it is (72, 1 — a PNG's 1 dpi is 0.99 in its pixels
    per metre), else to a tenth (2.54 dpi: 1 pixel per centimetre)."""
    return round(tag) if abs(tag - round(tag)) < 0.05 else round(tag, 1)


def _dpi_note(*keys: tuple[str, dict[str, Any]]) -> str:
    """A parenthesised note of what the file's tag and pixels say (empty without one)."""
    parts = [t(f"intake.dpi_note.{key}", **params) for key, params in keys]
    return t("intake.dpi_note.wrap", text=t("intake.dpi_note.sep").join(parts)) if parts else ""


def multi_page_defect(entry: PageEntry, rel: str, volume: str | None, info: PageInfo,
                      scan: ScanConfig) -> Defect:
    """A file of several pages: each page must be a file of its own, named by its number
    (error in any project); what its other pages hold is said, page by page."""
    inner = [t(f"intake.inner.{found}", page=k) for k, found in enumerate(info.inner, start=2)]
    if info.frames > len(info.inner) + 1:
        inner.append(t("intake.inner.not_looked", page=len(info.inner) + 2))
    return make_defect(dc.WRONG_FORMAT, path=rel, volume=volume, page=entry.page_no,
                       found=t("intake.multi_page", fmt=f"{info.fmt} (.{entry.ext})",
                               pages=info.frames, inner=t("intake.dpi_note.sep").join(inner)),
                       expected=normal_format(scan.format))


def page_defects(entry: PageEntry, rel: str, volume: str | None, info: PageInfo,
                 scan: ScanConfig) -> list[Defect]:
    out: list[Defect] = []
    page = entry.page_no
    if not info.ok:
        out.append(make_defect(dc.CORRUPT_IMAGE, path=rel, volume=volume, page=page,
                               reason=t(f"intake.reason.{info.reason}", **info.reason_params)))
        return out
    ext = normal_format(entry.ext)
    if info.frames > 1:
        out.append(multi_page_defect(entry, rel, volume, info, scan))
    elif info.fmt != ext:
        out.append(make_defect(dc.WRONG_FORMAT, path=rel, volume=volume, page=page,
                               found=f"{info.fmt} (.{entry.ext})", expected=normal_format(scan.format)))
    if info.fmt == "pdf":
        return out
    short_mm = min(PAGE_SIZES_MM[scan.page_size])
    tag = info.dpi
    plausible = tag is not None and DPI_RANGE[0] <= tag <= DPI_RANGE[1]
    real = pixels_dpi(info, scan)  # the resolution at which the pixels are the page size
    estimated = False
    if tag and not _size_fits(info, scan, tag) and real is not None and (
            real == scan.dpi or not plausible) and not (
            plausible and any(dpi == round(tag) for _size, dpi in pixels_are(info, scan))):
        # The pixels are the page size at the scan dpi, or at a usual one while the tag is
        # none (72, 96, 60000): the file's resolution tag is wrong (not the resolution,
        # nor the sheet's size) — unless the pixels are another sheet at the tag's dpi (an
        # A3 sheet at 200 dpi is A4 at 283, within the tolerance of A4 at 300).
        out.append(make_defect(dc.WRONG_DPI_TAG, path=rel, volume=volume, page=page,
                               found=_tag_words(tag), expected=real, width=info.width,
                               height=info.height, page_size=scan.page_size))
        info = replace(info, dpi=float(real))
    elif not tag:
        estimated = True
    dpi = info.dpi or min(info.width, info.height) / (short_mm / 25.4)
    if dpi < scan.min_dpi - 0.5:
        are = pixels_are(info, scan) if estimated else []
        other = [w for w in _are_note(info, scan, are) if w[0] != "no_fit"] \
            if are and all(size != scan.page_size for size, _d in are) else []
        note = (_dpi_note(("estimated", {"page_size": scan.page_size}), *other) if estimated
                else _dpi_note(("pixels", {"page_size": scan.page_size, "dpi": round(dpi)}))
                if info.dpi != tag else "")
        out.append(make_defect(dc.LOW_DPI, path=rel, volume=volume, page=page,
                               dpi=round(dpi), min_dpi=scan.min_dpi, note=note))
    if info.colour_mode != scan.colour_mode:
        out.append(make_defect(dc.WRONG_COLOUR_MODE, path=rel, volume=volume, page=page,
                               found=t(f"intake.colour.{info.colour_mode}"),
                               expected=t(f"intake.colour.{scan.colour_mode}")))
    size_dpi = info.dpi or scan.dpi
    exp_w, exp_h = expected_pixels(scan.page_size, size_dpi)
    tol = scan.size_tolerance
    if not _size_fits(info, scan, size_dpi):
        said = (("untagged", {"dpi": scan.dpi}) if not tag else None if plausible
                else ("implausible", {"tag": _tag_words(tag)}))
        out.append(make_defect(dc.WRONG_SIZE, path=rel, volume=volume, page=page,
                               width=info.width, height=info.height, page_size=scan.page_size,
                               dpi=round(size_dpi), exp_w=exp_w, exp_h=exp_h,
                               tolerance=f"{tol:.0%}",
                               note=_dpi_note(*(() if said is None else (said,)),
                                              *_are_note(info, scan, pixels_are(info, scan)))))
    if info.blank:
        out.append(make_defect(dc.BLANK_PAGE, path=rel, volume=volume, page=page,
                               severity=severity_for_blank(scan.blank_pages_scanned),
                               ink=f"{info.ink:.3%}"))
    elif info.faint:  # not blank: never to be taken out as one (a warning in any project)
        out.append(make_defect(dc.FAINT_PAGE, path=rel, volume=volume, page=page,
                               what=t("intake.faint.mark" if info.look == MARK
                                      else "intake.faint.faint")))
    return out


def _rel(vol: VolumeFolder, name: str) -> str:
    return f"{vol.rel}/{name}" if vol.rel else name


@dataclass(frozen=True)
class Words:
    """A phrase of a finding kept as its catalogue key: rendered in the language current when
    the finding's message is (``Defect.rendered``), not when it was found."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return t(self.key, **self.params)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def _sha(vol: VolumeResult, entry: PageEntry) -> str | None:
    info = vol.infos.get(entry.name)
    return info.sha256 if info is not None and info.sha256 else None


def duplicate_defects(volumes: Sequence[VolumeResult], rules: NamingRules) -> dict[str, int]:
    """Flag the later of two scans of one sheet, within a volume and across neighbouring
    volumes (a sheet scanned again into the next folder), whatever the second scan's skew,
    offset, scale, bed or exposure (``duplicates.find_duplicates``).

    Returns the sheet found scanned more than once of each page reported or named (by its
    path): pages with the same number are already reported as one sheet."""
    ordered = sorted(volumes, key=lambda v: rules.archive_code.sort_key(v.folder.label))
    pages: list[tuple[int, VolumeResult, PageEntry]] = []
    for k, vol in enumerate(ordered):
        for entry in sorted(vol.folder.pages, key=lambda p: (p.page_no, p.name)):
            info = vol.infos.get(entry.name)
            if info is not None and info.ok and info.marks and not info.blank:
                pages.append((k, vol, entry))

    def load(i: int) -> bytes | None:
        data = read_page_file(pages[i][2].path)
        return data if isinstance(data, bytes) else None

    found = find_duplicates([v.infos[e.name].marks for _k, v, e in pages],
                            [k for k, _v, _e in pages], load)
    def name_in(vol: VolumeResult, i: int) -> str:
        """A page as seen from ``vol``: its file name in the same folder, else its path."""
        _kc, copy_vol, copy = pages[i]
        return copy.name if copy_vol is vol else _rel(copy_vol.folder, copy.name)

    sheets: dict[str, int] = {}
    for dup in found:
        _k, vol, entry = pages[dup.page]
        for i in dup.copies or (dup.page, dup.other):
            sheets[_rel(pages[i][1].folder, pages[i][2].name)] = min(dup.copies or (dup.other,))
        copies = ("" if len(dup.copies) <= 2 else t(
            "defect.duplicate_copies", count=len(dup.copies),
            pages=join(name_in(vol, c) for c in dup.copies)))
        other = name_in(vol, dup.other)
        # the same bytes: one file copied twice, not a sheet scanned twice (said as such)
        same = _sha(vol, entry) is not None and _sha(vol, entry) == _sha(*pages[dup.other][1:])
        kind = "identical" if same else "rescan"
        vol.folder.defects.append(make_defect(
            dc.DUPLICATE_IMAGE, path=_rel(vol.folder, entry.name),
            volume=vol.folder.archive_code, page=entry.page_no, other=other,
            copies=copies, what=Words(f"intake.dup.{kind}", {"other": other}),
            advice=Words(f"intake.dup.{kind}_advice")))
    return sheets


def identical_defects(volumes: Sequence[VolumeResult], rules: NamingRules,
                      sheets: Mapping[str, int], stored: StoredLookup | None = None) -> None:
    """Flag every page file byte-identical (same SHA-256) to an earlier one: anywhere in the
    run, whatever the distance between their volumes, and, with ``stored``, among the pages
    already ingested (those come first). A page stored under its own volume and page number
    is that page ingested before (a rerun), not a copy. A pair the rescan search reported
    (``sheets``) is not reported again. Each report names every copy."""
    order = rules.archive_code.sort_key
    by_hash: dict[str, list[tuple[VolumeResult, PageEntry]]] = {}
    for vol in sorted(volumes, key=lambda v: order(v.folder.label)):
        for entry in sorted(vol.folder.pages, key=lambda p: (p.page_no, p.name)):
            info = vol.infos.get(entry.name)
            if info is not None and info.sha256:
                by_hash.setdefault(info.sha256, []).append((vol, entry))
    found = stored([h for h, run in by_hash.items() if run]) if stored is not None else {}
    for sha, run in by_hash.items():
        at = {(v.folder.archive_code, e.page_no) for v, e in run}
        ingested = sorted((c for c in found.get(sha, ()) if (c.volume, c.page) not in at),
                          key=lambda c: (order(c.volume), c.page or 0, c.path))
        if len(run) + len(ingested) < 2:
            continue
        reruns = {(c.volume, c.page) for c in found.get(sha, ())}
        run = sorted(run, key=lambda ve: (ve[0].folder.archive_code, ve[1].page_no) not in reruns)
        names = [t("defect.duplicate_stored_copy", path=c.path) for c in ingested]
        names += [_rel(v.folder, e.name) for v, e in run]
        copies = t("defect.duplicate_identical", count=len(names), pages=join(names))
        first = ingested[0].path if ingested else _rel(run[0][0].folder, run[0][1].name)
        for vol, entry in run:
            path = _rel(vol.folder, entry.name)
            if path == first or (vol.folder.archive_code, entry.page_no) in reruns:
                continue
            if path in sheets and sheets[path] == sheets.get(first):
                continue  # the rescan search reported this pair
            other = first if ingested or run[0][0] is not vol else run[0][1].name
            vol.folder.defects.append(make_defect(
                dc.DUPLICATE_IMAGE, path=path, volume=vol.folder.archive_code,
                page=entry.page_no, other=other, copies=copies,
                what=Words("intake.dup.identical", {"other": other}),
                advice=Words("intake.dup.identical_advice")))


def run_check(root: str, options: CheckOptions,
              progress: Callable[[int, int], None] | None = None) -> CheckReport:
    """Check every volume under ``root``; never raises for a bad file, only reports it."""
    walker = Walker(options.rules, options.scan.format, options.expected_pages)
    listing: Listing = walker.walk(root)
    volumes = [VolumeResult(v) for v in listing.volumes]
    if options.content:
        check_content(volumes, options)
    return CheckReport(listing.root, volumes, listing.defects)


def check_content(volumes: Sequence[VolumeResult], options: CheckOptions) -> None:
    jobs = [(vol, entry) for vol in volumes for entry in vol.folder.pages]
    infos = inspect_all([e.path for _v, e in jobs], options.workers, options.full_decode)
    for (vol, entry), info in zip(jobs, infos, strict=True):
        vol.infos[entry.name] = info
        vol.folder.defects.extend(page_defects(entry, _rel(vol.folder, entry.name),
                                               vol.folder.archive_code, info, options.scan))
    sheets = duplicate_defects(volumes, options.rules)
    identical_defects(volumes, options.rules, sheets, options.stored)
