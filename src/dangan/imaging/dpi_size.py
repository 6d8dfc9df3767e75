"""The resolution a scan's pixel size tells: an exact usual paper size at a usual dpi.

A scanner set to a paper size writes a frame of that size at its resolution to the pixel
(A4 at 200 dpi is 1654 × 2339). When the file's dpi tag says otherwise, or says nothing, the
pixels are the better witness — a tag written by another program or left at a default
places the sheet at a wrong size on the page (a 200 dpi A4 scan tagged 300 dpi comes out at
2/3 of its size in the middle of the A4 page). Used only where the sheet fills the frame
(no bed beside it: the frame is the sheet) or the file has no plausible tag at all.
"""

from __future__ import annotations

from dangan.domain.paper_sizes import PAPER_SIZES_MM

MM_PER_INCH = 25.4
USUAL_DPI = (150, 200, 240, 300, 400, 600)  # scanning resolutions a frame's pixels may show
EXACT = 0.004  # the pixels this close to the size at that dpi, both ways (≈ ±9 px on A4 at 200)


def pixels_are(shape: tuple[int, ...]) -> tuple[str, int] | None:
    """The paper size and usual dpi a frame of ``shape`` pixels is exactly (either way up),
    the closest when several; None when it is none."""
    short, long = sorted(int(v) for v in shape[:2])
    best: tuple[float, str, int] | None = None
    for name, (w_mm, h_mm) in PAPER_SIZES_MM.items():
        for dpi in USUAL_DPI:
            w, h = w_mm / MM_PER_INCH * dpi, h_mm / MM_PER_INCH * dpi
            err = max(abs(short / w - 1), abs(long / h - 1))
            if err <= EXACT and (best is None or err < best[0]):
                best = (err, name, dpi)
    return None if best is None else (best[1], best[2])


def size_dpi(file_dpi: float | None, shape: tuple[int, ...]) -> tuple[str, int] | None:
    """The paper size and dpi the pixels are when the file's tag ``file_dpi`` makes no usual
    paper size of them (None: the tag agrees, or the pixels are no usual size)."""
    found = pixels_are(shape)
    if found is None or (file_dpi and round(file_dpi) == found[1]):
        return None
    return found
