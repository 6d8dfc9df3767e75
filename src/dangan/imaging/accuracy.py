"""Score a retouched page against the ground truth of a generated scan.

Used by the accuracy tests and ``bench/retouch.py``. The truth gives the clean→scan affine
(from the recorded paper corners); composing it with the retouch matrix gives the exact
clean→output map, whose rotation is the residual skew (0 when the page came out upright and
straight) and through which content pixels and hole centres are followed into the output.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class PageScore:
    residual_skew_deg: float  # signed, after taking out whole quarter turns
    upright: bool
    content_cut: bool
    border_residue: bool
    holes_total: int
    holes_removed: int


def clean_to_scan(paper_quad: np.ndarray, w: int, h: int) -> np.ndarray:
    src = np.array([[0, 0], [w, 0], [0, h]], dtype=np.float32)
    dst = np.asarray(paper_quad, dtype=np.float32)[[0, 1, 3]]
    m = np.eye(3)
    m[:2] = cv2.getAffineTransform(src, dst)
    return m


def to_continuous(matrix: np.ndarray) -> np.ndarray:
    """Pixel-centre 2×3 matrix → continuous-coordinate 3×3 matrix."""
    shift = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1.0]])
    a = np.eye(3)
    a[:2] = matrix
    return shift @ a @ np.linalg.inv(shift)


def clean_to_output(paper_quad: np.ndarray, page_size: tuple[int, int],
                    matrix: np.ndarray) -> np.ndarray:
    return to_continuous(matrix) @ clean_to_scan(paper_quad, *page_size)


def rotation_of(m: np.ndarray) -> float:
    """Counter-clockwise (as seen) rotation angle of a 3×3 affine, degrees."""
    return float(np.rad2deg(np.arctan2(m[0, 1], m[0, 0])))


def border_residue(grey: np.ndarray, dpi: float, band_mm: float = 3.0) -> bool:
    """Dark bed left in a band along any output edge."""
    b = max(2, int(band_mm * dpi / 25.4))
    level = float(np.percentile(grey[::8, ::8], 75))
    dark = grey < 0.5 * level
    return any(float(band.mean()) > 0.002 for band in (dark[:b], dark[-b:], dark[:, :b], dark[:, -b:]))


def hole_removed(grey: np.ndarray, x: float, y: float, r: float) -> bool:
    """No dark spot left where the hole is (in output continuous coordinates)."""
    h, w = grey.shape
    x0, x1 = int(max(0, x - r)), int(min(w, x + r + 1))
    y0, y1 = int(max(0, y - r)), int(min(h, y + r + 1))
    if x1 <= x0 or y1 <= y0:
        return True  # the hole fell outside the output (off the paper edge)
    patch = grey[y0:y1, x0:x1]
    level = float(np.percentile(grey[::8, ::8], 75))
    return float((patch < 0.5 * level).mean()) < 0.02


def score_page(truth: dict, content_mask: np.ndarray, out_grey: np.ndarray,
               matrix: np.ndarray, holes_expected: bool) -> PageScore:
    """``truth``: a PageTruth as a dict; ``out_grey``: the output image in grey."""
    w, h = truth["page_size"]
    c = clean_to_output(np.asarray(truth["paper_quad"]), (w, h), matrix)
    angle = rotation_of(c)
    upright = abs(angle) < 45
    residual = (angle + 45) % 90 - 45
    ys, xs = np.nonzero(content_mask[::2, ::2])
    cut = False
    if len(xs):
        pts = np.column_stack([xs * 2 + 1.0, ys * 2 + 1.0]) @ c[:2, :2].T + c[:2, 2]
        oh, ow = out_grey.shape
        cut = bool((pts[:, 0] < 0).any() or (pts[:, 1] < 0).any()
                   or (pts[:, 0] > ow).any() or (pts[:, 1] > oh).any())
    removed = 0
    holes = truth.get("holes") or []
    scale = float(np.hypot(c[0, 0], c[0, 1]))
    for hole in holes:
        p = c[:2, :2] @ np.array([hole["clean_x"], hole["clean_y"]]) + c[:2, 2]
        removed += hole_removed(out_grey, p[0] - 0.5, p[1] - 0.5, hole["clean_r"] * scale)
    return PageScore(residual, upright, cut, border_residue(out_grey, truth["dpi"]),
                     len(holes) if holes_expected else 0, removed if holes_expected else 0)
