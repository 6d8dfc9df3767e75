"""PP-OCR's text detector, line-direction classifier and recogniser, run by RapidOCR on ONNX
Runtime.

The models ship inside the ``rapidocr-onnxruntime`` wheel; nothing is fetched at run time.
They are loaded once per process, lazily, with one intra-op thread: the page pool already
runs one worker per core, and ONNX Runtime's own thread pool would only make them fight.
Their sessions keep ONNX Runtime's CPU memory arena, which RapidOCR turns off: without it the
detector allocates and faults in tens of MB of activations on every run, a third of its
CPU time (the same outputs, bit for bit; the memory stays held at the detector's peak). The
detector's input is normalised by table lookup (the same floats).
The recogniser reads the views of one shape together (``REC_BATCH``: a box as it lies and
upside down, as a column both ways), never a narrow crop padded to a wider one's width.
The three models run with hardswish written as one operator and (detector and recogniser) their
learnable affine steps folded into the convolutions beside them (``onnx_fold``, made in memory
from the shipped files at load): each about a fifth cheaper, the same boxes, directions and
readings (outputs within about 10⁻⁴).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

DET_MODEL = "ch_PP-OCRv4_det_infer.onnx"
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_infer.onnx"
REC_MODEL = "ch_PP-OCRv4_rec_infer.onnx"
CLS_SHAPE = (3, 48, 192)
REC_SHAPE = (3, 48, 96)  # a batch is as wide as its widest crop (no padding to 320)
DET_CONFIG = {"limit_side_len": 2000, "limit_type": "max", "mean": [0.5, 0.5, 0.5],
              "std": [0.5, 0.5, 0.5], "thresh": 0.3, "box_thresh": 0.5, "max_candidates": 1000,
              "unclip_ratio": 1.6, "use_dilation": True, "score_mode": "fast"}
FOLDED = (DET_MODEL, CLS_MODEL, REC_MODEL)  # run as onnx_fold rewrites them
# Views of the same shape (each as it would be alone: no padding) are read in runs of up to
# REC_BATCH: ≈ 5 % less CPU a view than one a run, the same outputs bit for bit (on one thread
# batches of 8 cost about a third more a crop than one a run).
REC_BATCH = 4


@dataclass(frozen=True)
class Models:
    detector: Any  # rapidocr_onnxruntime.ch_ppocr_det.TextDetector
    classifier: Any  # rapidocr_onnxruntime.ch_ppocr_cls.TextClassifier


def _session(model: str) -> dict[str, Any]:
    import rapidocr_onnxruntime

    path = Path(rapidocr_onnxruntime.__file__).parent / "models" / model
    return {"model_path": str(path), "intra_op_num_threads": 1, "inter_op_num_threads": 1,
            "use_cuda": False, "use_dml": False}


def _ort_session(model: str, folded: bool = True) -> Any:
    """An ONNX Runtime session for ``model`` as RapidOCR makes it (one thread each way, every
    graph optimisation, the CPU provider), but with the CPU memory arena and, for the models
    in ``FOLDED`` unless ``folded`` is false, the network as ``onnx_fold`` rewrites it."""
    from dangan.imaging._exec.onnx_fold import fold

    path = _session(model)["model_path"]
    return _session_of(fold(Path(path).read_bytes()).model if folded and model in FOLDED
                       else path)


def _session_of(source: str | bytes) -> Any:
    """An ONNX Runtime session of the model ``source`` (a path or the model's bytes) with
    ``_ort_session``'s options."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 4
    so.enable_cpu_mem_arena = True
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(
        source, sess_options=so,
        providers=[("CPUExecutionProvider", {"arena_extend_strategy": "kSameAsRequested"})])


def _normalise_by_table(det: Any) -> None:
    """The detector's input normalised by a table of the 256 values its own arithmetic gives
    (in float64, for each pixel of each run: ≈ 4 ms a page view), the same floats exactly."""
    get_preprocess = det.get_preprocess
    table: dict[int, np.ndarray] = {}

    def preprocess(max_wh: int) -> Any:
        op = get_preprocess(max_wh)
        own = op.normalize
        if not table:
            levels = np.arange(256, dtype=np.uint8).reshape(256, 1, 1).repeat(3, axis=2)
            table[0] = np.asarray(own(levels), np.float32).reshape(256, 1, 3)

        def normalize(img: np.ndarray) -> np.ndarray:
            if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
                return np.asarray(own(img))
            return cv2.LUT(img, table[0])

        op.normalize = normalize
        return op

    det.get_preprocess = preprocess


@lru_cache(maxsize=1)
def models() -> Models:
    """The detector and classifier of this process (built on first use)."""
    from rapidocr_onnxruntime.ch_ppocr_cls import TextClassifier
    from rapidocr_onnxruntime.ch_ppocr_det import TextDetector

    det = TextDetector({**_session(DET_MODEL), **DET_CONFIG})
    cls = TextClassifier({**_session(CLS_MODEL), "cls_image_shape": list(CLS_SHAPE),
                          "cls_batch_num": 16, "cls_thresh": 0.9, "label_list": ["0", "180"]})
    det.infer.session = _ort_session(DET_MODEL)
    _normalise_by_table(det)
    cls.infer.session = _ort_session(CLS_MODEL)
    return Models(det, cls)


@lru_cache(maxsize=1)
def recogniser() -> Any:
    """The text recogniser of this process (Chinese and Latin script; built on first use)."""
    from rapidocr_onnxruntime.ch_ppocr_rec import TextRecognizer

    rec = TextRecognizer({**_session(REC_MODEL), "rec_img_shape": list(REC_SHAPE),
                          "rec_batch_num": 1})
    rec.session.session = _ort_session(REC_MODEL)
    return rec


def detect_lines(bgr: np.ndarray) -> np.ndarray:
    """Quadrilaterals (n, 4, 2) of the text lines in ``bgr``, corners clockwise from top-left.

    The detector sees the image as given, its longer side scaled to 960 px at most.
    """
    boxes, _ = models().detector(bgr)
    if boxes is None or len(boxes) == 0:
        return np.zeros((0, 4, 2), np.float32)
    return np.asarray(boxes, np.float32).reshape(-1, 4, 2)


def upright_corners(quad: np.ndarray) -> np.ndarray:
    """``quad``'s corners clockwise (on screen) from the one whose next edge runs most nearly
    left to right: the box's own top-left as the page lies.

    The detector orders corners by sorting them on x, which on a skewed page swaps them for
    a tall thin box (a column of vertical script): its crop would then come out lying on its
    side, and say the wrong thing about the line's direction.
    """
    q = np.asarray(quad, np.float64)
    x, y = q[:, 0], q[:, 1]
    nxt = [1, 2, 3, 0]  # np.roll(·, -1) of four corners, without its overhead
    if float(np.dot(x, y[nxt]) - np.dot(x[nxt], y)) < 0:
        q = q[::-1]  # counter-clockwise on screen (y down): reverse
    edges = q[nxt] - q
    start = int(np.argmax(edges[:, 0] / np.maximum(np.hypot(edges[:, 0], edges[:, 1]), 1e-9)))
    return q[[(start + k) % 4 for k in range(4)]].astype(np.float32)


def crop_line(bgr: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The line under ``quad`` warped to an axis-aligned strip, as it lies on the page (a
    column stays tall, a row wide)."""
    quad = upright_corners(quad)
    w = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    h = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    crop: np.ndarray = cv2.warpPerspective(bgr, m, (max(w, 1), max(h, 1)),
                                           borderMode=cv2.BORDER_REPLICATE,
                                           flags=cv2.INTER_LINEAR)
    return crop


def classify_lines(crops: list[np.ndarray]) -> list[tuple[int, float]]:
    """For each horizontal line crop: 0 or 180 (as the text reads) and the model's score."""
    if not crops:
        return []
    _, results, _ = models().classifier(crops)
    return [(180 if "180" in str(label) else 0, float(score)) for label, score in results]



def recognise(crops: list[np.ndarray]) -> list[tuple[str, float]]:
    """For each horizontal line crop (BGR): the text read and the recogniser's confidence
    (mean of its per-character probabilities; 0 when it reads nothing)."""
    if not crops:
        return []
    rec = recogniser()
    _, height, width = REC_SHAPE
    # Each crop made the tensor RapidOCR makes of it alone (padded to REC_SHAPE's width at
    # least, else to its own), then those of one shape run together.
    tensors = [rec.resize_norm_img(c, max(width / height, c.shape[1] / c.shape[0]))
               for c in crops]
    by_shape: dict[tuple[int, ...], list[int]] = {}
    for k, t in enumerate(tensors):
        by_shape.setdefault(t.shape, []).append(k)
    out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
    for ks in by_shape.values():
        for start in range(0, len(ks), REC_BATCH):
            part = ks[start:start + REC_BATCH]
            preds = rec.session(np.stack([tensors[k] for k in part]))[0]
            for k, (text, score) in zip(part, rec.postprocess_op(preds), strict=True):
                out[k] = (str(text), float(score))
    return out
