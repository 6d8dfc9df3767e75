"""render_page: real renders, read back from encoded bytes, checked against the truth."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from dangan.samples import KINDS, PageSpec, a4_pixels, render_page, unwarp


def decode(page) -> np.ndarray:
    img = Image.open(io.BytesIO(page.encode()))
    return np.asarray(img.convert("L"), dtype=np.float32)


def grey(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float32).mean(axis=2) if a.ndim == 3 else a.astype(np.float32)


def patch(img: np.ndarray, x: float, y: float, r: int = 2) -> float:
    xi, yi = int(x), int(y)
    return float(img[yi - r : yi + r + 1, xi - r : xi + r + 1].mean())


def test_same_seed_same_bytes_and_different_seed_differs() -> None:
    spec = PageSpec(kind="seal", seed=11)
    assert render_page(spec).encode() == render_page(spec).encode()
    assert render_page(PageSpec(kind="seal", seed=12)).encode() != render_page(spec).encode()


@pytest.mark.parametrize(
    ("mode", "fmt", "pil_mode"),
    [
        ("colour", "jpg", "RGB"),
        ("grey", "jpg", "L"),
        ("bilevel", "tif", "1"),
        ("bilevel", "png", "1"),
    ],
)
def test_size_mode_and_dpi_read_back(mode: str, fmt: str, pil_mode: str) -> None:
    page = render_page(PageSpec(kind="text", seed=3, mode=mode, fmt=fmt))
    assert page.clean.shape == (2339, 1654, 3) and a4_pixels(300) == (2480, 3508)
    img = Image.open(io.BytesIO(page.encode()))
    assert img.mode == pil_mode
    assert img.size == page.truth.scan_size
    assert tuple(round(float(v)) for v in img.info["dpi"]) == (200, 200)
    if fmt == "tif":
        assert img.info["compression"] == "group4"
    if fmt == "jpg":
        assert img.info.get("jfif_density") == (200, 200)
        assert page.truth.jpeg_quality is not None


@pytest.mark.parametrize(
    ("rotation", "skew"), [(0, 0.0), (0, 3.5), (180, -2.0), (90, 1.0), (270, -3.9)]
)
def test_paper_quad_and_borders_match_the_image(rotation: int, skew: float) -> None:
    page = render_page(
        PageSpec(
            kind="text",
            seed=5,
            rotation=rotation,
            skew_deg=skew,
            holes=0,
            margins_mm=(12, 8, 0, 6),
            blur_sigma=0,
            noise_sigma=2,
        )
    )
    t = page.truth
    assert (t.rotation, t.skew_deg) == (rotation, skew)
    img = decode(page)
    assert img.shape == (t.scan_size[1], t.scan_size[0])
    quad = np.array(t.paper_quad)
    w, h = t.scan_size
    lo, hi = quad.min(axis=0), quad.max(axis=0)
    assert t.borders == pytest.approx(
        {"left": lo[0], "top": lo[1], "right": w - hi[0], "bottom": h - hi[1]}, abs=0.01
    )
    assert min(t.borders.values()) >= 0
    assert sum(v > 20 for v in t.borders.values()) == 3  # one side had no bed gap requested
    centre = quad.mean(axis=0)
    mm = 200 / 25.4
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        mid = (a + b) / 2
        out = (mid - centre) / np.linalg.norm(mid - centre)
        inside = mid - out * 3 * mm
        assert patch(img, *inside) > 150, f"paper at edge {i}"
        outside = mid + out * 2 * mm
        if 2 <= outside[0] < w - 2 and 2 <= outside[1] < h - 2:
            assert patch(img, *outside) < 70, f"bed beyond edge {i}"
    # upright page's top-left corner lands where the rotation says
    corner = quad[0] - centre
    expected = {0: (-1, -1), 90: (-1, 1), 180: (1, 1), 270: (1, -1)}[rotation]
    assert tuple(np.sign(corner).astype(int)) == expected


def test_holes_dark_in_scan_absent_from_clean() -> None:
    page = render_page(PageSpec(kind="text", seed=8, holes=3, rotation=180, skew_deg=2.5))
    img = decode(page)
    assert len(page.truth.holes) == 3
    mm = 200 / 25.4
    for hole in page.truth.holes:
        assert hole.r == pytest.approx(3 * mm, rel=0.01)
        assert 8 * mm <= hole.clean_x <= 15 * mm
        assert patch(img, hole.x, hole.y, 4) < 80
        cx, cy, r = int(hole.clean_x), int(hole.clean_y), int(hole.clean_r)
        assert page.clean[cy - r : cy + r, cx - r : cx + r].min() == 255
        assert not page.content_mask[cy - r : cy + r, cx - r : cx + r].any()
        # just outside the hole the scan shows paper again
        ring = np.array([hole.x, hole.y]) + (hole.r + 0.8 * mm) * np.array([0.0, 1.0])
        assert patch(img, *ring, 1) > 150


def test_upside_down_scan_turned_back_matches_clean() -> None:
    page = render_page(PageSpec(kind="table", seed=21, rotation=180, skew_deg=1.5, holes=0))
    scan = page.scan_array
    w, h = page.truth.page_size
    back = unwarp(scan, np.array(page.truth.paper_quad), w, h)
    clean = grey(page.clean)
    assert np.corrcoef(grey(back).ravel(), clean.ravel())[0, 1] > 0.85
    # the wrong way round does not match: the truth really says "upside down"
    assert np.corrcoef(grey(back)[::-1, ::-1].ravel(), clean.ravel())[0, 1] < 0.3
    # turning the file clockwise by `rotation` puts the paper's top-left corner top-left
    upright = np.rot90(scan, -page.truth.rotation // 90)
    assert upright.shape[:2] == scan.shape[:2]
    quad = np.array(page.truth.paper_quad)
    sw, sh = page.truth.scan_size
    tl = (sw - quad[0][0], sh - quad[0][1])  # 180° turn of a point
    assert tl[0] < sw * 0.2 and tl[1] < sh * 0.2


def test_blank_page_has_no_content() -> None:
    page = render_page(PageSpec(kind="blank", seed=4, holes=0))
    assert page.truth.blank and page.truth.sheet_no is None
    assert not page.content_mask.any()
    w, h = page.truth.page_size
    back = grey(unwarp(page.scan_array, np.array(page.truth.paper_quad), w, h))
    inner = back[50:-50, 50:-50]
    assert inner.min() > 150 and inner.std() < 12


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "blank"])
def test_content_mask_and_binding_margin(kind: str) -> None:
    page = render_page(PageSpec(kind=kind, seed=2, holes=2))
    assert page.content_mask.any()
    assert page.content_mask.shape == page.clean.shape[:2]
    margin = int(25 * 200 / 25.4)  # holes sit 8-15 mm from the edge, content >= 25 mm
    assert not page.content_mask[:, :margin].any()
