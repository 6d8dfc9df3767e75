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

import cv2
import numpy as np
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
    """A JPEG whose long side is at most ``side``; JPEG sources decoded reduced (``draft``),
    the rest of the way resized by OpenCV (linear within a factor of two, else by area)."""
    with Image.open(io.BytesIO(data)) as img:
        w, h = img.size
        if w * h > MAX_PIXELS or w <= 0 or h <= 0:
            raise ValueError(f"{w}x{h} pixels")
        scale = min(1.0, side / max(w, h))
        if img.format == "JPEG":
            img.draft("L" if img.mode in ("L", "1") else "RGB",
                      (max(1, round(w * scale)), max(1, round(h * scale))))
        img.seek(0)
        turned = img.getexif().get(0x0112, 1) not in (1, None)
        frame = (ImageOps.exif_transpose(img) or img) if turned else img
        frame = frame.convert("L" if frame.mode in ("1", "L", "I;16", "I") else "RGB")
        target = _fit(frame.size, side)
        if target != frame.size:
            factor = target[0] / frame.size[0]
            pixels = cv2.resize(np.asarray(frame), target, interpolation=(
                cv2.INTER_LINEAR if factor >= 0.5 else cv2.INTER_AREA))
            frame = Image.fromarray(pixels)
        out = io.BytesIO()
        frame.save(out, "JPEG", quality=quality, optimize=False)
        return out.getvalue()


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    w, h = size
    if max(w, h) <= side:
        return size
    if w >= h:
        return side, max(1, round(h * side / w))
    return max(1, round(w * side / h)), side


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
