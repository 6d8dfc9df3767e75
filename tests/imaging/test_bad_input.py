"""Bad pages become defects in the report; nothing raises, nothing is written."""

from __future__ import annotations

import io

import numpy as np
import pytest
import simplejpeg
from PIL import Image

from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes


def _jpeg(a: np.ndarray) -> bytes:
    return simplejpeg.encode_jpeg(a, quality=85)


def _tiff(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "TIFF")
    return buf.getvalue()


def _huge_header() -> bytes:
    data = bytearray(_jpeg(np.zeros((16, 16, 3), np.uint8)))
    sof = data.find(b"\xff\xc0")
    data[sof + 5:sof + 9] = (60000).to_bytes(2, "big") + (60000).to_bytes(2, "big")
    return bytes(data)


GOOD = _jpeg(np.full((2400, 1700, 3), 230, np.uint8))
UNREADABLE_CASES = {
    "empty": b"",
    "garbage": b"not an image at all" * 10,
    "truncated": GOOD[: len(GOOD) // 2],
    "tiny": _jpeg(np.full((40, 30, 3), 200, np.uint8)),
    "huge": _huge_header(),
}


@pytest.mark.parametrize("name", sorted(UNREADABLE_CASES))
def test_unreadable_is_a_defect(name: str) -> None:
    result = retouch_bytes(UNREADABLE_CASES[name], RetouchOptions(), name)
    assert result.data is None
    assert result.report.status == "failed"
    assert [d.code for d in result.report.defects] == ["unreadable"]


def test_cmyk_and_16bit_tiff_are_retouched() -> None:
    rng = np.random.default_rng(1)
    rgb = np.full((2400, 1700, 3), 225, np.uint8)
    rgb[400:2000:60, 300:1400] = 30
    cmyk = Image.fromarray(rgb).convert("CMYK")
    grey16 = Image.fromarray((rgb[:, :, 0].astype(np.uint16) * 257)
                             + rng.integers(0, 50, rgb.shape[:2]).astype(np.uint16))
    for data in (_tiff(cmyk), _tiff(grey16)):
        result = retouch_bytes(data, RetouchOptions())
        assert result.data is not None and result.report.status in ("ok", "defect")
        assert Image.open(io.BytesIO(result.data)).size == (1654, 2339)


@pytest.mark.parametrize("level", [0, 255])
def test_all_black_or_all_white_page(level: int) -> None:
    result = retouch_bytes(_jpeg(np.full((2400, 1700, 3), level, np.uint8)), RetouchOptions())
    assert result.report.status == "defect"
    assert "blank_page" in [d.code for d in result.report.defects]


def _small_page() -> Image.Image:
    grey = np.full((1100, 800), 235, np.uint8)
    grey[200:900:40, 100:600] = 20
    return Image.fromarray(np.dstack([grey, grey // 2 + 100, grey]))


def _scanner_files() -> dict[str, bytes]:
    import img2pdf
    from reportlab.pdfgen import canvas

    page = _small_page()
    out: dict[str, bytes] = {}
    for name, kwargs in {
        "cmyk.jpg": {"format": "JPEG", "quality": 90},
        "tiled.tif": {"format": "TIFF", "compression": "tiff_deflate",
                      "tiffinfo": {322: 256, 323: 256}},
        "g4.tif": {"format": "TIFF", "compression": "group4"},
        "grey16.png": {"format": "PNG"},
    }.items():
        img = {"cmyk.jpg": page.convert("CMYK"), "g4.tif": page.convert("1"),
               "grey16.png": Image.fromarray(np.asarray(page.convert("L")).astype(np.uint16) * 257)
               }.get(name, page)
        buf = io.BytesIO()
        img.save(buf, dpi=(100, 100), **kwargs)
        out[name] = buf.getvalue()
    jpeg = io.BytesIO()
    page.save(jpeg, "JPEG", dpi=(100, 100))
    out["two.pdf"] = img2pdf.convert([jpeg.getvalue(), jpeg.getvalue()])
    out["g4.pdf"] = img2pdf.convert(out["g4.tif"])
    vector = io.BytesIO()
    c = canvas.Canvas(vector)
    c.drawString(100, 700, "a page of text, not a scan")
    c.rect(50, 50, 400, 600)
    c.save()
    out["vector.pdf"] = vector.getvalue()
    return out


@pytest.mark.parametrize("name", ["cmyk.jpg", "tiled.tif", "g4.tif", "grey16.png", "two.pdf",
                                  "g4.pdf", "vector.pdf"])
def test_scanner_formats_are_read(name: str) -> None:
    data = _scanner_files()[name]
    result = retouch_bytes(data, RetouchOptions(dpi=100), name, page=1)
    assert result.data is not None, result.report.defects
    assert result.report.pages == (2 if name == "two.pdf" else 1)
    # A scan's own resolution is kept; a PDF page that is no scan is rendered at 300 dpi.
    assert result.report.dpi == (300 if name == "vector.pdf" else 100)


def test_broken_pdf_is_a_defect() -> None:
    data = _scanner_files()["two.pdf"]
    result = retouch_bytes(data[: len(data) // 3], RetouchOptions())
    assert result.report.status == "failed"
    assert result.report.defects[0].code == "unreadable"
