"""Red round seals (圆形红章): a ring, a five-pointed star and the issuer's name on an arc.

The seal is built as a coverage mask (0..1) and multiplied onto the page in red, the way
stamp ink sits on top of the printed text without hiding it.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image, ImageDraw

from dangan.samples.fonts import get_font

SEAL_RED = (205, 32, 38)


def seal_mask(dpi: int, rng: np.random.Generator, text: str, family: str) -> np.ndarray:
    """Float32 coverage of a 40-45 mm seal, uneven like a real ink impression."""
    mm = dpi / 25.4
    diameter = int(rng.uniform(40, 45) * mm)
    size = diameter + 4
    c = size / 2
    img = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(img)
    ring = max(2, round(1.2 * mm))
    r = diameter / 2
    draw.ellipse((c - r, c - r, c + r, c + r), outline=255, width=ring)
    star_r = 0.28 * r
    pts = []
    for k in range(10):
        a = -math.pi / 2 + k * math.pi / 5
        rad = star_r if k % 2 == 0 else star_r * 0.382
        pts.append((c + rad * math.cos(a), c + rad * math.sin(a)))
    draw.polygon(pts, fill=255)

    glyph = max(8, int(0.2 * r))
    font = get_font(family, glyph, bold=True)
    arc_r = r - ring - 0.62 * glyph
    span = math.radians(min(250.0, 22.0 * len(text)))
    for i, ch in enumerate(text):
        # angle measured from "up", clockwise; characters run left to right over the top
        theta = -span / 2 + span * (i + 0.5) / len(text)
        tile = Image.new("L", (glyph * 2, glyph * 2), 0)
        ImageDraw.Draw(tile).text((glyph, glyph), ch, font=font, fill=255, anchor="mm")
        tile = tile.rotate(-math.degrees(theta), resample=Image.Resampling.BILINEAR)
        x = c + arc_r * math.sin(theta) - glyph
        y = c - arc_r * math.cos(theta) - glyph
        img.paste(255, (int(x), int(y)), tile)

    mask = np.asarray(img, dtype=np.float32) / 255.0
    # Uneven ink: a smooth random field between ~0.55 and 1.0.
    field = rng.uniform(0.55, 1.0, size=(6, 6)).astype(np.float32)
    field = np.asarray(
        cv2.resize(field, (size, size), interpolation=cv2.INTER_CUBIC), dtype=np.float32
    )
    angle = float(rng.uniform(-25, 25))
    rot = cv2.getRotationMatrix2D((c, c), angle, 1.0)
    turned = cv2.warpAffine(mask * np.clip(field, 0.4, 1.0), rot, (size, size))
    return np.asarray(turned, dtype=np.float32)


def stamp(page: np.ndarray, mask: np.ndarray, cx: int, cy: int, opacity: float) -> None:
    """Multiply the seal onto ``page`` (H×W×3 uint8, in place), clipped to the page."""
    h, w = page.shape[:2]
    s = mask.shape[0]
    x0, y0 = cx - s // 2, cy - s // 2
    xa, ya = max(0, x0), max(0, y0)
    xb, yb = min(w, x0 + s), min(h, y0 + s)
    if xa >= xb or ya >= yb:
        return
    m = mask[ya - y0 : yb - y0, xa - x0 : xb - x0, None] * opacity
    tint = 1.0 - np.asarray(SEAL_RED, dtype=np.float32) / 255.0
    region = page[ya:yb, xa:xb].astype(np.float32)
    page[ya:yb, xa:xb] = np.clip(region * (1.0 - m * tint), 0, 255).astype(np.uint8)
