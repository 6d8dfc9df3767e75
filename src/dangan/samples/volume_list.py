"""The client's volume list (案卷目录) as the archive room hands it over, in .xlsx."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook

from dangan.samples.truth import SetTruth, VolumeTruth

HEADERS = ("档号", "题名", "年度", "存放位置", "页数")


def write_volume_list(path: Path, volumes: Iterable[VolumeTruth] | SetTruth) -> Path:
    """One row per volume; 页数 is the register's sheet count, not the image count."""
    items = volumes.volumes if isinstance(volumes, SetTruth) else list(volumes)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "案卷目录"
    ws.append(list(HEADERS))
    for v in items:
        ws.append([v.archive_code, v.title, v.year, v.location, v.page_count])
    for col, width in zip("ABCDE", (22, 36, 8, 22, 8), strict=True):
        ws.column_dimensions[col].width = width
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
