"""A CMYK or 16-bit file read as 8 bits (``converted``) and a page turned as its EXIF tag says
(``exif_turned``) are for information only (README: "the page stays ok"), yet they were
listed under "Pages to look at" as warnings. They are counted and kept in the report, and a
page's findings to look at are still listed beside them."""

from __future__ import annotations

from dangan.imaging import context as c
from dangan.imaging.load import EXIF_MIRRORED
from dangan.imaging.qc import CONVERTED, INFORMATION
from dangan.services.retouch import RetouchSummary, page_issues


def _page(source: str, *flags: tuple[str, str]) -> c.PageReport:
    rep = c.PageReport(source=source)
    for code, detail in flags:
        rep.flag(code, detail)
    return rep


def test_information_is_not_a_page_to_look_at() -> None:
    summary = RetouchSummary(pages=[
        _page("in/0001.jpg", (CONVERTED, "source=CMYK,target=RGB")),
        _page("in/0002.tif", (CONVERTED, "source=16-bit,target=8-bit,bits=12")),
        _page("in/0003.jpg", ("exif_turned", "turn=90")),
    ])
    assert page_issues(summary) == []
    assert summary.defects == {CONVERTED: 2, "exif_turned": 1}  # still counted


def test_a_finding_beside_information_is_listed_alone() -> None:
    rep = _page("in/0001.jpg", (CONVERTED, "source=CMYK,target=RGB"))
    rep.needs_review(EXIF_MIRRORED, "turn=0,mirror=1")
    (issue,) = page_issues(RetouchSummary(pages=[rep]))
    assert issue.code == c.NEEDS_REVIEW and issue.level == "warning"
    assert EXIF_MIRRORED in INFORMATION  # the flag is information, its review is not
