"""Whether a dark body on the sheet is a curled edge's shade is judged on the body's box,
widened past the farthest paper the judgement looks at: the same answer as on the whole
page, for a shade, a flat step and print, in the middle of the page and at its edges."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dangan.imaging import qc
from dangan.imaging.stats import components_with_stats

MM = 200 / 25.4


def _page() -> np.ndarray:
    """Light paper with shades that fade in over millimetres (one reaching the output's
    edge, one in a corner), flat dark patches that stand in a step, and bold strokes."""
    h, w = 900, 700
    yy, xx = np.mgrid[0:h, 0:w]
    grey = np.full((h, w), 232.0)
    for x, y, r, fade in ((0, 300, 40, 25), (690, 890, 30, 20), (350, 450, 35, 30)):
        d = np.hypot(xx - x, yy - y)
        grey = np.minimum(grey, 40 + 192 * np.clip((d - r) / fade, 0, 1))
    grey[100:160, 500:560] = 50  # a flat patch: bed, a step from the paper
    grey[5:60, 640:700] = 45  # the same at the output's corner
    rng = np.random.default_rng(800_321)
    for _ in range(60):  # words of bold strokes
        x, y = int(rng.integers(80, 620)), int(rng.integers(600, 860))
        grey[y:y + 22, x:x + int(rng.integers(18, 60))] = 30
    return grey.astype(np.uint8)


def test_each_body_is_judged_on_its_box_as_on_the_whole_page() -> None:
    grey = _page()
    h, w = grey.shape
    light = float(np.percentile(grey, qc.PAPER_LIGHT_PCT))
    k = 2 * max(1, round(qc.BODY_MM * MM / 2)) + 1
    body = cv2.morphologyEx((grey < 0.5 * light).astype(np.uint8), cv2.MORPH_OPEN,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    n, labels, stats, _ = components_with_stats(body)
    assert n > 20
    for inside in (np.ones((h, w), bool), np.pad(np.ones((h - 40, w - 40), bool), 20)):
        keep = inside.copy()  # the whole page, as each body was judged before
        keep[:, :2] = keep[:, w - 2:] = False
        keep[:2] = keep[h - 2:] = False
        whole = [i for i in range(1, n) if qc._shaded(grey, labels == i, keep, light, MM)]
        assert qc._shaded_ids(grey, labels, stats, range(1, n), inside, light, MM) == whole
    assert len(whole) == 3  # the three shades, neither the patches nor the words


def test_percentile_of_a_histogram_is_numpys_bit_for_bit() -> None:
    """The paper's light tone is read from a masked histogram: the same number, to the last
    bit, as ``np.percentile`` of the pixels gathered (the QC decisions rest on it)."""
    from dangan.imaging.stats import histogram_u8, percentile_of_histogram

    rng = np.random.default_rng(800_017)
    for _ in range(3000):
        n = int(rng.integers(1, 2000))
        lo, hi = sorted(int(v) for v in rng.integers(0, 256, 2))
        values = rng.integers(lo, hi + 1, n).astype(np.uint8)
        q = float(rng.choice([95.0, 10.0, 90.0, 50.0, float(rng.uniform(0, 100))]))
        assert percentile_of_histogram(np.bincount(values, minlength=256), q) == \
            float(np.percentile(values, q))
    grey = rng.integers(0, 256, (120, 90)).astype(np.uint8)
    where = rng.random((120, 90)) > 0.4
    assert np.array_equal(histogram_u8(grey, where), np.bincount(grey[where], minlength=256))
    with pytest.raises(ValueError):
        percentile_of_histogram(np.zeros(256, np.int64), 50)
