"""Which network share a path lies on, read from ``/proc/self/mountinfo`` (Linux).

One NAS share mounted twice (two mount points, other options, or after a remount) can show
two device numbers: no comparison of ``st_dev`` tells the two apart. What the kernel records
of each mount does: its filesystem type, its source (``//nas/archive``, ``nas:/export``) and
the folder of that filesystem it shows (the root field). Two paths on mounts of the same
network source whose places inside that source nest reach the same files.

Only network filesystems are compared: a local device's second mount keeps its device
number (the identity check sees it), and a source such as ``tmpfs`` names no shared data.
Nothing is written or opened on the storage; a system without mountinfo gives no answer.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

MOUNTINFO = "/proc/self/mountinfo"
NETWORK = frozenset({"nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "glusterfs",
                     "fuse.sshfs", "fuse.glusterfs", "fuse.rclone", "davfs", "fuse.davfs2"})
_ESCAPE = re.compile(r"\\([0-7]{3})")


@dataclass(frozen=True)
class Mount:
    mount_point: str
    root: str  # the folder of the mounted filesystem shown at the mount point
    fstype: str
    source: str


@dataclass(frozen=True)
class SharePlace:
    """Where a path lies inside a network share: the server (and share, for SMB) and the
    folder inside it."""

    server: str
    path: str
    source: str
    mount_point: str

    def nests(self, other: SharePlace) -> bool:
        """The two places are the same folder, or one lies inside the other."""
        if self.server != other.server:
            return False
        a, b = self.path.rstrip("/") + "/", other.path.rstrip("/") + "/"
        return a.startswith(b) or b.startswith(a)


def _unescape(field: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(text: str) -> list[Mount]:
    """The mounts of a mountinfo text, in its order (a later mount on the same point hides
    an earlier one). Malformed lines are skipped."""
    mounts = []
    for line in text.splitlines():
        fields = line.split(" ")
        try:
            dash = fields.index("-", 6)
        except ValueError:
            continue
        if len(fields) < dash + 3:
            continue
        mounts.append(Mount(mount_point=_unescape(fields[4]), root=_unescape(fields[3]),
                            fstype=fields[dash + 1], source=_unescape(fields[dash + 2])))
    return mounts


def read_mounts(path: str = MOUNTINFO) -> list[Mount]:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as fh:
            return parse_mountinfo(fh.read())
    except OSError:
        return []


def mount_of(path: str, mounts: list[Mount]) -> Mount | None:
    """The mount an absolute, resolved path lies on: the deepest mount point above it (the
    last one mounted there)."""
    best: Mount | None = None
    for m in mounts:
        point = m.mount_point.rstrip("/") + "/"
        if (path.rstrip("/") + "/").startswith(point) and (
                best is None or len(m.mount_point) >= len(best.mount_point)):
            best = m
    return best


def _split_source(fstype: str, source: str) -> tuple[str, str] | None:
    """(server, folder) of a network source: ``host:/export/x`` → ("nfs://host",
    "/export/x"); ``//host/share/x`` → ("smb://host", "/share/x"), case folded (SMB names
    are not case-sensitive)."""
    if fstype.startswith("nfs"):
        host, sep, folder = source.partition(":")
        if not sep:
            return None
        return f"nfs://{host.lower()}", folder or "/"
    if fstype in ("cifs", "smb3", "smbfs"):
        s = source.replace("\\", "/")
        if not s.startswith("//"):
            return None
        host, _, rest = s[2:].partition("/")
        return f"smb://{host.lower()}", "/" + rest.lower()
    return f"{fstype}://{source}", "/"


def share_place(path: str | Path, mounts: list[Mount] | None = None) -> SharePlace | None:
    """Where ``path`` lies inside a network share (None: not on a network filesystem, or no
    mountinfo)."""
    real = os.path.realpath(path)
    m = mount_of(real, read_mounts() if mounts is None else mounts)
    if m is None or m.fstype not in NETWORK:
        return None
    split = _split_source(m.fstype, m.source)
    if split is None:
        return None
    server, folder = split
    inside = os.path.relpath(real, m.mount_point) if real != m.mount_point else "."
    full = posixpath.normpath(posixpath.join(folder, m.root.lstrip("/"),
                                             "" if inside == "." else inside))
    if server.startswith("smb://"):
        full = full.lower()
    return SharePlace(server, full, m.source, m.mount_point)
