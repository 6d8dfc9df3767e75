"""Bilevel mode loses a photograph's tones (black and white blobs): a page that is mostly
mid-tones is flagged for a person (``bilevel_tones``), a text page is not, and grey or colour
mode keeps the tones and says nothing."""

from __future__ import annotations

import cv2
import numpy as np
import simplejpeg
from retouch_synthetic import draw_page, scan

from dangan.i18n import catalogue
from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes


def _photo_page() -> np.ndarray:
    """A4 with a caption and a 150 × 180 mm photograph: smooth shades of a face-like scene."""
    page = draw_page(lines=3)
    yy, xx = np.mgrid[0:1417, 0:1181].astype(np.float32)
    photo = 120 + 60 * np.sin(xx / 140) * np.cos(yy / 190) - 40 * np.exp(
        -((xx - 590) ** 2 + (yy - 600) ** 2) / 90_000)
    tone = np.clip(photo, 20, 230).astype(np.uint8)
    page[600:2017, 236:1417] = cv2.merge([tone, tone, tone])
    return page


def _review(page: np.ndarray, mode: str) -> list[str]:
    data = simplejpeg.encode_jpeg(scan(page, 0.0, bed=22), quality=90)
    return retouch_bytes(data, RetouchOptions(orientation=False, mode=mode)).report.review  # type: ignore[arg-type]


def test_a_page_that_is_mostly_a_photograph_is_flagged_in_bilevel_mode() -> None:
    assert "bilevel_tones" in _review(_photo_page(), "bilevel")


def test_a_text_page_in_bilevel_mode_and_the_photograph_in_grey_are_not() -> None:
    assert "bilevel_tones" not in _review(draw_page(), "bilevel")
    assert "bilevel_tones" not in _review(_photo_page(), "grey")


def test_the_reason_is_worded() -> None:
    zh, en = catalogue()["retouch.review.bilevel_tones"]
    assert "灰度" in zh and "grey" in en
