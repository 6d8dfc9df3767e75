"""Blur is judged on writing, not beside a photograph: what the ink mask keeps of a photo's
narrow parts and of its tones fading to the paper is soft by nature. A sharp page holding a
photo (``dangan.pagegen``'s photo pages, held-out test seeds) is not ``blurred``; the same page
out of focus still is."""

from __future__ import annotations

import pytest

from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes
from dangan.pagegen import make_page

OPTIONS = RetouchOptions(orientation=False, trust_file_dpi=True)


@pytest.mark.parametrize("seed", [800_200, 800_229])
def test_a_sharp_page_with_a_photo_is_not_blurred(seed: int) -> None:
    page = make_page(seed, kind="photo", turn=0)
    assert page.truth.blur_sigma * 25.4 / page.truth.dpi < 0.3  # sharp by its truth
    report = retouch_bytes(page.data, OPTIONS).report
    assert "blurred" not in [d.code for d in report.defects], report.sharpness


@pytest.mark.parametrize("seed", [800_200, 800_229])
def test_the_same_page_out_of_focus_is_blurred(seed: int) -> None:
    page = make_page(seed, kind="photo", turn=0, scan={"blur_sigma": 4.0})
    report = retouch_bytes(page.data, OPTIONS).report
    assert "blurred" in [d.code for d in report.defects], report.sharpness
