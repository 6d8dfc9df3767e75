"""Binding holes that touch a table's rules are not filled (print beside them) but are named
for review with the rest of their row: they were left as no round disc, and the whole row
was left unnamed."""

from __future__ import annotations

import cv2
import numpy as np
import simplejpeg

from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes

DPI = 200
MM = DPI / 25.4
PAPER = (240, 238, 232)
BED = 14


def px(v: float) -> int:
    return round(v * MM)


def _scan(holes_y_mm: tuple[float, ...], seed: int = 800_201) -> tuple[np.ndarray, int, int]:
    """A sheet with a ruled table from 95 mm down, on a black bed, punched 12 mm from its left
    edge at ``holes_y_mm`` (6 mm holes showing the bed); returns the scan and the sheet's
    offset (left, top) in it."""
    rng = np.random.default_rng(seed)
    page = np.empty((px(297), px(210), 3), np.uint8)
    page[:] = PAPER
    for i in range(6):
        text = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz  "), 30))
        cv2.putText(page, text, (px(30), px(30 + i * 9)), cv2.FONT_HERSHEY_SIMPLEX, 0.9,
                    (25, 25, 25), 2, cv2.LINE_AA)
    for r in range(20):  # rules 9 mm apart from the sheet's left margin (10 mm) across
        y = px(95 + r * 9)
        cv2.line(page, (px(10), y), (px(195), y), (30, 30, 30), 2)
    left, top = px(12), px(12)
    frame = np.full((page.shape[0] + 2 * top, page.shape[1] + 2 * left, 3), BED, np.float32)
    frame[top:top + page.shape[0], left:left + page.shape[1]] = page
    for y_mm in holes_y_mm:
        cv2.circle(frame, (left + px(12), top + px(y_mm)), px(3), (BED,) * 3, -1, cv2.LINE_AA)
    frame += rng.normal(0, 2.0, frame.shape[:2])[..., None]
    return frame.clip(0, 255).astype(np.uint8), left, top


def test_holes_touching_table_rules_are_named_with_their_row() -> None:
    # 68.5 mm: clear of the rules; 149.5 and 230.5 mm: each touched by a rule (149, 230)
    ys = (68.5, 149.5, 230.5)
    scan, _left, _top = _scan(ys)
    data = simplejpeg.encode_jpeg(np.ascontiguousarray(scan), quality=92)
    report = retouch_bytes(data, RetouchOptions(orientation=False, dpi=DPI, holes=True)).report
    assert report.hole_boxes == []  # print beside two of them: nothing filled
    assert "hole_unsure" in report.review
    assert len(report.hole_unsure_boxes) == 3
    centres = sorted((b[1] + b[3]) / 2 for b in report.hole_unsure_boxes)
    gaps = np.diff(centres) / MM
    assert np.allclose(gaps, np.diff(ys), atol=1.5)  # the three holes, 81 mm apart
