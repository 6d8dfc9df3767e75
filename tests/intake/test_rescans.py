"""``dangan check`` finds a sheet scanned twice whatever the second scan's geometry, bed and
exposure — inside a volume and across neighbouring volumes — and never reports two filled
copies of one printed form, pages of one template, different real pages or blank pages.

Pages come from ``dangan.pagegen`` on held-out seeds (``TEST_SEEDS``) at 100 dpi (small and
fast), and from ``../shared/realscans``; a rescan is the page warped here with known values.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from dangan.config import ScanConfig
from dangan.domain.naming import court_rules
from dangan.intake.check import CheckOptions, run_check
from dangan.intake.duplicates import Marks, find_duplicates, page_marks
from dangan.pagegen import TEST_SEEDS, make_form_pair, make_page, make_rescan

REAL = Path(__file__).resolve().parents[3] / "shared" / "realscans"
SEED = TEST_SEEDS[0] + 4_100


@dataclass(frozen=True)
class Warp:
    """A second scan of a sheet: turned, shifted, scaled, on a bed of some grey, exposed."""

    angle: float = 0.0
    shift: tuple[float, float] = (0.0, 0.0)  # share of the page size
    scale: float = 1.0
    bed: int = 245
    gamma: float = 1.0
    gain: float = 1.0
    margin: float = 0.08  # bed around the sheet, share of the page size


def rescan(rgb: np.ndarray, warp: Warp, seed: int = 0) -> bytes:
    h, w = rgb.shape[:2]
    cw, ch = int(w * (1 + warp.margin)), int(h * (1 + warp.margin))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), warp.angle, warp.scale)
    m[0, 2] += (cw - w) / 2 + warp.shift[0] * w
    m[1, 2] += (ch - h) / 2 + warp.shift[1] * h
    noise = np.random.default_rng(seed).normal(0, 2.5, (ch, cw, 1))
    canvas = np.clip(warp.bed + noise, 0, 255).astype(np.uint8).repeat(3, axis=2)
    out = cv2.warpAffine(rgb, m, (cw, ch), dst=canvas, borderMode=cv2.BORDER_TRANSPARENT)
    lut = np.clip(255 * warp.gain * (np.arange(256) / 255) ** warp.gamma, 0, 255)
    return _jpeg(cv2.LUT(out, lut.astype(np.uint8)))


def _jpeg(rgb: np.ndarray, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality, dpi=(100, 100))
    return buf.getvalue()


def write_batch(root: Path, volumes: list[list[bytes]]) -> list[str]:
    """Volume folders in the court's naming (0001.jpg, …); their relative paths."""
    rels = []
    for k, pages in enumerate(volumes):
        rel = f"1-1-1-1-1997-民-0014-{25 + k:04d}"
        folder = root / rel
        folder.mkdir(parents=True)
        for n, data in enumerate(pages, 1):
            (folder / f"{n:04d}.jpg").write_bytes(data)
        rels.append(rel)
    return rels


def duplicates_found(root: Path) -> set[tuple[str, str]]:
    """(page, the page it repeats) for every duplicate_image defect of ``dangan check``."""
    report = run_check(str(root), CheckOptions(court_rules(), ScanConfig(), workers=1))
    out = set()
    for d in report.defects:
        if d.code == "duplicate_image":
            other = d.params["other"]
            folder = d.path.rsplit("/", 1)[0]
            out.add((d.path, other if "/" in other else f"{folder}/{other}"))
    return out


@pytest.fixture(scope="module")
def sheets() -> list[np.ndarray]:
    """Five distinct generated pages (RGB, 100 dpi): what the scanner saw the first time."""
    return [make_page(SEED + k, dpi=100).image for k in range(5)]


WARPS = {
    "plus 1°": Warp(angle=1.0, bed=30),
    "minus 1°": Warp(angle=-1.0, shift=(0.02, -0.01)),
    "plus 5°": Warp(angle=5.0, bed=140),
    "minus 5°": Warp(angle=-5.0, scale=0.97, bed=20),
    "shifted": Warp(shift=(0.035, 0.03), bed=200),
    "scaled down 5%": Warp(scale=0.95, angle=0.7),
    "scaled up 5%": Warp(scale=1.05, angle=-0.6, margin=0.14),
    "black bed": Warp(bed=12, margin=0.12, angle=2.0),
    "darker exposure": Warp(gamma=1.3, gain=0.88, angle=-2.5, bed=90),
    "lighter exposure": Warp(gamma=0.75, gain=1.05, angle=3.0),
}


@pytest.mark.parametrize("name", list(WARPS))
def test_rescan_found_inside_a_volume_and_in_the_next(
    name: str, sheets: list[np.ndarray], tmp_path: Path,
) -> None:
    warp = WARPS[name]
    first = [rescan(s, Warp(angle=0.4, bed=235), seed=k) for k, s in enumerate(sheets)]
    again_1 = rescan(sheets[1], warp, seed=11)
    again_2 = rescan(sheets[2], warp, seed=12)
    v1, v2 = write_batch(tmp_path, [[first[0], first[1], first[2], again_1],
                                    [again_2, first[3], first[4]]])
    assert duplicates_found(tmp_path) == {
        (f"{v1}/0004.jpg", f"{v1}/0002.jpg"),  # sheet 2 scanned again at the volume's end
        (f"{v2}/0001.jpg", f"{v1}/0003.jpg"),  # volume 1's last sheet again in volume 2
    }


def test_generator_rescans_found_turned_and_upside_down(tmp_path: Path) -> None:
    pages = [make_page(SEED + 20 + k, dpi=100) for k in range(3)]
    again = [make_rescan(pages[0], SEED + 30, turn=90),
             make_rescan(pages[1], SEED + 31, turn=180)]
    v1, v2 = write_batch(tmp_path, [[pages[0].data, pages[1].data, again[0].data],
                                    [again[1].data, pages[2].data]])
    assert duplicates_found(tmp_path) == {(f"{v1}/0003.jpg", f"{v1}/0001.jpg"),
                                          (f"{v2}/0001.jpg", f"{v1}/0002.jpg")}


def test_pages_sharing_a_letterhead_are_not_duplicates(
    sheets: list[np.ndarray], tmp_path: Path,
) -> None:
    """Every page of the volume carries the first page's letterhead (its top quarter)."""
    head = sheets[0][: sheets[0].shape[0] // 4]
    pages = []
    for k, sheet in enumerate(sheets):
        page = sheet.copy()
        rows, cols = min(len(head), len(page)), min(head.shape[1], page.shape[1])
        page[:rows, :cols] = head[:rows, :cols]
        pages.append(rescan(page, Warp(angle=0.5 * k - 1, bed=40 * k + 20), seed=k))
    write_batch(tmp_path, [pages[:3], pages[3:]])
    assert duplicates_found(tmp_path) == set()


def test_filled_copies_of_one_form_are_not_duplicates(tmp_path: Path) -> None:
    pairs = [make_form_pair(SEED + 40 + k, dpi=100) for k in range(3)]
    write_batch(tmp_path, [[pairs[0][0].data, pairs[0][1].data, pairs[1][0].data],
                           [pairs[1][1].data, pairs[2][0].data, pairs[2][1].data]])
    assert duplicates_found(tmp_path) == set()


def test_blank_pages_are_blank_not_duplicates(sheets: list[np.ndarray], tmp_path: Path) -> None:
    blank = np.full_like(sheets[0], 236)
    write_batch(tmp_path, [[_jpeg(sheets[0]), rescan(blank, Warp(angle=1)),
                            rescan(blank, Warp(angle=-2, bed=20))]])
    report = run_check(str(tmp_path), CheckOptions(court_rules(), ScanConfig(), workers=1))
    codes = [d.code for d in report.defects]
    assert codes.count("blank_page") == 2 and "duplicate_image" not in codes


def _real_pages(limit: int) -> list[np.ndarray]:
    files = sorted(p for p in REAL.glob("*") if p.suffix.lower() not in (".md", ".json"))
    if not files:
        pytest.skip("../shared/realscans not present")
    out = []
    for path in files[:limit]:
        rgb = np.asarray(Image.open(path).convert("RGB"))
        f = 1100 / max(rgb.shape[:2])
        if f < 1:
            rgb = cv2.resize(rgb, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        out.append(rgb)
    return out


def test_real_pages_rescans_found_and_different_pages_kept_apart(tmp_path: Path) -> None:
    real = _real_pages(12)
    first = [rescan(p, Warp(angle=-0.8 + 0.15 * k, bed=30 + 20 * k), k)
             for k, p in enumerate(real)]
    again_3 = rescan(real[3], Warp(angle=3.5, scale=1.04, bed=240, gamma=1.2), 50)
    again_7 = rescan(real[7], Warp(angle=-4.0, scale=0.96, bed=15, gain=1.08), 51)
    v1, v2 = write_batch(tmp_path, [[*first[:8], again_3], [again_7, *first[8:]]])
    assert duplicates_found(tmp_path) == {(f"{v1}/0009.jpg", f"{v1}/0004.jpg"),
                                          (f"{v2}/0001.jpg", f"{v1}/0008.jpg")}


def test_search_api_reports_the_later_scan_against_the_first(sheets: list[np.ndarray]) -> None:
    data = [_jpeg(s) for s in sheets[:3]] + [rescan(sheets[0], Warp(angle=-3, bed=60))]
    greys = [np.asarray(Image.open(io.BytesIO(d)).convert("L")) for d in data]
    marks = [page_marks(g) for g in greys]
    assert all(len(Marks.unpack(m)) > 50 for m in marks)
    found = find_duplicates(marks, [0, 0, 1, 1], lambda i: data[i])
    assert [(d.page, d.other, d.comparison.same) for d in found] == [(3, 0, True)]
    # a volume two away is not a neighbour
    assert find_duplicates(marks, [0, 0, 1, 2], lambda i: data[i], neighbours=1) == []


def _seal_only_sheet(seal: np.ndarray, centre: tuple[float, float], number: str,
                     holes: int, size: float = 0.8, weight: int = 2) -> np.ndarray:
    """A closing page (备考表-like): paper, one red seal, a page number, punched holes."""
    from dangan.samples.seal import stamp

    h, w = 1169, 827  # A4 at 100 dpi
    page = np.empty((h, w, 3), np.uint8)
    page[:] = (246, 242, 230)
    stamp(page, seal, int(centre[0] * w), int(centre[1] * h), 0.9)
    cv2.putText(page, number, (w - 90, 60), cv2.FONT_HERSHEY_SIMPLEX, size, (40, 40, 40), weight,
                cv2.LINE_AA)
    for k in range(holes):
        cv2.circle(page, (40, int(h * (k + 1) / (holes + 1))), 12, (10, 10, 10), -1)
    return page


@pytest.mark.parametrize("bed", [15])
def test_same_seal_at_other_places_is_not_a_rescan(bed: int, tmp_path: Path) -> None:
    """Two closing pages of two volumes carry the same court seal, stamped at other places,
    with other page numbers and holes: two sheets, not one; a rescan of either is found."""
    from dangan.samples.fonts import FAMILY_NAMES
    from dangan.samples.seal import seal_mask

    seal = seal_mask(100, np.random.default_rng(7), "某某市中级人民法院", FAMILY_NAMES[0])
    one = _seal_only_sheet(seal, (0.3, 0.3), "3", 2)
    two = _seal_only_sheet(seal, (0.62, 0.42), "31", 3)
    _v1, v2 = write_batch(tmp_path, [
        [rescan(one, Warp(angle=-2.0, bed=bed, shift=(-0.02, 0.01)), seed=1)],
        [rescan(two, Warp(angle=1.5, bed=bed, shift=(0.03, -0.02), margin=0.1), seed=2),
         rescan(two, Warp(angle=-2.5, bed=bed, scale=0.97), seed=3)],
    ])
    assert duplicates_found(tmp_path) == {(f"{v2}/0002.jpg", f"{v2}/0001.jpg")}


SEAL_PAIRS = {
    # the second sheet's seal higher and further left: aligned on the seal, each sheet's page
    # number falls off the other scan's frame (grey bed and black bed; two white beds; a
    # small thin one-digit number, some 20 px of ink at the size compared)
    "grey bed, black bed": (Warp(angle=-2.5, bed=200, shift=(0.01, 0.0), margin=0.1),
                            Warp(angle=1.5, bed=15), ("48", "45"), 0.8, 2),
    "white beds": (Warp(angle=-2.5, bed=240, margin=0.1), Warp(angle=1.5, bed=235),
                   ("48", "45"), 0.8, 2),
    "small numbers": (Warp(angle=-2.5, bed=240, margin=0.1), Warp(angle=1.5, bed=235),
                      ("1", "7"), 0.5, 1),
}


@pytest.mark.parametrize("case", list(SEAL_PAIRS))
def test_a_shared_seal_does_not_confirm_what_lies_off_the_other_scan(case: str,
                                                                     tmp_path: Path) -> None:
    """Two closing pages with one seal, stamped far apart: laid on each other by the seal,
    each page's number lies where the other scan does not see its sheet. Nothing there
    confirms them as one sheet — the seal they share is no evidence: two sheets. A rescan of
    the second page (the same seal and number at the same places) is found."""
    from dangan.samples.fonts import FAMILY_NAMES
    from dangan.samples.seal import seal_mask

    warp_one, warp_two, (first, second), size, weight = SEAL_PAIRS[case]
    seal = seal_mask(100, np.random.default_rng(7), "某某市中级人民法院", FAMILY_NAMES[0])
    one = _seal_only_sheet(seal, (0.65, 0.45), first, 2, size, weight)
    two = _seal_only_sheet(seal, (0.38, 0.25), second, 3, size, weight)
    _v1, v2 = write_batch(tmp_path, [
        [rescan(one, warp_one, seed=1)],
        [rescan(two, warp_two, seed=2), rescan(two, Warp(angle=-2.5, bed=90, scale=0.97), seed=3)],
    ])
    assert duplicates_found(tmp_path) == {(f"{v2}/0002.jpg", f"{v2}/0001.jpg")}
