"""The orientation decision's tools answer as the tools themselves do, only cheaper.

Tesseract's OSD is asked in the process through libtesseract's C API and the models run in
sessions of their own: each must give what the ``tesseract`` program prints and what
RapidOCR's own sessions find. Pages come from ``dangan.pagegen`` development seeds.
"""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np
import pytest

from dangan.imaging import orientation
from dangan.imaging._exec import rapidocr, tesseract
from dangan.pagegen import make_page


@cache
def stencil(seed: int, kind: str, turn: int) -> tuple[np.ndarray, float]:
    """What the decision shows Tesseract for a generated page, and its resolution."""
    grey = cv2.cvtColor(make_page(seed, kind=kind, turn=turn).image, cv2.COLOR_RGB2GRAY)
    view, f = orientation._reduce(grey, orientation.OSD_LONG_SIDE)
    small, _ = orientation._reduce(view, orientation.DET_LONG_SIDE)
    lv = orientation.line_votes(small, view)
    return orientation.text_only(view, lv.quads, view.shape[0] / small.shape[0]), 200.0 * f


def in_process() -> None:
    if tesseract._api() is None:
        pytest.skip("libtesseract's C API is not available here")
    if not tesseract.shutil.which("tesseract"):
        pytest.skip("the tesseract program is not installed")


@pytest.mark.parametrize(("seed", "kind", "turn"),
                         [(10012, "vertical", 90), (10004, "handwritten", 0),
                          (10025, "table", 180), (10002, "form", 270)])
def test_osd_in_the_process_answers_as_the_program(seed: int, kind: str, turn: int) -> None:
    in_process()
    grey, dpi = stencil(seed, kind, turn)
    assert tesseract.osd(grey, dpi) == tesseract.osd_program(grey, dpi)


def test_osd_in_the_process_says_nothing_on_a_blank_page() -> None:
    """Too few characters: no answer, as the program gives none (and nothing on stderr)."""
    in_process()
    blank = np.full((1600, 1131), 255, np.uint8)
    assert tesseract.osd_program(blank, 137.0) is None
    assert tesseract.osd(blank, 137.0) is None


def test_osd_falls_back_to_the_program_without_the_library(
        monkeypatch: pytest.MonkeyPatch) -> None:
    in_process()
    grey, dpi = stencil(10012, "vertical", 90)
    expected = tesseract.osd(grey, dpi)
    monkeypatch.setattr(tesseract, "_api", lambda: None)
    calls: list[float] = []
    program = tesseract.osd_program

    def counted(g: np.ndarray, d: float) -> tesseract.Osd | None:
        calls.append(d)
        return program(g, d)

    monkeypatch.setattr(tesseract, "osd_program", counted)
    assert tesseract.osd(grey, dpi) == expected
    assert calls == [dpi]


def test_the_c_api_answer_is_printed_as_the_program_prints_it() -> None:
    """Orientation ids 0..3 (text turned counter-clockwise) are the program's "Rotate"
    0/270/180/90; confidences to two decimals."""
    assert tesseract.answer(1, 27.3849, "Han", 1.4251) == tesseract.Osd(270, 27.38, "Han", 1.43)
    assert tesseract.answer(3, 0.4167, "Latin", 0.0) == tesseract.Osd(90, 0.42, "Latin", 0.0)
    assert [tesseract.answer(i, 1.0, "", 0.0).rotate for i in range(4)] == [0, 270, 180, 90]


def test_the_detector_finds_what_rapidocrs_own_session_finds() -> None:
    """The session with ONNX Runtime's memory arena, and the input normalised by table,
    give the same boxes, bit for bit."""
    from rapidocr_onnxruntime.ch_ppocr_det import TextDetector

    grey = cv2.cvtColor(make_page(10011, kind="letter", turn=90).image, cv2.COLOR_RGB2GRAY)
    small, _ = orientation._reduce(grey, orientation.DET_LONG_SIDE)
    bgr = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
    own = rapidocr.models().detector
    theirs = TextDetector({**rapidocr._session(rapidocr.DET_MODEL), **rapidocr.DET_CONFIG})
    assert own.infer.session is not theirs.infer.session
    side = max(bgr.shape[:2])
    assert own.get_preprocess(side)(bgr).tobytes() == theirs.get_preprocess(side)(bgr).tobytes()
    ours, _ = own(bgr)
    expected, _ = theirs(bgr)
    assert len(ours) > 10
    assert np.array_equal(ours, expected)


def test_tesseract_is_loaded_before_the_first_model_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loaded after ONNX Runtime's sessions, the OSD costs ≈ 1.7× the CPU: the decision
    loads it first."""
    order: list[str] = []
    monkeypatch.setattr(tesseract, "prepare", lambda: order.append("tesseract"))
    detect = rapidocr.detect_lines

    def detect_lines(bgr: np.ndarray) -> np.ndarray:
        order.append("detector")
        return detect(bgr)

    monkeypatch.setattr(rapidocr, "detect_lines", detect_lines)
    orientation.decide_orientation(np.full((1169, 827), 255, np.uint8), 100.0)
    assert order[:2] == ["tesseract", "detector"]
