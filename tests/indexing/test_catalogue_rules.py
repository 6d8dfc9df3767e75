"""Catalogue validation: one located message per error, dates, ranges, unnumbered pages."""

from __future__ import annotations

import pytest

from dangan.config import CatalogueConfig
from dangan.domain.catalogue import (
    CatalogueSchema,
    RawEntry,
    item_images,
    normalise_date,
    split_date_range,
    validate_catalogue,
)
from dangan.errors import ConfigError

COURT = CatalogueConfig(
    record_fields=["title", "start_date", "end_date", "retention", "item_count", "page_count",
                   "archive_code"],
    entry_fields=["seq", "doc_no", "author", "title", "date", "page_start", "page_end", "remarks"],
    required_record_fields=["title"],
    required_entry_fields=["title"],
)


def schema(**kw: object) -> CatalogueSchema:
    return CatalogueSchema.from_config(COURT.model_copy(update=kw))


def row(n: int, seq: int, title: str, pages: str, date: str = "19970305") -> RawEntry:
    return RawEntry({"seq": str(seq), "title": title, "pages": pages, "date": date}, n)


@pytest.mark.parametrize(("text", "expected"), [
    ("19970305", "19970305"), ("1997-3-5", "19970305"), ("1997.03", "199703"),
    ("1997年3月5日", "19970305"), ("1997", "1997"), ("19970230", None), ("199713", None),
    ("97-3-5", None), ("二〇〇一", None), ("2000-02-29", "20000229"), ("1900-02-29", None),
])
def test_dates_full_and_partial(text: str, expected: str | None) -> None:
    assert normalise_date(text) == expected


def test_date_range_split() -> None:
    assert split_date_range("19970101-19971231") == ("19970101", "19971231")
    assert split_date_range("1997-01-01-1997-12-31") == ("1997-01-01", "1997-12-31")
    assert split_date_range("1997年至1998年") == ("1997年", "1998年")


def test_clean_catalogue_derives_last_pages() -> None:
    rows = [row(3, 1, "起诉状", "1"), row(4, 2, "答辩状", "4"), row(5, 3, "判决书", "7")]
    record = RawEntry({"title": "张三诉李四", "item_count": "3", "page_count": "10"}, 2)
    cat = validate_catalogue("1997-民-0014-0025", record, rows, schema(), 10, "a.xlsx")
    assert cat.defects == []
    assert [(e.page_start, e.page_end) for e in cat.entries] == [(1, 3), (4, 6), (7, 10)]


def test_each_kind_of_error_gives_one_located_message() -> None:
    rows = [
        row(3, 1, "起诉状", "1-3"),
        row(4, 2, "答辩状", "6-7"),            # gap 4-5
        row(5, 3, "", "8-9"),                 # missing title
        row(6, 4, "证据", "9-10", "19970230"),  # overlap at 9, bad date
        row(7, 5, "判决书", "11-13"),          # beyond last page 12
    ]
    record = RawEntry({"title": "案卷", "item_count": "5", "page_count": "20"}, 2)
    cat = validate_catalogue("1997-民-0014-0025", record, rows, schema(), 12, "cat.xlsx")
    got = sorted((d.code, d.params["where"]) for d in cat.defects)
    where = "cat.xlsx 第 {} 行（档号 1997-民-0014-0025）".format
    assert got == sorted([
        ("catalogue_gap", where(4)),
        ("catalogue_missing_field", where(5)),
        ("catalogue_overlap", where(6)),
        ("catalogue_bad_date", where(6)),
        ("catalogue_beyond_last_page", where(7)),
        ("catalogue_page_count", where(2)),
    ])
    messages = {d.code: d.message for d in cat.defects}
    assert "第 4–5 页不属于任何一件" in messages["catalogue_gap"]
    assert "页数填写为 20，实际为 12 页" in messages["catalogue_page_count"]
    assert "19970230" in messages["catalogue_bad_date"]


def test_order_seq_and_counts() -> None:
    rows = [row(2, 1, "a", "1"), row(3, 3, "b", "5"), row(4, 2, "c", "3")]
    record = RawEntry({"title": "x", "item_count": "2"}, 1)
    cat = validate_catalogue("C", record, rows, schema(), 6, "f")
    codes = sorted(d.code for d in cat.defects)
    assert codes == ["catalogue_bad_seq", "catalogue_item_count", "catalogue_order", "catalogue_order"]


def test_trailing_gap_and_bad_page_text() -> None:
    rows = [row(2, 1, "a", "1-2"), row(3, 2, "b", "三")]
    cat = validate_catalogue("C", None, rows, schema(), 5, "f")
    # the pages 3-5 are the bad row's: its page number is the one error, no gap besides
    assert sorted(d.code for d in cat.defects) == ["catalogue_bad_page"]


def test_unnumbered_pages_are_outside_items() -> None:
    s = schema(unnumbered_pages=["封面", "卷内目录", "备考表"])
    rows = [row(2, 1, "a", "1"), row(3, 2, "b", "3")]
    cat = validate_catalogue("C", RawEntry({"title": "t", "page_count": "4"}, 1), rows, s, 7, "f")
    assert cat.defects == []
    assert [list(item_images(e, s)) for e in cat.entries] == [[3, 4], [5, 6]]


def test_unknown_unnumbered_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        schema(unnumbered_pages=["扉页"])


def test_check_without_row_numbers_locates_by_item() -> None:
    rows = [RawEntry({"seq": "1", "title": "a", "page_start": "1", "page_end": "2"}),
            RawEntry({"seq": "2", "title": "", "page_start": "3", "page_end": "3"})]
    cat = validate_catalogue("C", None, rows, schema(), 3)
    assert [d.params["where"] for d in cat.defects] == ["档号 C 第 2 件"]
