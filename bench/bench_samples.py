"""Print render+degrade and encode time per page of dangan.samples at 200/300/600 dpi."""

from __future__ import annotations

import sys
import time

from dangan.samples import PageSpec, render_page

KINDS = ("text", "seal", "table", "cover", "photo", "sparse", "blank")


def main(dpis: tuple[int, ...] = (200, 300)) -> None:
    render_page(PageSpec(kind="text"))  # load fonts once
    for dpi in dpis:
        render_s, encode_s = [], []
        for i, kind in enumerate(KINDS * 3):
            t0 = time.perf_counter()
            page = render_page(PageSpec(kind=kind, dpi=dpi, seed=i))
            t1 = time.perf_counter()
            page.encode()
            encode_s.append(time.perf_counter() - t1)
            render_s.append(t1 - t0)
        n = len(render_s)
        print(f"{dpi} dpi: render+degrade {sum(render_s) / n * 1000:.0f} ms/page "
              f"(max {max(render_s) * 1000:.0f}), JPEG encode {sum(encode_s) / n * 1000:.0f} ms/page")


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or (200, 300))
