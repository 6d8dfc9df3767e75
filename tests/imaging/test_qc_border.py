"""The black-border check tells bed left at the edge of the output from print near it.

A form or a table drawn close to the edge of the sheet puts its frame line within the 2 mm
band QC looks at; that line is printed, with paper between it and the edge, and is no
black border. Bed left along the edge reaches the edge, or lies along it as a broad strip.
"""

from __future__ import annotations

import cv2
import numpy as np
import simplejpeg
from retouch_synthetic import draw_page, edge_page, scan

from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes
from dangan.imaging.qc import edge_residue

OPTS = RetouchOptions(orientation=False)
MM = 200 / 25.4


def _framed() -> bytes:
    """A sheet a little larger than A4 (216 × 303 mm) on a dark bed, with a box drawn 3.8 mm
    inside its edges: on the A4 output the box lies about 1 mm from the edge."""
    h, w = 2386, 1700
    page = np.full((h, w, 3), 238, np.uint8)
    page[:2339, :1654] = draw_page()[:, :]
    page = np.ascontiguousarray(page)
    cv2.rectangle(page, (30, 30), (w - 31, h - 31), (30, 30, 30), 3)
    return simplejpeg.encode_jpeg(scan(page, 0.0), quality=90)


def test_a_table_frame_near_the_edge_is_no_black_border() -> None:
    result = retouch_bytes(_framed(), OPTS)
    assert result.data is not None
    out = cv2.imdecode(np.frombuffer(result.data, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert out is not None
    b = int(2 * MM)
    assert (out[:, :b] < 119).any(), "the frame line lies in the band QC looks at"
    report = result.report
    assert "black_border" not in [d.code for d in report.defects]
    assert report.edge_residue < 0.02


def test_bed_left_along_the_edge_is_a_black_border() -> None:
    page = draw_page()
    page[:, :10] = 20  # a 1.3 mm strip of dark bed along the left edge, reaching it
    out = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    assert edge_residue(out, 238, MM) > 0.5
    inner = out.copy()
    inner[:, :10] = 238
    inner[:, 4:40] = 20  # a broad strip of bed just inside the edge (a fill beyond it)
    assert edge_residue(inner, 238, MM) > 0.5


def test_a_printed_rule_near_the_edge_is_not_counted() -> None:
    out = np.full((2339, 1654), 238, np.uint8)
    out[100:-100, 5:8] = 25  # a rule 0.6 mm from the edge
    assert edge_residue(out, 238, MM) == 0.0
    out[100:-100, 0:8] = 25  # the same dark reaching the edge is bed
    assert edge_residue(out, 238, MM) > 0.4


def test_ink_of_the_sheet_written_to_its_edge_is_no_black_border() -> None:
    """Text running off the sheet reaches the output's edge inside the sheet: it is the
    sheet's own, not bed; the same dark outside the sheet is bed."""
    out = cv2.cvtColor(draw_page(), cv2.COLOR_RGB2GRAY)
    h, w = out.shape
    for y in range(300, 2000, 60):  # marks cut by the left edge
        cv2.putText(out, "x7", (-12, y), cv2.FONT_HERSHEY_SIMPLEX, 1.4, 25, 4)
    whole = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float64)
    assert edge_residue(out, 238, MM) > 0.02  # without the sheet: read as bed
    assert edge_residue(out, 238, MM, whole) == 0.0
    out[:, :10] = 20  # bed beside a sheet that begins 10 px in
    sheet = whole + np.array([[10, 0], [0, 0], [0, 0], [10, 0]])
    assert edge_residue(out, 238, MM, sheet) > 0.5


def test_a_page_written_to_its_edge_on_a_dark_bed_passes() -> None:
    report = retouch_bytes(simplejpeg.encode_jpeg(scan(edge_page(), 0.6), quality=90),
                           OPTS).report
    assert "black_border" not in [d.code for d in report.defects], report.edge_residue


def test_the_black_border_names_its_side() -> None:
    """A bed strip left along the output's left edge: the finding says which edge."""
    from dangan.i18n import set_language
    from dangan.imaging.qc import residue_by_side
    from dangan.services.retouch import defect_words

    out = cv2.cvtColor(draw_page(), cv2.COLOR_RGB2GRAY)
    out[:, :8] = 20
    shares = residue_by_side(out, 238, MM)
    assert max(shares, key=lambda side: shares[side]) == "left" and shares["right"] == 0.0
    set_language("zh")
    try:
        words = defect_words("black_border", "residue=0.500,side=left")
    finally:
        set_language(None)
    assert "左边" in words and "50.0%" in words, words


def _dark_photo(out: np.ndarray, box: tuple[int, int, int, int]) -> None:
    """A dark photograph (grey 5-90, smooth) printed over ``box`` (x0, y0, x1, y1, px)."""
    x0, y0, x1, y1 = box
    cells = np.random.default_rng(7).uniform(5, 90, (12, 9)).astype(np.float32)
    tone = cv2.resize(cells, (x1 - x0, y1 - y0), interpolation=cv2.INTER_CUBIC)
    out[y0:y1, x0:x1] = tone.clip(0, 255).astype(np.uint8)


def test_a_dark_photo_printed_to_the_sheet_edge_is_no_black_border() -> None:
    """A photo printed to the sheet's left edge is the sheet's own, reaching far into it:
    its darkest parts take the bed's tone at the output's edge but are no bed. Bed left
    beside the sheet next to it is still counted."""
    out = cv2.cvtColor(draw_page(lines=4), cv2.COLOR_RGB2GRAY)
    h, w = out.shape
    _dark_photo(out, (0, round(20 * MM), round(190 * MM), round(250 * MM)))
    whole = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float64)
    assert edge_residue(out, 238, MM) > 0.1  # without the sheet: read as bed
    assert edge_residue(out, 238, MM, whole) < 0.02
    out[:, :12] = 18  # 1.5 mm of black bed left beside a sheet that begins 12 px in
    sheet = whole + np.array([[12, 0], [0, 0], [0, 0], [12, 0]])
    assert edge_residue(out, 238, MM, sheet) > 0.2


def test_a_dark_photo_to_the_edge_on_a_black_bed_passes() -> None:
    """Retouched end to end: a sheet whose photo runs to its top edge, on a black bed, has
    its bed painted and is neither ``black_border`` nor ``torn_edge``."""
    page = draw_page(lines=4)
    photo = np.full(page.shape[:2], 238, np.uint8)
    _dark_photo(photo, (round(15 * MM), 0, round(195 * MM), round(250 * MM)))
    page = np.ascontiguousarray(np.minimum(page, photo[..., None]))
    report = retouch_bytes(simplejpeg.encode_jpeg(scan(page, 0.0, bed=18), quality=90),
                           OPTS).report
    codes = [d.code for d in report.defects] + list(report.review)
    assert "black_border" not in codes and "torn_edge" not in codes, report.defects
    assert report.bed_sides, "the bed was painted"
