"""A form whose longest boxes are handwritten entries no recogniser reads is settled by its
printed labels: the reading tries boxes of another kind before it gives up.

The page is drawn here: printed labels in a CJK font installed on the machine, and beside
each a longer entry of pen scribbles (glyph-like strokes no OCR can read).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from dangan.imaging import orientation, orientation_reading
from dangan.imaging._exec import tesseract
from dangan.imaging.orientation import LineVotes, decide_orientation
from dangan.imaging.orientation_reading import Reading

FONTS = [Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
         Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
         Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
         Path("/usr/share/fonts/truetype/arphic/uming.ttc")]
LABELS = ["出生年月", "文化程度", "政治面貌", "家庭住址", "联系电话", "工作单位", "身份证号",
          "婚姻状况", "健康状况", "参加工作", "现任职务", "户口所在"]
DPI = 200


def _scribble(draw: ImageDraw.ImageDraw, x: int, y: int, glyphs: int, size: int,
              rng: np.random.Generator) -> None:
    """``glyphs`` pen-drawn pseudo-characters from (x, y): strokes, hooks and dots."""
    for g in range(glyphs):
        x0 = x + g * int(size * 1.1)
        for _ in range(int(rng.integers(3, 7))):
            pts = [(x0 + float(rng.uniform(0, size)), y + float(rng.uniform(0, size)))
                   for _ in range(int(rng.integers(2, 4)))]
            draw.line(pts, fill=40, width=3, joint="curve")


@cache
def form_page() -> np.ndarray:
    font_path = next((f for f in FONTS if f.is_file()), None)
    if font_path is None:
        pytest.skip("no CJK font installed")
    w, h = int(8.27 * DPI), int(11.69 * DPI)
    img = Image.new("L", (w, h), 245)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(font_path), 40)
    rng = np.random.default_rng(17)
    draw.text((w // 2 - 200, 150), "职工登记表", font=ImageFont.truetype(str(font_path), 80),
              fill=20)
    for k, label in enumerate(LABELS):
        y = 380 + 140 * k
        draw.rectangle((150, y - 30, w - 150, y + 80), outline=60, width=2)
        draw.text((190, y), label, font=font, fill=20)
        _scribble(draw, 560, y, int(rng.integers(12, 20)), 40, rng)
    grey = np.asarray(img, np.uint8).copy()
    noise = np.random.default_rng(3).normal(0, 3, grey.shape)
    return np.clip(cv2.GaussianBlur(grey, (3, 3), 0.7) + noise, 0, 255).astype(np.uint8)


def test_upright_form_with_handwritten_entries_is_settled_by_its_labels() -> None:
    d = decide_orientation(form_page(), DPI)
    assert (d.rotation, d.review) == (0, ""), d.evidence
    reading = d.evidence["reading"]
    assert isinstance(reading, dict) and reading["others"] > 0  # the labels settled it


def test_upside_down_form_is_put_right_or_flagged() -> None:
    d = decide_orientation(np.ascontiguousarray(np.rot90(form_page(), 2)), DPI)
    assert d.rotation == 180 or (d.rotation == 0 and d.review), d.evidence


def test_boxes_of_another_kind_are_shorter_dense_ink_first_never_faint() -> None:
    """After long boxes that read nothing: much shorter boxes, the densest ink first; faint
    ones (showing through from the back) and those already read are left out."""
    page = np.full((600, 900), 235, np.uint8)
    rng = np.random.default_rng(5)
    rows = {0: (600, 0.15, 30), 1: (200, 0.15, 30), 2: (200, 0.5, 30), 3: (200, 0.5, 190),
            4: (500, 0.5, 30)}  # box: (length, share in ink, grey of the ink)
    quads = []
    for k, (length, share, ink) in rows.items():
        y = 40 + 100 * k
        block = page[y:y + 30, 50:50 + length]
        block[rng.random(block.shape) < share] = ink
        quads.append([[45, y - 5], [55 + length, y - 5], [55 + length, y + 35], [45, y + 35]])
    q = np.asarray(quads, np.float32)
    others = orientation_reading._others(orientation_reading.LineCrops(page, q, 1.0), [0], 5)
    assert [i for i, _ in others] == [2, 1]  # 4 is not much shorter than 0, 3 is faint
    # 0 is longer than the box read: not of another kind either
    assert [i for i, _ in orientation_reading._others(
        orientation_reading.LineCrops(page, q, 1.0), [4], 5)] == [2, 1]


def test_a_box_read_as_a_column_is_no_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """Vertical script on its side: its columns look to the detector like upright rows, and
    one box of it (found among the boxes of another kind) reads as a column of a turned
    page. That box is no "as it is": the detector's word is checked by Tesseract, which
    saying otherwise flags the page (it passed silently)."""
    lv = LineVotes(np.asarray([900.0, 0, 100, 0]), 20, 5.0, np.zeros((0, 4, 2), np.float32))
    one = Reading(np.asarray([0.0, 1, 0, 0]), np.asarray([0.0, 0.8, 0, 0]), 0.0, 8)
    monkeypatch.setattr(tesseract, "available", lambda: True)
    monkeypatch.setattr(tesseract, "osd", lambda *_: tesseract.Osd(180, 1.5, "Han", 2.0))
    grey = np.full((1169, 827), 230, np.uint8)
    d = orientation._decide(lv, one, orientation._Osd(grey, 100.0, lv, (640, 453)))
    assert d[:2] == (0, orientation.DISAGREE)
