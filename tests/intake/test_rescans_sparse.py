"""Sparse sheets of one layout rescanned are found: photo pages (a photo, a caption line, a
page number) whose marks match on the caption only, among other photo pages of the layout.

The marks of such a rescan agree on one line: too few and too close together to fix the
turn, so the fit is grown by looking for every mark at its place on the other scan, and the
alignment polished on the few inky tiles there are. Photo pages of one layout score higher
as candidates than a rescan of one of them; the pairs among them that plainly do not fit one
sheet cost little and do not use up a page's candidates. Pages from ``dangan.samples`` on
development seeds (the photo pages of a batch the search missed 4 of 24 rescans in).
"""

from __future__ import annotations

from pathlib import Path

from test_rescans import duplicates_found, write_batch

from dangan.samples import PageSpec, render_page

BASE = 70_500
PHOTOS = [4, 10, 16, 22]  # photo pages of the batch (every sixth page from the fifth)


def _scan(k: int, again: bool) -> bytes:
    # both scans show the sheet's own punched holes (left to the scan's seed, they differ)
    spec = PageSpec(kind="photo", seed=BASE + k, max_skew_deg=5.0,
                    scan_seed=BASE + (20_000 if again else 10_000) + k,
                    holes=2 + k % 2, hole_offset_mm=11.0 + k % 3, hole_spacing_mm=80.0 + 5 * (k % 2))
    return render_page(spec).encode()


def test_photo_pages_of_one_layout_rescanned_are_found(tmp_path: Path) -> None:
    first = [_scan(k, False) for k in PHOTOS]
    again = [_scan(k, True) for k in PHOTOS]
    v1, v2 = write_batch(tmp_path, [[*first, again[0], again[1]], [again[2], again[3]]])
    assert duplicates_found(tmp_path) == {
        (f"{v1}/0005.jpg", f"{v1}/0001.jpg"), (f"{v1}/0006.jpg", f"{v1}/0002.jpg"),
        (f"{v2}/0001.jpg", f"{v1}/0003.jpg"), (f"{v2}/0002.jpg", f"{v1}/0004.jpg"),
    }
