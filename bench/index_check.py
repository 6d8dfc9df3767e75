"""``dangan index check`` on a 10,000-volume project (SQLite), as a user would run it.

    .venv/bin/python bench/index_check.py [--volumes 10000] [--pages 40] [--items 10]

Builds a court project with N volumes of ``--pages`` pages (Page rows), each with a volume
record and ``--items`` catalogue entries covering its pages, and a handful of deliberate
errors; then times ``check_index`` over the whole project (loading + validation).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from dangan.db.models import Item, Page, Volume, VolumeRecord
from dangan.services.indexing import check_index
from dangan.services.project import init_project


def build(home: Path, volumes: int, pages: int, items: int) -> object:
    ctx = init_project(home, "court", name="bench")
    per_item = pages // items
    with ctx.transaction() as s:
        vol_rows = [{"project_id": ctx.project_id, "archive_code": f"{1990 + v % 20}-民-0014-{v:04d}"
                     if v < 10000 else f"{1990 + v % 20}-刑-{v // 10000:04d}-{v % 10000:04d}",
                     "page_count": pages, "title": f"案卷 {v}", "extra": {}}
                    for v in range(volumes)]
        ids = s.scalars(insert(Volume).returning(Volume.id), vol_rows).all()
        for start in range(0, len(ids), 1000):
            chunk = ids[start:start + 1000]
            s.execute(insert(Page), [{"volume_id": vid, "page_no": n, "metrics": {}}
                                     for vid in chunk for n in range(1, pages + 1)])
            item_rows = []
            for vid in chunk:
                for i in range(items):
                    a = i * per_item + 1
                    b = pages if i == items - 1 else a + per_item - 1
                    item_rows.append({"volume_id": vid, "seq": i + 1, "title": f"文件 {i + 1}",
                                      "date": "19970305", "page_start": a, "page_end": b,
                                      "extra": {}})
            s.execute(insert(Item), item_rows)
            s.execute(insert(VolumeRecord), [
                {"volume_id": vid, "fields": {"title": f"案卷 {vid}", "item_count": str(items),
                                              "page_count": str(pages), "start_date": "1997"}}
                for vid in chunk])
        # a few errors so the report path is exercised
        s.execute(insert(Item), [{"volume_id": ids[0], "seq": items + 1, "title": "",
                                  "date": "19971340", "page_start": pages + 1,
                                  "page_end": pages + 3, "extra": {}}])
    return ctx


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--volumes", type=int, default=10_000)
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--items", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="dangan-bench-") as tmp:
        t0 = time.perf_counter()
        ctx = build(Path(tmp) / "proj", args.volumes, args.pages, args.items)
        print(f"project: {args.volumes} volumes, {args.volumes * args.pages} pages, "
              f"{args.volumes * args.items} catalogue entries (built in {time.perf_counter() - t0:.1f} s)")
        t0 = time.perf_counter()
        defects = check_index(ctx)
        elapsed = time.perf_counter() - t0
        print(f"index check     : {elapsed:6.2f} s  ({args.volumes / elapsed:,.0f} volumes/s), "
              f"{len(defects)} defects found")


if __name__ == "__main__":
    main()
