"""The indexer's work for the demo: a catalogue workbook typed from the scanned volumes.

It starts from the project's own template (``dangan index template``), so the demo imports
exactly the layout a real indexer fills in: one 卷宗信息 row per volume and 卷内目录 rows whose
page ranges cover the volume's images one-to-one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from openpyxl import load_workbook

from dangan.samples import SetTruth
from dangan.services.indexing import write_template
from dangan.services.project import ProjectContext

DOC_TITLES = (
    "起诉状", "受理案件通知书", "应诉通知书", "答辩状", "证据材料", "开庭传票",
    "庭审笔录", "合议庭评议笔录", "民事判决书", "送达回证", "结案报告",
)


def write_demo_catalogue(ctx: ProjectContext, truth: SetTruth, scan_root: Path, dest: Path,
                         seed: int) -> Path:
    """Fill the template for every volume of ``truth`` from its images under ``scan_root``."""
    rng = np.random.default_rng(seed)
    write_template(ctx, dest)
    wb = load_workbook(dest)
    records, entries = wb.worksheets[0], wb.worksheets[1]
    entries.delete_rows(2, entries.max_row)
    by_code = {v.archive_code: v for v in truth.volumes}
    for row in records.iter_rows(min_row=2):
        code = row[0].value
        volume = by_code.get(str(code))
        if volume is None:
            continue
        folder = scan_root / volume.folder
        pages = len([p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".tif", ".png")])
        ranges = _split(pages, rng)
        year = volume.year
        values: list[str | int] = ["某市中级人民法院", "民事", volume.title, f"{year}0301", f"{year}1220", "永久",
                  len(ranges), pages, "公开"]
        for cell, value in zip(row[1:], values, strict=False):
            cell.value = value
        for seq, (first, last) in enumerate(ranges, start=1):
            title = DOC_TITLES[min(seq - 1, len(DOC_TITLES) - 1)]
            entries.append([code, seq, f"（{year}）民初字第{100 + seq}号", "某市中级人民法院", title,
                            f"{year}{3 + seq % 9:02d}{10 + seq:02d}", first, last, ""])
    wb.save(dest)
    return dest


def _split(pages: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """Page ranges of 1–4 pages covering 1..pages with no gap or overlap."""
    out: list[tuple[int, int]] = []
    first = 1
    while first <= pages:
        last = min(pages, first + int(rng.integers(0, 4)))
        out.append((first, last))
        first = last + 1
    return out
