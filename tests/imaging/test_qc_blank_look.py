"""A page whose only writing is one digit (the back of a sheet numbered "2") is no blank page:
retouch's QC and the scan check take the same second look at a page with little ink
(``imaging.written.look``) and agree — a little writing for a person to look at (retouch's
``little_writing`` review, check's ``faint_page``), never ``blank_page``, which invites
someone to take the page out. Show-through alone stays faint, and dust specks stay blank,
in both. The rims of punched holes seen on a white lid break into short arcs, and a long thin
line slanting across (the sheet's edge inside the sheet found, a rule) into short segments:
neither is writing, and a blank sheet with them is still found blank."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image

from dangan.config import ScanConfig
from dangan.domain.naming import court_rules
from dangan.i18n import catalogue, t
from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes
from dangan.imaging.qc import FAINT_CONTENT, LITTLE_WRITING
from dangan.intake.check import CheckOptions, run_check
from dangan.pagegen import make_page

DPI = 200
MM = DPI / 25.4
FOLDER = "1-1-1-1-1997-民-0014-0025"
OPTS = RetouchOptions(orientation=False, trust_file_dpi=True)


def _paper(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    page = np.full((round(297 * MM), round(210 * MM)), 246, np.float32)
    return page + rng.normal(0, 3, page.shape).astype(np.float32)


def _digit(text: str, seed: int, stroke: int) -> np.ndarray:
    """A sheet with nothing on it but its page number, 4 mm high, at the foot (``stroke``
    px: 1 a pen, 2 a numbering machine's bold digits)."""
    page = _paper(seed)
    ink = np.zeros(page.shape, np.uint8)
    cv2.putText(ink, text, (page.shape[1] // 2, page.shape[0] - round(12 * MM)),
                cv2.FONT_HERSHEY_SIMPLEX, 4 * MM / 22, 255, stroke, cv2.LINE_AA)
    return page - ink.astype(np.float32) / 255 * 210


def _show_through(seed: int) -> np.ndarray:
    """The other side's text showing through: mirrored, blurred, 16 grey levels at most."""
    rng = np.random.default_rng(seed)
    back = np.zeros((round(297 * MM), round(210 * MM)), np.uint8)
    for i in range(30):
        text = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz  "), 34))
        cv2.putText(back, text, (round(25 * MM), round(40 * MM) + i * round(7.5 * MM)),
                    cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255, 2, cv2.LINE_AA)
    faint = cv2.GaussianBlur(back[:, ::-1].astype(np.float32) / 255, (0, 0), 1.0)
    return _paper(seed) - faint * 200 * 0.08


def _dusty(seed: int) -> np.ndarray:
    """An empty sheet with dust: dark specks under half a millimetre, and a few short
    fibres under a millimetre long."""
    rng = np.random.default_rng(seed)
    page = _paper(seed)
    for k in range(48):
        x = int(rng.integers(round(10 * MM), round(200 * MM)))
        y = int(rng.integers(round(10 * MM), round(287 * MM)))
        if k % 6:
            cv2.circle(page, (x, y), int(rng.integers(1, 3)), 60.0, -1)
        else:
            a = rng.uniform(0, np.pi)
            d = rng.uniform(0.4, 0.9) * MM
            cv2.line(page, (x, y), (round(x + d * np.cos(a)), round(y + d * np.sin(a))),
                     80.0, 1, cv2.LINE_AA)
    return page


def _slanted_line(seed: int) -> np.ndarray:
    """An empty sheet with one thin grey line slanting 8 mm over 150 mm across it."""
    page = _paper(seed)
    cv2.line(page, (round(30 * MM), round(60 * MM)), (round(180 * MM), round(68 * MM)), 120.0,
             1, cv2.LINE_AA)
    return page


def _jpeg(page: np.ndarray) -> bytes:
    out = io.BytesIO()
    rgb = np.repeat(np.clip(page, 0, 255).astype(np.uint8)[:, :, None], 3, axis=2)
    Image.fromarray(rgb).save(out, "JPEG", quality=90, dpi=(DPI, DPI))
    return out.getvalue()


def _check(tmp_path: Path, pages: list[bytes]) -> list[dict[str, Mapping[str, Any]]]:
    vol = tmp_path / "scan" / FOLDER
    vol.mkdir(parents=True)
    for n, data in enumerate(pages, start=1):
        (vol / f"{n:04d}.jpg").write_bytes(data)
    report = run_check(str(tmp_path / "scan"), CheckOptions(court_rules(), ScanConfig(),
                                                            workers=1))
    found: list[dict[str, Mapping[str, Any]]] = [{} for _ in pages]
    for d in report.defects:
        found[int(d.path.rsplit("/", 1)[-1][:4]) - 1][d.code] = d.params
    return found


def _codes(data: bytes) -> tuple[list[str], list[str]]:
    report = retouch_bytes(data, OPTS).report
    return [d.code for d in report.defects], report.review


@pytest.mark.parametrize(("digit", "stroke"), [("2", 1), ("2", 2), ("7", 2)])
def test_one_digit_alone_is_little_writing_in_retouch_and_in_check(
        tmp_path: Path, digit: str, stroke: int) -> None:
    data = _jpeg(_digit(digit, 5 + stroke, stroke))
    codes, review = _codes(data)
    assert "blank_page" not in codes, codes
    assert review == [LITTLE_WRITING]
    [found] = _check(tmp_path, [data])
    assert set(found) == {"faint_page"}
    assert found["faint_page"]["what"] == t("intake.faint.mark")


def test_show_through_alone_stays_faint_and_dust_stays_blank(tmp_path: Path) -> None:
    pages = [_jpeg(_show_through(11)), _jpeg(_dusty(12)), _jpeg(_paper(13))]
    (faint_codes, faint_review), *blank = [_codes(p) for p in pages]
    assert faint_review == [FAINT_CONTENT] and "blank_page" not in faint_codes
    for codes, review in blank:
        assert "blank_page" in codes and review == []
    found = _check(tmp_path, pages)
    assert set(found[0]) == {"faint_page"}
    assert found[0]["faint_page"]["what"] == t("intake.faint.faint")
    assert [set(f) for f in found[1:]] == [{"blank_page"}, {"blank_page"}]


def test_the_review_is_worded() -> None:
    zh, en = catalogue()[f"retouch.review.{LITTLE_WRITING}"]
    assert "页码" in zh and "不是空白页" in zh
    assert "page number" in en and "not a blank page" in en


@pytest.mark.parametrize("seed", [35, 41])
def test_a_blank_sheet_punched_on_a_white_lid_is_blank(seed: int) -> None:
    """Development pages (a blank sheet, three holes, a white lid) whose rims passed for
    writing: 2 and 4 marks, so the page was neither blank nor flagged."""
    page = make_page(seed, kind="blank", bed="white", holes=3)
    report = retouch_bytes(page.data, RetouchOptions(holes=True, orientation=False,
                                                     trust_file_dpi=True)).report
    assert report.holes_filled == 3
    assert report.writing_marks == 0 and report.stroke_marks == 0
    assert [d.code for d in report.defects] == ["blank_page"] and report.review == []


def test_a_thin_line_slanting_across_a_blank_sheet_is_no_writing() -> None:
    """At 100 dpi its staircase breaks into 1 px segments of a stroke's length (7 of them
    were counted as writing: the page was neither blank nor flagged). It is blank, or faint
    marks for a person to look at (the line is faint at the analysis scale)."""
    report = retouch_bytes(_jpeg(_slanted_line(3)), OPTS).report
    assert report.writing_marks == 0 and report.stroke_marks == 0
    codes = [d.code for d in report.defects]
    assert codes == ["blank_page"] or report.review == [FAINT_CONTENT], codes
