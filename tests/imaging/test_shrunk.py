"""A page shrunk by more than 5 % to fit the output page (a sheet on a white bed whose edge
is not found keeps its whole frame; a sheet larger than the page) no longer has its size and
dpi: flagged for a person with the scale and the dpi it now has, never passed as ok."""

from __future__ import annotations

import numpy as np
import pytest
import simplejpeg
from retouch_synthetic import draw_page, scan

from dangan.i18n import catalogue
from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes
from dangan.imaging.qc import SHRUNK

OPTS = RetouchOptions(orientation=False)


def _report(pixels: np.ndarray):  # type: ignore[no-untyped-def]
    return retouch_bytes(simplejpeg.encode_jpeg(pixels, quality=90), OPTS).report


def test_a_sheet_on_a_white_bed_kept_whole_and_shrunk_is_flagged() -> None:
    """15 mm of white bed around an A4 sheet of the bed's own tone (no edge to see): the frame
    (240 × 327 mm) is shrunk to A4."""
    report = _report(scan(draw_page(), 0.0, bed=238, margin=(118, 118)))
    assert report.scale < 0.95
    assert SHRUNK in report.review and report.status == "defect"
    [detail] = [d.detail for d in report.defects if d.detail.startswith(SHRUNK)]
    assert f"scale={report.scale:.3f}" in detail and f"dpi={200 * report.scale:.0f}" in detail


@pytest.mark.parametrize(("bed", "margin"), [(22, (110, 120)), (250, (0, 0))])
def test_a_sheet_found_or_filling_the_frame_is_not_shrunk(bed: int,
                                                          margin: tuple[int, int]) -> None:
    report = _report(scan(draw_page(), 0.0, bed=bed, margin=margin))
    assert report.scale >= 0.95 and SHRUNK not in report.review


def test_the_reason_is_worded() -> None:
    zh, en = catalogue()[f"retouch.review.{SHRUNK}"]
    assert "5%" in zh and "5 %" in en and "白色底板" in zh


def test_an_a3_sheet_on_a_white_bed_is_shrunk_not_doubted_for_its_dpi() -> None:
    """An A3 sheet with 10 mm of white bed, its file rightly tagged 200 dpi: the frame kept is
    A3 and its bed, as the dpi's belief allows — not "a sheet larger than A3" (dpi_uncertain,
    whose advice, another --dpi, would mis-tag it); it is flagged for being shrunk instead."""
    import io

    import cv2
    from PIL import Image

    sheet = np.full((3307, 2339, 3), 240, np.uint8)  # A3 at 200 dpi
    for i in range(30):
        cv2.putText(sheet, f"ledger line {i:02d}  12.50  7.25  19.75", (260, 400 + i * 90),
                    cv2.FONT_HERSHEY_SIMPLEX, 1.6, (30, 30, 30), 3)
    frame = scan(sheet, 0.0, bed=250, margin=(79, 79))
    buf = io.BytesIO()
    Image.fromarray(frame).save(buf, "JPEG", quality=90, dpi=(200, 200))
    report = retouch_bytes(buf.getvalue(), RetouchOptions(orientation=False,
                                                          trust_file_dpi=True)).report
    assert report.dpi == 200 and "dpi_uncertain" not in report.review, report.defects
    assert SHRUNK in report.review


@pytest.mark.parametrize("angle", [7.0, 9.5, -9.5])
def test_a_sheet_skewed_several_degrees_comes_out_at_its_size(angle: float) -> None:
    """An A4 sheet laid 7–9.5° askew on a dark bed, its text filling the sheet: once
    straightened it fits A4 at its size. The text's upright box in the scan, turned by the
    deskew, is larger than the text (it was shrunk to 0.87–0.96 with no flag)."""
    report = _report(scan(draw_page(lines=30), angle, bed=22, margin=(420, 420)))
    assert abs(report.skew_before_deg - angle) < 0.2
    assert report.scale >= 0.995 and SHRUNK not in report.review, (report.scale, report.review)
    assert report.content_margin_mm > 5 and report.status == "ok", report.defects
