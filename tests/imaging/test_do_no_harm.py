"""Do no harm: content is never painted over or cut, holes are filled only where they are,
resolution tags are checked, no file is skipped in silence, and QC flags what it measured.

Real pages come from ``../shared/realscans`` (not in git; see its README for provenance).
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import cv2
import img2pdf
import numpy as np
import pytest
import simplejpeg
from PIL import Image
from retouch_synthetic import scan

from dangan.compute.executors import InProcessExecutor
from dangan.imaging.accuracy import clean_to_output, score_page
from dangan.imaging.context import RetouchOptions
from dangan.imaging.load import decode_page
from dangan.imaging.pipeline import Retouched, retouch_bytes
from dangan.pagegen import make_page
from dangan.samples.page import PageSpec, render_page
from dangan.services.retouch import plan_tree, run_tasks

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "realscans"
# Orientation is another step with its own tests; here the page stays as it lies.
OPTS = RetouchOptions(trust_file_dpi=True, orientation=False)


def _real(name: str) -> bytes:
    path = REAL / name
    if not path.exists():
        pytest.skip(f"real scans not present at {REAL}")
    return path.read_bytes()


def _grey(pixels: np.ndarray) -> np.ndarray:
    return pixels if pixels.ndim == 2 else cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)


def _strokes(grey: np.ndarray, k: int, floor: int) -> np.ndarray:
    close = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    return (close.astype(np.int16) - grey) > np.maximum(floor, 0.2 * close)


def ink_kept(data: bytes, result: Retouched) -> tuple[float, float]:
    """(share of input ink painted over, share mapped off the page): the input's thin dark
    marks, away from large dark areas (the bed), followed through the output matrix."""
    grey = _grey(decode_page(data).pixels)
    mm = result.report.dpi / 25.4
    k = 2 * max(1, round(1.5 * mm)) + 1
    ink = _strokes(grey, k, 40)
    dark = (grey < 0.5 * np.percentile(grey, 95)).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    big = np.isin(labels, np.flatnonzero(stats[:, 4] > 0.01 * grey.size)[1:] if n > 1 else [])
    ink &= cv2.dilate(big.astype(np.uint8), np.ones((2 * k + 1, 2 * k + 1), np.uint8)) == 0
    ys, xs = np.nonzero(ink)
    assert result.data is not None and result.matrix is not None and len(xs) > 500
    m = result.matrix
    pts = np.column_stack([xs, ys]).astype(np.float64) @ m[:, :2].T + m[:, 2]
    out = np.asarray(Image.open(io.BytesIO(result.data)).convert("L"))
    h, w = out.shape
    inside = (pts[:, 0] >= 0) & (pts[:, 1] >= 0) & (pts[:, 0] <= w - 1) & (pts[:, 1] <= h - 1)
    scale = float(np.hypot(m[0, 0], m[0, 1]))
    out_ink = _strokes(out, 2 * max(1, round(1.5 * mm * scale)) + 1, 25).astype(np.uint8)
    out_ink = cv2.dilate(out_ink, np.ones((5, 5), np.uint8))
    q = np.round(pts[inside]).astype(int)
    painted = float((out_ink[q[:, 1], q[:, 0]] == 0).mean()) if len(q) else 0.0
    return painted, 1.0 - float(inside.mean())


@pytest.mark.parametrize("name", ["lept__1555.007.jpg", "lept__brothers.150.jpg",
                                  "lept__cavalerie.11.jpg"])
def test_no_ink_painted_over_or_cut_on_real_pages(name: str) -> None:
    data = _real(name)
    painted, cut = ink_kept(data, retouch_bytes(data, OPTS, name))
    # The same page with nothing painted: what resampling alone costs the measure.
    bare, _ = ink_kept(data, retouch_bytes(data, replace(OPTS, borders=False, holes=False)))
    assert painted - bare < 0.003, f"{painted - bare:.1%} of the ink painted over"
    assert painted < 0.02 and cut < 0.002, f"{cut:.1%} of the ink cut off"


def test_uneven_light_keeps_the_frame_and_asks_a_person() -> None:
    result = retouch_bytes(_real("lept__1555.007.jpg"), OPTS)
    assert "sheet_uncertain" in result.report.review
    assert "needs_review" in [d.code for d in result.report.defects]
    assert not result.report.bed_sides  # nothing painted as bed


def test_no_hole_filled_on_any_real_page() -> None:
    if not REAL.exists():
        pytest.skip(f"real scans not present at {REAL}")
    truth = json.loads((REAL / "truth.json").read_text("utf-8"))["pages"]
    fills = {}
    for page in truth:
        assert page["binding_holes"] == 0
        report = retouch_bytes((REAL / page["file"]).read_bytes(), OPTS, page["file"]).report
        fills[page["file"]] = report.holes_filled
        assert len(report.hole_boxes) == report.holes_filled
    assert sum(fills.values()) == 0, {k: v for k, v in fills.items() if v}


def test_wrong_dpi_tag_falls_back_to_the_scan_dpi() -> None:
    result = retouch_bytes(_real("ocrd__pembroke_0010.tif"), OPTS)  # tagged 2.54 dpi
    report = result.report
    assert report.dpi_source == "fallback" and report.dpi == 200
    assert (report.width, report.height) == (1654, 2339) and report.scale > 0.95
    assert "dpi_fallback" in [ch.code for ch in report.changes]


def test_72_dpi_tag_does_not_shrink_the_page(page: np.ndarray) -> None:
    img = Image.fromarray(scan(page, 0.4))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85, dpi=(72, 72))  # a 200 dpi scan tagged 72 dpi
    report = retouch_bytes(buf.getvalue(), RetouchOptions(trust_file_dpi=True)).report
    assert report.dpi_source == "fallback" and report.scale == 1.0
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85, dpi=(150, 150))  # plausible: kept
    assert retouch_bytes(buf.getvalue(), RetouchOptions(trust_file_dpi=True)).report.dpi == 150


def test_a_fine_page_is_not_flagged(page: np.ndarray) -> None:
    data = simplejpeg.encode_jpeg(scan(page, 1.3), quality=90)
    report = retouch_bytes(data, RetouchOptions()).report
    assert report.status == "ok" and not report.defects and not report.review
    assert {ch.code for ch in report.changes} == {"deskewed", "bed_removed"}


def test_a_page_beside_a_facing_page_is_kept_whole_and_flagged(page: np.ndarray) -> None:
    sheet = scan(page, 0.8)
    facing = page[:, 200:500].copy()  # text of the facing page reaches into the frame
    both = np.hstack([sheet, np.full((sheet.shape[0], 40, 3), 22, np.uint8),
                      np.vstack([np.full((120, 300, 3), 22, np.uint8), facing,
                                 np.full((sheet.shape[0] - 120 - facing.shape[0], 300, 3), 22,
                                         np.uint8)])])
    data = simplejpeg.encode_jpeg(np.ascontiguousarray(both), quality=90)
    result = retouch_bytes(data, RetouchOptions())
    assert "sheet_uncertain" in result.report.review
    assert result.report.status == "defect"
    painted, cut = ink_kept(data, result)
    assert painted < 0.01 and cut < 0.002


def test_holes_filled_are_recorded_with_boxes(page: np.ndarray) -> None:
    data = simplejpeg.encode_jpeg(scan(page, 0.9, holes=True), quality=90)
    report = retouch_bytes(data, RetouchOptions()).report
    assert report.holes_filled == 2 and len(report.hole_boxes) == 2
    assert [ch.code for ch in report.changes].count("hole_filled") == 2
    assert report.status == "ok"  # a fill is a change, not a defect


def _formats(folder: Path) -> dict[str, int]:
    """Small page files in every format a scanner writes; name → pages expected."""
    rng = np.random.default_rng(3)
    grey = np.full((1100, 800), 235, np.uint8)
    for y in range(150, 950, 40):
        grey[y:y + 6, 120:120 + int(rng.integers(300, 560))] = 30
    rgb = Image.fromarray(np.dstack([grey] * 3))
    dpi = (100, 100)
    rgb.save(folder / "a.ppm")
    Image.fromarray(grey).save(folder / "b.pgm")
    Image.fromarray(grey).convert("1").save(folder / "c.pbm")
    rgb.save(folder / "d.gif")
    rgb.save(folder / "e.webp", quality=90)
    rgb.save(folder / "f.jp2")
    rgb.save(folder / "g.tif", dpi=dpi, save_all=True, append_images=[rgb.rotate(0)])
    jpeg = io.BytesIO()
    rgb.save(jpeg, "JPEG", dpi=dpi)
    (folder / "h.pdf").write_bytes(img2pdf.convert(jpeg.getvalue()))
    (folder / "notes.txt").write_text("tracking sheet remarks", "utf-8")
    return {"a.ppm": 1, "b.pgm": 1, "c.pbm": 1, "d.gif": 1, "e.webp": 1, "f.jp2": 1,
            "g.tif": 2, "h.pdf": 1}


def test_every_format_is_retouched_or_reported(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    expected = _formats(src)
    ignored: list[str] = []
    tasks = plan_tree(str(src), str(dst), RetouchOptions(dpi=100), ignored=ignored)
    assert ignored == ["notes.txt"]
    summary = run_tasks(tasks, InProcessExecutor())
    by_file: dict[str, list] = {}
    for report in summary.pages:
        by_file.setdefault(report.source, []).append(report)
    assert {k: len(v) for k, v in by_file.items()} == expected
    for name, reports in by_file.items():
        for report in reports:
            assert report.status in ("ok", "defect"), (name, report.defects)
            assert report.pages == expected[name]
            assert Path(report.output).exists()
    assert sorted(p.name for p in (dst).iterdir() if p.name.startswith("g")) == [
        "g-p001.jpg", "g-p002.jpg"]
    pdf = by_file["h.pdf"][0]
    assert pdf.dpi == 100 and (pdf.width, pdf.height) == (827, 1169)


def test_a_multi_page_file_read_alone_is_flagged(tmp_path: Path) -> None:
    _formats(tmp_path)
    report = retouch_bytes((tmp_path / "g.tif").read_bytes(), RetouchOptions(dpi=100)).report
    assert report.pages == 2 and "multi_page" in report.review
    second = retouch_bytes((tmp_path / "g.tif").read_bytes(), RetouchOptions(dpi=100), page=2)
    # the page read alone is flagged, the second read as such is not (its bars are no text:
    # orientation has nothing to read on them, which is its own flag)
    assert second.data is not None and second.report.page == 2
    assert "multi_page" not in second.report.review
    beyond = retouch_bytes((tmp_path / "g.tif").read_bytes(), RetouchOptions(dpi=100), page=3)
    assert beyond.report.status == "failed"
    assert beyond.report.defects[0].detail.startswith("no_page")


def _fills_on_real_holes(truth: dict, matrix: np.ndarray, boxes: list[list[int]]) -> int:
    c = clean_to_output(np.asarray(truth["paper_quad"]), tuple(truth["page_size"]), matrix)
    scale = float(np.hypot(c[0, 0], c[0, 1]))
    real = [(c[:2, :2] @ np.array([h["clean_x"], h["clean_y"]]) + c[:2, 2] - 0.5,
             h["clean_r"] * scale) for h in truth["holes"]]
    return sum(any(np.hypot((x0 + x1) / 2 - p[0], (y0 + y1) / 2 - p[1]) <= r for p, r in real)
               for x0, y0, x1, y1 in boxes)


@pytest.mark.parametrize("source", ["samples", "pagegen-black", "pagegen-grey"])
def test_real_holes_are_filled_and_nothing_else(source: str) -> None:
    """Generated binding holes (2 or 3, ~6 mm, 80–100 mm apart) on black and grey beds."""
    removed = total = fills = on_holes = 0
    pages = []
    for seed in range(70_000, 70_040):  # the first three bound sheets of a seed range
        if source == "samples":
            rp = render_page(PageSpec(kind="text", dpi=150, mode="colour", seed=seed,
                                      rotation=0))
            pages.append((rp.encode(), rp.truth.to_dict(), rp.content_mask))
        else:
            pg = make_page(seed, dpi=150, turn=0, bed=source.split("-")[1])
            if len(pg.truth.holes) >= 2:
                pages.append((pg.data, pg.truth.to_dict(), pg.content_mask))
        if len(pages) == 3:
            break
    for data, truth, content in pages:
        result = retouch_bytes(data, RetouchOptions(dpi=150, orientation=False))
        assert result.data is not None and result.matrix is not None
        out = np.asarray(Image.open(io.BytesIO(result.data)).convert("L"))
        score = score_page(truth, content, out, result.matrix, True)
        removed, total = removed + score.holes_removed, total + score.holes_total
        fills += result.report.holes_filled
        on_holes += _fills_on_real_holes(truth, result.matrix, result.report.hole_boxes)
        assert not score.content_cut
    assert total >= 6 and removed >= 0.98 * total
    assert fills == on_holes, "a fill where there is no hole"
