"""A second page generator, independent of ``dangan.samples``, for tests and benchmarks.

Archive page scans with ground truth: Chinese text in Song, Kai, Hei and a Fangsong-like
face; horizontal and vertical (竖排) script; handwriting-like strokes, seals and signatures;
carbon copies and thin paper (the mirrored back page showing through); ruled tables and
filled forms; bar charts with hole-sized legend squares; photographs; landscape sheets;
page numbers stamped in the corner and seals across the sheet's edge (骑缝章); white, grey
and black scanner beds; uneven light; curled edges; blur, noise and JPEG loss; skew (±5°), offset, scale, quarter turns
and punched binding holes (2 or 3 holes, ~6 mm, 80 mm apart, in the binding margin).

Everything is a function of the seed::

    page = make_page(seed)               # .image (RGB), .data (JPEG), .truth, .sheet
    page = make_page(seed, kind="vertical", turn=180, bed="black", holes=2,
                     scan={"light": "flat", "curl_edge": None})  # fix what a test needs
    again = make_rescan(page, seed2)     # same sheet, another skew/offset/scale/bed/exposure
    a, b = make_form_pair(seed)          # one printed form filled in twice (not duplicates)
    write_set("/tmp/pages", range(10))   # JPEGs + truth.json

Seed ranges (keep them apart, or the figures measure the tuning):

* ``0 – 99_999``: development and tuning of the engine.
* ``800_000 – 899_999``: the held-out accuracy tests (``tests/imaging/test_accuracy_unseen.py``).
* ``900_000 – 999_999``: the held-out benchmark (``bench/accuracy.py``).
"""

from dangan.pagegen.generate import GeneratedPage, make_form_pair, make_page, make_rescan
from dangan.pagegen.layouts import KIND_WEIGHTS, KINDS
from dangan.pagegen.sets import write_set
from dangan.pagegen.truth import HoleTruth, LineTruth, PageTruth

DEV_SEEDS = range(0, 100_000)
TEST_SEEDS = range(800_000, 900_000)
BENCH_SEEDS = range(900_000, 1_000_000)

__all__ = [
    "BENCH_SEEDS", "DEV_SEEDS", "KINDS", "KIND_WEIGHTS", "TEST_SEEDS", "GeneratedPage",
    "HoleTruth", "LineTruth", "PageTruth", "make_form_pair", "make_page", "make_rescan",
    "write_set",
]
