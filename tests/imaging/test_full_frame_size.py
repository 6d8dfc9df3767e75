"""A page whose sheet fills the frame keeps its size on a page of that size.

The frame's edge is no ink: an exact A4 frame lies on the A4 page at scale 1 (it came out
at 0.985, a 1.5 mm margin asked around the frame). A full-frame page deskewed is still
shrunk just enough to keep the whole frame (what the ink mask misses near the frame's edge
is kept too; cropping to the content found cut 2.4 % of a real page's ink). Pages drawn here.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import simplejpeg
from retouch_synthetic import draw_page

from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes

OPTS = RetouchOptions(orientation=False, trust_file_dpi=True)


def _jpeg(page: np.ndarray) -> bytes:
    return bytes(simplejpeg.encode_jpeg(np.ascontiguousarray(page), quality=90))


def _ink(img: np.ndarray) -> int:
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if img.ndim == 3 else img
    return int(np.count_nonzero(grey < 128))


@pytest.mark.parametrize("skew", [0.0, 1.5, -2.5])
def test_a_full_frame_a4_page_keeps_its_size_and_its_frame(skew: float) -> None:
    page = draw_page()  # 1654 × 2339: A4 at 200 dpi, the sheet filling the frame
    h, w = page.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), skew, 1.0)
    scan = cv2.warpAffine(page, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(238, 238, 238))
    done = retouch_bytes(_jpeg(scan), OPTS)
    report = done.report
    assert (report.width, report.height) == (w, h)
    if skew == 0.0:
        assert report.scale == pytest.approx(1.0, abs=0.002), report.changes
        assert "scaled" not in [c.code for c in report.changes]
    else:  # the turned frame's corners are kept: shrunk by what the turn needs, no more
        s, c = abs(np.sin(np.radians(skew))), np.cos(np.radians(skew))
        need = min((w - 1) / (w * c + h * s), (h - 1) / (h * c + w * s))
        assert report.scale == pytest.approx(need, abs=0.004), (report.scale, need)
    out = simplejpeg.decode_jpeg(done.data)
    assert _ink(out) >= 0.97 * _ink(scan) * report.scale ** 2  # nothing cut
    assert report.content_margin_mm >= 0
    assert report.status == "ok", report.defects  # the frame on the page's edge is no finding


def test_no_deskew_still_measures_the_skew_left() -> None:
    """With --no-deskew the page is not turned, but the skew it is delivered with is measured
    on the output (it was reported as 0.0) and judged against the limit."""
    page = draw_page()
    h, w = page.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 2.0, 1.0)
    scan = cv2.warpAffine(page, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(238, 238, 238))
    report = retouch_bytes(_jpeg(scan), RetouchOptions(orientation=False, deskew=False)).report
    assert report.skew_method == "off" and report.skew_before_deg == 0.0
    assert abs(abs(report.skew_after_deg) - 2.0) < 0.3, report.skew_after_deg
    assert "skew" in [d.code for d in report.defects]  # over the folder route's 1° limit


@pytest.mark.parametrize("size", [(1786, 2526), (1600, 2642), (1660, 2350)])
def test_a_frame_larger_than_the_page_is_shrunk_whole_and_not_flagged(
        size: tuple[int, int]) -> None:
    """A full frame a little larger than A4 is shrunk to lie edge to edge on the page: its
    edge on the page's edge is no content at the edge (it was flagged content_at_edge,
    margin -0.0 mm, by a rounding)."""
    w, h = size
    page = cv2.resize(draw_page(), (w, h), interpolation=cv2.INTER_AREA)
    report = retouch_bytes(_jpeg(page), OPTS).report
    # 1660 × 2350 lies on 1654 × 2339 at 0.9953 when it is measured level, as it is drawn
    assert report.scale < 0.999 and report.content_margin_mm >= 0
    assert "content_at_edge" not in [d.code for d in report.defects], report.defects
