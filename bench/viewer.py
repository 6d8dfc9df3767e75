"""Page viewer figures: a volume of 200-dpi colour A4 pages recorded as ingest records them,
served through the application (TestClient, SQLite, in process).

Printed: the viewer page with its thumbnail strip (HTML) and the first screen of thumbnails
made cold; a cached preview served (median, p95); the first preview of a page made (median,
p95); the server's RSS before and after paging through N previews. Timings are wall clock
and, beside them, the CPU time of the process per request (server and client in one process:
what a loaded machine cannot inflate as much), with the load average at the start and end.

    .venv/bin/python bench/viewer.py [--pages 300] [--paging 1000] [--home /tmp/viewer-bench]
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def _page(rng: np.random.Generator, size: tuple[int, int]) -> bytes:
    w, h = size
    base = np.full((h, w, 3), (236, 230, 214), np.uint8)
    for _ in range(40):  # lines of "text"
        y = int(rng.integers(150, h - 150))
        x = int(rng.integers(150, 400))
        base[y:y + 18, x:w - int(rng.integers(150, 500))] = (40, 40, 48)
    noise = rng.integers(0, 12, (h, w, 1), dtype=np.uint8)
    img = Image.fromarray(base - noise)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85, dpi=(200, 200))
    return out.getvalue()


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ms(values: list[float], cpu: list[float] | None = None) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    out = f"median {statistics.median(values) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"
    if cpu:
        out += f" (CPU median {statistics.median(cpu) * 1000:.1f} ms)"
    return out


def _load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--paging", type=int, default=1000)
    ap.add_argument("--home", default="/tmp/viewer-bench")
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from dangan.services.project import init_project
    from dangan.web.app import create_app
    from dangan.web.settings import WebSettings
    from web import conftest  # noqa: F401  (cheap Argon2 parameters for the accounts)
    from web.images import add_image_accounts, add_pages
    from web.support import build_line, login

    print(f"start: {_load()}")
    home = Path(args.home)
    shutil.rmtree(home, ignore_errors=True)
    ctx = init_project(home / "proj", "court", name="viewer bench")
    line = build_line(ctx, volumes=2)
    add_image_accounts(ctx)
    rng = np.random.default_rng(7)
    size = (1654, 2339)  # A4 at 200 dpi
    distinct = [_page(rng, size) for _ in range(8)]
    raw = {n: distinct[n % len(distinct)][:-2] + bytes([n % 251, n // 251]) + b"\xff\xd9"
           for n in range(1, args.pages + 1)}  # distinct bytes: distinct SHA-256 and cache entries
    t0 = time.perf_counter()
    pages = add_pages(ctx, line.volume_codes(line.batches[0])[0], args.pages, size, raw)
    print(f"{args.pages} pages {size[0]}x{size[1]} colour JPEG "
          f"(~{len(distinct[0]) // 1024} KiB each) recorded in {time.perf_counter() - t0:.1f} s")

    app = create_app(WebSettings(project=ctx.home))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        login(client, "indexer")
        t0 = time.perf_counter()
        html = client.get(f"/viewer/{pages.volume_id}").text
        strip_html = time.perf_counter() - t0
        assert html.count("thumb.jpg") == args.pages
        t1 = time.perf_counter()
        for n in range(1, 16):  # the first screen of the strip, made cold
            client.get(f"/pages/{pages.volume_id}/{n}/thumb.jpg")
        first_screen = time.perf_counter() - t1
        print(f"viewer page with a {args.pages}-thumbnail strip: {strip_html * 1000:.0f} ms; "
              f"first 15 thumbnails made cold: {first_screen * 1000:.0f} ms "
              f"(first paint ≈ {(strip_html + first_screen) * 1000:.0f} ms)")

        made: list[float] = []
        made_cpu: list[float] = []
        for n in range(1, min(args.pages, 60) + 1):
            t, c = time.perf_counter(), time.process_time()
            client.get(f"/pages/{pages.volume_id}/{n}/preview.jpg")
            made.append(time.perf_counter() - t)
            made_cpu.append(time.process_time() - c)
        print(f"first preview of a page (made): {_ms(made, made_cpu)} over {len(made)}")

        cached: list[float] = []
        cached_cpu: list[float] = []
        for n in range(1, min(args.pages, 60) + 1):
            t, c = time.perf_counter(), time.process_time()
            client.get(f"/pages/{pages.volume_id}/{n}/preview.jpg")
            cached.append(time.perf_counter() - t)
            cached_cpu.append(time.process_time() - c)
        print(f"cached preview served: {_ms(cached, cached_cpu)} over {len(cached)}")

        before = _rss_mb()
        for i in range(args.paging):
            n = i % args.pages + 1
            client.get(f"/pages/{pages.volume_id}/{n}/preview.jpg")
            if i == args.paging // 10:
                warm = _rss_mb()
        print(f"RSS paging through {args.paging} previews: {before:.0f} MB before, "
              f"{warm:.0f} MB after {args.paging // 10}, {_rss_mb():.0f} MB at the end")
    print(f"end: {_load()}")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
