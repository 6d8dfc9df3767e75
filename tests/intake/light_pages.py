"""Pages drawn for the light-page tests: a sheet with only its page number, show-through."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

DPI = 200
MM = DPI / 25.4


def paper(seed: int, dpi: int = DPI) -> np.ndarray:
    rng = np.random.default_rng(seed)
    h, w = round(297 * dpi / 25.4), round(210 * dpi / 25.4)
    page = np.full((h, w), 246, np.float32)
    return page + rng.normal(0, 3, page.shape).astype(np.float32)


def jpeg(page: np.ndarray, dpi: int = DPI) -> bytes:
    out = io.BytesIO()
    rgb = np.repeat(np.clip(page, 0, 255).astype(np.uint8)[:, :, None], 3, axis=2)
    Image.fromarray(rgb).save(out, "JPEG", quality=90, dpi=(dpi, dpi))
    return out.getvalue()


def page_number(text: str, seed: int, dpi: int = DPI, stroke: int = 2) -> np.ndarray:
    """A sheet with nothing on it but its page number, 4 mm high, 12 mm above the foot
    (``stroke`` px wide: 1 a thin pen, 2 a numbering machine's bold digits)."""
    page = paper(seed, dpi)
    mm = dpi / 25.4
    scale = 4 * mm / 22  # Hershey simplex digits are about 22 px high at scale 1
    (tw, _th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, stroke)
    ink = np.zeros(page.shape, np.uint8)
    cv2.putText(ink, text, (page.shape[1] // 2 - tw // 2, page.shape[0] - round(12 * mm)),
                cv2.FONT_HERSHEY_SIMPLEX, scale, 255, stroke, cv2.LINE_AA)
    return page - ink.astype(np.float32) / 255 * 210


def show_through(seed: int) -> np.ndarray:
    """A sheet whose other side's text shows through it: mirrored, blurred and faint."""
    rng = np.random.default_rng(seed)
    page = paper(seed)
    back = np.zeros(page.shape, np.uint8)
    for i in range(30):
        text = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz  "), 34))
        cv2.putText(back, text, (round(25 * MM), round(40 * MM) + i * round(7.5 * MM)),
                    cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255, 2, cv2.LINE_AA)
    faint = cv2.GaussianBlur(back[:, ::-1].astype(np.float32) / 255, (0, 0), 1.0)
    return page - faint * 200 * 0.08  # 16 grey levels at most, blurred: lighter than ink
