"""Orientation where the page gives no evidence of which way is up: text that reads the same
upside down, a page holding only a seal, a ledger whose only fluent line says "turned".

Pages made here with PIL (the system's fonts), as a new user's own pages were: a sheet of
numbers in the digits 0 1 6 8 9 was turned a half turn (such text reads the same, or as
other valid digits, upside down); a seal alone and an A3 ledger on its side passed as
upright, unflagged. Never turned on such evidence; flagged for a person.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from dangan.imaging import orientation, orientation_reading
from dangan.imaging._exec import tesseract
from dangan.imaging.orientation import LineVotes, decide_orientation
from dangan.imaging.orientation_reading import Reading

SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
CJK = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
CJK_BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
PAPER = (246, 243, 235)

fonts = pytest.mark.skipif(not all(Path(p).is_file() for p in (SANS, CJK, CJK_BOLD)),
                           reason="the system's DejaVu and Noto CJK fonts are needed")


def px(mm: float, dpi: int) -> int:
    return round(mm * dpi / 25.4)


def on_bed(sheet: Image.Image, dpi: int, bed: int, skew: float = 0.0, turn: int = 0,
           seed: int = 0) -> np.ndarray:
    """The sheet laid on a scanner bed of grey ``bed``, askew by ``skew`` degrees and turned
    ``turn`` degrees clockwise, with scanner noise: the grey scan."""
    grey = np.asarray(sheet.convert("L"), np.float32)
    h, w = grey.shape
    m = px(12, dpi)
    frame = np.full((h + 2 * m, w + 2 * m), float(bed), np.float32)
    frame[m:m + h, m:m + w] = grey
    frame += np.random.default_rng(seed).normal(0, 3, frame.shape)
    img = Image.fromarray(frame.clip(0, 255).astype(np.uint8))
    if skew:
        img = img.rotate(skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=bed)
    out = np.asarray(img)
    return np.ascontiguousarray(np.rot90(out, -turn // 90))


def jpeg(grey: np.ndarray) -> np.ndarray:
    """``grey`` saved as a JPEG (quality 88) and read back, as a scanner's file is."""
    ok, data = cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, 88])
    assert ok
    out = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    assert out is not None
    return out


def digits_sheet(seed: int, charset: str = "01689", dpi: int = 200) -> Image.Image:
    """An A4 sheet of 30 rows of numbers in ``charset``, DejaVu Sans 12 pt."""
    im = Image.new("RGB", (px(210, dpi), px(297, dpi)), PAPER)
    d = ImageDraw.Draw(im)
    f = ImageFont.truetype(SANS, int(12 / 72 * dpi))
    r = random.Random(seed)
    for k in range(30):
        row = "   ".join("".join(r.choice(charset) for _ in range(r.randint(3, 6)))
                         for _ in range(7))
        d.text((px(20, dpi), px(20 + k * 7.5, dpi)), row, font=f, fill=(20, 20, 20))
    return im


def seal_sheet(dpi: int = 200) -> Image.Image:
    """An A4 sheet holding only a red round seal (ring, its name in an arc, a star)."""
    im = Image.new("RGB", (px(210, dpi), px(297, dpi)), PAPER)
    d = ImageDraw.Draw(im)
    red = (205, 30, 35)
    a, b, radius = px(150, dpi), px(220, dpi), px(21, dpi)
    d.ellipse((a - radius, b - radius, a + radius, b + radius), outline=red,
              width=px(1.2, dpi))
    f = ImageFont.truetype(CJK, px(5.5, dpi), index=2)
    name = "某某市人民法院"
    for k, ch in enumerate(name):
        ang = math.radians(200 + k * 140 / (len(name) - 1))
        d.text((a + 0.72 * radius * math.cos(ang) - px(2.7, dpi),
                b + 0.72 * radius * math.sin(ang) - px(2.7, dpi)), ch, font=f, fill=red)
    s = px(5, dpi)
    d.polygon([(a + s * math.cos(math.radians(-90 + 144 * k)),
                b + s * math.sin(math.radians(-90 + 144 * k))) for k in range(5)], fill=red)
    return im


LEDGER_TEXT = ("关于进一步加强档案数字化加工质量管理工作的通知各有关单位为规范纸质档案数字化工作确保数字化成果真实完整"
      "可用安全根据国家档案局有关规定结合本单位实际现就有关事项通知如下一是严格执行扫描图像处理标准二是落实"
      "质量检查责任制三是做好原件保护与归还工作请各单位认真贯彻执行本院于一九九七年三月五日受理原告诉被告借款"
      "合同纠纷一案依法组成合议庭公开开庭进行了审理原告委托代理人到庭参加诉讼本案现已审理终结")


def ledger_sheet(seed: int, dpi: int = 150) -> Image.Image:
    """An A3 landscape ledger: a title and a table of 40 rows by 10 columns of 8 pt words."""
    im = Image.new("RGB", (px(420, dpi), px(297, dpi)), PAPER)
    d = ImageDraw.Draw(im)
    d.text((px(150, dpi), px(12, dpi)), "收支明细账",
           font=ImageFont.truetype(CJK_BOLD, int(18 / 72 * dpi), index=2), fill=(20, 20, 20))
    x, y, w, h, rows, cols = 15, 25, 390, 260, 40, 10
    for i in range(rows + 1):
        yy = px(y + h * i / rows, dpi)
        d.line((px(x, dpi), yy, px(x + w, dpi), yy), fill=(30, 30, 30), width=1)
    for j in range(cols + 1):
        xx = px(x + w * j / cols, dpi)
        d.line((xx, px(y, dpi), xx, px(y + h, dpi)), fill=(30, 30, 30), width=1)
    f = ImageFont.truetype(CJK, int(8 / 72 * dpi), index=2)
    r = random.Random(seed)
    for i in range(rows):
        for j in range(cols):
            if r.random() < 0.75:
                k = r.randrange(len(LEDGER_TEXT) - 5)
                d.text((px(x + w * j / cols + 1.5, dpi), px(y + h * i / rows + 1.2, dpi)),
                       LEDGER_TEXT[k:k + r.randint(2, 5)], font=f, fill=(25, 25, 25))
    return im


# --- pages ---------------------------------------------------------------------------------
@fonts
@pytest.mark.parametrize(("bed", "skew", "turn"), [(18, 0.0, 0), (110, 1.0, 0), (18, 0.0, 180)])
def test_numbers_that_read_the_same_upside_down_never_turn_the_page(
        bed: int, skew: float, turn: int) -> None:
    """A sheet of numbers in 0 1 6 8 9 reads as numbers both ways: the detector and
    Tesseract said "upside down" of the upright sheet, and it was turned. Left as it is,
    flagged, whichever way it lies."""
    grey = on_bed(digits_sheet(90 + turn + bed), 200, bed, skew, turn)
    d = decide_orientation(grey, 200.0)
    assert (d.rotation, d.review) == (0, orientation.UNCERTAIN), d.evidence
    reading = d.evidence["reading"]
    assert isinstance(reading, dict) and reading["ambiguous"] >= orientation.AMBIGUOUS


@fonts
def test_numbers_in_all_ten_digits_are_still_read() -> None:
    """2 3 4 5 7 do not read upside down: such a sheet is evidence, and is not flagged as
    text that reads the same both ways."""
    d = decide_orientation(on_bed(digits_sheet(97, "0123456789"), 200, 18), 200.0)
    assert d.rotation == 0, d.evidence
    reading = d.evidence["reading"]
    assert isinstance(reading, dict) and 2 * reading["ambiguous"] < reading["boxes"]


@fonts
@pytest.mark.parametrize(("bed", "turn"), [(110, 180), (18, 90), (18, 0)])
def test_a_page_holding_only_a_seal_is_flagged(bed: int, turn: int) -> None:
    """Not one line of text, but ink: nothing tells which way is up, and the page is not
    blank. It passed as upright, unflagged, turned or not."""
    d = decide_orientation(on_bed(seal_sheet(), 200, bed, turn=turn, seed=turn), 200.0)
    assert (d.rotation, d.review) == (0, orientation.LITTLE_TEXT), d.evidence


def test_a_blank_sheet_is_not_flagged() -> None:
    sheet = Image.new("RGB", (px(210, 200), px(297, 200)), PAPER)
    d = decide_orientation(on_bed(sheet, 200, 18), 200.0)
    assert (d.rotation, d.review) == (0, ""), d.evidence


@fonts
def test_an_a3_ledger_on_its_side_is_not_passed_as_upright() -> None:
    """An A3 landscape ledger at 150 dpi turned a quarter: its 8 pt cells read as nothing,
    the detector was fairly sure of "as it is" (0.58), and the one line read fluently — the
    title — read as a turn. That "as it is" passed unflagged."""
    grey = jpeg(on_bed(ledger_sheet(25), 150, 18, turn=270))  # a quarter turn anticlockwise
    d = decide_orientation(grey, 150.0)
    assert (d.rotation, d.review) == (0, orientation.READING_DISAGREES), d.evidence
    reading = d.evidence["reading"]
    assert isinstance(reading, dict) and reading["unsure_turned"] >= 1


# --- the rules, on evidence built by hand ----------------------------------------------------
def test_text_made_of_characters_valid_upside_down() -> None:
    symmetric = orientation_reading._symmetric
    assert symmetric("8 989666 01") and symmetric("NOON SOS") and symmetric("一二三 十 工 田")
    assert not symmetric("1997年") and not symmetric("0123") and not symmetric("8 9")
    same = orientation_reading._ambiguous
    assert same({0: 0.96, 2: 0.81}, {0: "8 989666 01", 2: "61O 999686 8"}, (0, 2))
    # read better upside down, still only such characters: no evidence either way
    assert same({0: 0.5, 2: 0.9}, {0: "IOT0196", 2: "06 110 101"}, (0, 2))
    assert not same({0: 0.6, 2: 0.5}, {0: "06 110 101", 2: "IOT0196"}, (0, 2))
    assert not same({0: 0.99, 2: 0.2}, {0: "收支明细账", 2: "著"}, (0, 2))


def votes(best: int, margin: float, text: float = 5.0) -> LineVotes:
    v = np.zeros(4)
    v[best // 90] = 1.0
    v[(best // 90 + 2) % 4] = 1.0 - margin
    return LineVotes(v / v.sum() * 1000, 20, text, np.zeros((0, 4, 2), np.float32))


def weigh(lv: LineVotes, rd: Reading, monkeypatch: pytest.MonkeyPatch,
          osd: tesseract.Osd | None) -> tuple[int, str, float]:
    monkeypatch.setattr(tesseract, "available", lambda: True)
    monkeypatch.setattr(tesseract, "osd", lambda *_: osd)
    grey = np.full((1169, 827), 230, np.uint8)
    return orientation._decide(lv, rd, orientation._Osd(grey, 100.0, lv, (640, 453)))


def test_a_half_turn_on_text_that_reads_the_same_upside_down_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The detector and Tesseract both clearly say "upside down" (as they did of the upright
    sheet of numbers); the reading read only such text: left as it is, flagged."""
    same = Reading(np.zeros(4), np.zeros(4), 0.0, 6, ambiguous=6)
    upside_down = tesseract.Osd(180, 5.0, "Latin", 3.0)
    assert weigh(votes(180, 1.0), same, monkeypatch, upside_down)[:2] == (
        0, orientation.UNCERTAIN)
    # one box read fluently: the page's evidence is not all ambiguous, the usual rules apply
    some = Reading(np.asarray([0.0, 0, 1, 0]), np.asarray([0.0, 0, 0.5, 0]), 0.0, 6,
                   ambiguous=5)
    assert weigh(votes(180, 1.0), some, monkeypatch, upside_down)[:2] == (180, "")
    # and without that text the same tools turn the page, as before
    nothing = Reading(np.zeros(4), np.zeros(4), 0.0, 6)
    assert weigh(votes(180, 1.0), nothing, monkeypatch, upside_down)[:2] == (180, "")


def test_as_it_is_where_the_only_line_read_reads_as_a_turn_is_flagged(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A box read fluently under a quarter turn that did not tell row from column says 90 or
    180, never "as it is": the detector's "as it is" alone is flagged. A box that could be
    "as it is" (read under 0 or 270) still lets it stand."""
    turned = Reading(np.zeros(4), np.zeros(4), 0.0, 8, unsure=1, unsure_turned=1)
    assert weigh(votes(0, 0.58), turned, monkeypatch, None)[:2] == (
        0, orientation.READING_DISAGREES)
    either = Reading(np.zeros(4), np.zeros(4), 0.0, 8, unsure=1)
    assert weigh(votes(0, 0.58), either, monkeypatch, None)[:2] == (0, "")
