"""Which folders lie under a scan station's root: volume folders of the project, folders
named like a volume of none, other folders, loose files beside volume folders and links."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from dangan.db.models import Volume, WorkBatch
from dangan.errors import DanganError, InputError
from dangan.intake.walk import JUNK_NAMES
from dangan.services.project import ProjectContext
from dangan.services.site.storage_guard import StorageGuard

MAX_DEPTH = 4  # as deep as intake looks for volume folders
UNKNOWN = "unknown_volume"  # named like a volume folder, but of no volume of this project
NOT_A_VOLUME = "not_a_volume"  # a name the naming rule does not take, no volume folder inside
LOOSE_FILES = "loose_files"  # files lying beside volume folders (looked into all the same)
SYMLINK = "symlink"  # a link to a folder: never followed, never deleted
WORK_BATCH = "work_batch_folder"  # named by a work batch of the project, no volume folder inside


@dataclass(frozen=True)
class Found:
    path: Path
    kind: str  # "volume", UNKNOWN, NOT_A_VOLUME, WORK_BATCH, LOOSE_FILES, SYMLINK
    archive_code: str = ""
    name: str = ""  # the first loose file (LOOSE_FILES); the batch's code (WORK_BATCH)


def _is_loose(entry: os.DirEntry[str]) -> bool:
    return not entry.name.startswith(".") and entry.name.lower() not in JUNK_NAMES


def volume_folders(root: Path, classify: Callable[[str], tuple[str, str]],
                   guard: StorageGuard | None = None) -> list[Found]:
    """Every folder under ``root`` that cleanup decides on, in name order.

    ``classify(name)`` says what a folder name is: ("volume", code) for a volume of this
    project, (UNKNOWN, code) for a volume folder name of no volume here, (WORK_BATCH, code)
    for a work batch of the project, (NOT_A_VOLUME, "") else. A volume folder is not looked into here; any other folder is (a work-batch folder
    holds volume folders). A folder holding no volume folder is listed once, as kept, with its
    contents; a folder beside volume folders that holds files of its own is listed too (its
    volume folders still decided on). A link to a folder is listed and never followed: a link
    to the storage is not a way into it. With ``guard``, a folder that is the storage root or
    an area folder by identity (a second mount of it) is refused."""
    def walk(folder: Path, depth: int) -> tuple[list[Found], bool]:
        subdirs: list[os.DirEntry[str]] = []
        links: list[os.DirEntry[str]] = []
        loose: list[str] = []
        with os.scandir(folder) as entries:
            for entry in entries:
                st = entry.stat(follow_symlinks=False)
                mode = st.st_mode
                if stat.S_ISDIR(mode):
                    if guard is not None:
                        guard.refuse_top(Path(entry.path), st)
                    subdirs.append(entry)
                elif stat.S_ISLNK(mode) and os.path.isdir(entry.path):
                    links.append(entry)
                elif _is_loose(entry):
                    loose.append(entry.name)
        found: list[Found] = []
        any_volume = False
        link_names = {e.name for e in links}
        for entry in sorted([*subdirs, *links], key=lambda e: e.name):
            path = Path(entry.path)
            if entry.name in link_names:
                found.append(Found(path, SYMLINK))
                continue
            kind, code = classify(entry.name)
            if kind == "volume" or kind == UNKNOWN:
                found.append(Found(path, kind, code))
                any_volume = any_volume or kind == "volume"
                continue
            inner, has_volume = walk(path, depth + 1) if depth < MAX_DEPTH else ([], False)
            if has_volume:
                found.extend(inner)
                any_volume = True
            elif kind == WORK_BATCH:  # its volume folders deleted (or never put in it)
                found.append(Found(path, WORK_BATCH, name=code))
            else:
                found.append(Found(path, NOT_A_VOLUME))
        if loose and folder != root and any_volume:
            found.insert(0, Found(folder, LOOSE_FILES, name=sorted(loose)[0]))
        return found, any_volume

    return walk(root, 1)[0]


def _classifier(ctx: ProjectContext) -> Callable[[str], tuple[str, str]]:
    with ctx.transaction() as session:
        rows = session.execute(select(Volume.archive_code, Volume.folder_name).where(
            Volume.project_id == ctx.project_id)).all()
        batches = set(session.scalars(select(WorkBatch.code).where(
            WorkBatch.project_id == ctx.project_id)))
    codes = {code for code, _ in rows}
    by_name: dict[str, str] = {}
    for code, folder_name in rows:
        by_name[code] = code
        if folder_name:
            by_name.setdefault(folder_name, code)

    def classify(name: str) -> tuple[str, str]:
        if name in by_name:
            return "volume", by_name[name]
        for parse in (lambda n: ctx.rules.parse_folder(n).archive_code,
                      lambda n: n if ctx.rules.archive_code.is_valid(n) else None):
            try:
                code = parse(name)
            except (DanganError, ValueError, KeyError):
                continue
            if code:
                return ("volume", code) if code in codes else (UNKNOWN, code)
        if name in batches:
            return WORK_BATCH, name
        return NOT_A_VOLUME, ""

    return classify


def refuse_volume_folder(root: Path, classify: Callable[[str], tuple[str, str]]) -> None:
    """One volume folder given for the scan root (named by an archive code, holding page
    files) is refused: under it there is no volume folder, so it would be "0 local folders"."""
    kind, code = classify(root.name)
    if kind not in ("volume", UNKNOWN):
        return
    with os.scandir(root) as entries:
        holds_files = any(_is_loose(e) and e.is_file(follow_symlinks=False) for e in entries)
    if holds_files:
        raise InputError("site.cleanup.volume_folder", path=root, code=code,
                         parent=root.parent)
