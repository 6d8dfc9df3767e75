"""Orientation from text evidence, on real page images nobody on this project made.

The pages come from ``../shared/realscans`` (see its README for their origin and licences).
A right answer or an abstention (rotation 0, flagged for review) passes; a wrong turn never.
"""

from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from dangan.imaging import orientation, orientation_reading
from dangan.imaging._exec import rapidocr, tesseract
from dangan.imaging.analysis import analyse
from dangan.imaging.context import RetouchOptions
from dangan.imaging.orientation import OrientationDecision, decide_orientation
from dangan.imaging.pipeline import retouch_bytes

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "realscans"
LONG_SIDE = 1600  # what the decision looks at anyway; keeps the tests quick


@cache
def real(name: str) -> np.ndarray:
    """A real page, grey, its longer side reduced to ``LONG_SIDE``."""
    if not (REAL / name).is_file():
        pytest.skip(f"real scans not found at {REAL}")
    grey = cv2.imread(str(REAL / name), cv2.IMREAD_GRAYSCALE)
    assert grey is not None, name
    f = min(1.0, LONG_SIDE / max(grey.shape))
    return cv2.resize(grey, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)


def turned(grey: np.ndarray, clockwise: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(grey, -clockwise // 90))


def decide(grey: np.ndarray) -> OrientationDecision:
    return decide_orientation(grey, max(grey.shape) / 11.7)  # an A4 sheet's dpi


def right_or_abstained(d: OrientationDecision, need: int) -> bool:
    return d.rotation == need or (d.rotation == 0 and d.review != "")


def test_truth_file_says_what_the_tests_assume() -> None:
    if not (REAL / "truth.json").is_file():
        pytest.skip(f"real scans not found at {REAL}")
    truth = {p["file"]: p["turn_clockwise_deg"]
             for p in json.loads((REAL / "truth.json").read_text(encoding="utf-8"))["pages"]}
    assert truth["ocrmypdf__cardinal_p3.png"] == 180 and truth["lept__lyra.005.jpg"] == 90
    assert truth["dots__tradition_zh.png"] == truth["tsr__table1.png"] == 0


def test_upright_vertical_script_is_not_turned() -> None:
    d = decide(real("dots__tradition_zh.png"))
    assert d.rotation == 0
    assert "ppocr" in d.evidence


@pytest.mark.parametrize("name", ["tsr__table1.png", "tsr__squeeze_error.jpeg"])
def test_landscape_table_stays_landscape(name: str) -> None:
    grey = real(name)
    assert grey.shape[1] > grey.shape[0]  # the sheet is landscape
    d = decide(grey)
    assert d.rotation == 0 and d.review == ""


def test_upside_down_brochure_is_turned_or_flagged() -> None:
    d = decide(real("ocrmypdf__cardinal_p3.png"))
    assert right_or_abstained(d, 180), d


def test_sideways_title_page_is_turned_or_flagged() -> None:
    d = decide(real("lept__lyra.005.jpg"))
    assert right_or_abstained(d, 90), d


@pytest.mark.parametrize("q", [90, 180, 270])
def test_each_turn_of_a_clear_chinese_page(q: int) -> None:
    d = decide(turned(real("cnstd__mfd_zh.jpg"), q))
    assert right_or_abstained(d, (360 - q) % 360), d


def test_turned_page_read_surely_is_put_right_without_tesseract(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines read fluently one way, rows told from columns, the line direction agreeing:
    settled by the reading, Tesseract (the costly tool) is not asked."""
    def refuse(*_: object) -> None:
        raise AssertionError("Tesseract was asked")

    monkeypatch.setattr(tesseract, "osd", refuse)
    d = decide(turned(real("lept__lucasta.047.jpg"), 270))
    assert (d.rotation, d.review) == (90, "")
    reading = d.evidence["reading"]
    assert isinstance(reading, dict) and reading["answer"] == 90
    assert "tesseract" not in d.evidence


def test_turned_page_is_put_right_when_both_tools_agree(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a reading (nothing reads fluently: handwriting, blackletter) the detector's
    line direction and Tesseract must agree."""
    monkeypatch.setattr(rapidocr, "recognise", lambda crops: [("", 0.0)] * len(crops))
    d = decide(turned(real("lept__lucasta.047.jpg"), 270))
    assert (d.rotation, d.review) == (90, "")
    ev = d.evidence
    assert isinstance(ev["tesseract"], dict) and ev["tesseract"]["rotation"] == 90


@pytest.mark.parametrize("q", [0, 90, 180, 270])
def test_near_blank_page_is_never_turned(q: int) -> None:
    d = decide(turned(real("ocrd__SBB_FILE_0002.tif"), q))  # a flyleaf with a shelf mark
    assert d.rotation == 0


def test_blank_sheet_is_left_alone_without_a_flag() -> None:
    rng = np.random.default_rng(3)
    sheet = np.clip(rng.normal(232, 4, (1169, 827)), 0, 255).astype(np.uint8)
    d = decide(sheet)
    assert (d.rotation, d.review) == (0, "")


def test_tesseract_osd_answer_is_parsed() -> None:
    text = ("Page number: 0\nOrientation in degrees: 270\nRotate: 90\n"
            "Orientation confidence: 5.19\nScript: Han\nScript confidence: 1.22\n")
    assert tesseract.parse(text) == tesseract.Osd(90, 5.19, "Han", 1.22)
    assert tesseract.parse("Too few characters. Skipping this page\n") is None


def test_tools_disagreeing_leave_the_page_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    grey = turned(real("lept__lucasta.047.jpg"), 90)  # needs 270
    monkeypatch.setattr(rapidocr, "recognise", lambda crops: [("", 0.0)] * len(crops))
    monkeypatch.setattr(tesseract, "osd", lambda *_: tesseract.Osd(90, 12.0, "Latin", 2.0))
    d = decide(grey)
    assert (d.rotation, d.review) in ((0, orientation.DISAGREE),
                                      (0, orientation.READING_DISAGREES))


@pytest.mark.parametrize("q", [0, 90, 180, 270])
def test_recogniser_reads_a_chinese_page_only_the_right_way_up(q: int) -> None:
    """Upright lines read fluently, upside down not at all: the reading's answer is the turn
    the page needs (or none), never another."""
    grey = turned(real("cnstd__mfd_zh.jpg"), q)
    small, _ = orientation._reduce(grey, orientation.DET_LONG_SIDE)
    quads = rapidocr.detect_lines(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR))
    rd = orientation_reading.reading(grey, quads, grey.shape[0] / small.shape[0])
    need = (360 - q) % 360
    assert rd.answer() == need, rd
    assert rd.fluent[(need // 90 + 2) % 4] == 0


@pytest.mark.parametrize("name", ["dots__tradition_zh.png", "tsr__table1.png"])
@pytest.mark.parametrize("q", [90, 270])
def test_sideways_vertical_script_and_landscape_table_are_not_missed(name: str, q: int) -> None:
    """Once the silent misses: vertical script lying on its side looks like upright rows,
    and a landscape table on its side like a portrait page."""
    d = decide(turned(real(name), q))
    assert right_or_abstained(d, (360 - q) % 360), d


def test_a_column_on_a_skewed_page_is_cropped_standing() -> None:
    """The detector orders a box's corners by x; on a skewed page a thin column's corners
    come out a quarter turn round, and its crop would lie on its side."""
    column = np.full((400, 200, 3), 255, np.uint8)
    quad = np.array([[90, 20], [110, 21], [100, 380], [80, 379]], np.float32)
    for start in range(4):
        crop = rapidocr.crop_line(column, np.roll(quad, start, axis=0))
        assert crop.shape[0] > 5 * crop.shape[1], (start, crop.shape)
    wide = np.array([[20, 90], [380, 100], [379, 120], [19, 110]], np.float32)
    assert rapidocr.crop_line(column, wide[[2, 3, 0, 1]]).shape[1] > 5 * 20


def test_no_model_runs_when_orientation_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("a model ran")

    monkeypatch.setattr(rapidocr, "models", refuse)
    monkeypatch.setattr(tesseract, "osd", refuse)
    grey = turned(real("lept__lucasta.047.jpg"), 180)
    plan = analyse(grey, max(grey.shape) / 11.7, RetouchOptions(orientation=False))
    assert (plan.rotation, plan.orientation_review) == (0, "")


def test_plan_carries_the_decision_and_upright_skew() -> None:
    grey = turned(real("lept__lucasta.047.jpg"), 90)
    plan = analyse(grey, max(grey.shape) / 11.7, RetouchOptions())
    assert plan.rotation in (0, 270)
    if plan.rotation == 270:
        assert plan.orientation_review == "" and abs(plan.skew_deg) < 1.0
    else:
        assert plan.orientation_review != ""


def test_small_low_dpi_file_is_judged_on_a_readable_image() -> None:
    """A 704-px landscape table tagged at low resolution: the pipeline's half-size image is
    too small to read (it once said "upright" there without a flag); the decision must see
    the page large enough to put it right, or flag it."""
    if not (REAL / "tsr__table1.png").is_file():
        pytest.skip(f"real scans not found at {REAL}")
    im = Image.open(REAL / "tsr__table1.png")
    buf = io.BytesIO()
    im.convert("RGB").rotate(90, expand=True).save(buf, "PNG", **(
        {"dpi": im.info["dpi"]} if "dpi" in im.info else {}))
    rep = retouch_bytes(buf.getvalue(), RetouchOptions(trust_file_dpi=True)).report
    assert rep.rotation == 90 or "orientation" in rep.review, rep
