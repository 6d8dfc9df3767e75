"""What paper at which resolution the pixels are, as a scan-room lead reads them: an untagged
A4 page scanned at 300 dpi with some bed around it was said to be "B5 at 400 dpi", an A3 sheet
at 200 dpi "A4 at 300 dpi" (and, tagged 200 in a 300 dpi project, told to be saved again at
300 dpi). The project's size and dpi, the file's tag, the usual resolutions and the common
sizes come first; pixels that two explanations fit equally say both."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from dangan.config import ScanConfig
from dangan.domain.defects import Defect
from dangan.i18n import t
from dangan.intake.check import page_defects
from dangan.intake.content import inspect_page
from dangan.intake.walk import PageEntry


def _scan(tmp_path: Path, sheet_mm: tuple[float, float], dpi: int, bed_mm: float,
          tag: int | None, fmt: str = "jpg") -> bytes:
    """A sheet with two lines of "text", ``bed_mm`` of dark scanner bed a side, saved."""
    mm = dpi / 25.4
    w, h = (round((side + 2 * bed_mm) * mm) for side in sheet_mm)
    img = np.full((h, w), 35, np.uint8)
    b = round(bed_mm * mm)
    img[b : h - b, b : w - b] = 240
    img[h // 4 : h // 4 + 30, w // 4 : w // 2] = 30
    img[h // 2 : h // 2 + 30, w // 4 : 3 * w // 4] = 30
    path = tmp_path / f"0001.{fmt}"
    if tag is None:
        Image.fromarray(img).save(path)
    else:
        Image.fromarray(img).save(path, dpi=(tag, tag))
    return path.read_bytes()


def _defects(data: bytes, scan: ScanConfig, fmt: str = "jpg") -> dict[str, Defect]:
    entry = PageEntry(f"0001.{fmt}", f"/x/0001.{fmt}", 1, fmt, len(data))
    return {d.code: d for d in page_defects(entry, f"v/0001.{fmt}", "v", inspect_page(data),
                                            scan)}


def _note(*parts: tuple[str, dict[str, object]]) -> str:
    return t("intake.dpi_note.wrap",
             text=t("intake.dpi_note.sep").join(t(f"intake.dpi_note.{k}", **p) for k, p in parts))


A4, A3 = (210.0, 297.0), (297.0, 420.0)


def test_an_untagged_a4_page_at_300_dpi_with_bed_is_a4_at_300_not_b5_at_400(
        tmp_path: Path) -> None:
    found = _defects(_scan(tmp_path, A4, 300, 10.0, None, "tif"), ScanConfig(format="tif", colour_mode="grey"), "tif")
    assert list(found) == ["wrong_size"]
    assert found["wrong_size"].params["note"] == _note(
        ("untagged", {"dpi": 200}), ("pixels", {"page_size": "A4", "dpi": 300}))


def test_an_a3_sheet_at_200_dpi_with_bed_is_named_a3_at_200(tmp_path: Path) -> None:
    found = _defects(_scan(tmp_path, A3, 200, 15.0, 200), ScanConfig(colour_mode="grey"))
    assert list(found) == ["wrong_size"]
    assert found["wrong_size"].params["note"] == _note(
        ("pixels", {"page_size": "A3", "dpi": 200}), ("as_project", {"page_size": "A4", "dpi": 311}))


def test_an_a3_sheet_tagged_200_in_a_300_dpi_project_is_no_wrong_tag(tmp_path: Path) -> None:
    """Its pixels are A4 at 283 dpi, within the tolerance of A4 at 300: it was told its tag
    was wrong and to be saved again at 300 dpi — the tag is right, the sheet is A3."""
    found = _defects(_scan(tmp_path, A3, 200, 0.0, 200), ScanConfig(dpi=300, min_dpi=300, colour_mode="grey"))
    assert set(found) == {"low_dpi", "wrong_size"}
    assert found["low_dpi"].params["dpi"] == 200
    assert found["wrong_size"].params["note"] == _note(("pixels", {"page_size": "A3", "dpi": 200}))


def test_an_untagged_a3_sheet_at_200_dpi_says_both_readings(tmp_path: Path) -> None:
    found = _defects(_scan(tmp_path, A3, 200, 0.0, None), ScanConfig(colour_mode="grey"))
    assert found["wrong_size"].params["note"] == _note(
        ("untagged", {"dpi": 200}), ("pixels", {"page_size": "A3", "dpi": 200}),
        ("as_project", {"page_size": "A4", "dpi": 283}))
    # in a 300 dpi project the pixels pass as A4 (at 283 dpi): the low resolution says A3 too
    found = _defects(_scan(tmp_path, A3, 200, 0.0, None), ScanConfig(dpi=300, min_dpi=300, colour_mode="grey"))
    assert list(found) == ["low_dpi"]
    assert found["low_dpi"].params["note"] == _note(
        ("estimated", {"page_size": "A4"}), ("pixels", {"page_size": "A3", "dpi": 200}))


def test_pixels_two_sheets_fit_equally_say_both(tmp_path: Path) -> None:
    """A4 at 200 dpi and B5 at 240 dpi are the same pixels within 1%: in a B5 project at
    300 dpi neither is likelier, so both are said."""
    found = _defects(_scan(tmp_path, A4, 200, 0.0, None), ScanConfig(page_size="B5", dpi=300,
                                                                     colour_mode="grey"))
    assert found["wrong_size"].params["note"] == _note(
        ("untagged", {"dpi": 300}),
        ("pixels_either", {"choices": t("intake.dpi_note.or").join(["A4@200dpi", "B5@240dpi"])}))
