"""What the ink comparison does not see: the tone of a picture and the punched holes.

The ink is measured against the local paper level, so a photo — broad areas of grey — carries
almost none, and holes (solid blobs) are left out of the tile comparison. Two photo pages of
one album (another photo, a caption alike but for a few characters, the same page number) can
then pass as one sheet. A sheet scanned twice shows the same picture at its place, whatever
the exposure, and the same holes; two sheets show other pictures and, often, other holes.
"""

from __future__ import annotations

import cv2
import numpy as np

TONE_STEP = 4  # the tone map: the mid-size grey, this many times smaller
TONE_SLOW_PX = 10.0  # the tone's slow changes: a Gaussian this wide (tone px, ~9 mm on A4)
PICTURE_MIN_PX = 400  # picture area (tone px, ~1 % of the frame) below which none is compared
PICTURE_MIN_STD = 0.03  # a picture flatter than this (a tint) says nothing
PICTURE_MIN_NCC = 0.5  # the aligned tones correlate less: another picture ...
PICTURE_MAX_INLIERS = 40  # ... on a sparse page: marks fitted by more are judged by the ink
HOLE_MIN_PX = 8  # a punched hole at the mid size: a round dark blob this wide ...
HOLE_MAX_PX = 45  # ... to this wide
HOLE_FILL = 0.6  # ... filling this much of its box
HOLE_RING_PX = 6  # ... whose surroundings, this wide, are plain paper
HOLE_RING_LIGHT = 0.8
HOLE_PLAY_PX = 8  # the other scan's hole looked for this far from where it should be
HOLE_EDGE_PX = 6  # holes this near the other scan's known sheet (less its margin) are not checked


def tone_maps(grey: np.ndarray, paper: float, light: np.ndarray, dark: np.ndarray,
              bed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(tone, picture, holes) of a mid-size scan: the grey relative to the paper at
    1/TONE_STEP size less its slow changes (float32; 0 off the sheet), 1 there on pictures
    and shaded areas (not plain paper, not the bed, not a hole), and the centres of its
    punched holes ((n, 2) float32, mid px)."""
    h, w = grey.shape
    size = (max(1, w // TONE_STEP), max(1, h // TONE_STEP))
    tone = cv2.resize(grey, size, interpolation=cv2.INTER_AREA).astype(np.float32) / max(
        paper, 1.0)
    n, labels, stats, centres = cv2.connectedComponentsWithStats(
        cv2.bitwise_and(dark, 1 - bed), connectivity=8)
    bw, bh, area = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT], stats[:, 4]
    hole = ((bw >= HOLE_MIN_PX) & (bh >= HOLE_MIN_PX) & (bw <= HOLE_MAX_PX)
            & (bh <= HOLE_MAX_PX) & (area >= HOLE_FILL * bw * bh)
            & (np.maximum(bw, bh) <= 1.5 * np.minimum(bw, bh)))
    hole[0] = False
    small = hole[labels].astype(np.uint8)
    # a punched hole lies on plain paper (a dark spot of a photo does not)


    for k in np.nonzero(hole)[0]:
        x, y, bw_k, bh_k = (int(v) for v in stats[k, :4])
        y0, y1 = max(0, y - HOLE_RING_PX), min(h, y + bh_k + HOLE_RING_PX)
        x0, x1 = max(0, x - HOLE_RING_PX), min(w, x + bw_k + HOLE_RING_PX)
        box = (slice(y0, y1), slice(x0, x1))
        around = (labels[box] != k)
        if float(light[box][around].mean()) < HOLE_RING_LIGHT:
            hole[k] = False

    pic = cv2.bitwise_and(1 - light, cv2.bitwise_and(1 - bed, 1 - small))
    # what reaches the frame's edge is bed (a grey bed is neither dark nor plain paper),
    # not a picture on the sheet
    n, labels = cv2.connectedComponents(pic, connectivity=4)
    edge = np.zeros(n, np.uint8)
    edge[np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])] = 1
    edge[0] = 0
    off = cv2.bitwise_or(edge[labels], bed)
    pic = cv2.erode(cv2.bitwise_and(pic, 1 - off), np.ones((5, 5), np.uint8))
    picture = (cv2.resize(pic.astype(np.float32), size, interpolation=cv2.INTER_AREA)
               > 0.5).astype(np.uint8)
    # the tone less its slow changes over the sheet (uneven light, curl, the paper's own
    # shade), the bed left out of them: what remains is a picture's structure and outline
    on = cv2.resize((1 - off).astype(np.float32), size, interpolation=cv2.INTER_AREA)
    slow = cv2.GaussianBlur(tone * on, (0, 0), TONE_SLOW_PX) / np.maximum(
        cv2.GaussianBlur(on, (0, 0), TONE_SLOW_PX), 1e-3)
    detail: np.ndarray = ((tone - slow) * (on > 0.5)).astype(np.float32)
    return detail, picture, centres[hole].astype(np.float32)


def picture_ncc(tone_a: np.ndarray, pic_a: np.ndarray, tone_b: np.ndarray, pic_b: np.ndarray,
                a_to_b: np.ndarray) -> float | None:
    """Normalised correlation of the two scans' tone, aligned, over the pictures of either
    (where both frames see the sheet); None where there is too little picture to judge.

    A rescan's exposure changes the tone's level and contrast, not where it is light or
    dark: its picture correlates with itself. Another photo, or a photo where the other
    sheet has plain paper, does not."""
    m = a_to_b.astype(np.float64).copy()
    m[:, 2] /= TONE_STEP
    h, w = tone_a.shape
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    b_on_a = cv2.warpAffine(tone_b, m, (w, h), flags=flags)
    seen = cv2.warpAffine(np.ones(tone_b.shape, np.uint8), m, (w, h),
                          flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
    pb = cv2.warpAffine(pic_b, m, (w, h), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
    seen = cv2.erode(seen, np.ones((5, 5), np.uint8), borderType=cv2.BORDER_CONSTANT,
                     borderValue=0)
    region = cv2.bitwise_and(cv2.bitwise_or(pic_a, pb), seen).astype(bool)
    if int(region.sum()) < PICTURE_MIN_PX:
        return None
    fa = cv2.GaussianBlur(tone_a, (5, 5), 0)[region]
    fb = cv2.GaussianBlur(b_on_a, (5, 5), 0)[region]
    sa, sb = float(fa.std()), float(fb.std())
    if max(sa, sb) < PICTURE_MIN_STD:
        return None
    if min(sa, sb) < 1e-6:
        return 0.0
    return float(((fa - fa.mean()) * (fb - fb.mean())).mean() / (sa * sb))


def lost_holes(holes_a: np.ndarray, holes_b: np.ndarray, dark_b: np.ndarray,
               light_b: np.ndarray, sheet_b: np.ndarray | None, a_to_b: np.ndarray) -> int:
    """Holes of A that the transform lays on plain paper of B where B, on a black bed,
    would show them dark: a sheet scanned twice has the same holes at the same places."""
    if sheet_b is None or not len(holes_a):
        return 0
    pts = holes_a @ a_to_b[:, :2].T.astype(np.float32) + a_to_b[:, 2].astype(np.float32)
    h, w = dark_b.shape
    r = HOLE_PLAY_PX
    inner = cv2.erode(sheet_b, np.ones((2 * HOLE_EDGE_PX + 1,) * 2, np.uint8),
                      borderType=cv2.BORDER_CONSTANT, borderValue=0)
    out = 0
    for x, y in pts:
        xi, yi = round(float(x)), round(float(y))
        if not (r <= xi < w - r and r <= yi < h - r) or not inner[yi, xi]:
            continue
        if len(holes_b) and float(np.min(np.hypot(*(holes_b - (x, y)).T))) <= r:
            continue
        box = (slice(yi - r, yi + r + 1), slice(xi - r, xi + r + 1))
        if not dark_b[box].any() and float(light_b[box].mean()) >= HOLE_RING_LIGHT:
            out += 1
    return out
