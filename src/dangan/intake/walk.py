"""Walk a scan share safely and check every name: folders, archive codes, page files.

Nothing here decodes an image, so a name-level check of 100,000 files takes a second or two.
The walk never follows a symbolic link, never opens anything but a regular file, and turns a
name that is not UTF-8 into a defect instead of a crash; paths in defects are relative to the
scan root and printable.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from dangan.domain import defects as dc
from dangan.domain.defects import Defect, Severity, make_defect
from dangan.domain.naming import (
    WORK_BATCH_MACRO,
    FolderName,
    NamingRules,
    Rule,
    find_lookalike,
    lookalike_kind,
    lookalike_message,
)
from dangan.domain.pages import PageFile, sequence_problems
from dangan.errors import NamingError
from dangan.i18n import t
from dangan.intake.folder_segments import segment_count_detail

INTERNAL_PREFIX = ".dangan-"  # journals, receipts, removed pages: ours, never pages
JUNK_NAMES = frozenset({"thumbs.db", ".ds_store", "desktop.ini", "ehthumbs.db"})
FORMAT_ALIASES = {"jpeg": "jpg", "jfif": "jpg", "tiff": "tif", "j2k": "jp2", "jpx": "jp2",
                  "pbm": "pnm", "pgm": "pnm", "ppm": "pnm"}
MAX_DEPTH = 4


def normal_format(ext: str) -> str:
    ext = ext.lower()
    return FORMAT_ALIASES.get(ext, ext)


def printable(name: str) -> str:
    """A name safe to print and put in JSON: undecodable bytes shown as \\xNN."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class PageEntry:
    name: str
    path: str  # absolute, as the OS gives it (may carry surrogates)
    page_no: int
    ext: str
    size: int

    def as_page_file(self) -> PageFile:
        return PageFile(self.page_no, self.name, self.ext)


@dataclass(frozen=True)
class ListedVolume:
    """What the project recorded for one volume, as the name pass compares a folder with it."""

    pages: int | None  # the pages its folder must hold: the sorter's count, else the list's
    borrow_batch: int | None = None  # the borrow batch's number, when borrowed
    work_batch: str | None = None  # the work batch's label ("2-1-1"), when split
    ingested_as: str | None = None  # the folder its pages were ingested from, if they were
    counted_by: str = "list"  # "sort" (the sorter's latest count) or "list" (the list's 页数)


@dataclass(frozen=True)
class VolumeList(Mapping[str, int | None]):
    """A project's volume list: as a mapping, the page count each volume's folder must hold;
    besides, what was recorded per volume and the batches that exist (picklable)."""

    volumes: Mapping[str, ListedVolume]
    work_batches: frozenset[str] = frozenset()
    borrow_batches: frozenset[int] = frozenset()

    def __getitem__(self, code: str) -> int | None:
        return self.volumes[code].pages

    def __iter__(self) -> Iterator[str]:
        return iter(self.volumes)

    def __len__(self) -> int:
        return len(self.volumes)


@dataclass
class VolumeFolder:
    path: str
    rel: str  # relative to the scan root, printable
    name: str
    archive_code: str | None = None
    borrow_batch: int | None = None
    work_batch: str | None = None
    pages: list[PageEntry] = field(default_factory=list)
    defects: list[Defect] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.archive_code or self.name

    @property
    def where(self) -> str:
        """The folder's location in a finding: its path under the scan root, or its own
        name when it is the folder checked (never ``.``)."""
        return self.rel or self.name


@dataclass
class Listing:
    root: str
    volumes: list[VolumeFolder] = field(default_factory=list)
    defects: list[Defect] = field(default_factory=list)  # outside any volume

    @property
    def page_count(self) -> int:
        return sum(len(v.pages) for v in self.volumes)


def loose_folder_rule(rules: NamingRules) -> Rule:
    """The folder rule with the archive code as free text, to tell a bad code from a bad folder."""
    return Rule(rules.folder.pattern,
                {"archive_code": "{archive_code_text}", "work_batch": WORK_BATCH_MACRO})


def _join(rel: str, name: str) -> str:
    return f"{rel}/{name}" if rel else name


def _path_defect(rel: str, name: str, reason: str, volume: str | None = None,
                 **values: object) -> Defect:
    return make_defect(dc.BAD_PATH, path=rel, volume=volume, name=printable(name),
                       reason=t(f"intake.reason.{reason}", **values))


def _symlink_reason(full: str, root: str) -> str:
    target = os.path.realpath(full)
    inside = target == root or target.startswith(root.rstrip(os.sep) + os.sep)
    return "symlink" if inside else "symlink_out"


class Walker:
    """One walk of a scan root under one naming rule and (optionally) a volume list."""

    def __init__(self, rules: NamingRules, fmt: str,
                 expected_pages: Mapping[str, int | None] | None = None) -> None:
        self.rules = rules
        self.fmt = normal_format(fmt)
        self.expected = expected_pages
        self.loose = loose_folder_rule(rules)
        self.extensions = frozenset(rules.extensions)
        self.page_literals = frozenset(ch for ch in rules.page_file.pattern if not ch.isascii())

    # --- folder level -----------------------------------------------------------------
    def walk(self, root: str) -> Listing:
        root = os.path.realpath(root)
        listing = Listing(root)
        base = os.path.basename(root)
        entries = _scan(root)
        if self._looks_like_volume(base, entries):
            listing.volumes.append(self.volume(root, "", base, entries, listing.root))
        else:
            self._walk_dir(root, "", entries, listing, 0)
            self._missing_folders(listing)
        self._cross_volume(listing)
        return listing

    def _missing_folders(self, listing: Listing) -> None:
        """With the project's list: each volume of a work batch this tree holds folders of,
        not yet ingested and with no folder here (not scanned yet, or on another station) —
        a warning naming it, so a volume of the batch is never passed over in silence."""
        if not isinstance(self.expected, VolumeList):
            return
        here = {v.archive_code for v in listing.volumes if v.archive_code is not None}
        batches = {self.expected.volumes[code].work_batch for code in here
                   if code in self.expected.volumes} - {None}
        for code, vol in sorted(self.expected.volumes.items()):
            if vol.work_batch in batches and code not in here and vol.ingested_as is None:
                listing.defects.append(make_defect(dc.MISSING_FOLDER, path="", volume=code,
                                                   batch=vol.work_batch))

    def _looks_like_volume(self, name: str, entries: list[os.DirEntry[str]]) -> bool:
        """A folder named as a volume, or one holding page files — unless it also holds
        folders named as volumes: then it is a level above them (the scan root, a grouping
        folder) and its page files are strays (``_walk_dir``), not a volume of their own."""
        if self.loose.match(name) is not None and is_utf8(name):
            return True
        if not any(_is_file(e) and self._image_ext(e.name) for e in entries):
            return False
        return not any(self._named_volume(e) for e in entries)

    def _named_volume(self, entry: os.DirEntry[str]) -> bool:
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            return False
        return is_dir and is_utf8(entry.name) and self.loose.match(entry.name) is not None

    def _image_ext(self, name: str) -> bool:
        _stem, dot, ext = name.rpartition(".")
        return bool(dot) and ext.lower() in self.extensions

    def _walk_dir(self, path: str, rel: str, entries: list[os.DirEntry[str]], listing: Listing,
                  depth: int) -> None:
        for entry in sorted(entries, key=lambda e: e.name):
            name = entry.name
            child_rel = _join(rel, printable(name))
            if name.startswith(INTERNAL_PREFIX):
                continue
            if entry.is_symlink():
                listing.defects.append(_path_defect(child_rel, name,
                                                    _symlink_reason(entry.path, listing.root)))
                continue
            if not is_utf8(name):
                listing.defects.append(_path_defect(child_rel, name, "non_utf8"))
                continue
            if entry.is_dir(follow_symlinks=False):
                children = _scan(entry.path)
                if self._looks_like_volume(name, children):
                    listing.volumes.append(self.volume(entry.path, child_rel, name, children,
                                                       listing.root))
                elif depth >= MAX_DEPTH:
                    # neither a volume nor a level the scan tree may have: say so, rather than
                    # read it as a volume folder with a bad name
                    listing.defects.append(_path_defect(child_rel, name, "too_deep",
                                                        levels=MAX_DEPTH + 1))
                else:
                    self._walk_dir(entry.path, child_rel, children, listing, depth + 1)
            elif _is_file(entry) and self._image_ext(name):
                # a page file beside volume folders: in no volume, so it is never ingested
                listing.defects.append(_path_defect(
                    child_rel, name, "root_page" if not rel else "loose_page"))
            elif _is_file(entry):
                listing.defects.append(make_defect(dc.STRAY_FILE, path=child_rel, name=name))
            else:
                listing.defects.append(_path_defect(child_rel, name, "special"))

    def _folder_defects(self, vol: VolumeFolder) -> None:
        name = vol.name
        if not is_utf8(name):
            vol.defects.append(_path_defect(vol.where, name, "non_utf8"))
            return
        if ".." in name:
            vol.defects.append(_path_defect(vol.where, name, "dotdot"))
        raw = self.loose.match(name)
        if raw is None or self.rules.folder.match(name) is None:
            # a segment too few or too many: said as such, not as the segment after it
            counted = segment_count_detail(self.rules, name)
            if counted is not None or raw is None:
                vol.defects.append(make_defect(dc.BAD_FOLDER_NAME, path=vol.where, name=name,
                                               detail=counted or self.loose.diagnose(name)))
                return
        assert raw is not None
        code_text = raw["archive_code_text"]
        try:
            folder = self.rules.parse_folder(name)
        except NamingError:
            vol.defects.append(make_defect(
                dc.BAD_ARCHIVE_CODE, path=vol.where, volume=code_text, code=code_text,
                detail=self.rules.archive_code.diagnose(code_text)))
            return
        vol.archive_code = folder.archive_code
        vol.borrow_batch = folder.borrow_batch
        vol.work_batch = folder.work_batch
        if self.expected is not None and folder.archive_code not in self.expected:
            vol.defects.append(make_defect(dc.UNKNOWN_VOLUME, path=vol.where,
                                           volume=folder.archive_code))
        elif isinstance(self.expected, VolumeList):
            details = _folder_disagrees(folder, self.expected)
            if details:
                vol.defects.append(make_defect(dc.FOLDER_MISMATCH, path=vol.where,
                                               volume=folder.archive_code, name=name,
                                               detail="；".join(details)))

    # --- page level --------------------------------------------------------------------
    def volume(self, path: str, rel: str, name: str, entries: list[os.DirEntry[str]],
               root: str) -> VolumeFolder:
        vol = VolumeFolder(path, rel, printable(name))
        self._folder_defects(vol)
        code = vol.archive_code
        out = vol.defects
        for entry in sorted(entries, key=lambda e: e.name):
            fname = entry.name
            frel = _join(rel, printable(fname))
            if fname.startswith(INTERNAL_PREFIX):
                continue
            if entry.is_symlink():
                out.append(_path_defect(frel, fname, _symlink_reason(entry.path, root), code))
                continue
            if not is_utf8(fname):
                out.append(_path_defect(frel, fname, "non_utf8", code))
                continue
            if entry.is_dir(follow_symlinks=False):
                out.append(_path_defect(frel, fname, "nested_dir", code))
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                out.append(_path_defect(frel, fname, "special", code))
                continue
            if not stat.S_ISREG(st.st_mode):
                out.append(_path_defect(frel, fname, "special", code))
                continue
            self._page_name(vol, entry.path, frel, fname, st.st_size)
        self._sequence_defects(vol)
        return vol

    def _page_name(self, vol: VolumeFolder, full: str, frel: str, fname: str, size: int) -> None:
        code = vol.archive_code
        if not fname.isascii() and (detail := self._lookalike_page(fname)):
            vol.defects.append(make_defect(dc.BAD_FILE_NAME, path=frel, volume=code, name=fname,
                                           detail=detail))
            return
        trimmed = fname.rstrip(". ")
        trailing = trimmed != fname and bool(trimmed)
        stem, dot, ext = trimmed.rpartition(".")
        if trailing and dot and ext.lower() in self.extensions \
                and self.rules.page_file.match(stem) is not None:
            # "0003.jpg." / "0005.JPG ": a page whose name a Windows or SMB copy left with a
            # dot or space after it (Windows itself hides them); an error, so the volume waits
            # for the rename and no page is left behind; counted as its page meanwhile
            vol.defects.append(make_defect(
                dc.BAD_FILE_NAME, path=frel, volume=code, name=fname,
                detail=t("intake.reason.trailing_char", name=trimmed)))
        else:
            stem, dot, ext = fname.rpartition(".")
        if fname.lower() in JUNK_NAMES or fname.startswith("._") or not dot \
                or ext.lower() not in self.extensions:
            vol.defects.append(make_defect(dc.STRAY_FILE, path=frel, volume=code, name=fname))
            return
        raw = self.rules.page_file.match(stem)
        if raw is None:
            vol.defects.append(make_defect(dc.BAD_FILE_NAME, path=frel, volume=code, name=fname,
                                           detail=self.rules.page_file.diagnose(stem)))
            return
        page_no = int(raw["page_no"])
        if page_no < 1:
            vol.defects.append(make_defect(dc.BAD_FILE_NAME, path=frel, volume=code, name=fname,
                                           detail=t("naming.bad_value", segment="page_no",
                                                    found=stem)))
            return
        if normal_format(ext) != self.fmt:
            vol.defects.append(make_defect(dc.WRONG_FORMAT, path=frel, volume=code, page=page_no,
                                           found=ext.lower(), expected=self.fmt))
        vol.pages.append(PageEntry(fname, full, page_no, ext, size))

    def _lookalike_page(self, fname: str) -> str | None:
        """A name that is a page file once its look-alike characters are made plain
        (``０００５.jpg``, ``0005．jpg``): the message naming the first such character."""
        hit = find_lookalike(fname, self.page_literals)
        if hit is None:
            return None
        plain = "".join(ch if ch in self.page_literals else
                        (lookalike_kind(ch) or ("", ch))[1] for ch in fname)
        stem, dot, ext = plain.rpartition(".")
        if dot and ext.lower() in self.extensions and self.rules.page_file.match(stem):
            return lookalike_message(*hit)
        return None

    def _sequence_defects(self, vol: VolumeFolder) -> None:
        code = vol.archive_code
        rel = vol.where
        report = sequence_problems(p.as_page_file() for p in vol.pages)
        for gap in report.gaps:
            for n in range(gap.page_no, gap.page_no + gap.count):
                vol.defects.append(make_defect(
                    dc.MISSING_PAGE, path=_join(vol.rel, self.rules.page_file_name(n, self.fmt)),
                    volume=code, page=n, before=gap.before or "", after=gap.after or "",
                    edges=_edges(gap.before, gap.after)))
        for page_no, names in report.duplicates:
            vol.defects.append(make_defect(dc.DUPLICATE_PAGE_NO, path=_join(vol.rel, names[-1]),
                                           volume=code, page=page_no, files="、".join(names)))
        if not vol.pages:
            vol.defects.append(make_defect(dc.EMPTY_VOLUME, path=rel, volume=code))
            return
        if self.expected is not None and code is not None:
            expected = self.expected.get(code)
            if expected is not None and report.count != expected:
                listed = self.expected.volumes.get(code) \
                    if isinstance(self.expected, VolumeList) else None
                basis = t(f"intake.counted_by.{listed.counted_by if listed else 'list'}")
                vol.defects.append(make_defect(dc.PAGE_COUNT_MISMATCH, path=rel, volume=code,
                                               found=report.count, expected=expected,
                                               basis=basis))

    def _cross_volume(self, listing: Listing) -> None:
        seen: dict[str, VolumeFolder] = {}
        for vol in listing.volumes:
            if vol.archive_code is None:
                continue
            other = seen.get(vol.archive_code)
            if other is not None:
                vol.defects.append(make_defect(dc.DUPLICATE_VOLUME, path=vol.where,
                                               volume=vol.archive_code, other=other.rel))
            else:
                seen[vol.archive_code] = vol


def _edges(before: int | None, after: int | None) -> str:
    """Where a missing page lies, in words: between two pages, before the first, after one."""
    if before and after:
        return t("intake.missing.between", before=before, after=after)
    if after:
        return t("intake.missing.first", after=after)
    return t("intake.missing.last", before=before) if before else ""


def _folder_disagrees(folder: FolderName, listed: VolumeList) -> list[str]:
    """Where a folder's batch segments disagree with the batches the project recorded for its
    volume (a batch that does not exist, or not this volume's), and the folder its pages were
    ingested from when it was another: one phrase each, empty when all agree. A volume not
    yet borrowed or split has no batch to compare with."""
    vol = listed.volumes[folder.archive_code]
    out: list[str] = []
    if folder.borrow_batch is not None and vol.borrow_batch is not None \
            and folder.borrow_batch != vol.borrow_batch:
        key = "other" if folder.borrow_batch in listed.borrow_batches else "no"
        out.append(t(f"intake.folder.{key}_borrow_batch", found=folder.borrow_batch,
                     recorded=vol.borrow_batch))
    if folder.work_batch is not None and vol.work_batch is not None \
            and folder.work_batch != vol.work_batch:
        key = "other" if folder.work_batch in listed.work_batches else "no"
        out.append(t(f"intake.folder.{key}_work_batch", found=folder.work_batch,
                     recorded=vol.work_batch))
    if vol.ingested_as is not None and vol.ingested_as != folder.name:
        out.append(t("intake.folder.ingested_as", folder=vol.ingested_as))
    return out


def _scan(path: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(path) as it:
            return list(it)
    except OSError:
        return []


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file(follow_symlinks=False)
    except OSError:
        return False


def severity_for_blank(blank_pages_scanned: bool) -> Severity:
    return Severity.WARNING if blank_pages_scanned else Severity.ERROR
