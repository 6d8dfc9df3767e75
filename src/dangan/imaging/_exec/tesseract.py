"""Tesseract's orientation and script detection (``--psm 0`` with the ``osd`` data only).

``-l chi_sim+osd`` answers "90" for every page; the ``osd`` traineddata alone is what
Tesseract's OSD was made for (Debian package ``tesseract-ocr-osd``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

import cv2
import numpy as np

TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Osd:
    rotate: int  # clockwise quarter turn that makes the page upright
    orientation_confidence: float
    script: str
    script_confidence: float


def available() -> bool:
    return shutil.which("tesseract") is not None


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


def osd(grey: np.ndarray, dpi: float) -> Osd | None:
    """Run OSD on ``grey`` (sent as PNG on stdin, one thread); None when it cannot tell."""
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
