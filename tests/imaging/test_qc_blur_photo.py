"""Blur is judged on the ink's writing, not its solid areas: a dark photograph's smooth
tones have no edge, and a sharp page carrying one is not ``blurred``; the same page out of
focus still is."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import simplejpeg
from retouch_synthetic import draw_page, scan

from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes

MM = 200 / 25.4


def _photo_page() -> np.ndarray:
    """Text below a dark photograph (grey 5-90, smooth) printed to the sheet's top and left
    edges, as a caption under a picture."""
    page = draw_page(lines=4)
    page[:, :, :] = 238
    for i in range(4):
        cv2.putText(page, "the photograph of the meeting 1997", (240, round(262 * MM) + i * 62),
                    cv2.FONT_HERSHEY_SIMPLEX, 1.0, (25, 25, 25), 2)
    cells = np.random.default_rng(7).uniform(5, 90, (12, 9)).astype(np.float32)
    x1, y1 = round(190 * MM), round(250 * MM)
    tone = cv2.resize(cells, (x1, y1), interpolation=cv2.INTER_CUBIC).clip(0, 255)
    page[:y1, :x1] = tone.astype(np.uint8)[..., None]
    return page


@pytest.mark.parametrize("bed", [120, 22])
def test_a_sharp_page_with_a_dark_photo_is_not_blurred(bed: int) -> None:
    sharp = scan(_photo_page(), 0.0, bed=bed)
    blurred = cv2.GaussianBlur(sharp, (0, 0), 4.0)
    flags = [[d.code for d in retouch_bytes(simplejpeg.encode_jpeg(img, quality=90),
                                             RetouchOptions(orientation=False)).report.defects]
             for img in (sharp, blurred)]
    assert "blurred" not in flags[0], flags[0]
    assert "blurred" in flags[1], flags[1]
