"""Per-page marks: ORB keypoints of the page's ink, taken in the worker that decodes it."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import cv2
import numpy as np

WORK_SIDE = 320  # longer side of the image the marks are taken on
MAX_MARKS = 400
ORB_PARAMS = {"nfeatures": MAX_MARKS, "scaleFactor": 1.25, "nlevels": 4, "edgeThreshold": 12,
              "patchSize": 15, "fastThreshold": 10}


def _relative_float(paper: np.ndarray, darker: np.ndarray) -> np.ndarray:
    rel = (darker.astype(np.float32) - 4.0) * 382.0 / np.maximum(paper.astype(np.float32), 140.0)
    out: np.ndarray = np.clip(rel, 0, 255).astype(np.uint8)
    return out


def _relative_table() -> np.ndarray:
    """``_relative_float`` of every (paper, darker) pair of 8-bit levels, indexed by
    paper · 256 + darker: the same float32 arithmetic, done once for all 65,536 pairs."""
    levels = np.arange(256, dtype=np.uint8)
    return _relative_float(np.repeat(levels, 256), np.tile(levels, 256))


_RELATIVE = _relative_table()


def relative_ink(grey: np.ndarray, kernel: int, paper: np.ndarray | None = None) -> np.ndarray:
    """How much darker than the paper around it each pixel is, relative to the paper level.

    The paper level is a grey closing (ink thinner than ``kernel`` removed; ``paper`` when the
    caller has it already); a dark bed is its own background, so it carries no ink, and a
    sheet edge (a step, not a stroke) none either.
    An 8-bit image is mapped through a table of the float formula (``_relative_float``),
    several times faster than computing it per pixel and the same to the bit.
    """
    if paper is None:
        k = cv2.getStructuringElement(cv2.MORPH_RECT, (kernel, kernel))
        paper = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, k)
    darker = cv2.subtract(paper, grey)
    if grey.dtype != np.uint8 or grey.ndim != 2 or grey.size == 0:
        return _relative_float(paper, darker)
    # (darker, paper) side by side read as one uint16: paper · 256 + darker
    pair = cv2.merge([darker, paper] if sys.byteorder == "little" else [paper, darker])
    index = pair.view(np.uint16).reshape(grey.shape)
    out: np.ndarray = np.take(_RELATIVE, index)
    return out


def resize_long(grey: np.ndarray, side: int) -> np.ndarray:
    h, w = grey.shape
    f = side / max(h, w)
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR
    out: np.ndarray = cv2.resize(grey, (max(1, round(w * f)), max(1, round(h * f))),
                                 interpolation=interp)
    return out


_ORB: cv2.ORB | None = None


def _orb() -> cv2.ORB:
    global _ORB
    if _ORB is None:
        _ORB = cv2.ORB_create(**ORB_PARAMS)  # type: ignore[attr-defined]
    return _ORB


def page_marks(grey: np.ndarray) -> bytes:
    """ORB keypoints of the page's ink on the working size, packed: height, width, count,
    then per keypoint x·16 and y·16 (uint16), the angle (uint8, 256ths of a turn) and the
    32-byte descriptor."""
    work = resize_long(grey, WORK_SIDE)
    ink = relative_ink(work, 9)
    keypoints, desc = _orb().detectAndCompute(255 - ink, None)
    n = 0 if desc is None else len(keypoints)
    head = np.array([work.shape[0], work.shape[1], n], dtype=np.uint16).tobytes()
    if n == 0:
        return head
    pts = cv2.KeyPoint_convert(keypoints).astype(np.float32)  # type: ignore[attr-defined]
    xy = np.clip(np.round(pts * 16), 0, 65535).astype(np.uint16)
    angle = np.array([k.angle for k in keypoints], dtype=np.float64)  # degrees
    turn = (np.round(angle / 360 * 256) % 256).astype(np.uint8)  # round half to even, as round()
    return (head + xy.tobytes() + turn.tobytes()
            + np.ascontiguousarray(desc, dtype=np.uint8).tobytes())


@dataclass(frozen=True)
class Marks:
    """``page_marks`` unpacked."""

    shape: tuple[int, int]  # (rows, cols) of the working image
    points: np.ndarray  # (n, 2) float32, working px
    turn: np.ndarray  # (n,) uint8, keypoint angle in 256ths of a turn
    desc: np.ndarray  # (n, 32) uint8

    @classmethod
    def unpack(cls, data: bytes) -> Marks:
        n = 0
        h = w = 0
        if len(data) >= 6:
            h, w, n = (int(v) for v in np.frombuffer(data[:6], dtype=np.uint16))
            if len(data) != 6 + n * 37:
                n = 0
        xy = np.frombuffer(data[6 : 6 + 4 * n], dtype=np.uint16).reshape(n, 2)
        turn = np.frombuffer(data[6 + 4 * n : 6 + 5 * n], dtype=np.uint8)
        desc = np.frombuffer(data[6 + 5 * n : 6 + 37 * n], dtype=np.uint8).reshape(n, 32)
        return cls((h, w), xy.astype(np.float32) / 16, turn, desc)

    def __len__(self) -> int:
        return len(self.desc)
