"""数据挂接: catalogue + volume records + relative file paths, for the client's archive system.

One layout in three encodings:

* ``.xlsx`` — sheet ``案卷`` (one row per volume) and sheet ``卷内`` (one row per item);
* ``.csv`` — the same two tables as ``<name>-案卷.csv`` and ``<name>-卷内.csv`` (UTF-8 with BOM);
* ``.xml`` — ``<linkdata>`` → ``<volume>`` (record fields) → ``<item>`` (fields, ``<file>``).

案卷 columns: 档号, the project's record fields, 件数(实), 页数(实), 文件夹 (one per form, ``;``
between). 卷内 columns: 档号, the project's entry fields, 页数(实), 文件路径, 文件格式, 文件大小,
SHA-256 — one row per item and form, or per file where a form has one file per page (``jpg``,
single-page ``tiff``), so every file has its own path and SHA-256. Counts and page numbers are
numbers. Paths are relative to
the delivery root (the folder holding ``pdf/``, ``jpg/`` …; ``data/files/`` in a handover bag),
always with ``/``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from openpyxl import Workbook

from dangan.domain.catalogue import CatalogueSchema
from dangan.domain.catalogue_fields import ENTRY_LABELS, RECORD_LABELS
from dangan.export.catalogue_xlsx import ENTRY_NUMBERS, RECORD_NUMBERS, number_cell
from dangan.export.workbook_save import save_workbook, text_cells

VOLUME_SHEET = "案卷"
ITEM_SHEET = "卷内"
VOLUME_EXTRA = ("件数(实)", "页数(实)", "文件夹")
ITEM_EXTRA = ("页数(实)", "文件路径", "文件格式", "文件大小", "SHA-256")


@dataclass(frozen=True)
class LinkFile:
    path: str
    kind: str
    size: int
    sha256: str


@dataclass
class LinkItem:
    seq: int
    page_start: int
    page_end: int
    fields: Mapping[str, Any]
    files: list[LinkFile] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return self.page_end - self.page_start + 1


@dataclass
class LinkVolume:
    archive_code: str
    record: Mapping[str, Any]
    folder: str
    items: list[LinkItem] = field(default_factory=list)


def _record_fields(schema: CatalogueSchema) -> list[str]:
    return [f for f in schema.record_fields if f != "archive_code"]


def _entry_fields(schema: CatalogueSchema) -> list[str]:
    return list(schema.entry_fields)


def tables(schema: CatalogueSchema, volumes: Sequence[LinkVolume]) -> tuple[list[list[Any]], list[list[Any]]]:
    """The two tables (header row first)."""
    rf, ef = _record_fields(schema), _entry_fields(schema)
    vol_rows: list[list[Any]] = [["档号", *(RECORD_LABELS[f][0] for f in rf), *VOLUME_EXTRA]]
    item_rows: list[list[Any]] = [["档号", *(ENTRY_LABELS[f][0] for f in ef), *ITEM_EXTRA]]
    for vol in volumes:
        vol_rows.append([vol.archive_code,
                         *(number_cell(vol.record.get(f), f in RECORD_NUMBERS) for f in rf),
                         len(vol.items), sum(i.pages for i in vol.items), vol.folder])
        for item in vol.items:
            values = {**item.fields, "seq": item.seq, "page_start": item.page_start,
                      "page_end": item.page_end}
            cells = [number_cell(values.get(f), f in ENTRY_NUMBERS) for f in ef]
            by_kind: dict[str, list[LinkFile]] = {}
            for lf in item.files:
                by_kind.setdefault(lf.kind, []).append(lf)
            files = [lf for group in by_kind.values() for lf in group] or [LinkFile("", "", 0, "")]
            for lf in files:  # a row per form, per file where a form has one file per page
                item_rows.append([vol.archive_code, *cells, item.pages,
                                  lf.path, lf.kind, lf.size, lf.sha256])
    return vol_rows, item_rows


def to_xlsx(schema: CatalogueSchema, volumes: Sequence[LinkVolume]) -> bytes:
    vol_rows, item_rows = tables(schema, volumes)
    wb = Workbook(write_only=True)
    for title, rows in ((VOLUME_SHEET, vol_rows), (ITEM_SHEET, item_rows)):
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(text_cells(ws, row))
    buf = io.BytesIO()
    save_workbook(wb, buf)
    return buf.getvalue()


def to_csv(schema: CatalogueSchema, volumes: Sequence[LinkVolume]) -> dict[str, bytes]:
    """``{"案卷": bytes, "卷内": bytes}``."""
    out = {}
    for title, rows in zip((VOLUME_SHEET, ITEM_SHEET), tables(schema, volumes), strict=True):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerows(rows)
        out[title] = ("\ufeff" + buf.getvalue()).encode("utf-8")
    return out


def to_xml(schema: CatalogueSchema, volumes: Sequence[LinkVolume], project: str = "") -> bytes:
    root = etree.Element("linkdata", project=project, version="1")
    for vol in volumes:
        v = etree.SubElement(root, "volume", archive_code=vol.archive_code, folder=vol.folder,
                             items=str(len(vol.items)), pages=str(sum(i.pages for i in vol.items)))
        rec = etree.SubElement(v, "record")
        for f in _record_fields(schema):
            el = etree.SubElement(rec, "field", name=f, label=RECORD_LABELS[f][0])
            el.text = str(vol.record.get(f, "") or "")
        for item in vol.items:
            it = etree.SubElement(v, "item", seq=str(item.seq), page_start=str(item.page_start),
                                  page_end=str(item.page_end), pages=str(item.pages))
            for f in _entry_fields(schema):
                if f in ("seq", "page_start", "page_end"):
                    continue
                el = etree.SubElement(it, "field", name=f, label=ENTRY_LABELS[f][0])
                el.text = str(item.fields.get(f, "") or "")
            for lf in item.files:
                etree.SubElement(it, "file", path=lf.path, format=lf.kind, size=str(lf.size),
                                 sha256=lf.sha256)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
