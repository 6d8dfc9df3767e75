"""bench/host_reference.py measures the page engine's two heaviest library calls on this
host, so that CPU-per-page figures taken on different machines can be compared."""

from __future__ import annotations

from typing import Any

from bench_scripts import load_bench


def _module() -> Any:
    return load_bench("host_reference")


def test_reference_times_both_calls_on_one_thread() -> None:
    import cv2

    host = _module()
    threads = cv2.getNumThreads()
    ref = host.measure(repeats=2)
    assert set(ref) == {"jpeg_decode_ms", "detector_ms"}
    # A full A4 decode and a detector run each take real work: well over a tenth of a
    # millisecond on any machine, and the detector more than the decode.
    assert 0.1 < ref["jpeg_decode_ms"] < ref["detector_ms"]
    assert cv2.getNumThreads() == threads  # the caller's OpenCV threads are left as they were


def test_reference_page_is_a_fixed_text_page() -> None:
    host = _module()
    a, b = host._page(), host._page()
    assert a.shape == (2339, 1654) and (a == b).all()
    assert 0.01 < float((a < 128).mean()) < 0.2  # text on white, the same every time
