"""Which way up is the page? Quarter turns from text-line direction, half turns from layout.

Sideways pages are told by the projection profiles: horizontal text lines make the row
profile peaky, the column profile much less so; a portrait sheet lying landscape breaks ties.
Upside-down pages are told by layout cues that hold for Chinese and Latin office documents,
each a vote in [-1, 1] (positive = upright as it is):
  * lines start at a common left edge and end raggedly on the right;
  * text fills the page from the top, so ink sits higher than lower;
  * the page number and header sit in the top margin, the seal and signature low and right;
  * binding holes are on the left (or top) edge.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dangan.imaging.deskew import coarse_search


def sideways_vote(pts: np.ndarray, paper_wh: tuple[float, float], max_deg: float) -> float:
    """Positive when text lines run along the image's y axis (page lies on its side).

    Two votes: which projection has the sharper peak (text lines), and the sheet's shape
    (archive pages are portrait). The content overrides the shape only when it is clear.
    """
    content = 0.0
    if len(pts) >= 200:
        _, _, prom_h = coarse_search(pts, max_deg, step=2.0)
        _, _, prom_v = coarse_search(pts[:, ::-1].copy(), max_deg, step=2.0)
        weight = min(1.0, len(pts) / 15_000)  # a stamp or one line says little
        content = float(np.clip((prom_v - prom_h) * 3.6, -1.2, 1.2)) * weight
    w, h = paper_wh
    shape = 0.0
    if abs(np.log(max(w, 1) / max(h, 1))) > 0.15:
        shape = 1.0 if w > h else -1.0
    return content + shape


def _lines(binary: np.ndarray) -> list[tuple[int, int]]:
    rows = np.count_nonzero(binary, axis=1)
    on = rows > max(2, 0.002 * binary.shape[1])
    edges = np.flatnonzero(np.diff(on.astype(np.int8)))
    starts = ([0] if on[0] else []) + [int(e) + 1 for e in edges if not on[e]]
    ends = [int(e) + 1 for e in edges if on[e]] + ([len(on)] if on[-1] else [])
    return [(a, b) for a, b in zip(starts, ends, strict=False) if 4 <= b - a <= 60]


def alignment_vote(binary: np.ndarray) -> float:
    """Left-aligned, ragged-right text votes upright; its mirror votes upside down."""
    lefts, rights = [], []
    for a, b in _lines(binary):
        cols = np.flatnonzero(binary[a:b].any(axis=0))
        if len(cols) < 10 or cols[-1] - cols[0] < 0.25 * binary.shape[1]:
            continue
        lefts.append(cols[0])
        rights.append(cols[-1])
    if len(lefts) < 3:
        return 0.0
    left = np.asarray(lefts, float)
    right = np.asarray(rights, float)
    # How many lines share the most common start (end) within a few pixels.
    tol = max(3.0, binary.shape[1] * 0.006)
    share_l = max(float(np.mean(np.abs(left - v) <= tol)) for v in left)
    share_r = max(float(np.mean(np.abs(right - v) <= tol)) for v in right)
    return float(np.clip((share_l - share_r) * 2.0, -1, 1))


def mass_vote(binary: np.ndarray) -> float:
    """Ink concentrated in the upper part of the sheet votes upright."""
    rows = np.count_nonzero(binary, axis=1).astype(float)
    total = rows.sum()
    if total <= 0:
        return 0.0
    centre = float((rows * np.arange(len(rows))).sum() / total) / len(rows)
    return float(np.clip((0.5 - centre) * 4.0, -1, 1))


def corner_vote(binary: np.ndarray, mm: float) -> float:
    """A page number in the top-right margin (and nothing mirrored in the bottom-left)."""
    h, w = binary.shape
    dy, dx = int(18 * mm), int(40 * mm)
    top_right = np.count_nonzero(binary[int(4 * mm):dy, w - dx:w - int(4 * mm)])
    bottom_left = np.count_nonzero(binary[h - dy:h - int(4 * mm), int(4 * mm):dx])
    if top_right == bottom_left:
        return 0.0
    return float(np.clip((top_right - bottom_left) / max(top_right, bottom_left) * 0.8, -1, 1))


def holes_vote(centres: Sequence[tuple[float, float]], size: tuple[int, int]) -> float:
    """Binding holes on the left or top edge vote upright; on the right or bottom, not."""
    w, h = size
    vote = 0.0
    for x, y in centres:
        fx, fy = x / w, y / h
        if min(fx, 1 - fx) < min(fy, 1 - fy):
            vote += 1.0 if fx < 0.5 else -1.0
        else:
            vote += 0.5 if fy < 0.5 else -0.5
    return float(np.clip(vote, -1, 1))


def upright_score(binary: np.ndarray, holes: Sequence[tuple[float, float]], mm: float) -> float:
    """Sum of votes; > 0 means the (deskewed, paper-cropped) page is upright."""
    h, w = binary.shape
    return (1.0 * alignment_vote(binary) + 0.8 * mass_vote(binary)
            + 1.0 * corner_vote(binary, mm) + 1.2 * holes_vote(holes, (w, h)))
