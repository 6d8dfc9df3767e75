"""QC reports what it measured on the output, never what the engine itself made.

* The skew left on a page that was not straightened is measured on the output; where the
  output gives no angle (a page number alone, faint pencil) it is ``None`` — not 0.0, which
  said "straight" of a page left 3.8° askew.
* The black-border check judges bed left from the scan: the canvas the engine lays around
  a small sheet, in the paper's own colour (a red sheet: dark), is no bed.
"""

from __future__ import annotations

import cv2
import numpy as np
import simplejpeg

from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes

OPTS = RetouchOptions(orientation=False)
DPI = 200


def mm(v: float) -> int:
    return round(v * DPI / 25.4)


def _jpeg(img: np.ndarray) -> bytes:
    if img.ndim == 2:
        return simplejpeg.encode_jpeg(img[..., None], quality=90, colorspace="GRAY")
    return simplejpeg.encode_jpeg(np.ascontiguousarray(img), quality=90)


def _laid(page: np.ndarray, bed: tuple[int, int, int], skew: float, margin: float) -> np.ndarray:
    h, w = page.shape[:2]
    m = mm(margin)
    a = cv2.getRotationMatrix2D((w / 2 + m, h / 2 + m), skew, 1.0)
    a[:, 2] += (m, m)
    out = cv2.warpAffine(page, a, (w + 2 * m, h + 2 * m), flags=cv2.INTER_LINEAR,
                         borderValue=bed)
    noise = np.random.default_rng(0).normal(0, 2.0, out.shape)
    return np.clip(out + noise, 0, 255).astype(np.uint8)


def test_a_page_number_alone_has_no_skew_to_report() -> None:
    page = np.full((mm(297), mm(210), 3), 240, np.uint8)
    cv2.putText(page, "- 12 -", (mm(95), mm(285)), cv2.FONT_HERSHEY_SIMPLEX, 1.0,
                (30, 30, 30), 2)
    opts = RetouchOptions(orientation=False, deskew=False)  # left as delivered, 3.8° askew
    report = retouch_bytes(_jpeg(_laid(page, (120, 120, 120), 3.8, 12)), opts).report
    assert report.skew_method == "off", report.skew_method
    assert report.skew_after_deg is None, report.skew_after_deg  # was 0.0
    assert "skew" not in [d.code for d in report.defects]


def test_the_canvas_around_a_red_sheet_is_no_black_border() -> None:
    """A red 185 × 260 mm sheet on a white lid: placed on A4, the canvas around it takes
    the paper's colour (red, darker than half the lid's level); it was flagged
    ``black_border`` at 100 % of the top."""
    page = np.full((mm(260), mm(185), 3), (200, 32, 30), np.uint8)
    cv2.putText(page, "CERTIFICATE", (mm(30), mm(60)), cv2.FONT_HERSHEY_SIMPLEX, 2.0,
                (235, 200, 90), 5)
    for i in range(8):
        cv2.putText(page, "The bearer of this paper 1997", (mm(25), mm(110) + i * mm(12)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.9, (15, 10, 10), 2)
    result = retouch_bytes(_jpeg(_laid(page, (246, 246, 244), 0.0, 15)), OPTS)
    report = result.report
    assert "black_border" not in [d.code for d in report.defects], report.defects
    assert report.edge_residue < 0.02


def test_a_wedge_of_bed_beside_the_sheet_is_a_black_border() -> None:
    """A slip pasted 20 mm past the right edge of a sheet laid 1.2° askew on a black bed:
    the output takes in the slip, and a thin wedge of bed between the sheet's edge and the
    output's edge is left (up to ≈ 2.5 mm wide, ≈ 20 mm long). It takes a small share of
    the edge's 2 mm band but lies along the side: ``black_border`` on the right."""
    sheet = np.full((mm(297), mm(210), 3), 240, np.uint8)
    for i in range(22):
        cv2.putText(sheet, "The minutes of the meeting 1997", (mm(25), mm(40) + i * mm(9)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.8, (30, 30, 30), 2)
    m = mm(30)
    frame = np.full((mm(297) + 2 * m, mm(210) + 2 * m, 3), 18, np.uint8)
    frame[m:m + mm(297), m:m + mm(210)] = sheet
    h, w = frame.shape[:2]
    a = cv2.getRotationMatrix2D((w / 2, h / 2), 1.2, 1.0)
    frame = np.asarray(cv2.warpAffine(frame, a, (w, h), flags=cv2.INTER_LINEAR,
                                      borderValue=(18, 18, 18)), np.uint8)
    slip = np.full((mm(45), mm(70), 3), (230, 248, 252), np.uint8)
    for i in range(5):
        cv2.putText(slip, "note 12 kept", (mm(4), mm(8) + i * mm(8)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.6, (120, 30, 30), 1)
    y0, x0 = m + mm(200), m + mm(160)
    frame[y0:y0 + slip.shape[0], x0:x0 + slip.shape[1]] = slip
    noise = np.random.default_rng(0).normal(0, 2.5, frame.shape)
    scan = np.clip(frame + noise, 0, 255).astype(np.uint8)
    report = retouch_bytes(_jpeg(scan), OPTS).report
    border = [d.detail for d in report.defects if d.code == "black_border"]
    assert border and border[0].endswith("side=right"), report.defects
