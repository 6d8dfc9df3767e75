"""A page of faint text (pencil, a carbon copy, faded writing) is not a blank page in the scan
check: a blank page is an error where blank pages are not scanned, and the operator would take
it out. It is a warning of its own in any project; a page with nothing on it is still blank."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from dangan.config import ScanConfig
from dangan.domain.naming import court_rules
from dangan.i18n import catalogue
from dangan.intake.check import CheckOptions, run_check

FOLDER = "1-1-1-1-1997-民-0014-0025"


def _page(text_grey: int | None, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    page = np.full((2339, 1654, 3), 250, np.uint8)
    if text_grey is not None:
        for i in range(26):
            text = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz  "), 40))
            cv2.putText(page, text, (220, 330 + i * 66), cv2.FONT_HERSHEY_SIMPLEX, 1.0,
                        (text_grey,) * 3, 2, cv2.LINE_AA)
    noisy = page.astype(np.float32) + rng.normal(0, 4, page.shape).astype(np.float32)
    out = io.BytesIO()
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=90,
                                                                   dpi=(200, 200))
    return out.getvalue()


@pytest.mark.parametrize("blank_pages_scanned", [True, False])
def test_faint_text_is_a_faint_page_not_a_blank_one(tmp_path: Path,
                                                    blank_pages_scanned: bool) -> None:
    vol = tmp_path / "scan" / FOLDER
    vol.mkdir(parents=True)
    for n, grey in enumerate((40, 215, 225, None), start=1):
        (vol / f"{n:04d}.jpg").write_bytes(_page(grey, seed=n))
    scan = ScanConfig(blank_pages_scanned=blank_pages_scanned)
    report = run_check(str(tmp_path / "scan"), CheckOptions(court_rules(), scan, workers=1))
    found = {(d.code, d.path.rsplit("/", 1)[-1], d.severity.value) for d in report.defects}
    blank_level = "warning" if blank_pages_scanned else "error"
    assert found == {("faint_page", "0002.jpg", "warning"), ("faint_page", "0003.jpg", "warning"),
                     ("blank_page", "0004.jpg", blank_level)}


def test_the_faint_page_is_worded() -> None:
    zh, en = catalogue()["defect.faint_page"]
    assert "不是空白页" in zh and "not a blank page" in en
    assert catalogue()["defect.faint_page.label"][0] == "字迹很淡"
