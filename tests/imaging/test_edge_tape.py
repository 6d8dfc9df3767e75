"""A band of the sheet's own along its edge on a dark bed — black binding tape on the bound
edge — is dark like the bed and joins it by tone; painting it as bed erases part of the sheet.
Its outer edge, a straight line parallel to the sheet's edge where the tone steps to the bed's,
tells it: the page keeps its frame and is flagged ``sheet_uncertain``. The same sheet without
tape has its bed painted as before. A dark photo printed to the sheet's edge in a bilevel
output is flat black like bed: ``black_border`` judges its tones before the threshold."""

from __future__ import annotations

import cv2
import numpy as np
import simplejpeg

from dangan.imaging.context import PageReport, RetouchOptions
from dangan.imaging.pipeline import retouch_bytes
from dangan.imaging.qc import residue_by_side

DPI = 200
MM = DPI / 25.4
PAPER = (240, 238, 232)


def px(v: float) -> int:
    return round(v * MM)


def _sheet(tape_mm: float, tape_tone: int, seed: int = 800_101) -> np.ndarray:
    """An A4 sheet with text, a dark tape ``tape_mm`` wide along its left (bound) edge."""
    rng = np.random.default_rng(seed)
    page = np.empty((px(297), px(210), 3), np.uint8)
    page[:] = PAPER
    for i in range(24):
        text = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz  "), 30))
        cv2.putText(page, text, (px(30), px(40 + i * 9)), cv2.FONT_HERSHEY_SIMPLEX, 0.9,
                    (25, 25, 25), 2, cv2.LINE_AA)
    if tape_mm:
        page[:, :px(tape_mm)] = tape_tone
    return page


def _on_bed(page: np.ndarray, bed: int, seed: int = 800_102) -> np.ndarray:
    """The sheet on a dark bed, 12/15/10/14 mm of it around (left/top/right/bottom)."""
    h, w = page.shape[:2]
    left, top, right, bottom = px(12), px(15), px(10), px(14)
    frame = np.full((h + top + bottom, w + left + right, 3), bed, np.float32)
    frame[top:top + h, left:left + w] = page
    frame += np.random.default_rng(seed).normal(0, 2.5, frame.shape[:2])[..., None]
    return frame.clip(0, 255).astype(np.uint8)


def _retouch(scan: np.ndarray) -> tuple[np.ndarray, PageReport]:
    data = simplejpeg.encode_jpeg(np.ascontiguousarray(scan), quality=92)
    result = retouch_bytes(data, RetouchOptions(orientation=False, dpi=DPI))
    assert result.data is not None
    out = simplejpeg.decode_jpeg(result.data, colorspace="GRAY")[..., 0]
    return out, result.report


def _dark_body_mm2(out: np.ndarray, mm: float) -> float:
    """Area of solid dark on the output (2 mm wide at least: no text stroke), mm²."""
    k = 2 * round(mm) + 1
    body = cv2.morphologyEx((out < 80).astype(np.uint8), cv2.MORPH_OPEN, np.ones((k, k), np.uint8))
    return float(np.count_nonzero(body)) / (mm * mm)


def test_binding_tape_on_a_black_bed_is_not_painted() -> None:
    """12 mm of black tape (tone 24) along the bound edge, on a bed of tone 12: the tape is
    the sheet's own. It was painted paper colour and the page was ok."""
    out, report = _retouch(_on_bed(_sheet(12, 24), 12))
    assert "sheet_uncertain" in report.review
    assert not any(c.code == "bed_removed" for c in report.changes)
    mm = out.shape[1] / 210  # the output is A4 wide, whatever the scale
    # the tape's 12 × 297 mm (3564 mm²) stays on the page (bed kept beside it adds to it)
    assert _dark_body_mm2(out, mm) > 3000


def test_the_same_sheet_without_tape_has_its_bed_painted() -> None:
    """The twin without tape: the bed is painted as before, no flag, nothing dark is left."""
    out, report = _retouch(_on_bed(_sheet(0, 0), 12))
    assert "sheet_uncertain" not in report.review
    assert any(c.code == "bed_removed" for c in report.changes)
    assert _dark_body_mm2(out, out.shape[1] / 210) < 50


def _photo_page(mm: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An output page (bilevel, and its grey before the threshold) with a dark photo printed
    to the sheet's right edge, the sheet's quad at the output's edges."""
    w, h = round(210 * mm), round(297 * mm)
    grey = np.full((h, w), 235, np.uint8)
    rng = np.random.default_rng(800_105)
    y0, y1, x0 = round(150 * mm), round(240 * mm), w - round(120 * mm)
    photo = rng.normal(45, 15, (y1 - y0, w - x0))
    photo += 50 * np.sin(np.arange(w - x0) / (8 * mm))[None, :]
    grey[y0:y1, x0:] = photo.clip(0, 255).astype(np.uint8)
    bilevel = np.where(grey < 128, 0, 255).astype(np.uint8)
    sheet = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float64)
    return bilevel, grey, sheet


def test_black_border_judges_a_dark_photo_on_its_tones_in_bilevel() -> None:
    """The photo is flat black in the bilevel output, as bed is; with the grey it had before
    the threshold it is the sheet's own print (it was a black_border error on the right)."""
    mm = 200 / 25.4
    bilevel, grey, sheet = _photo_page(mm)
    assert residue_by_side(grey, 235, mm, sheet)["right"] == 0.0  # the colour output: ok
    assert residue_by_side(bilevel, 235, mm, sheet)["right"] > 0.02  # bilevel alone: bed
    assert residue_by_side(bilevel, 235, mm, sheet, tones=grey)["right"] == 0.0


def test_a_dark_photo_to_the_sheets_edge_is_no_black_border_in_bilevel_output() -> None:
    """End to end: a sheet on a black bed with a dark photo printed to its right edge,
    retouched in bilevel. The photo came out flat black like bed and the page was a
    ``black_border`` error (sent to rework); the colour output of the same page was ok."""
    page = _sheet(0, 0)
    rng = np.random.default_rng(800_106)
    y0, y1, x0 = px(150), px(240), px(210 - 90)
    photo = rng.normal(45, 15, (y1 - y0, page.shape[1] - x0))
    photo += 40 * np.sin(np.arange(page.shape[1] - x0) / (8 * MM))[None, :]
    page[y0:y1, x0:] = photo.clip(0, 255).astype(np.uint8)[..., None]
    scan = _on_bed(page, 12)
    data = simplejpeg.encode_jpeg(np.ascontiguousarray(scan), quality=92)
    for mode in ("colour", "bilevel"):
        result = retouch_bytes(data, RetouchOptions(orientation=False, dpi=DPI, mode=mode))
        assert result.data is not None
        codes = [d.code for d in result.report.defects]
        assert "black_border" not in codes, (mode, result.report.defects,
                                             result.report.edge_residue)
