"""PP-OCR's text detector and text-line direction classifier, run by RapidOCR on ONNX Runtime.

The models ship inside the ``rapidocr-onnxruntime`` wheel; nothing is fetched at run time.
They are loaded once per process, lazily, with one intra-op thread: the page pool already
runs one worker per core, and ONNX Runtime's own thread pool would only make them fight.
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
CLS_SHAPE = (3, 48, 192)


@dataclass(frozen=True)
class Models:
    detector: Any  # rapidocr_onnxruntime.ch_ppocr_det.TextDetector
    classifier: Any  # rapidocr_onnxruntime.ch_ppocr_cls.TextClassifier


def _session(model: str) -> dict[str, Any]:
    import rapidocr_onnxruntime

    path = Path(rapidocr_onnxruntime.__file__).parent / "models" / model
    return {"model_path": str(path), "intra_op_num_threads": 1, "inter_op_num_threads": 1,
            "use_cuda": False, "use_dml": False}


@lru_cache(maxsize=1)
def models() -> Models:
    """The detector and classifier of this process (built on first use)."""
    from rapidocr_onnxruntime.ch_ppocr_cls import TextClassifier
    from rapidocr_onnxruntime.ch_ppocr_det import TextDetector

    det = TextDetector({**_session(DET_MODEL), "limit_side_len": 2000, "limit_type": "max",
                        "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "thresh": 0.3,
                        "box_thresh": 0.5, "max_candidates": 1000, "unclip_ratio": 1.6,
                        "use_dilation": True, "score_mode": "fast"})
    cls = TextClassifier({**_session(CLS_MODEL), "cls_image_shape": list(CLS_SHAPE),
                          "cls_batch_num": 16, "cls_thresh": 0.9, "label_list": ["0", "180"]})
    return Models(det, cls)


def detect_lines(bgr: np.ndarray) -> np.ndarray:
    """Quadrilaterals (n, 4, 2) of the text lines in ``bgr``, corners clockwise from top-left.

    The detector sees the image as given, its longer side scaled to 960 px at most.
    """
    boxes, _ = models().detector(bgr)
    if boxes is None or len(boxes) == 0:
        return np.zeros((0, 4, 2), np.float32)
    return np.asarray(boxes, np.float32).reshape(-1, 4, 2)


def crop_line(bgr: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The line under ``quad`` warped to an axis-aligned strip, top edge first (as drawn)."""
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

