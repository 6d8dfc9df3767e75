"""A page file holding several pages (a multi-page TIFF) hides pages from the check: it was
taken as one page, its other pages not looked at (a blank page 2, a page 3 carrying only its
number passed unseen). It is an error in any project, named with its page count, and what
each of its other pages holds is said."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from light_pages import page_number, paper
from PIL import Image

from dangan.config import ScanConfig
from dangan.domain.naming import court_rules
from dangan.i18n import t
from dangan.intake.check import CheckOptions, run_check

FOLDER = "1-1-1-1-1997-民-0014-0025"


def _text_page(seed: int) -> np.ndarray:
    page = paper(seed)
    for row in range(40):  # lines of "text": short dark bars
        y = 300 + row * 45
        for x in range(200, 1400, 60):
            page[y : y + 14, x : x + 40] = 40
    return page


def _tiff(pages: list[np.ndarray]) -> bytes:
    imgs = [Image.fromarray(np.repeat(np.clip(p, 0, 255).astype(np.uint8)[:, :, None], 3, 2))
            for p in pages]
    out = io.BytesIO()
    imgs[0].save(out, "TIFF", save_all=True, append_images=imgs[1:], dpi=(200, 200),
                 compression="tiff_lzw")
    return out.getvalue()


def test_a_three_page_tiff_is_reported_with_its_pages(tmp_path: Path) -> None:
    vol = tmp_path / "scan" / FOLDER
    vol.mkdir(parents=True)
    (vol / "0001.tif").write_bytes(_tiff([_text_page(800_010), paper(800_011),
                                          page_number("3", 800_012)]))
    report = run_check(str(tmp_path / "scan"),
                       CheckOptions(court_rules(), ScanConfig(format="tif"), workers=1))
    (defect,) = [d for d in report.defects if d.path.endswith("0001.tif")]
    assert defect.code == "wrong_format"
    assert defect.params["found"] == t(
        "intake.multi_page", fmt="tif (.tif)", pages=3,
        inner=t("intake.dpi_note.sep").join([t("intake.inner.blank", page=2),
                                             t("intake.inner.mark", page=3)]))
    assert "3" in defect.message


def test_a_one_page_tiff_is_no_finding(tmp_path: Path) -> None:
    vol = tmp_path / "scan" / FOLDER
    vol.mkdir(parents=True)
    (vol / "0001.tif").write_bytes(_tiff([_text_page(800_013)]))
    report = run_check(str(tmp_path / "scan"),
                       CheckOptions(court_rules(), ScanConfig(format="tif"), workers=1))
    assert report.defects == []


def _pdf(pages: int) -> bytes:
    imgs = [Image.fromarray(np.clip(_text_page(800_014 + k), 0, 255).astype(np.uint8))
            for k in range(pages)]
    out = io.BytesIO()
    imgs[0].save(out, "PDF", save_all=True, append_images=imgs[1:], resolution=200)
    return out.getvalue()


def test_a_two_page_pdf_is_reported_with_its_pages(tmp_path: Path) -> None:
    """A two-page PDF was reported as a wrong format only, with no page count (retouch then
    wrote two pages from it, as it does from a multi-page TIFF)."""
    vol = tmp_path / "scan" / FOLDER
    vol.mkdir(parents=True)
    (vol / "0001.pdf").write_bytes(_pdf(2))
    report = run_check(str(tmp_path / "scan"),
                       CheckOptions(court_rules(), ScanConfig(format="pdf"), workers=1))
    (defect,) = [d for d in report.defects if d.path.endswith("0001.pdf")]
    assert defect.code == "wrong_format"
    assert defect.params["found"] == t("intake.multi_page", fmt="pdf (.pdf)", pages=2,
                                       inner=t("intake.inner.not_looked", page=2))


def test_a_one_page_pdf_in_a_pdf_project_is_no_finding(tmp_path: Path) -> None:
    vol = tmp_path / "scan" / FOLDER
    vol.mkdir(parents=True)
    (vol / "0001.pdf").write_bytes(_pdf(1))
    report = run_check(str(tmp_path / "scan"),
                       CheckOptions(court_rules(), ScanConfig(format="pdf"), workers=1))
    assert report.defects == []
