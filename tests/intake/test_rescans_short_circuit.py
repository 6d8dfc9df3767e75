"""The rescan search confirms a candidate pair the cheaper way (``confirm(..., thorough=False)``:
the checks stop at the first that tells two sheets, the ink difference counted only until it
is over its limit, the tone maps made only for a sparse match) and reaches the verdict of the
thorough comparison: a sheet rescanned at 5° and 5 % smaller on a black bed is one sheet, two
filled copies of one printed form and two photo pages of one album are two. The mid-size
scan without its tone maps, given them later, and the paper level taken from a histogram are
those of the thorough path to the bit.

Pages from ``dangan.pagegen`` on test seeds at 100 dpi; the photo pages are those of
``test_rescans_other_photo``.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image
from test_rescans import Warp, rescan
from test_rescans_other_photo import _photo
from test_rescans_other_photo import _rescan as _photo_rescan

from dangan.intake.content import inspect_page
from dangan.intake.duplicates import Comparison, Marks, confirm
from dangan.intake.duplicates.compare import InkCache
from dangan.intake.duplicates.sheet import mid_grey, mid_scan, paper_level, toned
from dangan.pagegen import TEST_SEEDS, make_form_pair, make_page

SEED = TEST_SEEDS[0] + 4_700


def _compare(a: bytes, b: bytes, thorough: bool) -> Comparison | None:
    pages = [a, b]
    marks = [Marks.unpack(inspect_page(d).marks) for d in pages]
    cache = InkCache(lambda i: pages[i], tones=thorough)
    return confirm(marks[0], marks[1], lambda: cache.get(0), lambda: cache.get(1),
                   thorough=thorough)


def _rescanned() -> tuple[bytes, bytes]:
    page = make_page(SEED, dpi=100)
    return page.data, rescan(page.image, Warp(angle=5.0, shift=(0.02, -0.01), scale=0.95,
                                              bed=20, gamma=1.2, gain=0.95))


def _form() -> tuple[bytes, bytes]:
    a, b = make_form_pair(SEED + 1, dpi=100)
    return a.data, b.data


def _photos() -> tuple[bytes, bytes]:
    return _photo(4, 20_000), _photo(10, 20_000)


def _photo_again() -> tuple[bytes, bytes]:
    first = _photo(4, 20_000)
    return first, _photo_rescan(first, angle=-4.0, scale=1.04, gain=1.05)


@pytest.mark.parametrize(("make", "one_sheet"), [(_rescanned, True), (_form, False),
                                                 (_photos, False), (_photo_again, True)])
def test_the_cheaper_confirmation_gives_the_thorough_verdict(
        make: Callable[[], tuple[bytes, bytes]], one_sheet: bool) -> None:
    a, b = make()
    full = _compare(a, b, thorough=True)
    fast = _compare(a, b, thorough=False)
    assert (full is None) == (fast is None)
    assert full is not None and fast is not None  # the marks fit: the comparison decides
    assert full.same is one_sheet
    assert fast.same is one_sheet
    assert fast.inliers == full.inliers
    if one_sheet:  # every check ran: the same figures
        assert (fast.differing_px, fast.ink_px, fast.off_sheet_px, fast.unseen_px) == (
            full.differing_px, full.ink_px, full.off_sheet_px, full.unseen_px)


def test_mid_scan_with_its_tone_maps_later_is_the_same() -> None:
    a, b = _rescanned()
    for data in (a, b, _photo(4, 20_000)):
        grey = mid_grey(data)
        assert grey is not None
        whole, later = mid_scan(grey), toned(mid_scan(grey, tones=False))
        assert mid_scan(grey, tones=False).tone is None
        for name in ("ink", "dark", "bed", "light", "sheet", "tone", "picture", "holes"):
            x, y = getattr(whole, name), getattr(later, name)
            assert (x is None and y is None) or np.array_equal(x, y), name


def test_paper_level_is_the_90th_percentile() -> None:
    a, b = _rescanned()
    greys = [mid_grey(d) for d in (a, b)]
    greys.append(np.asarray(Image.open(io.BytesIO(a)).convert("L")))
    rng = np.random.default_rng(SEED)
    greys += [np.array([[0, 255]], np.uint8),  # between two levels: interpolated
              rng.integers(0, 256, (31, 41), dtype=np.uint8),
              rng.integers(100, 104, (1, 1001), dtype=np.uint8)]
    for grey in greys:
        assert grey is not None
        assert paper_level(grey) == float(np.percentile(grey, 90))
