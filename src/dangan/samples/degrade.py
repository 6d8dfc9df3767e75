"""Turn a clean sheet into a flatbed scan, and know exactly where everything went.

Coordinates are continuous pixel coordinates: pixel (col i, row j) covers [i, i+1) × [j, j+1),
so the clean page's corners are (0, 0), (W, 0), (W, H), (0, H). OpenCV places pixel centres
at integers; ``_to_cv`` converts once. The whole sheet-to-scan mapping is one affine matrix
(skew about the sheet centre, shift onto the bed, then the quarter turn of a sheet laid
sideways or upside down), so every truth value (paper corners, hole centres) is that matrix
applied to clean-page points, with no approximation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

SIDES = ("left", "top", "right", "bottom")


@dataclass(frozen=True)
class ScanParams:
    """Resolved degradation parameters of one scan (nothing left to chance)."""

    skew_deg: float  # paper rotated counter-clockwise as viewed, about its centre
    rotation: int  # 0/90/180/270: turn the scan clockwise by this to make it upright
    margins: tuple[int, int, int, int]  # requested bed gap (px) left, top, right, bottom
    holes: tuple[tuple[float, float, float], ...]  # (x, y, r) in clean-page px
    tint: tuple[float, float, float]  # paper colour as a fraction of white, per RGB channel
    unevenness: float  # amplitude of the slow paper-tone variation (fraction)
    bed_level: int  # grey level of the scanner bed / lid (dark)
    noise_sigma: float
    blur_sigma: float  # 0 = sharp


def hole_layout(
    w: int,
    h: int,
    dpi: int,
    count: int,
    offset_mm: float,
    edge: str,
    diameter_mm: float = 6.0,
    spacing_mm: float = 80.0,
    jitter: tuple[float, ...] = (),
) -> tuple[tuple[float, float, float], ...]:
    """Binding-hole centres in clean px: ``count`` holes along ``edge``, symmetric about its middle."""
    mm = dpi / 25.4
    r = diameter_mm / 2 * mm
    along = (h if edge == "left" else w) / 2
    if count == 2:
        offsets = [-spacing_mm / 2, spacing_mm / 2]
    else:
        offsets = [(i - (count - 1) / 2) * spacing_mm for i in range(count)]
    out = []
    for i, off in enumerate(offsets):
        p = along + (off + (jitter[i] if i < len(jitter) else 0.0)) * mm
        q = offset_mm * mm
        out.append((q, p, r) if edge == "left" else (p, q, r))
    return tuple(out)


def _rot_affine(k: int, w: int, h: int) -> np.ndarray:
    """3×3 map of continuous coords under ``np.rot90(img, k)`` (counter-clockwise k quarter turns)."""
    k %= 4
    if k == 0:
        return np.eye(3)
    if k == 1:
        return np.array([[0, 1, 0], [-1, 0, w], [0, 0, 1]], dtype=float)
    if k == 2:
        return np.array([[-1, 0, w], [0, -1, h], [0, 0, 1]], dtype=float)
    return np.array([[0, -1, h], [1, 0, 0], [0, 0, 1]], dtype=float)


def _to_cv(m: np.ndarray) -> np.ndarray:
    """Continuous-coordinate affine (2×3) → OpenCV pixel-centre convention."""
    a, t = m[:, :2], m[:, 2]
    return np.hstack([a, (a @ np.array([0.5, 0.5]) + t - 0.5)[:, None]])


def _tint_field(w: int, h: int, p: ScanParams, rng: np.random.Generator) -> np.ndarray:
    """Paper colour, slowly uneven, as H×W×3 uint8 for ``cv2.multiply``."""
    small = 1.0 + rng.uniform(-p.unevenness, p.unevenness, size=(5, 4, 1)).astype(np.float32)
    small = small * np.asarray(p.tint, dtype=np.float32)[None, None, :] * 255.0
    small_u8 = np.clip(small, 0, 255).astype(np.uint8)
    field: np.ndarray = cv2.resize(small_u8, (w, h), interpolation=cv2.INTER_CUBIC)
    return field


def scan_sheet(
    clean: np.ndarray, p: ScanParams, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Degrade ``clean`` (H×W×3 uint8) into an RGB scan; return it and the 3×3 clean→scan affine."""
    h, w = clean.shape[:2]
    paper = cv2.multiply(clean, _tint_field(w, h, p, rng), scale=1 / 255)

    alpha = np.full((h, w), 255, dtype=np.uint8)
    for x, y, r in p.holes:
        cv2.circle(
            alpha, (round(x * 16 - 8), round(y * 16 - 8)), round(r * 16), 0, -1, cv2.LINE_AA, 4
        )

    # Skew about the sheet centre (continuous coords), then shift so the rotated sheet's
    # bounding box starts at (left, top) margin.
    th = math.radians(p.skew_deg)
    c, s = math.cos(th), math.sin(th)
    rot = np.array([[c, s], [-s, c]])
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=float) - [w / 2, h / 2]
    turned = corners @ rot.T
    lo, hi = turned.min(axis=0), turned.max(axis=0)
    ml, mt, mr, mb = p.margins
    centre = np.array([ml - lo[0], mt - lo[1]])
    bed_w = math.ceil(ml + (hi[0] - lo[0]) + mr)
    bed_h = math.ceil(mt + (hi[1] - lo[1]) + mb)
    upright = np.eye(3)
    upright[:2, :2] = rot
    upright[:2, 2] = centre - rot @ np.array([w / 2, h / 2])

    m_cv = _to_cv(upright[:2])
    warped = cv2.warpAffine(
        paper, m_cv, (bed_w, bed_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    cover = cv2.warpAffine(
        alpha,
        m_cv,
        (bed_w, bed_h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    bed_small = np.clip(p.bed_level + rng.uniform(-4, 4, size=(3, 3)), 0, 255).astype(np.uint8)
    bed = cv2.resize(bed_small, (bed_w, bed_h), interpolation=cv2.INTER_LINEAR)
    bed3 = cv2.cvtColor(bed, cv2.COLOR_GRAY2RGB)
    wgt = cover.astype(np.float32) / 255.0
    scan = cv2.blendLinear(warped, bed3, wgt, 1.0 - wgt)

    if p.noise_sigma > 0:
        # OpenCV's generator is ~3× faster than NumPy's here; seeding it from ``rng`` right
        # before use keeps the output a pure function of the page seed.
        cv2.setRNGSeed(int(rng.integers(2**31 - 1)))
        noise = np.empty((bed_h, bed_w), dtype=np.int16)
        cv2.randn(noise, np.array([0.0]), np.array([float(p.noise_sigma)]))
        scan = cv2.add(scan, cv2.merge([noise, noise, noise]), dtype=cv2.CV_8U)
    if p.blur_sigma > 0:
        scan = cv2.GaussianBlur(scan, (0, 0), p.blur_sigma)

    k = (p.rotation // 90) % 4
    if k:
        turns = (cv2.ROTATE_90_COUNTERCLOCKWISE, cv2.ROTATE_180, cv2.ROTATE_90_CLOCKWISE)
        scan = cv2.rotate(scan, turns[k - 1])  # same pixels as np.rot90(scan, k), faster
    return scan, _rot_affine(k, bed_w, bed_h) @ upright


def apply(m: np.ndarray, pts: object) -> np.ndarray:
    """Map N×2 continuous points through a 3×3 affine."""
    arr = np.asarray(pts, dtype=float).reshape(-1, 2)
    out: np.ndarray = arr @ m[:2, :2].T + m[:2, 2]
    return out


def quad_affine(quad: np.ndarray, w: int, h: int) -> np.ndarray:
    """The 3×3 clean→scan affine recovered from a recorded paper quad (TL, TR, BR, BL)."""
    src = np.array([[0, 0], [w, 0], [0, h]], dtype=np.float32)
    dst = np.asarray(quad, dtype=np.float32)[[0, 1, 3]]
    m = np.eye(3)
    m[:2] = cv2.getAffineTransform(src, dst)
    return m


def unwarp(scan: np.ndarray, quad: np.ndarray, w: int, h: int) -> np.ndarray:
    """Resample a scan back onto the clean page grid (w×h) using the truth quad.

    This is the exact inverse of the geometry this module applied: undo rotation and skew,
    crop the bed. Tests and the retouch benchmark use it as the ideal retoucher.
    """
    inv = np.linalg.inv(quad_affine(quad, w, h))
    out: np.ndarray = cv2.warpAffine(
        scan, _to_cv(inv[:2]), (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return out
