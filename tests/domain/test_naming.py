"""Naming rules: parse/format round trip, located errors, numeric ordering."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangan.domain.naming import (
    COURT_ARCHIVE_CODE,
    WENSHU_ARCHIVE_CODE,
    NamingRules,
    Rule,
    court_rules,
    lookalike_kind,
)
from dangan.errors import NamingError

COURT = Rule(COURT_ARCHIVE_CODE)
WENSHU = Rule(WENSHU_ARCHIVE_CODE)
text_segment = st.text(  # letters and digits, but none that only look like ASCII (０, ٥, Ｍ)
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Lo", "Nd"), max_codepoint=0x9FFF)
    .filter(lambda ch: lookalike_kind(ch) is None),
    min_size=1, max_size=6,
)


@given(
    year=st.integers(1000, 9999), category=text_segment.filter(lambda s: "-" not in s),
    catalogue_no=st.integers(0, 9999), case_no=st.integers(0, 9999),
)
def test_court_format_then_parse_is_identity(year: int, category: str, catalogue_no: int,
                                             case_no: int) -> None:
    values = {"year": year, "category": category, "catalogue_no": catalogue_no, "case_no": case_no}
    code = COURT.format(values)
    assert COURT.parse(code) == values
    assert COURT.format(COURT.parse(code)) == code


@given(fonds=text_segment, doc_class=text_segment, year=st.integers(1000, 9999),
       retention=text_segment, item_no=st.integers(0, 9999))
def test_wenshu_format_then_parse_is_identity(fonds: str, doc_class: str, year: int,
                                              retention: str, item_no: int) -> None:
    values = {"fonds": fonds, "doc_class": doc_class, "year": year, "retention": retention,
              "item_no": item_no}
    code = WENSHU.format(values)
    assert WENSHU.parse(code) == values


def test_seed_example_parses() -> None:
    assert COURT.parse("1997-民-0014-0025") == {
        "year": 1997, "category": "民", "catalogue_no": 14, "case_no": 25}
    folder = court_rules().parse_folder("1-1-6-2-1997-民-0014-0025")
    assert (folder.borrow_batch, folder.work_batch, folder.archive_code) == (1, "1-6-2", "1997-民-0014-0025")
    assert court_rules().folder_name("1997-民-0014-0025", 1, "1-6-2") == "1-1-6-2-1997-民-0014-0025"


@pytest.mark.parametrize(("code", "segment"), [
    ("97-民-0014-0025", "year"),
    ("1997-民-014-0025", "catalogue_no"),
    ("1997-民-0014-25a5", "case_no"),
    ("1997--0014-0025", "category"),
])
def test_error_names_the_wrong_segment(code: str, segment: str) -> None:
    with pytest.raises(NamingError) as info:
        COURT.parse(code)
    assert segment in info.value.message
    assert code in info.value.message


def test_wrong_separator_is_located() -> None:
    with pytest.raises(NamingError) as info:
        COURT.parse("1997_民-0014-0025")
    assert "“-”" in info.value.message


def test_choice_segment() -> None:
    rule = Rule("{year:4d}-{category:民|刑|行}-{no:d}")
    assert rule.parse("2001-刑-7") == {"year": 2001, "category": "刑", "no": 7}
    with pytest.raises(NamingError) as info:
        rule.parse("2001-商-7")
    assert "category" in info.value.message


def test_sort_key_is_numeric() -> None:
    rule = Rule("{fonds}-{no:d}")
    codes = ["A-10", "A-9", "A-100", "B-1"]
    assert sorted(codes, key=rule.sort_key) == ["A-9", "A-10", "A-100", "B-1"]


def test_page_files() -> None:
    rules = court_rules()
    assert rules.parse_page_file("0007.jpg") == (7, "jpg")
    assert rules.parse_page_file("0012.TIF") == (12, "tif")
    assert rules.page_file_name(3) == "0003.jpg"
    for bad in ("007.jpg", "0007.doc", "0007", "a007.jpg"):
        with pytest.raises(NamingError):
            rules.parse_page_file(bad)


def test_bad_patterns_are_refused() -> None:
    for pattern in ("no segments", "{a}{b}", "{a}-{a}", "{a:x}"):
        with pytest.raises(NamingError):
            NamingRules.build(pattern, "{archive_code}")


def test_rules_survive_pickling() -> None:
    import pickle

    rules = court_rules()
    clone = pickle.loads(pickle.dumps(rules))
    assert clone.archive_code.parse("1997-民-0014-0025") == COURT.parse("1997-民-0014-0025")


@pytest.mark.parametrize(("code", "zh", "en"), [
    ("97-民-0014-0025", "年度（year）", "year (year)"),
    ("1997-民-014-0025", "目录号（catalogue_no）", "catalogue no. (catalogue_no)"),
    ("1997-民-0014-25a5", "案卷号（case_no）", "case no. (case_no)"),
])
def test_a_segment_is_named_in_words_a_person_knows(code: str, zh: str, en: str) -> None:
    """A folder missing its batch prefix said "段 wb_borrow 应为数字": the segment's own name
    only. The catalogue's word comes first, the rule's name after it."""
    from dangan.i18n import set_language

    with pytest.raises(NamingError) as info:
        COURT.parse(code)
    assert zh in info.value.message
    set_language("en")
    try:
        with pytest.raises(NamingError) as info:
            COURT.parse(code)
    finally:
        set_language(None)
    assert en in info.value.message
    folder = court_rules().folder
    with pytest.raises(NamingError) as info:
        folder.parse("1997-民-0014-0009")  # the batch prefix left out
    assert "借卷批次号（wb_borrow）" in info.value.message


def test_a_project_s_own_segment_keeps_its_name() -> None:
    with pytest.raises(NamingError) as info:
        Rule("{box_no:d}").parse("x")
    assert "box_no" in info.value.message and "（" not in info.value.message
