"""A sheet the scanner cut off: text crossing the frame's edge on a side where no bed lies
is content the file does not hold. It was centred on the page with paper colour where the
cut was, and passed as ok; it is an error of the scan now (``content_at_edge``, the side
named), while a sheet laid against the frame's edge with its margins whole is fine."""

from __future__ import annotations

import cv2
import numpy as np
import simplejpeg
from retouch_synthetic import scan

from dangan.i18n import set_language
from dangan.imaging.context import CONTENT_AT_EDGE, RetouchOptions
from dangan.imaging.frame_cut import cut_sides, output_side
from dangan.imaging.geometry import rotation_matrix
from dangan.imaging.pipeline import retouch_bytes
from dangan.services.retouch import defect_words

OPTS = RetouchOptions(orientation=False)


def _wide_page(right_mm: float = 5.0) -> np.ndarray:
    """A4 at 200 dpi, lines of text from 30 mm to ``right_mm`` from the right edge."""
    page = np.full((2339, 1654, 3), 238, np.uint8)
    right = 1654 - round(right_mm * 200 / 25.4)
    for i in range(30):
        y = 300 + i * 60
        cv2.putText(page, f"archive line {i:02d} " + "wxyz" * 30, (236, y),
                    cv2.FONT_HERSHEY_SIMPLEX, 1.0, (25, 25, 25), 2)
        page[y - 30:y + 12, right:] = 238  # the line ends right_mm from the edge
    return page


def _cut(frame: np.ndarray, right_px: int) -> np.ndarray:
    return np.ascontiguousarray(frame[:, : frame.shape[1] - right_px])


def _report(frame: np.ndarray):  # type: ignore[no-untyped-def]
    return retouch_bytes(simplejpeg.encode_jpeg(frame, quality=90), OPTS).report


def test_a_sheet_cut_off_by_the_frame_is_an_error_naming_the_side() -> None:
    frame = scan(_wide_page(), 0.0, bed=22, margin=(110, 120))
    report = _report(_cut(frame, 110 + 197))  # the bed and 25 mm of the sheet cut off
    [detail] = [d.detail for d in report.defects if d.code == CONTENT_AT_EDGE]
    assert detail.startswith("cut=right,") and report.status == "defect"
    set_language("zh")
    try:
        words = defect_words(CONTENT_AT_EDGE, detail)
    finally:
        set_language(None)
    assert "右" in words and "重新扫描" in words, words


def test_the_same_sheet_whole_on_its_bed_passes() -> None:
    report = _report(scan(_wide_page(), 0.0, bed=22, margin=(110, 120)))
    assert CONTENT_AT_EDGE not in [d.code for d in report.defects] and report.status == "ok"


def test_a_sheet_laid_against_the_frame_with_its_margin_whole_passes() -> None:
    frame = scan(_wide_page(right_mm=20), 0.0, bed=22, margin=(110, 120))
    report = _report(_cut(frame, 110))  # the sheet's right edge on the frame's edge
    assert CONTENT_AT_EDGE not in [d.code for d in report.defects], report.defects


def test_a_border_line_along_the_frame_is_no_cut_content() -> None:
    grey = np.full((2339, 1654), 238, np.uint8)
    grey[:, -4:] = 20  # the scanner's own dark line along the side
    grey[600:604, -60:] = 20  # one rule reaching the edge: one mark is not a cut
    assert cut_sides(grey, 238, 200, ()) == {}
    for y in range(700, 1300, 60):  # lines of text cut by the edge
        grey[y:y + 20, -30:-8] = 25
        grey[y + 5:y + 9, -8:] = 25
    assert cut_sides(grey, 238, 200, ())["right"] >= 4


def test_the_side_is_named_on_the_output_page() -> None:
    """The scan's right side, on a page turned a quarter counter-clockwise, is its top."""
    h, w = 2000, 1400
    m = rotation_matrix(90)[:2].copy()
    m[:, 2] = (0, w - 1)  # the turned frame placed on a 2000 × 1400 canvas
    assert output_side("right", (h, w), m, (h, w)) == "top"
    assert output_side("left", (h, w), np.eye(3)[:2], (w, h)) == "left"


def test_a_very_dark_scan_is_flagged_but_red_paper_is_not() -> None:
    """Paper at grey 95 (underexposed: it passed as ok) asks a person; a sheet of red paper,
    as dark in grey but bright in its red channel, does not."""
    from dangan.imaging.qc import DARK_SCAN

    page = _wide_page(right_mm=30)
    dark = (page.astype(np.float32) * (95 / 238)).astype(np.uint8)
    report = _report(scan(dark, 0.0, bed=10, margin=(110, 120)))
    assert DARK_SCAN in report.review and report.status == "defect", report.review
    red = page.copy()
    red[(page == 238).all(axis=2)] = (200, 40, 40)
    report = _report(scan(red, 0.0, bed=10, margin=(110, 120)))
    assert DARK_SCAN not in report.review, report.review


def test_a_broken_shadow_line_along_the_edge_is_no_cut_content() -> None:
    """A curled edge's shadow, binarised into dashes of a line hugging the frame's edge (seen
    on a real page), with a few specks: no cut."""
    grey = np.full((2339, 1654), 238, np.uint8)
    x = 0
    rng = np.random.default_rng(3)
    while x < 1600:  # dashes 10–90 px long, 4–6 px deep, gaps between
        n = int(rng.integers(10, 90))
        grey[: int(rng.integers(4, 7)), x:x + n] = 20
        x += n + int(rng.integers(5, 40))
    for x in (200, 700, 1100):
        grey[:5, x:x + 3] = 20
    assert cut_sides(grey, 238, 200, ()) == {}


def test_a_sheet_cut_off_on_a_white_bed_is_an_error_too() -> None:
    """On a white lid the cut may be taken for the sheet's own edge: every side is judged."""
    frame = scan(_wide_page(), 0.0, bed=250, margin=(110, 120))
    report = _report(_cut(frame, 110 + 197))
    assert any(d.code == CONTENT_AT_EDGE and d.detail.startswith("cut=right,")
               for d in report.defects), report.defects


def test_a_dark_photo_on_light_paper_is_no_dark_scan() -> None:
    """A dark photograph covering most of a light sheet (3 mm inside its edges) is print, not
    paper: the paper's colour is read from the light paper around it, so the page is not
    flagged `dark_scan` and the canvas and painted bed take the paper's colour, not the
    photo's (they came out grey 88 on paper 237)."""
    from dangan.imaging.qc import DARK_SCAN

    page = _wide_page(right_mm=30)
    inset = round(3 * 200 / 25.4)
    ramp = np.linspace(5, 90, page.shape[1] - 2 * inset, dtype=np.float32)
    page[inset:2339 - 300, inset:page.shape[1] - inset] = ramp[None, :, None].astype(np.uint8)
    result = retouch_bytes(simplejpeg.encode_jpeg(scan(page, 0.0, bed=10, margin=(110, 120)),
                                                  quality=90), OPTS)
    assert DARK_SCAN not in result.report.review, result.report.review
    out = cv2.imdecode(np.frombuffer(result.data, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert np.median(out[-8:, :]) > 200  # the bottom edge: paper below the caption, not grey
