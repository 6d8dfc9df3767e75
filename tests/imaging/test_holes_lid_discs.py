"""Punch guides printed where the holes would be, as discs tinted in a white lid's own tone with
a light outline, are not holes: a false fill erases print. Over a lid brighter than the paper
the outline's inside steps up to the lid's tone, and measured against that level the line
looked like a shadow fading inwards. A punched edge's shadow still darkens the lid 0.4 mm
inside the rim's darkest point; a printed outline has ended there. Real holes over such a lid
are still filled."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image, ImageDraw

from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes
from dangan.pagegen import make_page
from dangan.pagegen.generate import GeneratedPage, scan_page
from dangan.pagegen.scan import draw_params
from dangan.pagegen.sheet import make_sheet

OPTS = RetouchOptions(holes=True, orientation=False, trust_file_dpi=True)
MM = 200 / 25.4


def _guides(seed: int, tone: int = 170) -> GeneratedPage:
    """The sheet of development seed ``seed`` on a white lid, unpunched, with discs printed
    where its two holes would be: filled in the lid's tone, outlined 0.3 mm in ``tone``."""
    sheet = make_sheet(seed, 200, None, holes=2)
    p = draw_params(np.random.default_rng([seed, 31]), sheet, bed="white")
    im = Image.fromarray(sheet.rgb.copy())
    lid = p.bed_level
    for x, y, r in sheet.holes:
        ImageDraw.Draw(im).ellipse((x - r, y - r, x + r, y + r),
                                   fill=(lid, lid, round(lid * 0.99)), outline=(tone,) * 3,
                                   width=round(0.3 * MM))
    flat = dataclasses.replace(sheet, rgb=np.asarray(im), alpha=np.full_like(sheet.alpha, 255),
                               holes=[])
    return scan_page(flat, p, seed, seed)


@pytest.mark.parametrize("seed", [6095, 6122, 6194])
def test_lid_toned_printed_discs_over_a_brighter_lid_are_not_filled(seed: int) -> None:
    """Development pages whose two guides were both filled."""
    report = retouch_bytes(_guides(seed).data, OPTS).report
    assert report.holes_filled == 0 and report.hole_boxes == []


@pytest.mark.parametrize(("seed", "holes"), [(1069, 3), (1172, 2)])
def test_holes_over_a_lid_brighter_than_the_paper_are_filled(seed: int, holes: int) -> None:
    """Development pages whose holes fade least 0.4 mm inside the rim (0.15-0.2 of the
    rim's depth)."""
    page = make_page(seed, bed="white", holes=holes)
    report = retouch_bytes(page.data, OPTS).report
    assert report.holes_filled == holes
