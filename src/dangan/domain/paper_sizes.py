"""The one table of paper sizes (portrait, millimetres) every part of dangan uses.

Scan checks (``scan.page_size``), retouch output (``retouch.page_size``, ``--page-size``) and
the settings validation all look sizes up here, so a size that loads is a size that works.
"""

from __future__ import annotations

PAPER_SIZES_MM: dict[str, tuple[float, float]] = {
    "A3": (297.0, 420.0),
    "A4": (210.0, 297.0),
    "A5": (148.0, 210.0),
    "B4": (250.0, 353.0),
    "B5": (176.0, 250.0),
    "16K": (195.0, 270.0),  # 16开, common in Chinese archives
    "LETTER": (215.9, 279.4),
}


def normalise_paper_size(name: str) -> str | None:
    """The table's name for ``name`` (case and spaces ignored), or None when unknown."""
    key = name.strip().upper()
    return key if key in PAPER_SIZES_MM else None


def paper_size_mm(name: str) -> tuple[float, float] | None:
    key = normalise_paper_size(name)
    return PAPER_SIZES_MM[key] if key else None
