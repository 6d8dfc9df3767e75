"""Tesseract's orientation and script detection (``--psm 0`` with the ``osd`` data only).

``-l chi_sim+osd`` answers "90" for every page; the ``osd`` traineddata alone is what
Tesseract's OSD was made for (Debian package ``tesseract-ocr-osd``).

It is asked in this process through libtesseract's C API (the library the ``tesseract``
program is built on, from the same Debian package) when the library loads, else through the
program. The answer is the same: what ``tesseract … --psm 0`` prints is made by the same
``DetectOrientationScript`` on the same image at the same resolution. In the process it
costs well under half the CPU: no program start (loading the OSD data, ≈ 65 ms), no PNG
between the two, and none of the page segmentation the program runs first — which already
classifies the page's characters for its own OSD, an answer the program does not print.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

TIMEOUT_S = 30.0
PSM_OSD_ONLY = 0
# Tesseract's orientation ids (0, 1, 2, 3: text turned 0/90/180/270 counter-clockwise) as the
# clockwise turn that makes the page upright, what the program prints as "Rotate".
ROTATE_OF_ID = (0, 270, 180, 90)


@dataclass(frozen=True)
class Osd:
    rotate: int  # clockwise quarter turn that makes the page upright
    orientation_confidence: float
    script: str
    script_confidence: float


def available() -> bool:
    return shutil.which("tesseract") is not None or _library() is not None


def _field(text: str, name: str) -> str | None:
    m = re.search(rf"^{re.escape(name)}:\s*(\S+)", text, re.MULTILINE)
    return m.group(1) if m else None


def parse(text: str) -> Osd | None:
    """The answer of ``tesseract … --psm 0``; None when it found too little text to say."""
    rotate, conf = _field(text, "Rotate"), _field(text, "Orientation confidence")
    if rotate is None or conf is None:
        return None
    return Osd(int(rotate) % 360, float(conf), _field(text, "Script") or "",
               float(_field(text, "Script confidence") or 0.0))


def answer(orientation_id: int, orientation_conf: float, script: str,
           script_conf: float) -> Osd:
    """The C API's answer as the program prints it: the turn that makes the page upright,
    and the confidences to two decimals (``std::fixed``, ``setprecision(2)``)."""
    return Osd(ROTATE_OF_ID[orientation_id % 4], float(f"{orientation_conf:.2f}"), script,
               float(f"{script_conf:.2f}"))


@lru_cache(maxsize=1)
def _library() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("tesseract") or "libtesseract.so.5"
    try:
        lib = ctypes.CDLL(name)
        fns = {"TessBaseAPICreate": ([], ctypes.c_void_p),
               "TessBaseAPIInit3": ([ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p],
                                    ctypes.c_int),
               "TessBaseAPISetPageSegMode": ([ctypes.c_void_p, ctypes.c_int], None),
               "TessBaseAPISetVariable": ([ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p],
                                          ctypes.c_int),
               "TessBaseAPISetImage": ([ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int,
                                        ctypes.c_int, ctypes.c_int, ctypes.c_int], None),
               "TessBaseAPIDetectOrientationScript": (
                   [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int),
                    ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_char_p),
                    ctypes.POINTER(ctypes.c_float)], ctypes.c_int),
               "TessBaseAPIClear": ([ctypes.c_void_p], None)}
        for fn, (args, res) in fns.items():
            getattr(lib, fn).argtypes, getattr(lib, fn).restype = args, res
    except (OSError, AttributeError):
        return None
    return lib


class _Api:
    """One TessBaseAPI with the ``osd`` data, kept for the life of the process."""

    def __init__(self, lib: ctypes.CDLL, handle: int) -> None:
        self.lib, self.handle = lib, handle
        self.lock = threading.Lock()

    def osd(self, grey: np.ndarray, dpi: float) -> Osd | None:
        img = np.ascontiguousarray(grey, np.uint8)
        deg, conf = ctypes.c_int(), ctypes.c_float()
        script, script_conf = ctypes.c_char_p(), ctypes.c_float()
        lib, h = self.lib, self.handle
        with self.lock:
            # As the program's --dpi does.
            lib.TessBaseAPISetVariable(h, b"user_defined_dpi", str(round(dpi)).encode())
            lib.TessBaseAPISetImage(h, img.ctypes.data, img.shape[1], img.shape[0], 1,
                                    img.strides[0])
            try:
                ok = lib.TessBaseAPIDetectOrientationScript(
                    h, ctypes.byref(deg), ctypes.byref(conf), ctypes.byref(script),
                    ctypes.byref(script_conf))
                name = (script.value or b"").decode("utf-8", "replace")
            finally:
                lib.TessBaseAPIClear(h)
        return answer(deg.value // 90, conf.value, name, script_conf.value) if ok else None


@lru_cache(maxsize=1)
def _api() -> _Api | None:
    """The process's OSD through the C API (built on first use), or None without it."""
    lib = _library()
    if lib is None:
        return None
    handle = lib.TessBaseAPICreate()
    if not handle or lib.TessBaseAPIInit3(handle, None, b"osd") != 0:
        return None
    lib.TessBaseAPISetPageSegMode(handle, PSM_OSD_ONLY)
    # Its warnings ("Too few characters") would go to stderr; None already says it.
    lib.TessBaseAPISetVariable(handle, b"debug_file", os.devnull.encode())
    return _Api(lib, handle)


def prepare() -> None:
    """Load the OSD data into this process now. Loaded after ONNX Runtime's sessions were
    made and run, the same OSD costs ≈ 1.7× the CPU for the rest of the process (measured
    here on the decision's stencils: ≈ 430 against ≈ 250 ms a call; not after other numpy or
    OpenCV work), so the orientation decision calls this before it first runs a model."""
    _api()


def osd_program(grey: np.ndarray, dpi: float) -> Osd | None:
    """OSD by the ``tesseract`` program (``grey`` sent as PNG on stdin, one thread)."""
    ok, png = cv2.imencode(".png", grey)
    if not ok:
        return None
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        proc = subprocess.run(
            ["tesseract", "stdin", "stdout", "--psm", "0", "-l", "osd", "--dpi",
             str(round(dpi))],
            input=png.tobytes(), capture_output=True, timeout=TIMEOUT_S, env=env, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return parse(proc.stdout.decode("utf-8", "replace"))


def osd(grey: np.ndarray, dpi: float) -> Osd | None:
    """Tesseract's OSD of ``grey``; None when it cannot tell (or is not installed)."""
    api = _api()
    if api is not None:
        return api.osd(grey, dpi)
    return osd_program(grey, dpi)
