"""Cached derivatives of page images for the browser: a preview and a thumbnail per file.

A derivative is made once from the recorded file and kept in a cache area outside the storage
root's stage areas (``<project home>/cache/derivatives``), named by the source file's
recorded SHA-256 — so a replaced page gets new derivatives and a master is never written.

Colour and grey JPEG masters (what the line scans) go through libjpeg-turbo (``simplejpeg``):
decoded with DCT scaling by the largest power of two that still leaves the long side at least
the derivative's (a thumbnail of an A4 page decodes at 1/8), resized the rest of the way by
OpenCV (linear within a factor of two, else by area) and encoded by libjpeg-turbo; a 200-dpi
A4 page becomes a 1600 px preview in about 20 ms of CPU. Anything else (TIFF, PNG, CMYK, a
page turned by its EXIF tag, a JPEG libjpeg-turbo refuses as damaged) takes Pillow (JPEG
decoded reduced by ``draft()``). A file that cannot be decoded (truncated, absurd header, not
an image) yields a placeholder, never an error.

The cache is a local folder: a derivative is written to a temporary name and renamed into
place (a reader never sees half a file) without an fsync — a cache lost in a crash is made
again, and a cached file that is not a whole JPEG (a write cut by a power loss) is made again
when read.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
import simplejpeg
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
    """A JPEG whose long side is at most ``side``: colour/grey JPEG through libjpeg-turbo
    with DCT scaling, the rest through Pillow (JPEG decoded reduced by ``draft``); resized
    the rest of the way by OpenCV (linear within a factor of two, else by area)."""
    with Image.open(io.BytesIO(data)) as img:
        w, h = img.size
        if w * h > MAX_PIXELS or w <= 0 or h <= 0:
            raise ValueError(f"{w}x{h} pixels")
        turned = img.getexif().get(0x0112, 1) not in (1, None)
        if img.format == "JPEG" and img.mode in ("RGB", "L") and not turned:
            fast = _turbo(data, (w, h), img.mode == "L", side, quality)
            if fast is not None:
                return fast
        scale = min(1.0, side / max(w, h))
        if img.format == "JPEG":
            img.draft("L" if img.mode in ("L", "1") else "RGB",
                      (max(1, round(w * scale)), max(1, round(h * scale))))
        img.seek(0)
        frame = (ImageOps.exif_transpose(img) or img) if turned else img
        frame = frame.convert("L" if frame.mode in ("1", "L", "I;16", "I") else "RGB")
        target = _fit(frame.size, side)
        if target != frame.size:
            frame = Image.fromarray(_resize(np.asarray(frame), target))
        out = io.BytesIO()
        frame.save(out, "JPEG", quality=quality, optimize=False)
        return out.getvalue()


def _resize(pixels: np.ndarray, target: tuple[int, int]) -> np.ndarray:
    factor = target[0] / pixels.shape[1]
    out: np.ndarray = cv2.resize(pixels, target, interpolation=(
        cv2.INTER_LINEAR if factor >= 0.5 else cv2.INTER_AREA))
    return out


def _turbo(data: bytes, size: tuple[int, int], grey: bool, side: int,
           quality: int) -> bytes | None:
    """The derivative through libjpeg-turbo, or None when it refuses the file (Pillow then
    decides: a damaged file gets its placeholder there)."""
    w, h = size
    k = 1
    while k < 8 and max(w, h) // (k * 2) >= side:
        k *= 2  # the largest power-of-two DCT reduction leaving the long side >= side
    try:
        pixels = simplejpeg.decode_jpeg(data, "GRAY" if grey else "RGB",
                                        min_height=-(-h // k), min_width=-(-w // k))
    except (ValueError, RuntimeError):
        return None
    if grey:
        pixels = pixels[:, :, 0]
    target = _fit((pixels.shape[1], pixels.shape[0]), side)
    if target != (pixels.shape[1], pixels.shape[0]):
        pixels = _resize(pixels, target)
    if grey:
        pixels = pixels[:, :, None]
    out: bytes = simplejpeg.encode_jpeg(np.ascontiguousarray(pixels), quality,
                                        "GRAY" if grey else "RGB", "420")
    return out


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


def _whole_jpeg(data: bytes) -> bool:
    return len(data) > 4 and data[:2] == b"\xff\xd8" and data.rstrip(b"\x00")[-2:] == b"\xff\xd9"


def _read_cached(cache: Storage, target: str) -> bytes | None:
    try:
        if cache.is_local:
            with open(cache.path(target), "rb") as fh:
                data = fh.read()
        elif cache.exists(target):
            data = cache.read_bytes(target)
        else:
            return None
    except (FileNotFoundError, StorageError):
        return None
    return data if _whole_jpeg(data) else None


def _write_cached(cache: Storage, target: str, data: bytes) -> None:
    """Into the cache by a rename (no fsync: a cache is made again when lost)."""
    if not cache.is_local:
        cache.write_bytes(target, data)
        return
    path = cache.path(target)
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".tmp-{uuid.uuid4().hex}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def derivative(cache: Storage, source: Storage, rel: str, sha256: str, kind: str) -> Derivative:
    """The ``kind`` derivative of the stored file ``rel`` (recorded as ``sha256``): read from
    the cache, or made once (one maker per file at a time) and cached."""
    target = cache_rel(kind, sha256)
    etag = f"{sha256}-{kind}"
    cached = _read_cached(cache, target)
    if cached is not None:
        return Derivative(cached, etag)
    with _lock_for(target):
        cached = _read_cached(cache, target)
        if cached is not None:
            return Derivative(cached, etag)
        try:
            data = make_derivative(source.read_bytes(rel), SIDES[kind], QUALITY[kind])
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, StorageError):
            return Derivative(placeholder(SIDES[kind]), etag + "-x", placeholder=True)
        with contextlib.suppress(OSError, StorageError):
            _write_cached(cache, target, data)  # else served all the same, made again later
        return Derivative(data, etag)
