"""The second page generator: deterministic by seed, and its truth agrees with its pixels."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from dangan.errors import InputError
from dangan.imaging.accuracy import score_page
from dangan.pagegen import KINDS, PageTruth, make_form_pair, make_page, make_rescan, write_set
from dangan.pagegen.generate import GeneratedPage

SEED = 4242


def _grey(page: GeneratedPage) -> np.ndarray:
    out: np.ndarray = cv2.cvtColor(page.image, cv2.COLOR_RGB2GRAY)
    return out


def _at(grey: np.ndarray, pts: np.ndarray) -> np.ndarray:
    h, w = grey.shape
    xs = np.clip(pts[:, 0].astype(int), 0, w - 1)
    ys = np.clip(pts[:, 1].astype(int), 0, h - 1)
    return grey[ys, xs].astype(float)


def _map(page: GeneratedPage, pts: np.ndarray) -> np.ndarray:
    a = page.truth.matrix
    out: np.ndarray = pts @ a[:2, :2].T + a[:2, 2]
    return out


def test_same_seed_same_page_and_truth() -> None:
    a, b = make_page(SEED), make_page(SEED)
    assert a.data == b.data
    assert a.truth.to_dict() == b.truth.to_dict()
    c = make_page(SEED + 1)
    assert c.data != a.data


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_with_content_where_the_truth_says(kind: str) -> None:
    page = make_page(SEED + 7, dpi=100, kind=kind, turn=0, bed="black")
    t = page.truth
    assert t.kind == kind and t.dpi == 100
    assert page.image.shape[:2] == (t.scan_size[1], t.scan_size[0])
    assert (t.page_size[0] > t.page_size[1]) == (kind == "landscape")
    grey = _grey(page)
    if kind == "blank":
        assert not page.content_mask.any() and not t.text_page
        return
    ys, xs = np.nonzero(page.content_mask)
    ink = _at(grey, _map(page, np.column_stack([xs, ys]) + 0.5))
    free = ~cv2.dilate(page.content_mask.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    free[: t.page_size[1] // 10] = free[-t.page_size[1] // 10:] = False  # away from the edges
    free[:, : t.page_size[0] // 10] = free[:, -t.page_size[0] // 10:] = False
    fy, fx = np.nonzero(free[::7, ::7])
    paper = _at(grey, _map(page, np.column_stack([fx * 7, fy * 7]) + 0.5))
    assert np.median(ink) < np.median(paper) - 25, "content is darker than paper where mapped"


def test_paper_quad_is_where_the_paper_is_on_a_black_bed() -> None:
    page = make_page(SEED, kind="letter", bed="black", turn=0)
    grey = _grey(page)
    quad = np.asarray(page.truth.paper_quad)
    centre = quad.mean(axis=0)
    inside = centre + (quad - centre) * 0.97  # just inside each corner
    outside = centre + (quad - centre) * 1.02  # just outside (still within the frame)
    h, w = grey.shape
    outside = outside[(outside[:, 0] > 1) & (outside[:, 1] > 1)
                      & (outside[:, 0] < w - 2) & (outside[:, 1] < h - 2)]
    assert _at(grey, inside).min() > 120
    assert len(outside) == 0 or _at(grey, outside).max() < 110


@pytest.mark.parametrize(("turn", "corner"), [(0, (0, 0)), (90, (0, 1)), (180, (1, 1)),
                                              (270, (1, 0))])
def test_quarter_turns_put_the_sheets_top_left_where_the_truth_says(
        turn: int, corner: tuple[int, int]) -> None:
    """``turn`` = clockwise turn needed: at 90 the sheet's top-left lies at the file's
    bottom-left (the sheet was turned counter-clockwise)."""
    page = make_page(SEED + 3, dpi=100, kind="table", turn=turn, skew_deg=0.0)
    t = page.truth
    assert t.turn == turn
    w, h = t.scan_size
    tl = np.asarray(t.paper_quad[0])
    assert abs(tl[0] - corner[0] * w) < 0.1 * w and abs(tl[1] - corner[1] * h) < 0.1 * h
    portrait_sheet = t.page_size[1] > t.page_size[0]
    assert (h > w) == (portrait_sheet == (turn in (0, 180)))


def _gap_share(profile: np.ndarray) -> float:
    """Share of positions in the text span where almost no ink lies across."""
    nz = np.nonzero(profile > 0)[0]
    span = profile[nz[0]:nz[-1] + 1]
    return float((span < 0.02 * span.max()).mean())


def test_vertical_pages_are_written_in_columns_and_letters_in_lines() -> None:
    for kind, vertical in (("vertical", True), ("letter", False)):
        page = make_page(SEED + 11, kind=kind, turn=0, skew_deg=0.0, bed="white")
        assert page.truth.vertical is vertical
        ink = page.content_mask
        across, down = _gap_share(ink.sum(axis=0)), _gap_share(ink.sum(axis=1))
        assert (across > down) is vertical, (kind, across, down)
        boxes = [ln.box for ln in page.truth.lines if ln.chars > 5]
        tall = [b[3] - b[1] > 3 * (b[2] - b[0]) for b in boxes]
        assert all(tall) if vertical else not any(tall)


def test_holes_show_the_bed_through_the_paper() -> None:
    page = next(p for s in range(SEED, SEED + 40)
                if (p := make_page(s, kind="letter", bed="black", turn=0)).truth.holes)
    grey = _grey(page)
    for hole in page.truth.holes:
        assert 5.5 * 200 / 25.4 / 2 * 0.95 < hole.clean_r < 6.5 * 200 / 25.4 / 2 * 1.05
        assert grey[int(hole.y), int(hole.x)] < 90, "black bed inside the hole"
        assert hole.clean_x < 15 * 200 / 25.4, "in the binding margin"
    ys = sorted(h.clean_y for h in page.truth.holes)
    assert np.allclose(np.diff(ys), 80 * 200 / 25.4, atol=1)


def test_a_rescan_is_the_same_sheet_at_another_geometry() -> None:
    first = make_page(SEED, kind="letter")
    again = make_rescan(first, SEED + 100)
    a, b = first.truth, again.truth
    assert b.rescan_of == a.seed and b.sheet_seed == a.sheet_seed
    assert 1 <= abs(b.skew_deg - a.skew_deg) <= 5
    assert 0.95 <= b.scale <= 1.05 and b.bed != a.bed
    assert np.array_equal(first.content_mask, again.content_mask)
    assert make_rescan(first, SEED + 100).data == again.data


def test_two_filled_copies_of_a_form_share_the_print_not_the_writing() -> None:
    a, b = make_form_pair(SEED)
    assert a.truth.sheet_seed == b.truth.sheet_seed and a.truth.kind == b.truth.kind == "form"
    assert a.truth.fill_seed != b.truth.fill_seed
    ma, mb = a.content_mask, b.content_mask
    shared = (ma & mb).sum() / max(1, (ma | mb).sum())
    assert 0.1 < shared < 0.9, "the same ruling and labels, different answers"


def test_a_perfect_retouch_scores_straight_upright_and_uncut() -> None:
    page = make_page(SEED + 5, kind="table", turn=90)
    w, h = page.truth.page_size
    back = np.linalg.inv(page.truth.matrix)  # continuous scan → clean
    shift = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1.0]])
    pixel = (np.linalg.inv(shift) @ back @ shift)[:2]
    out = cv2.warpAffine(_grey(page), pixel, (w, h), borderValue=255)
    s = score_page(page.truth.to_dict(), page.content_mask, out, pixel, True)
    assert s.upright and abs(s.residual_skew_deg) < 1e-4 and not s.content_cut


def test_write_set_writes_jpegs_with_dpi_and_a_truth_file(tmp_path: Path) -> None:
    entries = write_set(tmp_path, [SEED, SEED + 1], dpi=150, rescans=True)
    assert [e["file"] for e in entries] == [f"{SEED}.jpg", f"{SEED}-rescan.jpg",
                                            f"{SEED + 1}.jpg", f"{SEED + 1}-rescan.jpg"]
    doc = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert doc["generator"] == "dangan.pagegen" and len(doc["pages"]) == 4
    data = (tmp_path / f"{SEED}.jpg").read_bytes()
    assert data[:2] == b"\xff\xd8" and data[13] == 1 and int.from_bytes(data[14:16]) == 150
    t = PageTruth.from_dict({k: v for k, v in doc["pages"][0].items() if k != "file"})
    assert t.to_dict() == {k: v for k, v in doc["pages"][0].items() if k != "file"}


def test_holes_and_scan_settings_can_be_fixed_leaving_the_rest_as_drawn() -> None:
    base = make_page(SEED + 21, kind="table")
    fixed = make_page(SEED + 21, kind="table", holes=3,
                      scan={"light": "flat", "light_depth": 0.0, "curl_edge": None})
    assert len(fixed.truth.holes) == 3 and fixed.truth.light == "flat"
    assert fixed.truth.curl_edge is None and fixed.truth.skew_deg == base.truth.skew_deg
    assert len(make_page(SEED + 21, kind="table", holes=0).truth.holes) == 0


@pytest.mark.parametrize(("kwargs", "field"), [({"dpi": 10}, "dpi"), ({"kind": "poster"}, "kind"),
                                               ({"turn": 45}, "turn"), ({"bed": "blue"}, "bed"),
                                               ({"holes": 4}, "holes"),
                                               ({"scan": {"lamp": 1}}, "scan")])
def test_bad_arguments_are_refused_by_key(kwargs: dict, field: str) -> None:
    with pytest.raises(InputError) as err:
        make_page(1, **kwargs)
    assert err.value.key == "pagegen.bad_argument" and err.value.params["field"] == field
