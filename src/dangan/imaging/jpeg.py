"""Is a JPEG file whole? Its image data must end with the end-of-image marker.

A file cut short (a copy interrupted, a scanner that lost power) has no end-of-image marker
after its last scan. Bytes after the marker do not make a file truncated: some scanners pad
files, and cameras append trailers (MPF, maker data) after the main image's end.
"""

from __future__ import annotations

SOS, EOI = b"\xff\xda", b"\xff\xd9"


def complete(data: bytes) -> bool:
    """True when an end-of-image marker follows the last start of scan. Inside entropy-coded
    data a 0xFF byte is always followed by 0x00 or a restart marker, so neither marker can
    appear there by chance."""
    last_scan = data.rfind(SOS)
    return last_scan >= 0 and data.find(EOI, last_scan + 2) >= 0
