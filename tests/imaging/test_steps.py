"""Each step on synthetic pages whose truth is known by construction."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
import simplejpeg
from PIL import Image
from retouch_synthetic import scan

from dangan.imaging.analysis import analyse, reduce
from dangan.imaging.context import RetouchOptions
from dangan.imaging.deskew import ink_points, measure_skew
from dangan.imaging.encode import set_jfif_dpi
from dangan.imaging.geometry import place, transform
from dangan.imaging.paper import find_paper
from dangan.imaging.pipeline import retouch_bytes


@pytest.mark.parametrize("angle", [-3.7, -0.8, 0.0, 0.35, 2.9])
def test_content_skew_is_measured_to_hundredths(page: np.ndarray, angle: float) -> None:
    m = cv2.getRotationMatrix2D((827, 1170), angle, 1.0)
    turned = cv2.warpAffine(cv2.cvtColor(page, cv2.COLOR_RGB2GRAY), m, (1654, 2339),
                            borderValue=238)
    small, _ = reduce(turned, 200, 100)
    ink = (small < 150).astype(np.uint8) * 255
    est = measure_skew(ink_points(ink), 10)
    assert abs(est.angle_deg - angle) < 0.06
    assert est.confidence > 0.3


@pytest.mark.parametrize("angle", [-2.2, 0.15, 1.7])
def test_paper_edge_angle_and_bed_sides(page: np.ndarray, angle: float) -> None:
    grey = cv2.cvtColor(scan(page, angle), cv2.COLOR_RGB2GRAY)
    small, _ = reduce(grey, 200)
    paper = find_paper(small)
    assert paper.found and set(paper.bed_sides) == {"top", "right", "bottom", "left"}
    assert paper.edge_angle_deg is not None
    assert abs(paper.edge_angle_deg - angle) < 0.02


@pytest.mark.parametrize(("turn", "angle"), [(0, 1.2), (90, -0.7), (180, 2.1), (270, 0.4)])
def test_orientation_and_skew_plan(page: np.ndarray, turn: int, angle: float) -> None:
    # Random letters in a stroke font are text no tool reads with certainty: a turned page
    # is put right, or left as it is and flagged; never turned the wrong way.
    grey = cv2.cvtColor(scan(page, angle, turn), cv2.COLOR_RGB2GRAY)
    plan = analyse(grey, 200, RetouchOptions())
    if plan.rotation != turn:
        assert plan.rotation == 0 and plan.orientation_review != ""
        return
    assert abs(plan.skew_deg - angle) < 0.05


def test_holes_found_and_filled(page: np.ndarray) -> None:
    data = simplejpeg.encode_jpeg(scan(page, 0.9, holes=True), quality=90)
    result = retouch_bytes(data, RetouchOptions())
    assert result.report.holes_found == 2 and result.report.holes_filled == 2
    out = simplejpeg.decode_jpeg(result.data, colorspace="GRAY")[:, :, 0]
    m = np.vstack([result.matrix, [0, 0, 1]])
    for y in (1170 - 310, 1170 + 310):
        ox, oy = transform(m, [[110 + 90, 120 + y]])[0]  # hole centre on the scan (approx.)
        patch = out[int(oy) - 15:int(oy) + 15, int(ox) - 15:int(ox) + 15]
        assert patch.min() > 150  # no dark spot left where the hole was


def test_no_holes_option_keeps_them(page: np.ndarray) -> None:
    data = simplejpeg.encode_jpeg(scan(page, 0.9, holes=True), quality=90)
    result = retouch_bytes(data, RetouchOptions(holes=False))
    assert result.report.holes_found == 2 and result.report.holes_filled == 0
    assert "hole" not in [d.code for d in result.report.defects]  # kept by the project's choice


def test_placement_never_cuts_ink_and_scales_only_when_needed() -> None:
    quad = np.array([[0, 0], [2000, 0], [2000, 2800], [0, 2800]], float)
    ink = np.array([[100, 100], [1900, 100], [1900, 2700], [100, 2700]], float)
    pl = place(quad, ink, 0.0, (1654, 2339), 20, 12)
    assert pl.scale < 1
    corners = transform(np.vstack([pl.matrix, [0, 0, 1]]), ink)
    assert corners.min() >= 0 and corners[:, 0].max() <= 1653 and corners[:, 1].max() <= 2338
    small_ink = np.array([[300, 300], [1500, 300], [1500, 2000], [300, 2000]], float)
    pl2 = place(quad, small_ink, 0.0, (1654, 2339), 20, 12)
    assert pl2.scale == 1.0


def test_output_is_a4_with_dpi_and_white_edges(page: np.ndarray) -> None:
    data = simplejpeg.encode_jpeg(scan(page, -1.4), quality=90)
    # the page's random letters are no text to judge its orientation by (a reading may
    # abstain on them): the output's size, dpi and edges are what is tested here
    result = retouch_bytes(data, RetouchOptions(orientation=False))
    img = Image.open(io.BytesIO(result.data))
    assert img.size == (1654, 2339) and img.info["dpi"] == (200, 200)
    grey = np.asarray(img.convert("L"))
    for band in (grey[:20], grey[-20:], grey[:, :20], grey[:, -20:]):
        assert band.min() > 150
    assert result.report.edge_residue == 0.0 and not result.report.defects


@pytest.mark.parametrize("mode", ["grey", "bilevel"])
def test_modes_and_tiff(page: np.ndarray, mode: str) -> None:
    data = simplejpeg.encode_jpeg(scan(page, 0.5), quality=90)
    result = retouch_bytes(data, RetouchOptions(mode=mode, fmt="tif"))  # type: ignore[arg-type]
    img = Image.open(io.BytesIO(result.data))
    assert img.size == (1654, 2339)
    assert img.mode == ("1" if mode == "bilevel" else "L")
    if mode == "bilevel":
        assert img.info["compression"] == "group4"
        ink = 1 - np.asarray(img, dtype=np.uint8).mean()
        assert 0.005 < ink < 0.2  # text kept, paper white


def test_jfif_dpi_patch() -> None:
    data = simplejpeg.encode_jpeg(np.zeros((16, 16, 3), np.uint8))
    assert Image.open(io.BytesIO(set_jfif_dpi(data, 300))).info["dpi"] == (300, 300)


def test_file_dpi_rules_when_trusted(page: np.ndarray) -> None:
    data = set_jfif_dpi(simplejpeg.encode_jpeg(scan(page, 0.3), quality=90), 300)
    result = retouch_bytes(data, RetouchOptions(trust_file_dpi=True))
    img = Image.open(io.BytesIO(result.data))
    assert img.size == (2480, 3508) and img.info["dpi"] == (300, 300)


def test_blurred_scan_is_flagged(page: np.ndarray) -> None:
    sharp = scan(page, 0.6)
    blurred = cv2.GaussianBlur(sharp, (0, 0), 4.0)
    flags = [[d.code for d in retouch_bytes(simplejpeg.encode_jpeg(img, quality=90),
                                             RetouchOptions()).report.defects]
             for img in (sharp, blurred)]
    assert "blurred" not in flags[0] and "blurred" in flags[1]
