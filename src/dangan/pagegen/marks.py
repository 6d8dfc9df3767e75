"""Marks that are not type: handwriting-like strokes, signatures, seals, photographs.

Handwriting is modelled as strokes, not as a font: each character cell gets a few jittered
polylines (horizontals, verticals, sweeps, dots and hooks — the eight strokes of 永 in
spirit), smoothed and drawn with an anti-aliased pen, on a baseline that drifts. A signature
is one fast looping curve. A seal is a red ring with its text set round the arc, a star, and
uneven ink.
"""

from __future__ import annotations

import cv2
import numpy as np

from dangan.pagegen import fonts
from dangan.pagegen.ink import Canvas, Line


def _smooth(p: np.ndarray, n: int = 2) -> np.ndarray:
    """Chaikin corner cutting on a batch of polylines (…, k, 2): jittered points become a
    pen curve."""
    for _ in range(n):
        q = 0.75 * p[..., :-1, :] + 0.25 * p[..., 1:, :]
        r = 0.25 * p[..., :-1, :] + 0.75 * p[..., 1:, :]
        mid = np.stack([q, r], axis=-2).reshape(*p.shape[:-2], -1, 2)
        p = np.concatenate([p[..., :1, :], mid, p[..., -1:, :]], axis=-2)
    return p


def _resample(pts: tuple[tuple[float, float], ...], k: int = 4) -> np.ndarray:
    p = np.asarray(pts, np.float64)
    d = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(p, axis=0).T))])
    t = np.linspace(0, d[-1], k)
    return np.column_stack([np.interp(t, d, p[:, 0]), np.interp(t, d, p[:, 1])])


_STROKES = np.stack([_resample(s) for s in (  # unit-cell templates (x, y) of stroke shapes
    ((0.1, 0.3), (0.9, 0.25)),  # heng
    ((0.5, 0.05), (0.5, 0.95)),  # shu
    ((0.55, 0.15), (0.35, 0.6), (0.05, 0.9)),  # pie
    ((0.4, 0.35), (0.7, 0.7), (0.95, 0.9)),  # na
    ((0.45, 0.1), (0.55, 0.2)),  # dian
    ((0.2, 0.2), (0.8, 0.2), (0.75, 0.8), (0.6, 0.7)),  # hengzhegou
    ((0.2, 0.1), (0.2, 0.85), (0.85, 0.85)),  # shuzhe
    ((0.1, 0.7), (0.9, 0.65)),  # low heng
)])


def hand_chars(cells: np.ndarray, rng: np.random.Generator, slant: float) -> list[np.ndarray]:
    """Strokes for character cells given as rows (x, y, size): 2–5 strokes per cell."""
    counts = rng.integers(2, 6, len(cells))
    owner = np.repeat(np.arange(len(cells)), counts)
    t = _STROKES[rng.integers(len(_STROKES), size=len(owner))]
    t = t + rng.normal(0, 0.07, t.shape) + rng.normal(0, 0.08, (len(owner), 1, 2))
    np.clip(t, 0, 1, out=t)
    x, y, s = (cells[owner, i][:, None] for i in range(3))
    pts = np.stack([x + (t[..., 0] + slant * (1 - t[..., 1])) * s, y + t[..., 1] * s], axis=-1)
    return list(_smooth(pts))


def hand_line(cv: Canvas, x: int, y: int, width: int, size: int, rng: np.random.Generator,
              ink: str = "pen", record: bool = True) -> int:
    """Handwriting across ``width`` from (x, y); returns the number of character cells."""
    slope = rng.normal(0, 0.012)
    slant = rng.uniform(-0.05, 0.2)
    pitch = size * rng.uniform(0.95, 1.2)
    n = max(1, int(width // pitch))
    step = pitch * rng.uniform(0.9, 1.1, n)
    step[rng.random(n) < 0.06] += pitch * 0.6  # gaps between words
    cx = x + np.concatenate([[0], np.cumsum(step[:-1])])
    keep = cx + size <= x + width + pitch * 0.2
    cx = cx[keep] if keep.any() else cx[:1]
    cy = y + (cx - x) * slope + rng.normal(0, size * 0.04, len(cx))
    cells = np.column_stack([cx, cy, size * rng.uniform(0.8, 1.05, len(cx))])
    strokes = hand_chars(cells, rng, slant)
    thick = max(1, round(size / 11))
    cv.strokes(strokes, thick, ink)
    if record and strokes:
        pts = np.vstack(strokes)
        cv.lines.append(Line((float(pts[:, 0].min()), float(pts[:, 1].min()),
                              float(pts[:, 0].max()), float(pts[:, 1].max())),
                             hand=True, chars=n))
    return n


def hand_column(cv: Canvas, x: int, y: int, height: int, size: int, rng: np.random.Generator,
                ink: str = "pen") -> int:
    """Handwriting down a column (vertical script)."""
    pitch = size * rng.uniform(1.0, 1.25)
    n = max(1, int(height // pitch))
    drift = rng.normal(0, 0.012)
    cy = y + np.arange(n) * pitch
    cells = np.column_stack([x + (cy - y) * drift, cy, size * rng.uniform(0.8, 1.0, n)])
    strokes = hand_chars(cells, rng, 0.0)
    cv.strokes(strokes, max(1, round(size / 11)), ink)
    pts = np.vstack(strokes)
    cv.lines.append(Line((float(pts[:, 0].min()), float(pts[:, 1].min()),
                          float(pts[:, 0].max()), float(pts[:, 1].max())),
                         vertical=True, hand=True, chars=n))
    return n


def signature(cv: Canvas, x: int, y: int, w: int, h: int, rng: np.random.Generator,
              ink: str = "pen") -> None:
    """A fast, looping signature in the box (x, y, w, h)."""
    n = int(rng.integers(40, 80))
    t = np.linspace(0, 1, n)
    loops = rng.uniform(3, 7)
    xs = x + w * (t + 0.08 * np.sin(2 * np.pi * loops * t + rng.uniform(0, 6)))
    ys = y + h * (0.5 + 0.35 * np.sin(2 * np.pi * loops * t * rng.uniform(0.9, 1.6))
                  * np.exp(-t * rng.uniform(0, 1.5)) + rng.normal(0, 0.03, n))
    parts = np.array_split(np.column_stack([xs, ys]), int(rng.integers(1, 4)))
    cv.strokes([_smooth(p) for p in parts if len(p) > 1], max(2, cv.mm(0.4)), ink)


def _star(cx: float, cy: float, r: float) -> np.ndarray:
    ang = -np.pi / 2 + np.arange(10) * np.pi / 5
    rad = np.where(np.arange(10) % 2 == 0, r, r * 0.382)
    return np.column_stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)])


def seal(cv: Canvas, cx: int, cy: int, r: int, text: str, rng: np.random.Generator,
         face: fonts.Face) -> None:
    """A round red seal: ring, text round the upper arc, a star, a line below it."""
    n = 2 * r + 8
    c = n / 2
    m: np.ndarray = np.zeros((n, n), np.uint8)
    ring = max(2, r // 14)
    cv2.circle(m, (int(c * 16), int(c * 16)), int((r - ring / 2) * 16), 255, ring, cv2.LINE_AA, 4)
    star = _star(c, c, r * 0.28)
    cv2.fillPoly(m, [np.round(star * 16).astype(np.int32)], 255, cv2.LINE_AA, 4)
    size = max(8, int(r * 0.3))
    k = len(text)
    span = np.deg2rad(min(250.0, 22.0 * k + 40))
    for i, ch in enumerate(text):
        a = -np.pi / 2 - span / 2 + span * (i + 0.5) / k  # along the upper arc, left→right
        g = fonts.glyph(face, size, ch)
        rr = r - ring - size * 0.62
        gx, gy = c + rr * np.cos(a), c + rr * np.sin(a)
        box = int(size * 1.5)  # the turned glyph fits a box 1.5 em wide
        rot = cv2.getRotationMatrix2D((size / 2, size / 2), -np.rad2deg(a + np.pi / 2), 1.0)
        rot[:, 2] += np.full(2, (box - size) / 2)
        patch = cv2.warpAffine(g, rot, (box, box), flags=cv2.INTER_LINEAR)
        x0, y0 = round(gx - box / 2), round(gy - box / 2)
        cell = m[max(0, y0):y0 + box, max(0, x0):x0 + box]
        part = patch[max(0, -y0):, max(0, -x0):][:cell.shape[0], :cell.shape[1]]
        np.maximum(cell, part, out=cell)
    below = "专用章" if rng.random() < 0.5 else ""
    if below:
        bs = max(6, int(r * 0.2))
        bx, by = int(c - bs * len(below) / 2), int(c + r * 0.4)
        for i, ch in enumerate(below):
            cell = m[by:by + bs, bx + i * bs:bx + (i + 1) * bs]
            np.maximum(cell, fonts.glyph(face, bs, ch)[:cell.shape[0], :cell.shape[1]], out=cell)
    rot = cv2.getRotationMatrix2D((c, c), rng.uniform(-25, 25), 1.0)
    m = cv2.warpAffine(m, rot, (n, n), flags=cv2.INTER_LINEAR)
    grain = cv2.resize(rng.uniform(0.35, 1.0, (n // 6 + 2, n // 6 + 2)).astype(np.float32),
                       (n, n), interpolation=cv2.INTER_LINEAR)
    m = (m.astype(np.float32) * grain * rng.uniform(0.75, 1.0)).astype(np.uint8)
    cv.paste("seal", m, int(cx - c), int(cy - c))


def photo_patch(w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """A small photograph: soft tonal masses, a figure-like ellipse, grain, a white border."""
    gy, gx = int(rng.integers(3, 7)), int(rng.integers(3, 7))
    base = rng.uniform(40, 210, (gy, gx, 1)).astype(np.float32)
    tone = np.asarray([1.0, rng.uniform(0.85, 1.0), rng.uniform(0.65, 0.95)], np.float32)
    img = cv2.resize(base * tone, (w, h), interpolation=cv2.INTER_CUBIC)
    if img.ndim == 2:
        img = img[..., None] * tone
    cv2.ellipse(img, (w // 2, int(h * 0.45)), (w // 5, h // 4), 0, 0, 360,
                tuple(float(v) for v in rng.uniform(20, 90) * tone), -1, cv2.LINE_AA)
    cv2.ellipse(img, (w // 2, h), (w // 3, h // 3), 0, 180, 360,
                tuple(float(v) for v in rng.uniform(10, 70) * tone), -1, cv2.LINE_AA)
    img = cv2.GaussianBlur(img, (0, 0), max(1.0, w / 120))
    img += rng.normal(0, 6, (h, w, 1)).astype(np.float32)
    b = max(2, w // 30)
    img[:b], img[-b:], img[:, :b], img[:, -b:] = 235, 235, 235, 235
    out: np.ndarray = np.clip(img, 0, 255).astype(np.uint8)
    return out
