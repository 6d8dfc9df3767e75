"""Holes over a white bed among foxing (brown age spots) are found; printed circles stay.

A hole over a white bed shows only its rim's shadow. Foxing around it — broad, soft,
mid-toned spots — spread the tones there, and the rim was looked for above that spread as if
it were noise, so the ring went unseen. The rim is now looked for above the grain (what
changes from one pixel to the next); a printed circle among the same spots is still ink, not
a shadow, and stays.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import simplejpeg
from foxing import fox
from retouch_synthetic import draw_page
from test_holes_unsure import _judge

from dangan.pagegen import make_page


def _foxed(seed: int) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The pagegen page ``seed`` (two holes, white bed) with foxing around each hole."""
    page = make_page(seed, holes=2, bed="white", turn=0)
    t = page.truth
    mask = np.zeros(page.image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(np.array(t.paper_quad)).astype(np.int32)], 1)
    holes = [(h.x, h.y, h.r) for h in t.holes]
    rng = np.random.default_rng([seed, 77])
    image = page.image
    for x, y, _r in holes:
        image = fox(image, rng, (x, y), 15.0, t.dpi, int(rng.integers(6, 20)), holes, mask > 0)
    return image, [(x, y) for x, y, _r in holes]


@pytest.mark.parametrize("seed", [5000, 5016, 5021, 5039])
def test_holes_among_foxing_on_a_white_bed_are_filled(seed: int) -> None:
    image, holes = _foxed(seed)
    judged, factor = _judge(image)
    assert len(judged.holes) == 2
    for h in judged.holes:
        x, y = (h.x + 0.5) / factor - 0.5, (h.y + 0.5) / factor - 0.5
        assert min(np.hypot(x - hx, y - hy) for hx, hy in holes) < 12


@pytest.mark.parametrize("ink", [30, 60])
def test_printed_circles_among_foxing_are_not_holes(ink: int) -> None:
    """Two printed circles at a punched row's place, on a white bed, foxing around them."""
    page = draw_page()
    h = page.shape[0]
    ys = (h // 2 - 310, h // 2 + 310)
    for y in ys:
        cv2.circle(page, (90, y), 24, (ink, ink, ink), 2, cv2.LINE_AA)
    page = cv2.GaussianBlur(page, (0, 0), 1.2)
    rng = np.random.default_rng(ink)
    for y in ys:
        page = fox(page, rng, (90, y), 15.0, 200, 14, [(90, y, 26)])
    framed = cv2.copyMakeBorder(page, 60, 60, 60, 60, cv2.BORDER_CONSTANT, value=(245, 245, 245))
    judged, _f = _judge(simplejpeg.encode_jpeg(framed, quality=90))
    assert judged.holes == [] and judged.unsure == []
