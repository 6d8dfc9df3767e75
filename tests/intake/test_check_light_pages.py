"""What ``check`` calls blank must be blank: a page carrying only its page number is content
(retouch does not call it blank either), a single stroke of writing is a light page for a
person to look at, and show-through (the other side's text, mirrored and faint) is a faint
page — never a blank one that invites someone to take it out. Punched holes' rims on a white
lid are no writing: a blank sheet with holes stays blank."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from light_pages import jpeg, page_number, paper, show_through

from dangan.config import ScanConfig
from dangan.domain.naming import court_rules
from dangan.i18n import t
from dangan.intake.check import CheckOptions, run_check
from dangan.pagegen import make_page

FOLDER = "1-1-1-1-1997-民-0014-0025"


def _check(tmp_path: Path, pages: list[bytes]) -> dict[str, dict[str, Any]]:
    vol = tmp_path / "scan" / FOLDER
    vol.mkdir(parents=True)
    for n, data in enumerate(pages, start=1):
        (vol / f"{n:04d}.jpg").write_bytes(data)
    report = run_check(str(tmp_path / "scan"), CheckOptions(court_rules(), ScanConfig(),
                                                            workers=1))
    found: dict[str, dict[str, Any]] = {f"{n:04d}.jpg": {} for n in range(1, len(pages) + 1)}
    for d in report.defects:
        found[d.path.rsplit("/", 1)[-1]][d.code] = d.params
    return found


def test_a_page_carrying_only_its_page_number_is_not_blank(tmp_path: Path) -> None:
    found = _check(tmp_path, [jpeg(page_number("12", 800_001, stroke=1)),
                              jpeg(page_number("12", 800_002)),
                              jpeg(page_number("3", 800_003)),
                              jpeg(paper(800_004))])
    assert found["0001.jpg"] == {}  # writing, as retouch finds it: content
    for name in ("0002.jpg", "0003.jpg"):  # bold digits, one digit: a light page to look at
        assert set(found[name]) == {"faint_page"}, name
        assert found[name]["faint_page"]["what"] == t("intake.faint.mark")
    assert set(found["0004.jpg"]) == {"blank_page"}


def test_show_through_is_a_faint_page_not_a_blank_one(tmp_path: Path) -> None:
    found = _check(tmp_path, [jpeg(show_through(800_005)), jpeg(paper(800_006))])
    assert set(found["0001.jpg"]) == {"faint_page"}
    assert found["0001.jpg"]["faint_page"]["what"] == t("intake.faint.faint")
    assert set(found["0002.jpg"]) == {"blank_page"}


def test_a_blank_sheet_with_holes_on_a_white_lid_stays_blank(tmp_path: Path) -> None:
    """The rims of punched holes on a white lid are short arcs, not writing: the sheet is
    not taken for a written page (no finding) nor for a little writing; the coarse faint
    measure may call such a sheet faint, as it did before."""
    pages = []
    for seed in range(800_000, 800_100):
        page = make_page(seed, kind="blank", bed="white", holes=3)
        if not page.truth.thin:  # thin paper shows its other side through
            pages.append(page.data)
        if len(pages) == 3:
            break
    found = _check(tmp_path, pages)
    for name, codes in found.items():
        assert set(codes) & {"blank_page", "faint_page"} in ({"blank_page"}, {"faint_page"}), name
        assert codes.get("faint_page", {}).get("what") != t("intake.faint.mark"), name
    assert sum("blank_page" in codes for codes in found.values()) >= 2
