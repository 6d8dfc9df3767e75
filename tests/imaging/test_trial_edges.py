"""Pages a new user made for a trial, each built here: a dark photo printed to the sheet's edge
keeps its edges (nothing of the sheet is painted, and it is no tear), a curled edge's shade on
a white lid is neither blur nor bed, a lid dimmed by uneven light cuts no content, and a page
holding only a page number or a signature is not blank. Damaged twins are still flagged: a
real tear, the curled page blurred, an empty sheet with foxing, dust and show-through (text
cut by the frame: ``test_frame_cut``)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import simplejpeg
from foxing import fox

from dangan.imaging.analysis import reduce
from dangan.imaging.bed import find_bed
from dangan.imaging.context import RetouchOptions
from dangan.imaging.paper import find_paper
from dangan.imaging.pipeline import retouch_bytes
from dangan.imaging.torn import torn_bays

DPI = 200
MM = DPI / 25.4
PAPER = (246, 243, 235)


def px(v: float) -> int:
    return round(v * MM)


def _sheet(seed: int = 0) -> np.ndarray:
    """An A4 sheet with a few lines of text in its lower half."""
    rng = np.random.default_rng(seed)
    page = np.empty((px(297), px(210), 3), np.uint8)
    page[:] = PAPER
    for i in range(10):
        text = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz  "), 34))
        cv2.putText(page, text, (px(25), px(175 + i * 8)), cv2.FONT_HERSHEY_SIMPLEX, 1.0,
                    (25, 25, 25), 2, cv2.LINE_AA)
    return page


def _photo(page: np.ndarray, top_mm: float, height_mm: float, seed: int = 0) -> None:
    """A photograph across the sheet's whole width, dark on its left (as the trial's)."""
    rng = np.random.default_rng(seed)
    h, w = px(height_mm), page.shape[1]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    g = 60 + 150 * (xx / w) * (0.5 + 0.5 * np.sin(yy / h * 3.1)) + rng.normal(0, 18, (h, w))
    rgb = np.stack([g, g * 0.9 + 10, g * 0.75 + 15], -1).clip(0, 255).astype(np.uint8)
    page[px(top_mm):px(top_mm) + h] = rgb


def _on_bed(page: np.ndarray, bed: tuple[int, int, int], skew: float = 0.0,
            seed: int = 0, tear: tuple[float, float, float] | None = None) -> np.ndarray:
    """The sheet on a bed with 12/15/10/14 mm around it; ``tear``: a bay (y, depth, width mm)
    torn into its right edge, showing the bed."""
    h, w = page.shape[:2]
    left, top, right, bottom = px(12), px(15), px(10), px(14)
    frame = np.empty((h + top + bottom, w + left + right, 3), np.float32)
    frame[:] = bed
    if min(bed) > 200:  # the sheet's shadow on a white lid
        shadow = np.zeros(frame.shape[:2], np.float32)
        shadow[top + 4:top + h + 4, left + 4:left + w + 4] = 1
        frame *= (1 - 0.25 * cv2.GaussianBlur(shadow, (0, 0), 0.8 * MM))[..., None]
    sheet = page.astype(np.float32)
    if tear is not None:
        y, depth, width = tear
        yy, xx = np.mgrid[0:h, 0:w]
        bay = ((yy - px(y)) / px(width / 2)) ** 2 + ((xx - w) / px(depth)) ** 2 <= 1
        sheet[bay] = bed
    frame[top:top + h, left:left + w] = sheet
    frame += np.random.default_rng(seed).normal(0, 3, frame.shape)
    out = frame.clip(0, 255).astype(np.uint8)
    if skew:
        fh, fw = out.shape[:2]
        m = cv2.getRotationMatrix2D((fw / 2, fh / 2), skew, 1.0)
        out = cv2.warpAffine(out, m, (fw, fh), flags=cv2.INTER_CUBIC,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=bed)
    return out


def _report(pixels: np.ndarray):  # type: ignore[no-untyped-def]
    data = simplejpeg.encode_jpeg(np.ascontiguousarray(pixels), quality=90)
    return retouch_bytes(data, RetouchOptions(orientation=False, dpi=DPI)).report


def _codes(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [d.code for d in report.defects]


def _analysed(scan: np.ndarray):  # type: ignore[no-untyped-def]
    small, factor = reduce(cv2.cvtColor(scan, cv2.COLOR_RGB2GRAY), DPI)
    mm = DPI * factor / 25.4
    paper = find_paper(small)
    return small, mm, paper, find_bed(small, paper, mm)


def _lighter_edge(out: np.ndarray, side: str, span: tuple[int, int]) -> float:
    """Share of the rows (columns) along ``side`` of the output whose outer millimetre is
    more than 30 levels lighter than the photo 3-4 mm in: a strip painted over the photo."""
    o = out.astype(np.float32)
    a, b = span
    strips = {"left": (o[a:b, px(0.5):px(1.5)], o[a:b, px(3):px(4)]),
              "right": (o[a:b, -px(1.5):-px(0.5)], o[a:b, -px(4):-px(3)]),
              "top": (o[px(0.5):px(1.5), a:b].T, o[px(3):px(4), a:b].T)}
    edge, beside = strips[side]
    return float(np.mean(edge.mean(axis=1) - beside.mean(axis=1) > 30))


def _retouched(scan: np.ndarray) -> tuple[np.ndarray, object]:
    data = simplejpeg.encode_jpeg(np.ascontiguousarray(scan), quality=90)
    result = retouch_bytes(data, RetouchOptions(orientation=False, dpi=DPI))
    assert result.data is not None
    return simplejpeg.decode_jpeg(result.data, colorspace="GRAY")[..., 0], result.report


def test_a_dark_photo_printed_to_the_sheets_edge_is_not_painted() -> None:
    page = _sheet(1)
    _photo(page, 0, 150, seed=1)
    scan = _on_bed(page, (18, 18, 20), seed=1)
    small, mm, paper, _ = _analysed(scan)
    assert paper.found
    assert torn_bays(small, paper, mm) == []
    out, _ = _retouched(scan)
    # its dark left side and its top: 3.1 and 1.9 mm of it were painted paper colour
    assert _lighter_edge(out, "left", (px(10), px(140))) < 0.05
    assert _lighter_edge(out, "top", (px(10), px(100))) < 0.05


def test_a_photo_across_the_whole_width_is_no_tear_and_keeps_its_edges() -> None:
    page = _sheet(2)
    _photo(page, 100, 110, seed=2)
    out, report = _retouched(_on_bed(page, (18, 18, 20), skew=2.0, seed=2))
    assert "torn_edge" not in report.review, report.torn_mm2  # type: ignore[attr-defined]
    # its dark left side reaches the output's edge (1.8 mm of it was painted)
    assert _lighter_edge(out, "left", (px(115), px(195))) < 0.05


def test_a_tear_beside_a_photo_is_still_a_tear() -> None:
    page = _sheet(3)
    _photo(page, 0, 120, seed=3)
    scan = _on_bed(page, (18, 18, 20), seed=3, tear=(200, 12, 30))
    small, mm, paper, _ = _analysed(scan)
    bays = torn_bays(small, paper, mm)
    assert len(bays) == 1 and bays[0] > 100, bays


def _curled(light: float, seed: int = 4) -> np.ndarray:
    """A sheet with text, its right 25 mm curled into the lamp's shade, on a white lid under
    light falling off to the right."""
    page = _sheet(seed).astype(np.float32)
    w = page.shape[1]
    band = px(25)
    f = np.clip((np.arange(w) - (w - band)) / band, 0, 1)
    page *= (1 - 0.45 * f ** 2)[None, :, None]
    scan = _on_bed(page.clip(0, 255).astype(np.uint8), (250, 250, 250), seed=seed)
    fh, fw = scan.shape[:2]
    yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
    lit = 1 - light * ((xx / fw) ** 1.5 * 0.7 + (yy / fh) * 0.3)
    return (scan * lit[..., None]).clip(0, 255).astype(np.uint8)


def test_a_curled_edge_on_a_white_lid_is_neither_blurred_nor_a_black_border() -> None:
    report = _report(_curled(0.3))
    assert "blurred" not in _codes(report), report.sharpness
    assert "black_border" not in _codes(report), report.edge_residue


def test_the_curled_page_blurred_is_still_blurred() -> None:
    report = _report(cv2.GaussianBlur(_curled(0.3), (0, 0), 3))
    assert "blurred" in _codes(report), report.sharpness


def _to_edge(seed: int = 5) -> np.ndarray:
    """A sheet with text lines from margin to margin (20 mm), on a white lid under strong
    light falling off to the right."""
    rng = np.random.default_rng(seed)
    page = np.empty((px(297), px(210), 3), np.uint8)
    page[:] = PAPER
    for i in range(30):
        text = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz  "), 48))
        cv2.putText(page, text, (px(8), px(25 + i * 8.5)), cv2.FONT_HERSHEY_SIMPLEX, 1.05,
                    (25, 25, 25), 2, cv2.LINE_AA)
    return page


def _lit(scan: np.ndarray, light: float) -> np.ndarray:
    fh, fw = scan.shape[:2]
    yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
    lit = 1 - light * ((xx / fw) ** 1.5 * 0.7 + (yy / fh) * 0.3)
    return (scan * lit[..., None]).clip(0, 255).astype(np.uint8)


def test_a_lid_dimmed_by_uneven_light_cuts_no_content() -> None:
    report = _report(_lit(_on_bed(_to_edge(), (250, 250, 250), seed=5), 0.5))
    assert "content_at_edge" not in _codes(report), [d.detail for d in report.defects]


def _page_number() -> np.ndarray:
    page = np.empty((px(297), px(210), 3), np.uint8)
    page[:] = PAPER
    for k, digit in enumerate("12"):  # a page number: two digits, apart
        cv2.putText(page, digit, (px(100 + 2.8 * k), px(283)), cv2.FONT_HERSHEY_SIMPLEX, 0.8,
                    (20, 20, 20), 2, cv2.LINE_AA)
    return page


def _signature(seed: int = 6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    page = np.empty((px(297), px(210), 3), np.uint8)
    page[:] = PAPER
    x = 140.0
    while x < 170:
        pts = np.array([(px(x + k * 1.2 + rng.uniform(-0.6, 0.6)), px(250 + rng.uniform(-2.5, 2.5)))
                        for k in range(6)], np.int32)
        cv2.polylines(page, [pts], False, (30, 40, 90), max(2, px(0.45)), cv2.LINE_AA)
        x += rng.uniform(6, 9)
    return page


@pytest.mark.parametrize(("make", "bed"), [(_page_number, (110, 112, 115)),
                                           (_page_number, (18, 18, 20)),
                                           (_signature, (18, 18, 20))])
def test_a_page_number_or_a_signature_alone_is_not_blank(make, bed) -> None:  # type: ignore[no-untyped-def]
    report = _report(_on_bed(make(), bed, seed=7))
    assert "blank_page" not in _codes(report), (report.ink_ratio, report.writing_marks)
    assert report.ink_ratio < RetouchOptions().qc.min_ink_ratio  # too little ink to count…
    assert report.writing_marks >= 2  # …but it is writing


def _blank_aged(seed: int = 8) -> np.ndarray:
    """An empty sheet with foxing, dust specks and the back page's text showing through."""
    rng = np.random.default_rng(seed)
    page = np.empty((px(297), px(210), 3), np.uint8)
    page[:] = PAPER
    back = np.zeros(page.shape[:2], np.uint8)
    for i in range(24):
        text = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz  "), 40))
        cv2.putText(back, text, (px(25), px(40 + i * 9)), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255,
                    2, cv2.LINE_AA)
    back = cv2.GaussianBlur(back[:, ::-1], (0, 0), 2.0).astype(np.float32) / 255
    page = (page * (1 - 0.08 * back[..., None])).astype(np.uint8)
    for _ in range(30):  # dust: specks under half a millimetre
        cv2.circle(page, (int(rng.integers(px(10), px(200))), int(rng.integers(px(10), px(287)))),
                   int(rng.integers(1, 3)), (60, 60, 60), -1)
    return fox(page, rng, (px(105), px(150)), 90, DPI, spots=40)


def test_an_empty_aged_sheet_is_still_blank() -> None:
    report = _report(_on_bed(_blank_aged(), (18, 18, 20), seed=8))
    assert "blank_page" in _codes(report) or "faint_content" in report.review, (
        report.ink_ratio, report.writing_marks)
    assert report.writing_marks == 0
