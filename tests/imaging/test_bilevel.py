"""Bilevel conversion on drawn pages whose truth is known by construction: solid areas of any
size stay solid, faint text stays, a shadow makes no blotch, a bilevel page is not
thresholded again."""

from __future__ import annotations

import io

import cv2
import numpy as np
import simplejpeg
from PIL import Image
from retouch_synthetic import scan

from dangan.imaging.bilevel import binarise
from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes

W, H = 1654, 2339  # A4 at 200 dpi
PAPER = 250


def mm(v: float) -> int:
    return round(v * 200 / 25.4)


def _text(canvas: np.ndarray, truth: np.ndarray, x: int, y: int, level: int, seed: int,
          scale: float = 0.9) -> None:
    rng = np.random.default_rng(seed)
    for i in range(3):
        line = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz  "), 40))
        org = (x, y + i * 45)
        cv2.putText(canvas, line, org, cv2.FONT_HERSHEY_SIMPLEX, scale, level, 2, cv2.LINE_AA)
        cv2.putText(truth, line, org, cv2.FONT_HERSHEY_SIMPLEX, scale, 255, 2, cv2.LINE_8)


def _solids(page: np.ndarray, truth: np.ndarray) -> None:
    """A 50x8 mm black bar, a 130x13 mm grey bar, a red block, a 6 mm dot, a seal's star."""
    def rect(x: float, y: float, w: float, h: float, colour: tuple[int, int, int]) -> None:
        for img, c in ((page, colour), (truth, (255, 255, 255))):
            cv2.rectangle(img, (mm(x), mm(y)), (mm(x + w), mm(y + h)), c, -1)
    rect(20, 20, 50, 8, (0, 0, 0))
    rect(20, 35, 130, 13, (130, 130, 130))
    rect(160, 20, 30, 25, (220, 30, 30))
    rect(20, 55, 60, 12, (200, 200, 200))
    angles = np.linspace(-np.pi / 2, 1.5 * np.pi, 11)[:10]
    radii = np.array([mm(20), mm(8)] * 5, np.float64)
    star = np.stack([np.cos(angles) * radii, np.sin(angles) * radii], axis=1)
    pts = (star + np.array([mm(170), mm(80)])).astype(np.int32)
    for img, c in ((page, (200, 20, 20)), (truth, (255, 255, 255))):
        cv2.circle(img, (mm(100), mm(25)), mm(3), (0, 0, 0) if img is page else c, -1)
        cv2.fillPoly(img, [pts], c)


def _noisy(grey: np.ndarray, sigma: float = 2.0, seed: int = 0) -> np.ndarray:
    f = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), 0.8)
    f += np.asarray(np.random.default_rng(seed).normal(0, sigma, f.shape), np.float32)
    out: np.ndarray = np.clip(np.rint(f), 0, 255).astype(np.uint8)
    return out


def _ink_kept(out: np.ndarray, truth: np.ndarray) -> float:
    return float((out[truth > 0] == 0).mean())


def test_solid_areas_stay_solid_through_retouch() -> None:
    page = np.full((H, W, 3), PAPER, np.uint8)
    truth = np.zeros((H, W, 3), np.uint8)
    _solids(page, truth)
    grey_page = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    noisy = cv2.cvtColor(_noisy(grey_page), cv2.COLOR_GRAY2RGB)
    noisy[page[:, :, 0] != page[:, :, 1]] = page[page[:, :, 0] != page[:, :, 1]]  # keep red
    data = simplejpeg.encode_jpeg(scan(noisy, 0.0), quality=90)
    result = retouch_bytes(data, RetouchOptions(mode="bilevel", fmt="tif"))
    assert result.data is not None, result.report
    out = np.asarray(Image.open(io.BytesIO(result.data)).convert("L"))
    assert out.shape == (H, W)
    inner = cv2.erode(truth[:, :, 0], np.ones((9, 9), np.uint8))
    assert _ink_kept(out, inner) > 0.99  # filled, not outlined
    for x, y, w, h in ((20, 20, 50, 8), (20, 35, 130, 13), (160, 20, 30, 25), (20, 55, 60, 12)):
        core = out[mm(y + 2):mm(y + h - 2), mm(x + 2):mm(x + w - 2)]
        assert (core == 0).mean() > 0.99, (x, y)
    dot = out[mm(24):mm(26), mm(99):mm(101)]
    assert (dot == 0).all()  # a dot, not a ring
    assert (out[cv2.dilate(truth[:, :, 0], np.ones((9, 9), np.uint8)) == 0] == 0).mean() < 1e-4


def _text_page(levels: tuple[int, ...], shadow: bool) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    grey = np.full((H, W), PAPER, np.uint8)
    truths = {}
    for i, level in enumerate(levels):
        truths[level] = np.zeros((H, W), np.uint8)
        _text(grey, truths[level], mm(20), mm(40 + i * 25), level, seed=i)
    if shadow:  # a column of text that runs into the gutter
        truths[1] = np.zeros((H, W), np.uint8)
        _text(grey, truths[1], W - mm(38), mm(200), 1, seed=9, scale=0.6)
    f = grey.astype(np.float32)
    if shadow:  # a bound volume's gutter: the right 40 mm darken to 55 % of the paper
        x = np.arange(W, dtype=np.float32)
        d = np.clip((x - (W - mm(40))) / mm(40), 0, 1)
        f *= (1 - 0.45 * d ** 1.5)[None, :] * np.linspace(1.0, 0.92, H, dtype=np.float32)[:, None]
    return _noisy(np.clip(f, 0, 255).astype(np.uint8)), truths


def test_faint_text_is_kept_and_paper_stays_white() -> None:
    grey, truths = _text_page((0, 185, 210, 225), shadow=False)
    out = binarise(grey, PAPER, 200)
    black = _ink_kept(out, truths[0])
    assert black > 0.6
    assert _ink_kept(out, truths[185]) > 0.95 * black
    assert _ink_kept(out, truths[210]) > 0.9 * black
    assert _ink_kept(out, truths[225]) > 0.5 * black  # faint, still readable
    near = cv2.dilate(np.maximum.reduce(list(truths.values())), np.ones((7, 7), np.uint8))
    assert (out[near == 0] == 0).sum() < 50


def test_shadow_makes_no_blotch() -> None:
    grey, truths = _text_page((0, 120), shadow=True)
    out = binarise(grey, PAPER, 200)
    near = cv2.dilate(np.maximum.reduce(list(truths.values())), np.ones((7, 7), np.uint8))
    gutter = np.zeros((H, W), bool)
    gutter[:, W - mm(40):] = True
    assert (out[gutter & (near == 0)] == 0).mean() < 1e-4
    assert _ink_kept(out, truths[0]) > 0.6
    assert _ink_kept(out, truths[120]) > 0.6
    assert _ink_kept(out, truths[1]) > 0.6  # text in the gutter's shadow is kept


def test_photo_keeps_its_dark_areas_solid() -> None:
    grey = np.full((H, W), PAPER, np.uint8)
    box = np.s_[mm(100):mm(100) + 470, mm(50):mm(50) + 940]
    yy, xx = np.mgrid[0:470, 0:940].astype(np.float32)
    photo = np.clip(128 + 100 * np.sin(xx / 60) * np.cos(yy / 45), 10, 245).astype(np.uint8)
    grey[box] = photo
    out = binarise(_noisy(grey), PAPER, 200)[box] == 0
    dark, light = photo < 100, photo > 160
    assert out[dark].mean() > 0.98 and out[light].mean() < 0.05  # not an outline


def test_a_bilevel_page_is_not_thresholded_again() -> None:
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    tones = 128 + 110 * np.sin(xx / 90) * np.cos(yy / 70) + rng.normal(0, 10, (H, W))
    dithered = Image.fromarray(np.clip(tones, 0, 255).astype(np.uint8)).convert("1")
    buf = io.BytesIO()
    dithered.save(buf, "TIFF", compression="group4", dpi=(200, 200))
    src = np.asarray(dithered)
    result = retouch_bytes(buf.getvalue(), RetouchOptions(mode="bilevel", fmt="tif"))
    assert result.data is not None, result.report
    out = np.asarray(Image.open(io.BytesIO(result.data)))
    assert out.shape == src.shape
    assert abs(int((~out).sum()) - int((~src).sum())) < 0.01 * (~src).sum()
    assert (out == src).mean() > 0.99
