"""How fast this host runs the page engine's two heaviest library calls, so that figures taken
on different machines can be compared.

The same code has given pages-per-CPU-second figures twice as far apart on two machines of
the same kind (both "AMD EPYC", 2 cores, nothing else running): the benches that print CPU
time per page print this reference beside it. It is a fixed workload on one thread, made
here without any random input:

* a JPEG decode of an A4 page at 200 dpi (1654 × 2339, grey text on white, quality 85) by
  OpenCV's libjpeg-turbo, full size;
* one run of the PP-OCR text detector (the ONNX model as the wheel ships it, not the folded
  network the orientation decision runs, so the figure stays comparable with earlier ones;
  through ONNX Runtime on one thread) on a 640 × 480 view of the same page.

Each is timed by CPU time, best of ``repeats`` after a warm-up run.

    .venv/bin/python bench/host_reference.py
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def _page() -> np.ndarray:
    page = np.full((2339, 1654), 250, np.uint8)
    y = 160
    for i in range(52):
        text = f"{1997 + i % 7}-{i:03d}  ARCHIVE RECORD  page {i}  court case file  {i * 37 % 1000}"
        cv2.putText(page, text, (120, y), cv2.FONT_HERSHEY_SIMPLEX, 1.1, 30, 2, cv2.LINE_AA)
        y += 42
    return page


def _best_cpu_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeats):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best * 1000


def measure(repeats: int = 7) -> dict[str, float]:
    """CPU milliseconds of the two reference calls on this host (one thread each)."""
    from dangan.imaging._exec.rapidocr import DET_MODEL, _ort_session

    before = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        page = _page()
        ok, buf = cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, 85])
        assert ok
        decode_ms = _best_cpu_ms(lambda: cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE), repeats)
        session = _ort_session(DET_MODEL, folded=False)  # the shipped network, as before
        view = cv2.cvtColor(cv2.resize(page, (480, 640), interpolation=cv2.INTER_AREA),
                            cv2.COLOR_GRAY2BGR)
        tensor = (view.astype(np.float32) / 255.0 - 0.5) / 0.5
        tensor = np.ascontiguousarray(tensor.transpose(2, 0, 1)[None])
        name = session.get_inputs()[0].name
        detect_ms = _best_cpu_ms(lambda: session.run(None, {name: tensor}), repeats)
    finally:
        cv2.setNumThreads(before)
    return {"jpeg_decode_ms": decode_ms, "detector_ms": detect_ms}


def line() -> str:
    ref = measure()
    return (f"host reference (CPU, one thread, best of 7): JPEG decode of an A4 page at 200 dpi "
            f"{ref['jpeg_decode_ms']:.1f} ms, PP-OCR detector on 640 × 480 "
            f"{ref['detector_ms']:.1f} ms")


if __name__ == "__main__":
    print(line())
