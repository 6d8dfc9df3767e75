"""A slip glued askew onto a sheet (a receipt on a 粘贴单) must not turn the whole sheet by its
own text: when the text lines and a sharp sheet edge disagree by more than a print's own
error, the sheet is straightened by its edge and the page is flagged for a person."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import simplejpeg
from retouch_synthetic import draw_page, scan

from dangan.i18n import catalogue
from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes
from dangan.imaging.qc import SKEW_DISPUTED


def _sheet_with_slip(slip_deg: float, seed: int = 3) -> np.ndarray:
    """An A4 sheet at 200 dpi with a title and two signature lines of its own, and a slip
    (110 × 150 mm, a shade darker paper, dense text) glued on at ``slip_deg``."""
    page = np.full((2339, 1654, 3), 238, np.uint8)
    cv2.putText(page, "REIMBURSEMENT VOUCHER", (330, 200), cv2.FONT_HERSHEY_SIMPLEX, 2.0,
                (25, 25, 25), 4)
    for y in (2120, 2200):
        cv2.putText(page, "signed ____________  date ________", (240, y),
                    cv2.FONT_HERSHEY_SIMPLEX, 1.1, (25, 25, 25), 2)
    slip = draw_page(w=866, h=1181, lines=16, seed=seed)[:, :, :]
    slip[:] = np.where(slip > 200, 226, slip)
    slip[:, :8] = slip[:, -8:] = slip[:8] = slip[-8:] = 200  # its edge
    sh, sw = slip.shape[:2]
    big = np.zeros((sh + 200, sw + 200, 3), np.uint8)
    alpha = np.zeros(big.shape[:2], np.uint8)
    big[100:100 + sh, 100:100 + sw] = slip
    alpha[100:100 + sh, 100:100 + sw] = 255
    m = cv2.getRotationMatrix2D(((sw + 200) / 2, (sh + 200) / 2), slip_deg, 1.0)
    big = cv2.warpAffine(big, m, big.shape[1::-1], flags=cv2.INTER_LINEAR)
    alpha = cv2.warpAffine(alpha, m, alpha.shape[::-1], flags=cv2.INTER_LINEAR)
    y0, x0 = 420, (1654 - big.shape[1]) // 2
    region = page[y0:y0 + big.shape[0], x0:x0 + big.shape[1]]
    a = (alpha.astype(np.float32) / 255)[:, :, None]
    region[:] = (big * a + region * (1 - a)).astype(np.uint8)
    return page


def _report(pixels: np.ndarray):  # type: ignore[no-untyped-def]
    return retouch_bytes(simplejpeg.encode_jpeg(pixels, quality=90),
                         RetouchOptions(orientation=False)).report


@pytest.mark.parametrize(("sheet_deg", "slip_deg"), [(0.0, 3.0), (1.5, -2.5)])
def test_a_slip_glued_askew_does_not_turn_the_sheet(sheet_deg: float, slip_deg: float) -> None:
    report = _report(scan(_sheet_with_slip(slip_deg), sheet_deg))
    assert SKEW_DISPUTED in report.review, (report.skew_before_deg, report.skew_method)
    assert report.skew_method == "unsure" and report.skew_before_deg == 0.0
    assert "deskewed" not in [c.code for c in report.changes]


@pytest.mark.parametrize("sheet_deg", [0.0, 2.0])
def test_text_printed_straight_is_not_disputed(sheet_deg: float) -> None:
    report = _report(scan(draw_page(), sheet_deg))
    assert SKEW_DISPUTED not in report.review
    assert report.skew_before_deg == pytest.approx(sheet_deg, abs=0.15)


def test_the_reason_is_worded() -> None:
    zh, en = catalogue()[f"retouch.review.{SKEW_DISPUTED}"]
    assert "纸张边缘" in zh and "未纠偏" in zh and "edge" in en


def test_a_disputed_page_is_flagged_once() -> None:
    report = _report(scan(_sheet_with_slip(3.0), 0.0))
    assert report.review.count(SKEW_DISPUTED) == 1 and "skew_uncertain" not in report.review
