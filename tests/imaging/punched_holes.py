"""Sheets laid on a scanner bed with binding holes punched through them, for the hole tests.

A punched hole shows the bed below the sheet, and the cut edge casts a shadow on that bed
inside the rim (the paper around stays paper); the shadow shows on a white or grey bed and
is lost in a black one. Marks drawn on the sheet (rings, dots) are print: paper on both
sides of their edges, no shadow.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import simplejpeg
from PIL import Image, ImageDraw

MM = 200 / 25.4  # px per mm at 200 dpi


def lay_on_bed(page: np.ndarray, bed: int, holes: Sequence[tuple[float, float]] = (),
               margin: int = 110, shadow: float = 0.6, radius_mm: float = 3.0) -> np.ndarray:
    """``page`` (RGB) on a bed of grey level ``bed``, ``margin`` px of it around, with holes
    of ``radius_mm`` punched at ``holes`` (page px): the bed shows through them, shaded by
    the cut edge inside the rim (``shadow``: its share of the bed's level at the rim)."""
    h, w = page.shape[:2]
    cover = np.zeros((h + 2 * margin, w + 2 * margin), np.uint8)
    cover[margin:margin + h, margin:margin + w] = 255
    for x, y in holes:
        cv2.circle(cover, (round((x + margin) * 16), round((y + margin) * 16)),
                   round(radius_mm * MM * 16), 0, -1, cv2.LINE_AA, 4)
    r = max(1, round(0.8 * MM))
    shade = cv2.subtract(cv2.blur(cover, (2 * r + 1, 2 * r + 1)), cover).astype(np.float32)
    bed_img = bed * (1.0 - shadow * shade / 255.0)
    paper = cv2.copyMakeBorder(page, margin, margin, margin, margin, cv2.BORDER_CONSTANT,
                               value=(bed, bed, bed)).astype(np.float32)
    a = (cover.astype(np.float32) / 255.0)[..., None]
    out = paper * a + bed_img[..., None] * (1.0 - a)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def ring(page: np.ndarray, x: int, y: int, tone: int, width_mm: float = 0.3,
         radius_mm: float = 3.0) -> None:
    """A printed ring (a punch guide): ``tone`` ink, ``width_mm`` wide, drawn in place with
    crisp edges by Pillow, as the trial's pages drew theirs."""
    im = Image.fromarray(page)
    r, w = round(radius_mm * MM), max(1, round(width_mm * MM))
    ImageDraw.Draw(im).ellipse((x - r, y - r, x + r, y + r), outline=(tone,) * 3, width=w)
    page[...] = np.asarray(im)


def dot(page: np.ndarray, x: float, y: float, tone: int, radius_mm: float = 3.0) -> None:
    """A printed solid dot of ``tone``, drawn in place."""
    cv2.circle(page, (round(x * 16), round(y * 16)), round(radius_mm * MM * 16), (tone,) * 3,
               -1, cv2.LINE_AA, 4)


def jpeg(pixels: np.ndarray, seed: int = 0, blur: float = 0.8) -> bytes:
    """The scanner's optics (a slight blur, ``blur`` px; 0: none), its noise and JPEG."""
    rng = np.random.default_rng(seed)
    soft = (cv2.GaussianBlur(pixels, (0, 0), blur) if blur > 0 else pixels).astype(np.float32)
    noisy = np.clip(soft + rng.normal(0, 2.5, soft.shape), 0, 255).astype(np.uint8)
    return simplejpeg.encode_jpeg(noisy, quality=90)
