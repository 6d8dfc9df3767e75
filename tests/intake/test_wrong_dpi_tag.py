"""A page whose pixels are the page size at the required dpi but whose file says another dpi
has a wrong resolution tag — it was reported as a wrong size ("A4@60000dpi, about 496063 ×
701575") or, with a 72 dpi tag, as a low resolution."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from dangan.config import ScanConfig
from dangan.intake.check import page_defects
from dangan.intake.content import inspect_page
from dangan.intake.walk import PageEntry


def _jpeg(size: tuple[int, int], dpi: int) -> bytes:
    w, h = size
    img = np.full((h, w, 3), 240, np.uint8)
    img[h // 4: h // 4 + 30, w // 8: w // 2] = 30  # a line of "text"
    img[h // 2: h // 2 + 30, w // 8: 3 * w // 4] = 30
    out = io.BytesIO()
    Image.fromarray(img).save(out, "JPEG", quality=85, dpi=(dpi, dpi))
    return out.getvalue()


def _codes(data: bytes) -> list[str]:
    entry = PageEntry("0001.jpg", "/x/0001.jpg", 1, "jpg", len(data))
    return [d.code for d in page_defects(entry, "v/0001.jpg", "v", inspect_page(data),
                                         ScanConfig())]


@pytest.mark.parametrize("tag", [72, 300, 60000])
def test_a4_pixels_at_200_dpi_with_another_tag_is_a_wrong_tag(tag: int) -> None:
    codes = _codes(_jpeg((1654, 2339), tag))
    assert codes == ["wrong_dpi_tag"]


def test_the_message_says_the_tag_is_wrong() -> None:
    data = _jpeg((1654, 2339), 60000)
    entry = PageEntry("0001.jpg", "/x/0001.jpg", 1, "jpg", len(data))
    (defect,) = page_defects(entry, "v/0001.jpg", "v", inspect_page(data), ScanConfig())
    assert "60000" in defect.message and "200" in defect.message and "A4" in defect.message


def test_a_page_of_another_size_is_still_a_wrong_size() -> None:
    assert _codes(_jpeg((1654, 1169), 200)) == ["wrong_size"]  # A5 landscape pixels, true tag
    assert "wrong_dpi_tag" not in _codes(_jpeg((1654, 1169), 300))


def test_a_right_tag_is_no_finding() -> None:
    assert _codes(_jpeg((1654, 2339), 200)) == []


def _page(size: tuple[int, int]) -> Image.Image:
    w, h = size
    img = np.full((h, w), 240, np.uint8)
    img[h // 4: h // 4 + 30, w // 8: w // 2] = 30
    return Image.fromarray(img).convert("RGB")


def _jfif_units(data: bytes, units: int, density: int) -> bytes:
    """``data`` with its JFIF header's units and densities set as given."""
    pos = data.find(b"JFIF\x00")
    head = bytes([units]) + density.to_bytes(2, "big") * 2
    return data[: pos + 7] + head + data[pos + 12:]


def _saved(fmt: str, dpi: float) -> bytes:
    out = io.BytesIO()
    _page((2480, 3508)).save(out, fmt, dpi=(dpi, dpi))  # A4 at 300 dpi
    return out.getvalue()


@pytest.mark.parametrize(("fmt", "data", "found"), [
    ("jpg", _jfif_units(_saved("JPEG", 72), 1, 1), 1),  # 1 dot per inch
    ("jpg", _jfif_units(_saved("JPEG", 72), 2, 1), 2.5),  # 1 dot per centimetre
    ("png", _saved("PNG", 1), 1),  # 39 pixels per metre: 0.99 dpi
    ("tif", _saved("TIFF", 1), 1),
])
def test_a_tag_of_1_dpi_is_named_as_the_implausible_tag_it_is(fmt: str, data: bytes,
                                                                found: float) -> None:
    """A 300 dpi A4 page tagged 1 dpi (or 1 dot per cm) was said to have no resolution tag,
    read at 200 dpi and reported a wrong size; a 72 dpi tag was named as wrong."""
    info = inspect_page(data)
    assert info.dpi is not None and info.dpi < 3
    entry = PageEntry(f"0001.{fmt}", f"/x/0001.{fmt}", 1, fmt, len(data))
    found_defects = page_defects(entry, f"v/0001.{fmt}", "v", info,
                                 ScanConfig(format=fmt))
    assert [d.code for d in found_defects] == ["wrong_dpi_tag"]
    assert found_defects[0].params["found"] == found
    assert found_defects[0].params["expected"] == 300
