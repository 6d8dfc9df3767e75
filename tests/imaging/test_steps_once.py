"""Steps of the page engine made cheaper give the very results of the plain way of computing
them, on generated pages (the plain way is written out here as the reference)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from dangan.imaging.holes import DIAMETER_MM, SEARCH_MM, _outline_sized, find_rings, rim_darkness
from dangan.imaging.holes_row import RIM_MIN_DEPTH, work_copy
from dangan.imaging.stats import components_with_stats
from dangan.pagegen import make_page


def _ring_stats(grey: np.ndarray, dpi: float) -> tuple[np.ndarray, float, float]:
    """The rim components ``find_rings`` looks through, and its size bounds."""
    work, f = work_copy(grey, dpi / 25.4)
    mm = dpi / 25.4 * f
    dark = rim_darkness(work, mm)
    band = int(SEARCH_MM * mm)
    dark[band:-band, band:-band] = 0
    _n, _labels, stats, _ = cv2.connectedComponentsWithStats(
        (dark >= RIM_MIN_DEPTH).astype(np.uint8), connectivity=8)
    return stats, 0.8 * DIAMETER_MM[0] * mm, 1.1 * DIAMETER_MM[1] * mm


def _outline_sized_one_by_one(stats: np.ndarray, lo: float, hi: float) -> list[int]:
    out = []
    for i in range(1, len(stats)):
        _x, _y, bw, bh, area = (int(v) for v in stats[i])
        if not (lo <= max(bw, bh) <= hi and bw >= 0.5 * lo and bh >= 0.5 * lo):
            continue
        if area > 0.6 * bw * bh:
            continue
        out.append(i)
    return out


def test_ring_candidates_are_sized_all_at_once_as_one_by_one() -> None:
    for seed, bed in ((1001, "white"), (1012, "white"), (1005, "black")):
        page = make_page(seed, turn=0, holes=3, bed=bed)
        grey = cv2.cvtColor(page.image, cv2.COLOR_RGB2GRAY)
        stats, lo, hi = _ring_stats(grey, 200.0)
        assert len(stats) > 20  # strokes and specks near the frame, and the rims
        picked = _outline_sized(stats, lo, hi)
        assert picked == _outline_sized_one_by_one(stats, lo, hi)
        assert len(picked) < len(stats) // 2
        if bed == "white":  # the three rims are among them, and found as rings
            assert len(picked) >= 3
            assert len(find_rings(grey, 0.25, 200.0)) >= 3


def test_components_in_16_bits_are_those_of_opencvs_default() -> None:
    page = make_page(1003, turn=0, bed="grey")
    grey = cv2.cvtColor(page.image, cv2.COLOR_RGB2GRAY)
    ink = (grey < 128).astype(np.uint8)  # strokes and the bed: over 65,535 pixels
    small = np.ascontiguousarray(ink[::4, ::4])  # fewer: labelled in 16 bits
    noise = (np.random.default_rng(5).random((900, 900)) < 0.2).astype(np.uint8)
    for binary in (ink, small, ink[:600, :800], noise):
        n, labels, stats, cents = components_with_stats(binary)
        n0, labels0, stats0, cents0 = cv2.connectedComponentsWithStats(binary, connectivity=8)
        assert n == n0 > 10
        assert np.array_equal(labels, labels0)
        assert np.array_equal(stats, stats0)
        assert np.array_equal(cents, cents0)


def test_largest_part_is_counted_from_the_labels() -> None:
    from dangan.imaging.analysis import reduce
    from dangan.imaging.paper import _largest

    for seed, bed in ((1002, "black"), (1004, "grey")):
        grey = cv2.cvtColor(make_page(seed, turn=0, bed=bed).image, cv2.COLOR_RGB2GRAY)
        small, _f = reduce(grey, 200.0)
        for level in (0.5, 0.8):  # the halfway and the strict sheet masks
            mask = (small > level * float(np.percentile(small, 90))).astype(np.uint8) * 255
            inner = mask[6:-6, 6:-6]  # judged away from the frame, as a view
            n, _labels, stats, _ = cv2.connectedComponentsWithStats(inner, connectivity=4)
            assert n > 2
            assert _largest(inner) == int(stats[1:, cv2.CC_STAT_AREA].max())


def _residue_on_the_whole_plane(out: np.ndarray, level: float, mm: float,
                                sheet: np.ndarray | None) -> dict[str, float]:
    from dangan.imaging.qc import BODY_BAND_MM, _bed_share, _body_along

    b = max(2, int(2 * mm))
    deep = max(b + 1, int(BODY_BAND_MM * mm))
    dark = out < 0.5 * level
    inside = np.zeros(out.shape[:2], np.uint8)
    if sheet is not None:
        cv2.fillConvexPoly(inside, np.round(sheet).astype(np.int32), 1)

    def sides(a: np.ndarray, d: int) -> dict[str, np.ndarray]:
        return {"top": a[:d], "bottom": a[-d:][::-1], "left": a[:, :d].T,
                "right": a[:, -d:][:, ::-1].T}

    bands, near, within = sides(dark, b), sides(dark, deep), sides(inside, b)
    return {side: max(_bed_share(bands[side], mm, within[side] if sheet is not None else None),
                      _body_along(near[side], b, mm)) for side in bands}


def test_edge_residue_is_judged_on_the_bands_as_on_the_whole_plane() -> None:
    from dangan.imaging.qc import residue_by_side

    page = make_page(1002, turn=0, bed="black", skew_deg=3.0)
    grey = cv2.cvtColor(page.image, cv2.COLOR_RGB2GRAY)  # bed left at every side
    h, w = grey.shape
    sheet = np.array([[40, 30], [w - 60, 50], [w - 45, h - 35], [25, h - 70]], np.float64)
    level = float(np.percentile(grey, 90))
    for quad in (None, sheet):
        got = residue_by_side(grey, level, 200 / 25.4, quad)
        assert got == _residue_on_the_whole_plane(grey, level, 200 / 25.4, quad)
        assert max(got.values()) > 0.05


def _line_fit_one_by_one(ink: np.ndarray, mm: float) -> float | None:
    from dangan.imaging.deskew import LINES_AGREE_DEG, without_column_rules

    k = max(3, round(3.0 * mm) | 1)
    bands = cv2.morphologyEx(without_column_rules(ink, mm), cv2.MORPH_CLOSE,
                             np.ones((1, k), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(bands, connectivity=8)
    angles, weights = [], []
    for i in range(1, n):
        x, y, w, h, _area = (int(v) for v in stats[i])
        if w < 15 * mm or w < 4 * h:
            continue
        ys, xs = np.nonzero(labels[y:y + h, x:x + w] == i)
        if len(xs) < 20:
            continue
        slope = np.polyfit(xs.astype(np.float64), ys.astype(np.float64), 1)[0]
        angles.append(-float(np.rad2deg(np.arctan(slope))))
        weights.append(float(w))
    if len(angles) < 3:
        return None
    a, wt = np.asarray(angles), np.asarray(weights)
    order = np.argsort(a)
    cum = np.cumsum(wt[order])
    median = float(a[order][int(np.searchsorted(cum, cum[-1] / 2))])
    if float(wt[np.abs(a - median) <= LINES_AGREE_DEG].sum()) < 0.6 * float(wt.sum()):
        return None
    return median


def test_line_fit_picks_its_bands_all_at_once_as_one_by_one() -> None:
    from dangan.imaging.analysis import ink_mask, reduce
    from dangan.imaging.deskew import line_fit_angle
    from dangan.imaging.paper import find_paper

    found = 0
    for seed, kind in ((1007, "letter"), (1010, "table"), (1011, "form"), (1013, "chart")):
        grey = cv2.cvtColor(make_page(seed, kind=kind, turn=0).image, cv2.COLOR_RGB2GRAY)
        small, f = reduce(grey, 200.0)
        mm = 200.0 * f / 25.4
        ink = ink_mask(small, find_paper(small), mm)
        angle = line_fit_angle(ink, mm)
        assert angle == _line_fit_one_by_one(ink, mm)
        found += angle is not None
    assert found >= 2


def test_sheet_on_a_lid_in_shade_is_looked_for_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from dangan.imaging import paper
    from dangan.imaging.analysis import reduce

    grey = cv2.cvtColor(make_page(1014).image, cv2.COLOR_RGB2GRAY)  # a white lid, dimmed
    small, _f = reduce(grey, 200.0)
    calls: list[int] = []
    plain = paper._white_bed_sheet

    def counted(g: np.ndarray) -> tuple[np.ndarray, tuple[str, ...], tuple[str, ...]] | None:
        calls.append(1)
        return plain(g)

    monkeypatch.setattr(paper, "_white_bed_sheet", counted)
    found = paper.find_paper(small)
    assert found.white_bed and found.found and found.bed_sides  # the sheet's edges, seen
    assert len(calls) == 1
    again = plain(small)
    assert again is not None and np.array_equal(found.quad, again[0])


def test_chroma_paint_zone_warped_once_paints_as_each_plane_its_own() -> None:
    from dangan.imaging import pipeline as p
    from dangan.imaging.analysis import analyse
    from dangan.imaging.context import RetouchOptions
    from dangan.imaging.geometry import scaled
    from dangan.imaging.render import _warp, half_size, paint, paper_colour, render

    opts = RetouchOptions(orientation=False)
    rgb = make_page(1002, turn=0, bed="black", holes=2).image
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    half = half_size(rgb)
    plan = analyse(grey, 200.0, opts, cv2.cvtColor(half, cv2.COLOR_RGB2GRAY))
    pl = p._placement(plan, opts, 200.0, grey.shape)
    fill = p._fill(plan, pl.matrix, opts, 200.0, pl.size)
    assert fill.zone is not None and fill.paper is not None  # bed painted with a zone
    colour = paper_colour(rgb, grey, p._paper_samples(plan))
    _y, cb, cr = render(rgb, grey, pl.matrix, pl.size, colour, fill, opts, half).planes
    ycc = cv2.cvtColor(half, cv2.COLOR_RGB2YCrCb)
    paper_ycc = cv2.cvtColor(np.array([[colour]], np.uint8), cv2.COLOR_RGB2YCrCb)[0, 0]
    csize = ((pl.size[0] + 1) // 2, (pl.size[1] + 1) // 2)
    for plane, ch in ((cr, 1), (cb, 2)):
        own = _warp(ycc[:, :, ch], scaled(pl.matrix, 0.5, 0.5), csize, float(paper_ycc[ch]))
        painted = own.copy()
        paint(painted, fill, float(paper_ycc[ch]), 0.5)  # its zone warped for it alone
        assert not np.array_equal(painted, own)
        assert np.array_equal(plane, painted)


def test_skew_left_refines_only_the_way_it_reports() -> None:
    from dangan.imaging.analysis import ink_mask, reduce
    from dangan.imaging.deskew import (
        columns,
        confident,
        ink_points,
        measure_skew,
        skew_left,
        straightened,
    )
    from dangan.imaging.paper import find_paper

    answers = []
    for seed, kind in ((1007, "letter"), (1008, "vertical"), (1013, "chart"), (1009, "photo")):
        grey = cv2.cvtColor(make_page(seed, kind=kind, turn=0).image, cv2.COLOR_RGB2GRAY)
        small, f = reduce(grey, 200.0)
        pts = ink_points(ink_mask(small, find_paper(small), 200.0 * f / 25.4))
        for p in (pts, straightened(pts, 2.5), pts[:40]):
            both = [e for e in (measure_skew(p, 12.0), measure_skew(columns(p), 12.0))
                    if confident(e)]
            plain = max(both, key=lambda e: e.confidence).angle_deg if both else None
            answers.append(skew_left(p, 12.0))
            assert answers[-1] == plain
    assert sum(a is not None for a in answers) >= 4 and None in answers
