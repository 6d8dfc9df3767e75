"""What the page is as delivered: a resolution below the archival minimum is a warning
defect naming the dpi; a CMYK or 16-bit file is read as 8 bits and the report says so
(information: the page is no defect for it)."""

from __future__ import annotations

import io

import cv2
import numpy as np
import simplejpeg
from PIL import Image
from retouch_synthetic import draw_page, scan

from dangan.i18n import catalogue
from dangan.imaging.context import QcThresholds, RetouchOptions
from dangan.imaging.pipeline import retouch_bytes
from dangan.imaging.qc import CONVERTED, LOW_DPI

OPTS = RetouchOptions(orientation=False, trust_file_dpi=True)


def _defects(data: bytes) -> tuple[str, list[tuple[str, str]]]:
    report = retouch_bytes(data, OPTS).report
    return report.status, [(d.code, d.detail) for d in report.defects]


def _jpeg(pixels: np.ndarray, dpi: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=90, dpi=(dpi, dpi))
    return out.getvalue()


def test_an_a4_page_at_72_dpi_is_a_low_resolution_warning() -> None:
    page = cv2.resize(draw_page(), (595, 842), interpolation=cv2.INTER_AREA)
    status, defects = _defects(_jpeg(page, 72))
    assert status == "defect"
    assert (LOW_DPI, f"dpi=72,min={QcThresholds().min_dpi}") in defects
    zh, en = catalogue()[f"retouch.why.{LOW_DPI}"]
    assert "{dpi}" in zh and "{dpi}" in en and catalogue()[f"retouch.defect.{LOW_DPI}"]


def test_the_minimum_is_the_project_s_own() -> None:
    """``scan.min_dpi`` reaches the page engine: a project that accepts 150 dpi gets no
    low_dpi warning for a 150 dpi page; one that asks for 300 gets it for a 200 dpi page."""
    page = cv2.resize(draw_page(), (1240, 1754), interpolation=cv2.INTER_AREA)
    lenient = RetouchOptions(orientation=False, trust_file_dpi=True, qc=QcThresholds(min_dpi=150))
    codes = [d.code for d in retouch_bytes(_jpeg(page, 150), lenient).report.defects]
    assert LOW_DPI not in codes
    assert LOW_DPI in [code for code, _ in _defects(_jpeg(page, 150))[1]]
    strict = RetouchOptions(orientation=False, trust_file_dpi=True, qc=QcThresholds(min_dpi=300))
    big = scan(draw_page(), 0.5)
    details = [(d.code, d.detail) for d in retouch_bytes(_jpeg(big, 200), strict).report.defects]
    assert (LOW_DPI, "dpi=200,min=300") in details


def test_a_200_dpi_page_is_no_low_resolution() -> None:
    _status, defects = _defects(_jpeg(scan(draw_page(), 0.5), 200))
    assert LOW_DPI not in [code for code, _ in defects]


def test_a_cmyk_jpeg_is_read_and_said_converted() -> None:
    rgb = scan(draw_page(), 0.5)
    out = io.BytesIO()
    Image.fromarray(rgb).convert("CMYK").save(out, "JPEG", quality=90, dpi=(200, 200))
    status, defects = _defects(out.getvalue())
    assert (CONVERTED, "source=CMYK,target=RGB") in defects
    assert status == "ok"  # information, not a defect of the page
    _status, plain = _defects(simplejpeg.encode_jpeg(rgb, quality=90))
    assert CONVERTED not in [code for code, _ in plain]


def test_a_16_bit_png_is_read_and_said_converted() -> None:
    grey = cv2.cvtColor(scan(draw_page(), 0.5), cv2.COLOR_RGB2GRAY).astype(np.uint16) * 257
    ok, png = cv2.imencode(".png", grey)
    assert ok
    status, defects = _defects(png.tobytes())
    assert (CONVERTED, "source=16-bit,target=8-bit") in defects
    assert status == "ok"
    assert catalogue()[f"retouch.why.{CONVERTED}"]
