"""A sheet scanned several times is reported with every copy, whatever else the batch holds.

Each copy has pairs with all the others; only the best few pairs of a page are confirmed, so
the weakest pair — the first scan and a copy at a very different skew — can be left out. The
copies are joined through the pairs that were confirmed, so that copy is still found.

Pages from ``dangan.pagegen`` development seeds at 100 dpi; the copies are the page warped
with the helpers of ``test_rescans``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_rescans import Warp, duplicates_found, rescan, write_batch

from dangan.config import ScanConfig
from dangan.domain.naming import court_rules
from dangan.i18n import current_language, set_language
from dangan.intake.check import CheckOptions, run_check
from dangan.intake.content import inspect_page
from dangan.intake.duplicates import find_duplicates
from dangan.pagegen import DEV_SEEDS, make_page

SEEDS = [DEV_SEEDS[0] + 1000, DEV_SEEDS[0] + 4000]


def _copies(seed: int) -> tuple[list[bytes], list[bytes]]:
    """Five scans of one sheet (the first at -3.5°, the second at +4° on a black bed: their
    pair is the weakest) and three other pages."""
    sheet = make_page(seed, dpi=100, skew_deg=0.0).image
    copies = [rescan(sheet, Warp(angle=-3.5, bed=235), seed=1),
              rescan(sheet, Warp(angle=4.0, bed=30, scale=0.97), seed=2),
              rescan(sheet, Warp(angle=0.3, bed=200, shift=(0.02, 0.01)), seed=3),
              rescan(sheet, Warp(angle=-0.5, bed=140), seed=4),
              rescan(sheet, Warp(angle=0.8, bed=235, gamma=1.2), seed=5)]
    others = [rescan(make_page(seed + 1 + k, dpi=100).image, Warp(angle=0.5), seed=10 + k)
              for k in range(3)]
    return copies, others


@pytest.mark.parametrize("seed", SEEDS)
def test_every_copy_of_a_sheet_scanned_five_times_is_reported(seed: int, tmp_path: Path,
                                                              ) -> None:
    c, o = _copies(seed)
    v1, v2 = write_batch(tmp_path, [[c[0], o[0], c[1], o[1], c[2]], [c[3], o[2], c[4]]])
    found = duplicates_found(tmp_path)
    copies = {f"{v1}/0001.jpg", f"{v1}/0003.jpg", f"{v1}/0005.jpg", f"{v2}/0001.jpg",
              f"{v2}/0003.jpg"}
    # every copy but the first, each against a copy of the sheet (the first one here)
    assert {page for page, _other in found} == copies - {f"{v1}/0001.jpg"}
    assert all(other in copies for _page, other in found)


def test_search_names_every_copy_of_the_sheet() -> None:
    c, o = _copies(SEEDS[0])
    data = [c[0], o[0], c[1], o[1], c[2], c[3], o[2], c[4]]
    marks = [inspect_page(d).marks for d in data]
    found = find_duplicates(marks, [0, 0, 0, 0, 0, 1, 1, 1], lambda i: data[i])
    assert [d.page for d in found] == [2, 4, 5, 7]
    assert all(d.copies == (0, 2, 4, 5, 7) and d.other in d.copies for d in found)
    assert all(d.comparison.same for d in found)


def test_the_finding_says_which_page_to_remove_without_a_figure(tmp_path: Path) -> None:
    """The message names the earlier copy and tells that this page, the later one, is the
    one to compare and remove; no 'distance' figure (0.000 for every rescan found)."""
    c, o = _copies(SEEDS[0])
    v1, = write_batch(tmp_path, [[c[0], o[0], c[2]]])
    report = run_check(str(tmp_path), CheckOptions(court_rules(), ScanConfig(), workers=1))
    [dup] = [d for d in report.defects if d.code == "duplicate_image"]
    assert dup.path == f"{v1}/0003.jpg" and dup.params["other"] == "0001.jpg"
    assert dup.message == "重页：本页似为 0001.jpg 那页纸的再次扫描：请逐页比对两次扫描，确认是同一页纸后再删去本页（两页纸内容相同时，如只有标题或印章，扫描无法区分）"
    before = current_language()
    set_language("en")
    try:
        english = dup.rendered().message
    finally:
        set_language(before)
    assert english == ("Rescan: this page looks like the sheet of 0001.jpg scanned again: "
                       "compare the two scans and remove this page only once sure they are one sheet (two sheets "
                       "with the same content, a title or a seal alone, cannot be told apart by their scans)")


def test_a_sheet_scanned_three_times_is_named_with_all_its_copies(tmp_path: Path) -> None:
    """The operator removes every later copy, not only one: a sheet found three times says
    so on each finding, naming the copies (the other volume's by its path)."""
    c, o = _copies(SEEDS[0])
    v1, v2 = write_batch(tmp_path, [[c[0], o[0], c[2]], [c[3], o[2]]])
    report = run_check(str(tmp_path), CheckOptions(court_rules(), ScanConfig(), workers=1))
    found = {d.path: d for d in report.defects if d.code == "duplicate_image"}
    assert set(found) == {f"{v1}/0003.jpg", f"{v2}/0001.jpg"}
    second = found[f"{v1}/0003.jpg"].message
    assert "这页纸共扫描 3 次：0001.jpg、0003.jpg、" in second
    assert f"{v2}/0001.jpg" in second
