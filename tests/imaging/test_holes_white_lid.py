"""Holes over a white lid of another tone than the paper: the lid shows inside the rim.

A white lid is seldom the paper's own tone. Where it is darker, the punched edge's shadow
runs from the lid's level down to the rim and the paper steps up from there, so the dark band
looks as dark outside the rim as inside it against each side's own level, and the rim passed
for a printed line: the row was left unfilled. A hole is told by what a cut in paper shows:
the disc inside is the lid's tone seen beside the sheet, apart from the paper around it, and
the dark band fades inwards from a sharp cut edge. A printed ring has paper inside; a printed
disc tinted in the lid's tone has the same ink edge on both sides of its outline.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from punched_holes import MM, jpeg, lay_on_bed, ring
from retouch_synthetic import draw_page

from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes

OPTS = RetouchOptions(holes=True, orientation=False, trust_file_dpi=True)
MARGIN = 110  # lid around the sheet, px
X = 94  # 12 mm from the binding edge
HOLES = [(X, 2339 // 2 - 310), (X, 2339 // 2 + 310)]  # a punched row, 78.7 mm apart
PAPER = 238  # draw_page's paper
LID = 210  # a white lid darker than the paper (not dark enough to be a bed: > 0.8 of it)


@pytest.mark.parametrize("seed", [0, 1])
def test_holes_over_a_lid_darker_than_the_paper_are_filled(seed: int) -> None:
    report = retouch_bytes(jpeg(lay_on_bed(draw_page(), LID, HOLES, MARGIN, 0.9), seed),
                           OPTS).report
    assert report.holes_filled == 2 and len(report.hole_boxes) == 2
    assert [c.code for c in report.changes].count("hole_filled") == 2
    assert "hole_unsure" not in report.review


@pytest.mark.parametrize("tone", [90, 130, 170])
def test_printed_rings_over_that_lid_are_not_filled_nor_named(tone: int) -> None:
    """Grey punch-guide rings where the holes would be: paper inside, not the lid."""
    page = draw_page()
    for x, y in HOLES:
        ring(page, x, y, tone, 0.3)
    report = retouch_bytes(jpeg(lay_on_bed(page, LID, [], MARGIN, 0.9)), OPTS).report
    assert report.holes_filled == 0 and report.hole_boxes == []
    assert "hole_unsure" not in report.review


@pytest.mark.parametrize("tone", [90, 130, 170])
def test_printed_discs_in_the_lids_tone_are_not_filled(tone: int) -> None:
    """Punch guides printed as discs tinted exactly in the lid's tone, with an outline: the
    inside matches the lid, but the outline has the same ink edge on both sides."""
    page = draw_page()
    im = Image.fromarray(page)
    r, w = round(3 * MM), round(0.3 * MM)
    for x, y in HOLES:
        ImageDraw.Draw(im).ellipse((x - r, y - r, x + r, y + r), fill=(LID,) * 3,
                                   outline=(tone,) * 3, width=w)
    page[...] = np.asarray(im)
    report = retouch_bytes(jpeg(lay_on_bed(page, LID, [], MARGIN, 0.9)), OPTS).report
    assert report.holes_filled == 0 and report.hole_boxes == []
