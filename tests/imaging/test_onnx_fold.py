"""The detector and recogniser folded by ``onnx_fold`` compute what the shipped networks do.

Pages come from ``dangan.pagegen`` development seeds.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest

from dangan.imaging import orientation
from dangan.imaging._exec import onnx_fold, rapidocr
from dangan.pagegen import make_page


def shipped(model: str) -> bytes:
    return Path(rapidocr._session(model)["model_path"]).read_bytes()


@cache
def view(seed: int, kind: str, turn: int) -> np.ndarray:
    grey = cv2.cvtColor(make_page(seed, kind=kind, turn=turn).image, cv2.COLOR_RGB2GRAY)
    small, _ = orientation._reduce(grey, orientation.DET_LONG_SIDE)
    return cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)


def test_the_folded_networks_are_valid_onnx_models() -> None:
    import onnx

    for model in (rapidocr.DET_MODEL, rapidocr.REC_MODEL, rapidocr.CLS_MODEL):
        onnx.checker.check_model(onnx.load_from_string(onnx_fold.fold(shipped(model)).model))


@pytest.mark.parametrize(("model", "counts"),
                         [(rapidocr.DET_MODEL, (28, 24, 10)), (rapidocr.REC_MODEL, (28, 28, 12)),
                          (rapidocr.CLS_MODEL, (0, 18, 0))])
def test_the_shipped_networks_are_folded_the_same_every_time(
        model: str, counts: tuple[int, int, int]) -> None:
    """Affine steps after a convolution, hardswish chains, affine steps before a 1 × 1
    convolution (the classifier, PP-LCNet v1, has hardswish chains only)."""
    raw = shipped(model)
    first, again = onnx_fold.fold(raw), onnx_fold.fold(raw)
    assert (first.affine, first.hardswish, first.affine_after) == counts
    assert first.model == again.model != raw


def test_a_model_already_folded_has_nothing_left_to_fold() -> None:
    folded = onnx_fold.fold(shipped(rapidocr.DET_MODEL)).model
    again = onnx_fold.fold(folded)
    assert (again.affine, again.hardswish, again.affine_after) == (0, 0, 0)


def test_the_folded_detector_gives_the_shipped_networks_map() -> None:
    bgr = view(10011, "letter", 90)
    det = rapidocr.models().detector
    tensor = det.get_preprocess(max(bgr.shape[:2]))(bgr)
    folded = rapidocr._ort_session(rapidocr.DET_MODEL)
    plain = rapidocr._ort_session(rapidocr.DET_MODEL, folded=False)
    name = plain.get_inputs()[0].name
    ours = folded.run(None, {name: tensor})[0]
    theirs = plain.run(None, {name: tensor})[0]
    assert not np.array_equal(ours, theirs)  # another network's rounding ...
    assert float(np.abs(ours - theirs).max()) < 1e-3  # ... of the same function
    thresh = rapidocr.DET_CONFIG["thresh"]
    assert isinstance(thresh, float)
    assert np.array_equal(ours > thresh, theirs > thresh)  # the same text pixels


def test_the_folded_recogniser_reads_what_rapidocrs_own_session_reads() -> None:
    from rapidocr_onnxruntime.ch_ppocr_rec import TextRecognizer

    bgr = view(10004, "table", 0)
    quads = rapidocr.detect_lines(bgr)
    crops = [rapidocr.crop_line(bgr, q) for q in quads[:12]]
    crops = [c for c in crops if c.shape[1] >= c.shape[0]]
    assert len(crops) >= 5
    ours = rapidocr.recognise(crops)
    theirs_rec = TextRecognizer({**rapidocr._session(rapidocr.REC_MODEL),
                                 "rec_img_shape": list(rapidocr.REC_SHAPE),
                                 "rec_batch_num": rapidocr.REC_BATCH})
    theirs, _ = theirs_rec(crops)
    assert [t for t, _ in ours] == [str(t) for t, _ in theirs]
    assert any(t for t, _ in ours)
    assert max(abs(s - float(c)) for (_, s), (_, c) in zip(ours, theirs, strict=True)) < 1e-3


def test_the_folded_classifier_classifies_as_rapidocrs_own_session() -> None:
    from rapidocr_onnxruntime.ch_ppocr_cls import TextClassifier

    bgr = view(10025, "table", 180)
    crops = [rapidocr.crop_line(bgr, q) for q in rapidocr.detect_lines(bgr)[:16]]
    crops = [c for c in crops if c.shape[1] >= c.shape[0]]
    assert len(crops) >= 5
    ours = rapidocr.classify_lines(crops)
    cls = rapidocr.models().classifier
    theirs_cls = TextClassifier({**rapidocr._session(rapidocr.CLS_MODEL),
                                 "cls_image_shape": list(rapidocr.CLS_SHAPE),
                                 "cls_batch_num": cls.cls_batch_num,
                                 "cls_thresh": cls.cls_thresh, "label_list": ["0", "180"]})
    assert cls.infer.session is not theirs_cls.infer.session
    _, theirs, _ = theirs_cls(crops)
    assert [q for q, _ in ours] == [180 if "180" in str(label) else 0 for label, _ in theirs]
    assert sum(q == 180 for q, _ in ours) > len(ours) // 2  # the page lies upside down
    assert max(abs(s - float(c)) for (_, s), (_, c) in zip(ours, theirs, strict=True)) < 1e-4
