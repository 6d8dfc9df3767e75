"""What the pixels are, said beside a resolution or size finding. A 300 dpi A4 page tagged
72 dpi was reported as below 200 dpi and as not A4 at 72 dpi, never that its pixels are A4
at 300 dpi: a tag that is no scanning resolution, on pixels that are the page size at a
usual one, is a wrong tag (nothing else). An untagged page's size finding says that the file
has no resolution tag, and what its pixels are."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from dangan.config import ScanConfig
from dangan.domain.defects import Defect
from dangan.i18n import t
from dangan.intake.check import page_defects
from dangan.intake.content import inspect_page
from dangan.intake.walk import PageEntry


def _page(size: tuple[int, int], fmt: str, dpi: int | None) -> bytes:
    w, h = size
    img = np.full((h, w), 240, np.uint8)
    img[h // 4 : h // 4 + 30, w // 8 : w // 2] = 30
    img[h // 2 : h // 2 + 30, w // 8 : 3 * w // 4] = 30
    out = io.BytesIO()
    extra = {} if dpi is None else {"dpi": (dpi, dpi)}
    Image.fromarray(img).convert("RGB").save(out, "JPEG" if fmt == "jpg" else "TIFF", **extra)
    return out.getvalue()


def _defects(data: bytes, fmt: str) -> dict[str, Defect]:
    entry = PageEntry(f"0001.{fmt}", f"/x/0001.{fmt}", 1, fmt, len(data))
    return {d.code: d for d in page_defects(entry, f"v/0001.{fmt}", "v", inspect_page(data),
                                            ScanConfig(format=fmt))}


@pytest.mark.parametrize("tag", [72, 96])
def test_a4_at_300_dpi_tagged_72_is_a_wrong_tag_that_names_300(tag: int) -> None:
    found = _defects(_page((2480, 3508), "jpg", tag), "jpg")
    assert list(found) == ["wrong_dpi_tag"]
    defect = found["wrong_dpi_tag"]
    assert defect.params["found"] == tag and defect.params["expected"] == 300
    assert "300" in defect.message and str(tag) in defect.message


def test_a4_at_150_dpi_tagged_72_is_a_wrong_tag_and_low_resolution_at_150() -> None:
    found = _defects(_page((1240, 1754), "jpg", 72), "jpg")
    assert set(found) == {"wrong_dpi_tag", "low_dpi"}
    assert found["low_dpi"].params["dpi"] == 150
    assert t("intake.dpi_note.pixels", page_size="A4", dpi=150) in found["low_dpi"].message


def test_an_untagged_tiff_says_it_has_no_tag_and_what_its_pixels_are() -> None:
    found = _defects(_page((2480, 3508), "tif", None), "tif")
    assert list(found) == ["wrong_size"]
    note = found["wrong_size"].params["note"]
    assert t("intake.dpi_note.untagged", dpi=200) in note
    assert t("intake.dpi_note.pixels", page_size="A4", dpi=300) in note


def test_a_true_tag_on_other_pixels_names_the_paper_they_are() -> None:
    found = _defects(_page((1654, 1169), "jpg", 300), "jpg")  # A5 landscape at 200 dpi
    assert list(found) == ["wrong_size"]
    assert found["wrong_size"].params["note"] == t(
        "intake.dpi_note.wrap", text=t("intake.dpi_note.pixels", page_size="A5", dpi=200))
