"""Pages a new user made for a trial that passed ``ok`` with harm done, each made here.

* A sheet whose only writing is a page number in a corner, scanned upside down: the text
  detector finds no line to go by and the ink lies outside the middle it looks at for ink,
  so the page passed as a blank sheet would, unturned. Not one line but writing on the
  page is ``orientation_little_text``, as a seal alone is.
* A sheet cut off by the scanner through its centred page number: the half digit crosses
  the frame's edge in one or two strokes, too few for the rule of cut text, and the output
  looked whole. A mark shaped like writing crossing the edge is ``content_at_edge`` now.
* A 200 dpi A4 scan whose file says 300 dpi: the sheet landed at 2/3 of its size in the
  middle of the page. Pixels that are exactly a usual paper size at another usual dpi, with
  the sheet filling the frame, are read at that dpi; beside a bed a tag is believed and the
  fallback (no tag) flagged.
* Holes filled under a lamp's gradient: the page's one paper tone left light discs in a dim
  margin; a hole takes the tone of the paper round it.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from retouch_synthetic import draw_page

from dangan.imaging.context import CONTENT_AT_EDGE, PageReport, RetouchOptions
from dangan.imaging.pipeline import DPI_UNCERTAIN, retouch_bytes

DPI = 200
MM = DPI / 25.4
SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
CJK = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
FOLDER = RetouchOptions(holes=True, trust_file_dpi=True)  # `dangan retouch SRC DST`, no --dpi


def _png(grey: np.ndarray, dpi: float | None = DPI) -> bytes:
    out = io.BytesIO()
    Image.fromarray(grey).save(out, "PNG", **({"dpi": (dpi, dpi)} if dpi else {}))
    return out.getvalue()


def _sheet() -> Image.Image:
    return Image.new("L", (round(210 * MM), round(297 * MM)), 235)


def _noisy(img: Image.Image, seed: int) -> np.ndarray:
    a = np.asarray(img, np.float32) + np.random.default_rng(seed).normal(0, 2, img.size[::-1])
    return np.clip(a, 0, 255).astype(np.uint8)


def _on_bed(sheet: Image.Image, bed: int, border_mm: float = 15.0) -> Image.Image:
    b = round(border_mm * MM)
    out = Image.new("L", (sheet.width + 2 * b, sheet.height + 2 * b), bed)
    out.paste(sheet, (b, b))
    return out


def test_an_upside_down_page_number_alone_is_flagged_not_passed() -> None:
    sheet = _sheet()
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.truetype(SANS, round(4 * MM / 0.73))  # digits ≈ 4 mm high
    box = draw.textbbox((0, 0), "25", font=font)
    draw.text((sheet.width - 20 * MM - box[2], sheet.height - 15 * MM - box[3]), "25",
              font=font, fill=30)
    scan = _noisy(_on_bed(sheet, 110).rotate(180), 1)  # grey bed, the whole scan turned
    report = retouch_bytes(_png(scan), FOLDER).report
    assert report.rotation == 0 and report.status != "ok"
    assert "orientation:orientation_little_text" in [d.detail for d in report.defects]


def test_the_same_sheet_blank_is_not_flagged_for_its_orientation() -> None:
    scan = _noisy(_on_bed(_sheet(), 110), 1)
    report = retouch_bytes(_png(scan), FOLDER).report
    assert "orientation" not in report.review


def _verdict() -> Image.Image:
    """A printed verdict page: lines of Chinese text and "- 3 -" centred 12 mm from the
    bottom."""
    sheet = _sheet()
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.truetype(CJK, round(4.2 * MM))
    y = 30 * MM
    while y < sheet.height - 45 * MM:
        draw.text((25 * MM, y), "本院认为被告人的行为已构成盗窃罪依法应予惩处判决", font=font,
                  fill=25)
        y += 9 * MM
    num = ImageFont.truetype(SANS, round(4 * MM / 0.73))
    box = draw.textbbox((0, 0), "- 3 -", font=num)
    draw.text(((sheet.width - box[2]) / 2, sheet.height - 12 * MM - (box[1] + box[3]) / 2),
              "- 3 -", font=num, fill=25)
    return sheet


def _defect_codes(report: PageReport) -> list[str]:
    return [d.code for d in report.defects]


def test_a_sheet_cut_through_its_page_number_is_content_at_edge() -> None:
    whole = _noisy(_on_bed(_verdict(), 12), 2)  # black bed
    cut = whole[: whole.shape[0] - round(15 * MM) - round(12 * MM)]  # frame ends 12 mm up
    report = retouch_bytes(_png(np.ascontiguousarray(cut)), FOLDER).report
    [detail] = [d.detail for d in report.defects if d.code == CONTENT_AT_EDGE]
    assert detail.startswith("cut=bottom,") and report.status == "defect"


def test_the_same_sheet_whole_on_its_bed_is_not_cut() -> None:
    report = retouch_bytes(_png(_noisy(_on_bed(_verdict(), 12), 2)), FOLDER).report
    assert CONTENT_AT_EDGE not in _defect_codes(report)


def test_a_sheet_ending_at_the_frame_below_its_page_number_is_not_cut() -> None:
    """The sheet's own bottom edge at the frame (its margin whole, its shadow a line along
    the side) is no cut."""
    whole = _noisy(_on_bed(_verdict(), 12), 2)
    frame = np.ascontiguousarray(whole[: whole.shape[0] - round(15 * MM)])
    frame[-3:] = (frame[-3:] * 0.6).astype(np.uint8)  # the sheet's edge shadow
    report = retouch_bytes(_png(frame), FOLDER).report
    assert CONTENT_AT_EDGE not in _defect_codes(report)


def _cover() -> np.ndarray:
    """An A4 cover page at 200 dpi, filling the frame: 1654 × 2339 px."""
    sheet = _sheet()
    draw = ImageDraw.Draw(sheet)
    draw.text((40 * MM, 80 * MM), "卷内文件目录", font=ImageFont.truetype(CJK, round(10 * MM)),
              fill=25)
    small = ImageFont.truetype(CJK, round(5 * MM))
    for i, text in enumerate(("全宗号 1997", "案卷号 0042", "保管期限 永久")):
        draw.text((50 * MM, 140 * MM + i * 15 * MM), text, font=small, fill=25)
    return _noisy(sheet, 3)


def test_a_wrong_dpi_tag_on_a_sheet_filling_the_frame_yields_to_its_pixels() -> None:
    page = _cover()
    assert page.shape == (2339, 1654)
    report = retouch_bytes(_png(page, dpi=300), FOLDER).report
    assert (report.dpi, report.dpi_source) == (200, "size")
    assert (report.width, report.height) == (1654, 2339) and report.scale == 1.0
    [change] = [c.detail for c in report.changes if c.code == "dpi_from_size"]
    assert change == "file_dpi=300,size=A4,dpi=200"


def test_a_tag_beside_a_bed_is_believed() -> None:
    """On a bed the frame is the scanner's window, of any size: exactly A4 at 200 dpi by
    chance is no reason to doubt a 300 dpi tag."""
    sheet = cv2.resize(_cover(), None, fx=0.8, fy=0.8, interpolation=cv2.INTER_AREA)
    frame = np.full((2339, 1654), 20, np.uint8)
    y, x = (2339 - sheet.shape[0]) // 2, (1654 - sheet.shape[1]) // 2
    frame[y:y + sheet.shape[0], x:x + sheet.shape[1]] = sheet
    report = retouch_bytes(_png(frame, dpi=300), FOLDER).report
    assert (report.dpi, report.dpi_source) == (300, "file")
    assert DPI_UNCERTAIN not in report.review


def test_an_untagged_receipt_in_an_a4_frame_at_300_dpi_is_flagged() -> None:
    """A receipt on a bed in a frame of exactly A4 at 300 dpi, no tag: the fallback of
    200 dpi would make it 1.5 times its size, and the pixels say otherwise."""
    receipt = cv2.resize(_cover()[: round(200 * MM), : round(80 * MM)], None, fx=1.5, fy=1.5,
                         interpolation=cv2.INTER_CUBIC)
    frame = np.full((3508, 2480), 20, np.uint8)
    frame[300:300 + receipt.shape[0], 400:400 + receipt.shape[1]] = receipt
    report = retouch_bytes(_png(frame, dpi=None), FOLDER).report
    assert report.dpi_source == "fallback" and DPI_UNCERTAIN in report.review
    [detail] = [d.detail for d in report.defects if d.detail.startswith(DPI_UNCERTAIN)]
    assert "pixels=A4@300" in detail


def test_an_untagged_a4_scan_at_300_dpi_is_read_at_300() -> None:
    page = cv2.resize(_cover(), (2480, 3508), interpolation=cv2.INTER_CUBIC)
    report = retouch_bytes(_png(page, dpi=None), FOLDER).report
    assert (report.dpi, report.dpi_source) == (300, "size")
    assert DPI_UNCERTAIN not in report.review and (report.width, report.height) == (2480, 3508)
    [change] = [c.detail for c in report.changes if c.code == "dpi_from_size"]
    assert change == "file_dpi=0,size=A4,dpi=300"


def test_a_tag_that_agrees_with_the_pixels_is_kept() -> None:
    report = retouch_bytes(_png(_cover(), dpi=200), FOLDER).report
    assert (report.dpi, report.dpi_source) == (200, "file")
    assert "dpi_from_size" not in [c.code for c in report.changes]


def test_holes_under_a_lamps_gradient_are_filled_with_the_paper_around_them() -> None:
    """Black bed, three holes in the binding margin, light falling from 0.62 to 1.0 across
    the page: each fill has the dim margin's tone, not the page's one paper tone (a light
    disc was left in the margin)."""
    page = draw_page()
    h, w = page.shape[:2]
    for y in (h // 2 - round(80 * MM), h // 2, h // 2 + round(80 * MM)):
        cv2.circle(page, (round(12 * MM), y), round(3 * MM), (15, 15, 15), -1, cv2.LINE_AA)
    b = round(15 * MM)
    frame = np.full((h + 2 * b, w + 2 * b, 3), 15, np.uint8)
    frame[b:b + h, b:b + w] = page
    gain = np.linspace(0.62, 1.0, frame.shape[1])[None, :, None]
    frame = np.clip(frame * gain, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(frame).save(out, "PNG", dpi=(DPI, DPI))
    done = retouch_bytes(out.getvalue(), FOLDER)
    assert done.data is not None and len(done.report.hole_boxes) == 3
    grey = cv2.imdecode(np.frombuffer(done.data, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert grey is not None
    for x0, y0, x1, y1 in done.report.hole_boxes:
        cx, cy, r = (x0 + x1) // 2, (y0 + y1) // 2, (x1 - x0) // 2
        fill = float(grey[cy - r // 2:cy + r // 2, cx - r // 2:cx + r // 2].mean())
        beside = float(np.median(grey[cy - r // 2:cy + r // 2, x1 + 5:x1 + 5 + r]))
        assert abs(fill - beside) <= 8, (fill, beside)
