"""Chinese type faces found on the machine, and a cache of rendered glyph masks.

Glyphs are rendered one by one (Pillow's FreeType binding) into small 8-bit coverage masks
and cached, so a page is laid out by pasting arrays rather than by drawing strings. The faces
are the Debian packages listed in ``scripts/bootstrap.sh``: Song (Noto Serif CJK, AR PL
UMing), Kai (AR PL UKai), Hei (Noto Sans CJK, WenQuanYi Zen Hei). No Fangsong face ships in
Debian's main archive; ``fang`` is UMing drawn narrower and slanted, which is how a
typewriter's or a copier's Fangsong looks at archive resolutions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import ImageFont

from dangan.errors import InputError

# (style, path, face index in the collection)
_CANDIDATES: tuple[tuple[str, str, int], ...] = (
    ("song", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("song", "/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("song_bold", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
    ("kai", "/usr/share/fonts/truetype/arphic/ukai.ttc", 0),
    ("hei", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("hei", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("hei_bold", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("fang", "/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)
STYLES = ("song", "song_bold", "kai", "hei", "hei_bold", "fang")
# The body styles used for running text; bold ones are for titles.
BODY_STYLES = ("song", "kai", "hei", "fang")


@dataclass(frozen=True)
class Face:
    style: str
    path: str
    index: int

    @property
    def name(self) -> str:
        return f"{self.style}:{os.path.basename(self.path)}#{self.index}"


@lru_cache(maxsize=1)
def available_faces() -> dict[str, tuple[Face, ...]]:
    """Faces per style present on this machine (a style may map to several files)."""
    found: dict[str, list[Face]] = {}
    for style, path, index in _CANDIDATES:
        if os.path.exists(path):
            found.setdefault(style, []).append(Face(style, path, index))
    if not found:
        raise InputError("pagegen.no_cjk_font", paths=", ".join(p for _, p, _ in _CANDIDATES))
    return {k: tuple(v) for k, v in found.items()}


def pick_face(style: str, rng: np.random.Generator) -> Face:
    faces = available_faces()
    if style not in faces:  # fall back to any face of the same family, then to any face
        family = style.split("_")[0]
        style = next((s for s in faces if s.startswith(family)), next(iter(faces)))
    options = faces[style]
    return options[int(rng.integers(len(options)))]


@lru_cache(maxsize=64)
def _font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index)


@lru_cache(maxsize=20_000)
def glyph(face: Face, size_px: int, char: str) -> np.ndarray:
    """Coverage mask (uint8, 0–255) of one character in an em box of ``size_px``.

    The mask is exactly ``size_px`` square with the glyph placed on the font's baseline, so
    glyphs pasted at regular steps line up as type does.
    """
    font = _font(face.path, face.index, size_px)
    box = np.zeros((size_px, size_px), np.uint8)
    if char.isspace():
        return box
    mask = font.getmask(char, mode="L")
    w, h = mask.size
    if w == 0 or h == 0:
        return box
    bbox = font.getbbox(char)
    arr = np.asarray(mask, dtype=np.uint8).reshape(h, w)
    ascent, descent = font.getmetrics()
    # Put the em box so that the ascent/descent fit it: top of the em box at the ascender
    # line scaled to the em.
    top = round(bbox[1] - (ascent + descent - size_px) / 2)
    left = round(bbox[0])
    y0, x0 = max(0, top), max(0, left)
    y1, x1 = min(size_px, top + h), min(size_px, left + w)
    if y1 > y0 and x1 > x0:
        box[y0:y1, x0:x1] = arr[y0 - top:y1 - top, x0 - left:x1 - left]
    if face.style == "fang":
        box = _fang(box)
    return box


def _fang(box: np.ndarray) -> np.ndarray:
    """Narrow by 12 % and slant right by ~4°, keeping the em box."""
    n = box.shape[0]
    m = np.array([[0.88, -0.07, 0.06 * n + 0.035 * n], [0, 1, 0]], np.float32)
    out: np.ndarray = cv2.warpAffine(box, m, (n, n), flags=cv2.INTER_LINEAR)
    return out


def ascii_glyph(face: Face, size_px: int, char: str) -> np.ndarray:
    """A half-width character (digit, Latin letter) in a box half the em wide."""
    full = glyph(face, size_px, char)
    cols = np.nonzero(full.max(axis=0))[0]
    half = max(1, size_px // 2)
    out = np.zeros((size_px, half), np.uint8)
    if len(cols):
        part = full[:, cols[0]:cols[-1] + 1][:, :half]
        x0 = (half - part.shape[1]) // 2
        out[:, x0:x0 + part.shape[1]] = part
    return out
