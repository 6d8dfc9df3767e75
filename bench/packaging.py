"""Per-item PDF packaging against plain copying of the same JPEG bytes, on one core.

    .venv/bin/python bench/packaging.py [--pages 10000] [--per-item 10] [--service]

Synthetic pages: one A4 200 dpi JPEG (paper tone, text-like strokes, some noise) encoded once
with Pillow, then made unique per page by a COM segment carrying the page number, so no two
files are the same and nothing is decoded or re-encoded afterwards. Source files are read
once before timing so both runs see a warm page cache.

Figures printed: copy (read + write each page file), PDF (read pages + img2pdf + write one
PDF per item) and their ratio; with ``--service`` also the full ``dangan package`` service
(database rows, SHA-256, atomic writes with fsync) on a SQLite project.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import struct
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from dangan.export.pdf import PdfInfo, page_count, write_item_pdf


def base_jpeg(seed: int = 1, noise: float = 2.5) -> bytes:
    rng = np.random.default_rng(seed)
    w, h = 1654, 2339
    arr = np.full((h, w, 3), (246, 242, 232), np.uint8)
    arr = np.clip(arr.astype(np.int16) + rng.normal(0, noise, (h, w, 1)).astype(np.int16), 0, 255)
    img = Image.fromarray(arr.astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for line in range(60):
        y = 180 + line * 34
        x = 160
        while x < w - 200:
            width = int(rng.integers(14, 30))
            draw.rectangle([x, y, x + width, y + 22], fill=(35, 35, 40))
            x += width + int(rng.integers(4, 12))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80, dpi=(200, 200))
    return buf.getvalue()


def with_comment(jpeg: bytes, n: int) -> bytes:
    text = f"dangan bench page {n:06d}".encode()
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text + jpeg[2:]


def make_pages(root: Path, pages: int, noise: float) -> list[Path]:
    base = base_jpeg(noise=noise)
    paths = []
    for n in range(1, pages + 1):
        p = root / f"{n:06d}.jpg"
        p.write_bytes(with_comment(base, n))
        paths.append(p)
    return paths


def run_copy(items: list[list[Path]], dest: Path) -> float:
    t0 = time.perf_counter()
    for i, item in enumerate(items, 1):
        folder = dest / f"{i:05d}"
        folder.mkdir(parents=True)
        for p in item:
            shutil.copyfile(p, folder / p.name)
    return time.perf_counter() - t0


def run_concat(items: list[list[Path]], dest: Path, fsync: bool = False) -> float:
    """Copy each item's JPEG bytes into one file per item (same file count as the PDFs)."""
    dest.mkdir(parents=True)
    t0 = time.perf_counter()
    for i, item in enumerate(items, 1):
        with open(dest / f"{i:05d}.bin", "wb") as fh:
            for p in item:
                fh.write(p.read_bytes())
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
    return time.perf_counter() - t0


def run_pdf(items: list[list[Path]], dest: Path, dpi: int = 200) -> float:
    dest.mkdir(parents=True)
    t0 = time.perf_counter()
    for i, item in enumerate(items, 1):
        with open(dest / f"1997-民-0014-0025-{i:05d}.pdf", "wb") as fh:
            write_item_pdf(fh, [p.read_bytes() for p in item], dpi,
                           PdfInfo(title=f"第 {i} 件", author="bench", keywords="1997-民-0014-0025"))
    return time.perf_counter() - t0


def run_service(home: Path, paths: list[Path], per_item: int, per_volume: int = 100) -> float:
    """The real service: volumes of ``per_volume`` pages, items of ``per_item`` pages."""
    from sqlalchemy import insert

    from dangan.db.models import Item, Page, StoredFile, Volume
    from dangan.services.delivery.packaging import package
    from dangan.services.engine import resolve_actor
    from dangan.services.project import init_project
    from dangan.services.workers import add_worker
    from dangan.storage import Area, sha256_file

    ctx = init_project(home, "court", name="bench")
    add_worker(ctx, "打包员", ["uploader"])
    packager = resolve_actor(ctx, "打包员")
    with ctx.transaction() as s:
        for v, start in enumerate(range(0, len(paths), per_volume), 1):
            code = f"1997-民-0014-{v:04d}"
            folder = ctx.rules.folder_name(code, 1, "1-1-1")
            vol = Volume(project_id=ctx.project_id, archive_code=code, folder_name=folder,
                         page_count=min(per_volume, len(paths) - start))
            s.add(vol)
            s.flush()
            chunk = paths[start:start + per_volume]
            page_ids = s.scalars(insert(Page).returning(Page.id), [
                {"volume_id": vol.id, "page_no": n} for n in range(1, len(chunk) + 1)]).all()
            files = []
            for n, (pid, p) in enumerate(zip(page_ids, chunk, strict=True), 1):
                rel = f"{Area.RETOUCHED.value}/{folder}/{n:04d}.jpg"
                target = Path(ctx.storage.path(rel))
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(p, target)
                files.append({"project_id": ctx.project_id, "volume_id": vol.id, "page_id": pid,
                              "area": Area.RETOUCHED.key, "path": rel, "kind": "page",
                              "sha256": sha256_file(str(p)), "size": p.stat().st_size})
            s.execute(insert(StoredFile), files)
            s.execute(insert(Item), [
                {"volume_id": vol.id, "seq": i, "title": f"第 {i} 件", "page_start": a,
                 "page_end": min(a + per_item - 1, len(chunk)), "extra": {}}
                for i, a in enumerate(range(1, len(chunk) + 1, per_item), 1)])
    t0 = time.perf_counter()
    result = package(ctx, packager, "pdf")
    elapsed = time.perf_counter() - t0
    assert result.pages == len(paths) and not result.problems, result.problems
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=10_000)
    ap.add_argument("--per-item", type=int, default=10)
    ap.add_argument("--service", action="store_true", help="also time the packaging service")
    ap.add_argument("--noise", type=float, default=2.5, help="paper grain; more = bigger JPEGs")
    ap.add_argument("--tmp", type=Path, default=None,
                    help="work folder (e.g. /dev/shm to measure CPU, not the disk)")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    with tempfile.TemporaryDirectory(prefix="dangan-bench-", dir=args.tmp) as tmp:
        root = Path(tmp)
        src = root / "src"
        src.mkdir()
        t0 = time.perf_counter()
        paths = make_pages(src, args.pages, args.noise)
        total = sum(p.stat().st_size for p in paths)
        print(f"work folder: {root}")
        print(f"pages: {args.pages}, {args.per_item} per item, {total / args.pages / 1024:.0f} KiB "
              f"per page ({total / 2**30:.2f} GiB), made in {time.perf_counter() - t0:.1f} s")
        for p in paths:  # warm the page cache for both runs
            p.read_bytes()
        items = [paths[i:i + args.per_item] for i in range(0, len(paths), args.per_item)]
        t_copy = run_copy(items, root / "copy")
        shutil.rmtree(root / "copy")
        t_concat = run_concat(items, root / "concat")
        shutil.rmtree(root / "concat")
        t_pdf = run_pdf(items, root / "pdf")
        sample = sorted((root / "pdf").iterdir())[0]
        assert page_count(sample.read_bytes()) == len(items[0])
        print(f"copy JPEG bytes : {t_copy:7.2f} s  {args.pages / t_copy:8.0f} pages/s")
        print(f"copy per item   : {t_concat:7.2f} s  {args.pages / t_concat:8.0f} pages/s  "
              f"(item's JPEG bytes into one file, {len(items)} files)")
        print(f"per-item PDF    : {t_pdf:7.2f} s  {args.pages / t_pdf:8.0f} pages/s  "
              f"({len(items)} PDFs, no re-encoding)")
        print(f"PDF / copy      : {t_pdf / t_copy:7.2f} x (per page files)   "
              f"{t_pdf / t_concat:.2f} x (per item files)")
        if args.service:
            shutil.rmtree(root / "pdf")
            t_sync = run_concat(items, root / "concat-sync", fsync=True)
            shutil.rmtree(root / "concat-sync")
            print(f"copy + fsync    : {t_sync:7.2f} s  {args.pages / t_sync:8.0f} pages/s  "
                  f"(durable, one file per item)")
            t_srv = run_service(root / "proj", paths, args.per_item)
            print(f"package service : {t_srv:7.2f} s  {args.pages / t_srv:8.0f} pages/s  "
                  f"(SQLite, SHA-256, atomic writes + fsync)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
