"""What a catalogue file leaves empty is no change: rows not filled in, blank cells.

``dangan index template`` lists every volume of the project, each with its 档号 and what is
known of it (案卷题名 from the volume list, 页数 scanned). An indexer fills in some of them
and imports the file; the rows left as the template wrote them are no catalogue at all:

- A 卷宗信息 row holding nothing but its 档号 and the template's own values (the volume's
  title, its page count), with no 卷内目录 row for the volume, is *unfilled*: it is skipped
  and named (``index.unfilled_skipped``) — not imported, not a correction, whatever the
  volume's stage. (A 卷内目录 row with nothing but 档号 and 顺序号 is skipped when the file
  is read, ``io.catalogue``: a volume whose rows are all empty keeps its recorded items.)
- Over a recorded volume record, a blank cell (or a column the file does not have) keeps
  the recorded value, as ``volumes import --update`` keeps a column the list lacks: a file
  never empties a recorded field. So does a blank cell of a 卷内目录 row that is the same
  item as a recorded one (same 顺序号, same first page): its recorded 文号, 责任者, 题名… stay.
  A volume's 卷内目录 given in a file still replaces its recorded items as a whole (the pages
  must be covered one-to-one); only the blank cells of the same items are kept. The 著录台
  shows the whole record and grid and saves what the form holds, so a field cleared there
  is cleared (``blank_keeps=False``).
"""

from __future__ import annotations

from collections.abc import Mapping

from dangan.db.models import Volume
from dangan.domain.catalogue import RawEntry, half_width
from dangan.io.catalogue import CatalogueInput

DATE_PARTS = ("start_date", "end_date")
PAGE_FIELDS = frozenset({"seq", "pages", "page_start", "page_end", "page_count"})


def _template_values(vol: Volume, images: int | None) -> dict[str, str]:
    out = {"title": (vol.title or "").strip()}
    if images is not None:
        out["page_count"] = str(images)
    return out


def drop_unfilled(data: CatalogueInput, volumes: Mapping[str, Volume],
                  counts: Mapping[int, int]) -> list[str]:
    """Remove from ``data`` the record rows of registered volumes left as the template wrote
    them (and with no 卷内目录 row); returns their archive codes, in file order."""
    skipped: list[str] = []
    for code, raw in list(data.records.items()):
        vol = volumes.get(code)
        if vol is None or data.entries.get(code):
            continue  # an unknown 档号 is reported by the validation; items are a filling
        given = _template_values(vol, counts.get(vol.id))
        if all(not str(v).strip() or str(v).strip() == given.get(k)
               for k, v in raw.values.items() if k != "archive_code"):
            del data.records[code]
            data.record_source.pop(code, None)
            skipped.append(code)
    return skipped


def keep_recorded(data: CatalogueInput, volumes: Mapping[str, Volume],
                  records: Mapping[int, Mapping[str, object]]) -> list[str]:
    """Fill each blank cell of a record row with the volume's recorded value (a recorded
    start/end date stays only when the row gives no 起止日期 either). Returns the archive codes
    whose row had a blank cell over a recorded value."""
    kept: list[str] = []
    for code, raw in list(data.records.items()):
        vol = volumes.get(code)
        stored = records.get(vol.id) if vol is not None else None
        if not stored:
            continue
        values = dict(raw.values)
        ranged = bool(str(values.get("date_range", "")).strip())
        filled = False
        for name, value in stored.items():
            text = "" if value is None else str(value)
            if not text or str(values.get(name, "")).strip():
                continue
            if ranged and name in DATE_PARTS:
                continue  # the row's 起止日期 gives both ends
            values[name] = text
            filled = True
        if filled:
            data.records[code] = RawEntry(values, raw.row)
            kept.append(code)
    return kept


def _first_page(values: Mapping[str, str]) -> str:
    text = half_width(str(values.get("page_start", "") or "")).strip()
    if not text:
        pages = half_width(str(values.get("pages", "") or "")).strip()
        text = pages.replace("～", "-").replace("~", "-").replace("—", "-").partition("-")[0]
    return text.strip()


def keep_recorded_items(data: CatalogueInput, volumes: Mapping[str, Volume],
                        entries: Mapping[int, list[dict[str, str]]]) -> list[str]:
    """Fill each blank cell of a 卷内目录 row with the value of the recorded item it is (the
    same 顺序号 — its place when none is typed — and the same first page). Returns the
    archive codes whose rows had a blank cell over a recorded value."""
    kept: list[str] = []
    for code, rows in list(data.entries.items()):
        vol = volumes.get(code)
        stored = entries.get(vol.id) if vol is not None else None
        if not stored:
            continue
        recorded = {(e.get("seq", ""), e.get("page_start", "")): e for e in stored}
        new_rows: list[RawEntry] = []
        filled = False
        for index, raw in enumerate(rows, start=1):
            values = dict(raw.values)
            seq = half_width(str(values.get("seq", "") or "")).strip() or str(index)
            old = recorded.get((seq, _first_page(values)))
            for name, text in (old or {}).items():
                if name in PAGE_FIELDS or not text or str(values.get(name, "") or "").strip():
                    continue
                values[name] = text
                filled = True
            new_rows.append(RawEntry(values, raw.row))
        if filled:
            data.entries[code] = new_rows
            kept.append(code)
    return kept
