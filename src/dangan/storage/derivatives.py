"""Cached derivatives of page images for the browser: a preview and a thumbnail per file.

A derivative is made once from the recorded file and kept in a cache area outside the storage
root's stage areas (``<project home>/cache/derivatives``, written atomically through
``Storage``), named by the source file's recorded SHA-256 — so a replaced page gets new
derivatives and a master is never written. JPEG sources are decoded reduced (Pillow
``draft()``), so the full-size master is never decoded for a preview. A file that cannot be
decoded (truncated, absurd header, not an image) yields a placeholder, never an error.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageOps

from dangan.errors import StorageError
from dangan.storage.areas import Storage

Kind = Literal["preview", "thumb"]
SIDES: dict[str, int] = {"preview": 1600, "thumb": 200}
QUALITY = {"preview": 82, "thumb": 75}
# a page larger than this many pixels is refused as hostile (a 60000×60000 header)
MAX_PIXELS = 400_000_000
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass(frozen=True)
class Derivative:
    data: bytes
    etag: str  # the source file's recorded SHA-256 (and the kind)
    placeholder: bool = False


def cache_storage(home: Path) -> Storage:
    """The derivative cache of a project home (never inside the storage root's areas)."""
    folder = home / "cache" / "derivatives"
    folder.mkdir(parents=True, exist_ok=True)
    return Storage(str(folder))


def cache_rel(kind: str, sha256: str) -> str:
    if kind not in SIDES or len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        raise StorageError("storage.outside_root", path=f"{kind}/{sha256}")
    return f"{kind}/{sha256[:2]}/{sha256}.jpg"


def make_derivative(data: bytes, side: int, quality: int = 80) -> bytes:
    """A JPEG whose long side is at most ``side``; JPEG sources decoded reduced."""
    with Image.open(io.BytesIO(data)) as img:
        w, h = img.size
        if w * h > MAX_PIXELS or w <= 0 or h <= 0:
            raise ValueError(f"{w}x{h} pixels")
        if img.format == "JPEG":
            img.draft("RGB" if img.mode not in ("L", "1") else "L", (side, side))
        img.seek(0)
        frame = ImageOps.exif_transpose(img) or img
        frame = frame.convert("L" if frame.mode in ("1", "L", "I;16", "I") else "RGB")
        frame.thumbnail((side, side), Image.Resampling.BILINEAR, reducing_gap=2.0)
        out = io.BytesIO()
        frame.save(out, "JPEG", quality=quality, optimize=False)
        return out.getvalue()


def placeholder(side: int) -> bytes:
    """A grey page with a cross: what the browser shows for a file that cannot be decoded."""
    w, h = side * 7 // 10, side
    img = Image.new("L", (w, h), 200)
    draw = ImageDraw.Draw(img)
    draw.line((0, 0, w, h), fill=120, width=max(1, side // 100))
    draw.line((0, h, w, 0), fill=120, width=max(1, side // 100))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return out.getvalue()


def _lock_for(key: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def derivative(cache: Storage, source: Storage, rel: str, sha256: str, kind: str) -> Derivative:
    """The ``kind`` derivative of the stored file ``rel`` (recorded as ``sha256``): read from
    the cache, or made once (one maker per file at a time) and cached."""
    target = cache_rel(kind, sha256)
    etag = f"{sha256}-{kind}"
    if cache.exists(target):
        return Derivative(cache.read_bytes(target), etag)
    with _lock_for(target):
        if cache.exists(target):
            return Derivative(cache.read_bytes(target), etag)
        try:
            data = make_derivative(source.read_bytes(rel), SIDES[kind], QUALITY[kind])
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, StorageError):
            return Derivative(placeholder(SIDES[kind]), etag + "-x", placeholder=True)
        cache.write_bytes(target, data)
        return Derivative(data, etag)
