"""The detector and recogniser folded by ``onnx_fold`` compute what the shipped networks do.

Pages come from ``dangan.pagegen`` development seeds.
"""

from __future__ import annotations

import tempfile
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
                         [(rapidocr.DET_MODEL, (28, 24, 10, 13)),
                          (rapidocr.REC_MODEL, (28, 28, 12, 13)),
                          (rapidocr.CLS_MODEL, (0, 18, 0, 0))])
def test_the_shipped_networks_are_folded_the_same_every_time(
        model: str, counts: tuple[int, int, int, int]) -> None:
    """Affine steps after a convolution, hardswish chains, affine steps before a 1 × 1
    convolution, affine steps before a padded convolution run as a depthwise one (the
    classifier, PP-LCNet v1, has hardswish chains only)."""
    raw = shipped(model)
    first, again = onnx_fold.fold(raw), onnx_fold.fold(raw)
    assert (first.affine, first.hardswish, first.affine_after, first.affine_depthwise) == counts
    assert first.model == again.model != raw


def test_a_model_already_folded_has_nothing_left_to_fold() -> None:
    folded = onnx_fold.fold(shipped(rapidocr.DET_MODEL)).model
    again = onnx_fold.fold(folded)
    assert (again.affine, again.hardswish, again.affine_after, again.affine_depthwise) == (
        0, 0, 0, 0)


def layout_changes(model: bytes) -> int:
    """The layout changes (NCHWc in and out) ONNX Runtime's optimised graph of ``model``
    runs."""
    import onnx
    import onnxruntime as ort

    with tempfile.TemporaryDirectory() as tmp:
        so = ort.SessionOptions()
        so.log_severity_level = 4
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.optimized_model_filepath = str(Path(tmp) / "optimised.onnx")
        ort.InferenceSession(model, sess_options=so, providers=["CPUExecutionProvider"])
        graph = onnx.load(so.optimized_model_filepath).graph
    return sum(n.op_type in ("ReorderInput", "ReorderOutput") for n in graph.node)


@pytest.mark.parametrize("model", [rapidocr.DET_MODEL, rapidocr.REC_MODEL])
def test_affine_steps_before_padded_convolutions_keep_the_blocked_layout(model: str) -> None:
    """Run as 1 × 1 depthwise convolutions, the affine steps left before padded
    convolutions no longer take the activation out of ONNX Runtime's blocked layout and back
    (where ONNX Runtime blocks at all)."""
    plain = layout_changes(onnx_fold.fold(shipped(model), depthwise=False).model)
    ours = layout_changes(onnx_fold.fold(shipped(model)).model)
    assert ours < plain or plain == 0


def test_the_depthwise_affine_steps_give_the_same_map() -> None:
    """The detector's map with the affine steps run as depthwise convolutions is the map of
    the Mul and Add they replace (bit for bit on this machine's ONNX Runtime; within
    rounding elsewhere)."""
    bgr = view(10011, "letter", 90)
    det = rapidocr.models().detector
    tensor = det.get_preprocess(max(bgr.shape[:2]))(bgr)
    ours = rapidocr._ort_session(rapidocr.DET_MODEL)
    name = ours.get_inputs()[0].name
    before = rapidocr._session_of(
        onnx_fold.fold(shipped(rapidocr.DET_MODEL), depthwise=False).model)
    a = ours.run(None, {name: tensor})[0]
    b = before.run(None, {name: tensor})[0]
    assert float(np.abs(a - b).max()) < 1e-5
    thresh = rapidocr.DET_CONFIG["thresh"]
    assert isinstance(thresh, float)
    assert np.array_equal(a > thresh, b > thresh)


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
                                 "rec_batch_num": 1})
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


def test_views_of_one_shape_are_read_in_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """A box as it lies and upside down (and as a column both ways) has one shape: the
    recogniser reads such views in one run, each as it reads alone; a view of another width
    is not padded to theirs."""
    bgr = view(10004, "table", 0)
    crops = [c for c in (rapidocr.crop_line(bgr, q) for q in rapidocr.detect_lines(bgr)[:12])
             if c.shape[1] >= 2 * c.shape[0]]
    assert len(crops) >= 2
    a = crops[0]
    b = next(c for c in crops[1:] if abs(c.shape[1] / c.shape[0] - a.shape[1] / a.shape[0]) > 0.5)
    views = [a, np.ascontiguousarray(a[::-1, ::-1]), b, np.ascontiguousarray(b[::-1, ::-1])]
    alone = [rapidocr.recognise([v])[0] for v in views]
    session = rapidocr.recogniser().session
    runs: list[tuple[int, ...]] = []

    class Counting:
        def __init__(self, inner: object) -> None:
            self.inner = inner

        def run(self, names: object, feed: dict[str, np.ndarray]) -> object:
            runs.append(next(iter(feed.values())).shape)
            return self.inner.run(names, feed)  # type: ignore[attr-defined]

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

    monkeypatch.setattr(session, "session", Counting(session.session))
    together = rapidocr.recognise(views)
    assert together == alone
    assert len(runs) == 2 and all(shape[0] == 2 for shape in runs)
    assert runs[0][3] != runs[1][3]  # each pair at its own width
