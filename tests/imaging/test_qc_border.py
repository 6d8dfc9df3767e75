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
