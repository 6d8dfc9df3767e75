"""Project fixtures for indexing/packaging/handover tests: volumes with retouched page JPEGs.

The pages are real JPEGs made here with Pillow (A4 at the project's 200 dpi, white paper with
a few dark strokes and the page number), written into 已修图 with the Page and StoredFile rows
retouch would have recorded.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from dangan.db.models import Page, StoredFile, Volume
from dangan.storage import Area, sha256_bytes

A4_200DPI = (1654, 2339)


def page_jpeg(page_no: int, size: tuple[int, int] = A4_200DPI, seed: int = 0) -> bytes:
    img = Image.new("RGB", size, (250, 248, 240))
    draw = ImageDraw.Draw(img)
    for i in range(6):
        y = 200 + i * 180 + (page_no * 7 + seed) % 50
        draw.rectangle([150, y, 150 + 900 + (page_no * 37 + i * 11) % 400, y + 24], fill=(30, 30, 30))
    draw.text((size[0] // 2, size[1] - 120), f"- {page_no} -", fill=(0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80, dpi=(200, 200))
    return buf.getvalue()


def add_volume(ctx: Any, code: str, pages: int, *, borrow: int = 1, work: str = "1-1-1",
               size: tuple[int, int] = A4_200DPI) -> int:
    """Register a volume with ``pages`` retouched JPEGs; returns the volume id."""
    folder = ctx.rules.folder_name(code, borrow, work)
    with ctx.transaction() as session:
        vol = Volume(project_id=ctx.project_id, archive_code=code, folder_name=folder,
                     page_count=pages, expected_pages=pages, stage="index")
        session.add(vol)
        session.flush()
        for n in range(1, pages + 1):
            data = page_jpeg(n, size, seed=vol.id)
            rel = f"{Area.RETOUCHED.value}/{folder}/{n:04d}.jpg"
            ctx.storage.write_bytes(rel, data)
            page = Page(volume_id=vol.id, page_no=n, width=size[0], height=size[1], dpi=200,
                        colour_mode="colour", format="jpg", metrics={"device": "Fujitsu fi-7160"})
            session.add(page)
            session.flush()
            session.add(StoredFile(project_id=ctx.project_id, volume_id=vol.id, page_id=page.id,
                                   area=Area.RETOUCHED.key, path=rel, kind="page",
                                   sha256=sha256_bytes(data), size=len(data)))
        return vol.id


def write_catalogue(path: Path, records: Sequence[Sequence[Any]],
                    entries: Sequence[Sequence[Any]],
                    record_headers: Sequence[str] = ("档号", "案卷题名", "起止日期", "保管期限", "件数", "页数"),
                    entry_headers: Sequence[str] = ("档号", "顺序号", "文号", "责任者", "题名", "日期", "页号", "备注"),
                    ) -> Path:
    """A catalogue workbook as typists make it: a title line, then the header, then rows."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "卷宗信息"
    ws.append(list(record_headers))
    for r in records:
        ws.append(list(r))
    ws2 = wb.create_sheet("卷内目录")
    ws2.append(["卷内目录"])
    ws2.append(list(entry_headers))
    for e in entries:
        ws2.append(list(e))
    wb.save(path)
    return path
