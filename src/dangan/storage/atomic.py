"""Atomic, durable writes of local files: temporary sibling, fsync, rename, fsync the folder.

A crash leaves either the old file or the new one under the real name, never a torn one, and
a rename that returned is on disk (the parent folder is fsynced after it).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

TMP_PREFIX = ".dangan-tmp-"


def fsync_dir(folder: str | Path) -> None:
    """Make renames inside ``folder`` durable (POSIX; a no-op where directories can't be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def replace_durably(tmp: str | Path, target: str | Path) -> None:
    """Rename ``tmp`` over ``target`` and fsync the target's folder (``tmp`` already synced)."""
    os.replace(tmp, target)
    fsync_dir(os.path.dirname(os.path.abspath(target)))


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically and durably; the temporary is removed on failure."""
    target = Path(path)
    tmp = target.with_name(f"{TMP_PREFIX}{uuid.uuid4().hex}-{target.name}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        replace_durably(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, text.encode(encoding))
