"""A JPEG is truncated when its last scan has no end-of-image marker — not when bytes follow
the marker (scanners pad files, cameras append trailers). One extra byte after the marker
made a page "truncated" at the scan check and unreadable at retouch."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from dangan.imaging.context import RetouchOptions
from dangan.imaging.jpeg import complete
from dangan.imaging.pipeline import retouch_bytes
from dangan.intake.content import inspect_page


def _page(progressive: bool = False) -> bytes:
    rng = np.random.default_rng(3)
    img = np.full((1169, 827), 235, np.uint8)
    img[200:900:40, 100:700] = rng.integers(0, 60, (18, 600), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(img).save(out, "JPEG", quality=85, dpi=(100, 100), progressive=progressive)
    return out.getvalue()


@pytest.mark.parametrize("tail", [b"\x01", b"\x00" * 512, b"MPF trailer\xff\xd8 data"])
@pytest.mark.parametrize("progressive", [False, True])
def test_bytes_after_the_end_marker_are_not_a_truncation(tail: bytes, progressive: bool) -> None:
    data = _page(progressive) + tail
    assert complete(data)
    assert inspect_page(data).reason != "truncated"
    report = retouch_bytes(data, RetouchOptions(orientation=False)).report
    assert report.status != "failed", report.defects


@pytest.mark.parametrize("progressive", [False, True])
def test_a_file_cut_short_is_truncated(progressive: bool) -> None:
    good = _page(progressive)
    for cut in (len(good) - 2, len(good) // 2, len(good) // 2 + 1):
        assert not complete(good[:cut])
    data = good[: len(good) // 2]
    assert inspect_page(data).reason == "truncated"
    report = retouch_bytes(data, RetouchOptions(orientation=False)).report
    assert report.status == "failed"
    assert any(d.detail == "truncated" for d in report.defects), report.defects
