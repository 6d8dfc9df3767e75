"""The catalogue validator reads full-width digits with the imports' one rule (half_width):
a date is converted whole, never left half full-width; numbers and page numbers are read."""

from __future__ import annotations

from dangan.domain.catalogue import CatalogueSchema, RawEntry, normalise_date, validate_catalogue
from dangan.io import sheets


def test_a_full_width_date_is_converted_whole() -> None:
    assert normalise_date("１９９７０４０１") == "19970401"
    assert normalise_date("１９９７年４月") == "199704"
    assert normalise_date("１９９７．１３．０１") is None


def test_full_width_numbers_and_pages_are_read_as_ascii() -> None:
    schema = CatalogueSchema(record_fields=("title", "item_count", "page_count", "start_date"),
                             entry_fields=("seq", "title", "date", "pages"))
    record = RawEntry({"title": "卷", "item_count": "２", "page_count": "４",
                       "start_date": "１９９７０４０１"}, 1)
    rows = (RawEntry({"seq": "１", "title": "起诉状", "date": "１９９７０４０１", "pages": "１－２"}, 2),
            RawEntry({"seq": "２", "title": "答辩状", "date": "１９９７年４月１０日", "pages": "３"}, 3))
    cat = validate_catalogue("1997-民-0014-0025", record, rows, schema, image_count=4)
    assert [d.code for d in cat.defects] == []
    assert cat.record == {"title": "卷", "item_count": "2", "page_count": "4",
                                 "start_date": "19970401"}
    assert [(e.seq, e.page_start, e.page_end, e.fields["date"]) for e in cat.entries] == [
        (1, 1, 2, "19970401"), (2, 3, 4, "19970410")]


def test_the_sheets_reader_and_the_validator_share_one_rule() -> None:
    from dangan.domain import catalogue
    assert sheets.half_width is catalogue.half_width
