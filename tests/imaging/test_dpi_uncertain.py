"""A dpi that is only a guess must not resize a page in silence.

When the dpi a page is read at (its file's tag, or the fallback when it has none to trust)
makes the sheet larger than A3, the page keeps its pixels —
the canvas grows, nothing is shrunk — and is flagged ``needs_review`` ``dpi_uncertain`` with
the dpi assumed. A file's dpi that is rejected says so, and why, in its change's detail.
A guess that makes the sheet small is no flag: a small sheet is never scaled (a slip, a
ticket), so nothing is harmed.
"""

from __future__ import annotations

import io
from dataclasses import replace

import cv2
import numpy as np
import pytest
from PIL import Image
from retouch_synthetic import draw_page, scan

from dangan.i18n import catalogue, set_language, t
from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import DPI_UNCERTAIN, retouch_bytes

OPTS = RetouchOptions(orientation=False, trust_file_dpi=True)  # the folder route, no --dpi


def _png(pixels: np.ndarray, dpi: int | None = None) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG", **({"dpi": (dpi, dpi)} if dpi else {}))
    return out.getvalue()


def _at_300(page: np.ndarray) -> np.ndarray:
    """The 200-dpi A4 test page as a 300-dpi scan would hold it."""
    return cv2.resize(page, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC)


def _params(detail: str) -> dict[str, str]:
    return dict(kv.split("=", 1) for kv in detail.split(",") if "=" in kv)


def _review(report_detail: list[tuple[str, str]]) -> dict[str, str]:
    found = [d for code, d in report_detail if code == "needs_review"
             and d.startswith(DPI_UNCERTAIN + ":")]
    assert len(found) == 1, report_detail
    return _params(found[0].partition(":")[2])


def test_an_untagged_300_dpi_page_is_not_shrunk_and_is_flagged() -> None:
    """On a bed the frame is too large at 200 dpi, and its pixels are no usual paper size."""
    page = _at_300(draw_page())
    pixels = scan(page, 0.0, margin=(150, 150))
    report = retouch_bytes(_png(pixels), OPTS).report
    assert report.dpi_source == "fallback" and report.dpi == 200
    assert report.scale == 1.0 and "scaled" not in [c.code for c in report.changes]
    assert report.width >= page.shape[1] and report.height >= page.shape[0]
    assert report.status == "defect" and DPI_UNCERTAIN in report.review
    review = _review([(d.code, d.detail) for d in report.defects])
    assert review["assumed"] == "200" and review["source"] == "fallback"


def test_a_wrong_dpi_tag_is_rejected_saying_why() -> None:
    page = scan(_at_300(draw_page()), 0.0, margin=(150, 150))
    report = retouch_bytes(_png(page, dpi=200), OPTS).report
    changes = [c.detail for c in report.changes if c.code == "dpi_fallback"]
    assert len(changes) == 1
    params = _params(changes[0])
    assert params["file_dpi"] == "200" and params["dpi"] == "200"
    short, long = (int(v) for v in params["frame_mm"].split("x"))
    assert long > 470 and short < long  # why: no sheet up to A3 on a bed at that dpi
    assert _review([(d.code, d.detail) for d in report.defects])["file_dpi"] == "200"
    zh, en = catalogue()["retouch.change.dpi_rejected"]
    for lang in ("zh", "en"):
        set_language(lang)
        text = t("retouch.change.dpi_rejected", **params)
        assert "200" in text and params["frame_mm"] in text and "{" not in text
    set_language(None)
    assert "A3" in zh and "rejected" in en
    assert catalogue()[f"retouch.review.{DPI_UNCERTAIN}"]


def test_a_plausible_untagged_page_is_not_flagged() -> None:
    report = retouch_bytes(_png(scan(draw_page(), 0.5)), OPTS).report
    assert report.dpi_source == "fallback" and DPI_UNCERTAIN not in report.review


def test_a_given_dpi_is_not_questioned() -> None:
    opts = RetouchOptions(orientation=False, dpi=200, trust_file_dpi=False)  # --dpi 200
    report = retouch_bytes(_png(_at_300(draw_page())), opts).report
    assert report.dpi_source == "option" and DPI_UNCERTAIN not in report.review


def test_an_untagged_small_slip_is_kept_at_its_pixels_and_not_flagged() -> None:
    """A receipt-sized crop with no dpi (95 × 130 mm at the fallback, under A6) lies on the
    page at its pixels; it was flagged dpi_uncertain though nothing could be shrunk."""
    page = draw_page()
    h, w = page.shape[:2]
    slip = np.ascontiguousarray(page[: h * 130 // 297, : w * 95 // 210])
    scale = 200 / 25.4 * 95 / slip.shape[1]
    slip = cv2.resize(slip, (round(slip.shape[1] * scale), round(slip.shape[0] * scale)),
                      interpolation=cv2.INTER_AREA)
    done = retouch_bytes(_png(slip), OPTS)
    report = done.report
    assert report.dpi_source == "fallback" and DPI_UNCERTAIN not in report.review
    assert abs(float(np.linalg.det(done.matrix[:, :2])) - 1.0) < 0.02  # not scaled


def test_holes_are_not_filled_at_a_guessed_dpi() -> None:
    """Holes are told from dark dots by their size in mm: at a dpi that is a guess (and makes
    no plausible sheet) nothing is filled; the same scan read at its true dpi is."""
    page = scan(_at_300(draw_page()), 0.0, margin=(150, 150), holes=True)
    holes = replace(OPTS, holes=True)
    guessed = retouch_bytes(_png(page), holes).report
    assert DPI_UNCERTAIN in guessed.review
    assert guessed.holes_filled == 0 and guessed.hole_boxes == []
    assert "hole_filled" not in [c.code for c in guessed.changes]
    given = retouch_bytes(_png(page), replace(holes, dpi=300, trust_file_dpi=False)).report
    assert DPI_UNCERTAIN not in given.review and given.holes_filled >= 1


def _sheet(w_mm: float, h_mm: float, dpi: int) -> np.ndarray:
    """A light sheet of ``w_mm`` × ``h_mm`` at ``dpi`` with a few dark lines of text."""
    px = dpi / 25.4
    w, h = round(w_mm * px), round(h_mm * px)
    sheet = np.full((h, w, 3), 240, np.uint8)
    for i in range(max(1, int(h_mm // 12))):
        y = round((8 + i * 10) * px)
        if y + 10 < h:
            cv2.putText(sheet, "Received 1,200 yuan " * 3, (round(6 * px), y),
                        cv2.FONT_HERSHEY_SIMPLEX, dpi / 200 * 0.8, (30, 30, 30), 2)
    return sheet


@pytest.mark.parametrize("w_mm,h_mm,dpi", [(90, 55, 400), (120, 80, 300), (100, 70, 300)])
def test_a_slip_smaller_than_a6_keeps_its_files_dpi(w_mm: int, h_mm: int, dpi: int) -> None:
    """Receipts, tickets and IOUs are often smaller than A6: a slip's own, correct dpi was
    rejected and the slip read at the 200 dpi fallback came out 1.5–2× its size."""
    done = retouch_bytes(_png(_sheet(w_mm, h_mm, dpi), dpi=dpi), OPTS)
    report = done.report
    assert report.dpi_source == "file" and report.dpi == dpi
    assert "dpi_fallback" not in [c.code for c in report.changes]
    assert DPI_UNCERTAIN not in report.review


def test_an_a3_sheet_on_a_bed_keeps_its_files_dpi() -> None:
    """A 300 dpi A3 sheet with 15 mm of dark bed around it (a 327 × 450 mm frame): the frame
    is larger than A3 but holds an A3 sheet; its dpi was rejected and the page read at 200 dpi
    claimed to be 446 × 630 mm."""
    dpi, bed = 300, round(15 * 300 / 25.4)
    sheet = _sheet(297, 420, dpi)
    frame = cv2.copyMakeBorder(sheet, bed, bed, bed, bed, cv2.BORDER_CONSTANT, value=(25, 25, 25))
    report = retouch_bytes(_png(frame, dpi=dpi), replace(OPTS, page_size_mm=(297.0, 420.0))
                           ).report
    assert report.dpi_source == "file" and report.dpi == 300
    assert DPI_UNCERTAIN not in report.review and report.scale == pytest.approx(1.0, abs=0.01)


def test_an_untagged_200_dpi_scan_whose_pixels_are_16k_at_240_says_so_truly() -> None:
    """A 200-dpi A4 sheet on a bed, untagged, in a 1842 × 2559 frame (234 × 325 mm at 200 dpi,
    exactly 16K at 240): it was said "at the dpi assumed the sheet is larger than A3", with
    the detail ``pixels=16K@240`` alone. The words say the dpi read and why, the frame it
    makes, and the paper the pixels are at another dpi."""
    from dangan.services.retouch import defect_words

    pixels = scan(draw_page(), 0.0, margin=(94, 110))
    assert pixels.shape[:2] == (2559, 1842)
    report = retouch_bytes(_png(pixels), OPTS).report
    review = _review([(d.code, d.detail) for d in report.defects])
    assert review == {"assumed": "200", "source": "fallback", "frame_mm": "234x325",
                      "pixels": "16K@240"}
    detail = next(d.detail for d in report.defects if d.detail.startswith(DPI_UNCERTAIN))
    for lang in ("zh", "en"):
        set_language(lang)
        words = defect_words("needs_review", detail)
        assert words == t("retouch.review.dpi_uncertain_words",
                          why=t("retouch.dpi_why.untagged", assumed="200"),
                          what=t("retouch.dpi_what.pixels", frame_mm="234x325", size="16K",
                                 dpi="240"))
        assert "A3" not in words
    set_language(None)


def test_a_rejected_tag_is_named_in_the_pages_words() -> None:
    from dangan.services.retouch import defect_words

    page = scan(_at_300(draw_page()), 0.0, margin=(150, 150))
    report = retouch_bytes(_png(page, dpi=1), OPTS).report  # 1 dpi: a tag, rejected
    review = _review([(d.code, d.detail) for d in report.defects])
    assert review["file_dpi"] == "1"  # a PNG's 1 dpi (39 pixels a metre) is 0.99
    detail = next(d.detail for d in report.defects if d.detail.startswith(DPI_UNCERTAIN))
    set_language("en")
    try:
        words = defect_words("needs_review", detail)
        assert words == t("retouch.review.dpi_uncertain_words",
                          why=t("retouch.dpi_why.rejected", assumed="200",
                                file_dpi=review["file_dpi"]),
                          what=t("retouch.dpi_what.frame", frame_mm=review["frame_mm"]))
    finally:
        set_language(None)
