"""A page whose marks are too faint for the ink mask (pencil, carbon copy, faded print) is not
called blank — a blank page may be taken out of a volume; it is left as it is and flagged for
a person, saying the marks are faint. A page with nothing on it is still blank."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import simplejpeg
from retouch_synthetic import scan

from dangan.i18n import catalogue
from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes
from dangan.imaging.qc import FAINT_CONTENT


def _page(text_grey: int | None, lines: int = 26, uneven: bool = False,
          seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    h, w = 2339, 1654
    page = np.full((h, w, 3), 250, np.uint8)
    if text_grey is not None:
        for i in range(lines):
            text = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz  "), 40))
            cv2.putText(page, text, (220, 330 + i * 66), cv2.FONT_HERSHEY_SIMPLEX, 1.0,
                        (text_grey,) * 3, 2, cv2.LINE_AA)
    pixels = page.astype(np.float32)
    if uneven:  # light falling off towards one side, as under a lamp
        pixels *= (0.82 + 0.18 * np.linspace(0, 1, w, dtype=np.float32))[None, :, None]
    pixels += rng.normal(0, 4, pixels.shape).astype(np.float32)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def _report(pixels: np.ndarray):  # type: ignore[no-untyped-def]
    data = simplejpeg.encode_jpeg(pixels, quality=90)
    return retouch_bytes(data, RetouchOptions(orientation=False)).report


@pytest.mark.parametrize(("grey", "uneven"), [(215, False), (225, False), (225, True)])
def test_faint_text_is_not_blank(grey: int, uneven: bool) -> None:
    report = _report(_page(grey, uneven=uneven))
    codes = [d.code for d in report.defects]
    assert "blank_page" not in codes, codes
    assert FAINT_CONTENT in report.review
    assert report.faint_ratio >= 0.002, report.faint_ratio
    assert report.to_dict()["faint_ratio"] == round(report.faint_ratio, 4)
    assert report.rotation == 0 and report.skew_method in ("none", "unsure")


def test_dark_text_is_neither_blank_nor_faint() -> None:
    report = _report(_page(40))
    assert report.ink_ratio >= 0.002
    assert FAINT_CONTENT not in report.review
    assert "blank_page" not in [d.code for d in report.defects]


@pytest.mark.parametrize("uneven", [False, True])
def test_an_empty_page_is_still_blank(uneven: bool) -> None:
    report = _report(_page(None, uneven=uneven))
    assert "blank_page" in [d.code for d in report.defects]
    assert FAINT_CONTENT not in report.review and report.faint_ratio < 0.0008


def test_an_empty_page_with_binding_holes_on_a_bed_is_still_blank() -> None:
    pixels = scan(_page(None), 0.6, holes=True)
    report = _report(pixels)
    assert "blank_page" in [d.code for d in report.defects], report.defects
    assert FAINT_CONTENT not in report.review


def test_the_reason_is_worded() -> None:
    zh, en = catalogue()[f"retouch.review.{FAINT_CONTENT}"]
    assert "空白页" in zh and "faint" in en and "blank" in en


def test_a_shadow_along_the_edge_of_an_empty_page_is_not_faint_marks() -> None:
    """A curl's shadow darkens a band along one edge by more than faint text does: it is
    broad and smooth, not strokes."""
    page = _page(None).astype(np.float32)
    w = page.shape[1]
    band = np.clip((np.arange(w) - (w - 160)) / 160, 0, 1) ** 2  # darker towards the edge
    page *= (1 - 0.35 * band)[None, :, None]
    report = _report(scan(np.clip(page, 0, 255).astype(np.uint8), 0.8))
    assert "blank_page" in [d.code for d in report.defects], report.defects
    assert FAINT_CONTENT not in report.review, report.faint_ratio
