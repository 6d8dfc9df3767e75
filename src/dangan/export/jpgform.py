"""JPG delivery: one JPEG per page, named from the archive code plus a zero-padded page
serial (DA/T 31), with a page index that tells which item each page belongs to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dangan.export.csv_text import csv_for_people

INDEX_HEADERS = ("档号", "图像序号", "页号", "件号", "题名", "文件名", "SHA-256")


@dataclass(frozen=True)
class IndexedPage:
    archive_code: str
    image_no: int
    page_no: str  # the paper page number, "" for unnumbered pages
    item_seq: str  # "" for pages outside any item (cover, 卷内目录, 备考表)
    title: str
    file_name: str
    sha256: str


def page_file_name(archive_code: str, image_no: int, ext: str = "jpg") -> str:
    return f"{archive_code}-{image_no:04d}.{ext}"


def page_index_csv(pages: Sequence[IndexedPage]) -> bytes:
    """UTF-8 with BOM so Excel opens the Chinese headers correctly; a title is text, never
    a formula (``csv_for_people``)."""
    return csv_for_people(INDEX_HEADERS, ([p.archive_code, p.image_no, p.page_no, p.item_seq,
                                           p.title, p.file_name, p.sha256] for p in pages))
