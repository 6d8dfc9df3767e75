"""The project's storage by file identity: a scan root, folder or file that is the storage
reached by another path (a second mount, a bind mount, a hard link) is refused."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import NoReturn

from sqlalchemy import select

from dangan.db.models import StoredFile
from dangan.errors import DanganError, InputError
from dangan.services.project import ProjectContext
from dangan.services.site.mounts import SharePlace, read_mounts, share_place
from dangan.storage import AREAS

Ident = tuple[int, int]  # (st_dev, st_ino)


def _ident(st: os.stat_result) -> Ident:
    return st.st_dev, st.st_ino


class StorageGuard:
    """The project's storage by file identity (device and inode), not by path.

    A second mount of the same storage (a NAS share mounted twice, a bind mount) or a link
    reaches the same folders and files under another path, which no comparison of paths
    sees. The storage root and its area folders are stat'ed once; the folders and files
    stored for the project only when a scan folder lies on one of their devices (a scan
    station's own disk never does), then once for the run. Storage that is not local
    (fsspec URLs) has no identity to compare: the path check alone applies."""

    def __init__(self, ctx: ProjectContext) -> None:
        self.ctx = ctx
        self.tops: dict[Ident, str] = {}  # the storage root and its area folders
        if ctx.storage.is_local:
            root = ctx.storage.root
            for path in (root, *(os.path.join(root, a.value) for a in AREAS)):
                try:
                    self.tops[_ident(os.stat(path))] = path
                except OSError:
                    continue
        self.devices = {dev for dev, _ino in self.tops}
        self._stored: dict[Ident, str] | None = None
        self.masters: dict[str, dict[str, str]] = {}  # volume folder → page name → stored rel

    def _refuse(self, path: Path | str, stored: str) -> NoReturn:
        raise InputError("site.cleanup.storage_alias", path=path, stored=stored)

    def refuse_inside(self, path: Path) -> None:
        """Refuse ``path`` when it is, or lies inside, the storage root or an area folder."""
        for p in (path, *path.parents):
            try:
                hit = self.tops.get(_ident(os.stat(p)))
            except OSError:
                continue
            if hit is not None:
                self._refuse(path, hit)

    def refuse_share(self, root: Path) -> None:
        """Refuse a scan root on the same network share as the storage where the two places
        nest — the share mounted twice shows two device numbers, its mount records one
        source (``mounts``) — and one holding a mount point of such a place."""
        if not self.ctx.storage.is_local:
            return
        mounts = read_mounts()
        storage = share_place(self.ctx.storage.root, mounts)
        if storage is None:
            return
        places: list[tuple[Path, SharePlace | None]] = [(root, share_place(root, mounts))]
        inside = str(root).rstrip("/") + "/"
        places += [(Path(m.mount_point), share_place(m.mount_point, mounts)) for m in mounts
                   if m.mount_point.startswith(inside)]
        for path, place in places:
            if place is not None and place.nests(storage):
                raise InputError("site.cleanup.same_share", path=path, source=place.source,
                                 storage=self.ctx.storage.root, mount=storage.mount_point)

    def refuse_same_files(self, folder: Path, masters: dict[str, str]) -> None:
        """Refuse a volume folder whose page is its stored master seen through another mount
        with another device number: same inode number, size and modification time (to the
        nanosecond). A copy never matches: ingest writes each master anew (its own time)."""
        if not self.ctx.storage.is_local:
            return
        self.masters[str(folder)] = masters
        for name, rel in sorted(masters.items()):
            try:
                local = os.lstat(folder / name)
                stored = os.stat(self.ctx.storage.path(rel))
            except (OSError, DanganError):
                continue
            if stat.S_ISREG(local.st_mode) and (local.st_ino, local.st_size, local.st_mtime_ns) \
                    == (stored.st_ino, stored.st_size, stored.st_mtime_ns):
                raise InputError("site.cleanup.storage_same_file", path=folder / name,
                                 stored=self.ctx.storage.path(rel))

    def refuse_top(self, path: Path, st: os.stat_result) -> None:
        """Refuse a folder under the scan root that is the storage root or an area folder."""
        hit = self.tops.get(_ident(st))
        if hit is not None:
            self._refuse(path, hit)

    def stored(self) -> dict[Ident, str]:
        """Every file stored for the project and every folder holding one, by identity."""
        if self._stored is None:
            with self.ctx.transaction() as session:
                paths = session.scalars(select(StoredFile.path).where(
                    StoredFile.project_id == self.ctx.project_id)).all()
            found: dict[Ident, str] = {}
            folders: set[str] = set()
            for rel in paths:
                folders.add(rel.rsplit("/", 1)[0] if "/" in rel else "")
                self._add(found, rel)
            for rel in folders:
                self._add(found, rel)
            self._stored = found
        return self._stored

    def _add(self, found: dict[Ident, str], rel: str) -> None:
        try:
            st = os.stat(self.ctx.storage.path(rel))
        except (OSError, DanganError):
            return
        found.setdefault(_ident(st), self.ctx.storage.path(rel))

    def refuse_folder(self, folder: Path) -> None:
        """Refuse a volume folder that is, or lies inside, a storage folder, or that holds a
        stored file (a second mount, or a hard link: same device and inode)."""
        self.refuse_inside(folder)
        st = os.stat(folder)
        entries: list[tuple[str, os.stat_result]] = []
        with os.scandir(folder) as it:
            for entry in it:
                entries.append((entry.path, entry.stat(follow_symlinks=False)))
        if st.st_dev not in self.devices and \
                all(e.st_dev not in self.devices for _p, e in entries):
            return  # another device: nothing here can be a stored folder or file
        stored = self.stored()
        for path, est in [(str(folder), st), *entries]:
            hit = stored.get(_ident(est))
            if hit is not None:
                self._refuse(path, hit)
