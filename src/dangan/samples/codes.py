"""Plausible court archive codes and scan-folder names.

Court practice: ``<year>-<category>-<4-digit catalogue no.>-<4-digit case no.>``, e.g.
``1997-民-0014-0025``; the scan folder is ``<borrow batch>-<work batch>-<archive code>``, e.g.
``1-1-6-2-1997-民-0014-0025``. Real projects configure their own structure; this module only
has to produce names a court project would accept.
"""

from __future__ import annotations

import numpy as np

COURT_CATEGORIES = ("民", "刑", "行", "执")


def make_archive_code(
    rng: np.random.Generator,
    year: int | None = None,
    category: str | None = None,
    catalogue_no: int | None = None,
    case_no: int | None = None,
) -> str:
    year = year if year is not None else int(rng.integers(1985, 2016))
    if category is None:
        category = COURT_CATEGORIES[int(rng.choice(4, p=[0.6, 0.2, 0.1, 0.1]))]
    catalogue_no = catalogue_no if catalogue_no is not None else int(rng.integers(1, 60))
    case_no = case_no if case_no is not None else int(rng.integers(1, 400))
    return f"{year}-{category}-{catalogue_no:04d}-{case_no:04d}"


def make_archive_codes(count: int, seed: int) -> list[str]:
    """``count`` distinct codes as a borrow batch brings them: one catalogue, rising case numbers."""
    rng = np.random.default_rng(seed)
    year = int(rng.integers(1985, 2016))
    category = COURT_CATEGORIES[int(rng.integers(len(COURT_CATEGORIES)))]
    catalogue_no = int(rng.integers(1, 60))
    case_no = int(rng.integers(1, 200))
    codes = []
    for _ in range(count):
        codes.append(make_archive_code(rng, year, category, catalogue_no, case_no))
        case_no += int(rng.integers(1, 3))
    return codes


def folder_name(borrow_batch: str | int, work_batch: str, archive_code: str) -> str:
    return f"{borrow_batch}-{work_batch}-{archive_code}"


def year_of(archive_code: str, default: int = 1997) -> int:
    head = archive_code.split("-", 1)[0]
    return int(head) if head.isdigit() and len(head) == 4 else default


def shelf_location(rng: np.random.Generator) -> str:
    """存放位置 as archive rooms write it: room, row, section, shelf."""
    return (
        f"{int(rng.integers(1, 4))}号库房{int(rng.integers(1, 20))}列"
        f"{int(rng.integers(1, 8))}节{int(rng.integers(1, 6))}层"
    )
