"""A second look at a page the coarse ink measure finds blank, and the inner pages of a
multi-page file.

The content check measures ink on a small picture of the sheet's inner part (its outer
18–26 mm left out: binding holes, the sheet's edge, a shadow). A page number or a signature
alone is too little ink for that measure, and lies in those margins; show-through fades into
the paper at that scale. So a page found blank is looked at again at a finer scale:

* writing — the one look retouch's QC takes too (``imaging.written.look``; the rims of
  punched holes on a white lid left out): thin strokes of a character's length, two close
  together (a page number, a signature), are content, as in retouch; a little writing short
  of that (one digit, a page number in bold digits) is a light page for a person to look at,
  as retouch's ``little_writing`` review — never a blank one.
* faint marks over the sheet's inner part at four times the coarse scale (show-through, a
  pencil note): a faint page, never a blank one.

Only pages found blank get this look (a few in a volume), so it costs nothing on the others.
"""

from __future__ import annotations

import io
import warnings

import cv2
import numpy as np
import simplejpeg
from PIL import Image

from dangan.imaging import load, written

LOOK_DPI = written.WRITING_DPI  # writing is looked for at retouch's resolution
FAINT_DPI = LOOK_DPI  # show-through is looked for on the sheet reduced to this resolution,
FAINT_SCALE = 4  # laid on a sheet this many times the coarse one (384 × 544 px of an A4):
# the strokes of the other side keep their contrast there, the paper's grain does not
SHORT_SIDE_MM = 210.0  # an untagged page is taken as this wide (A4, 16K: 195 mm)
DPI_RANGE = (100.0, 1200.0)  # a tag outside this is no scanning resolution (72, 96, 60000)
MAX_FRAMES = 64  # inner pages of a multi-page file looked at (the count is always given)

CONTENT, MARK, FAINT, BLANK = "content", "mark", "faint", "blank"
UNREADABLE = "unreadable"


def page_dpi(width: int, height: int, tag: float | None) -> float:
    """The file's dpi when it is a scanning resolution, else the page's width read as A4."""
    if tag is not None and DPI_RANGE[0] <= tag <= DPI_RANGE[1]:
        return tag
    return max(1.0, min(width, height) / (SHORT_SIDE_MM / 25.4))


def finer_grey(data: bytes, fmt: str, width: int, height: int, dpi: float) -> np.ndarray | None:
    """The page in grey at ``LOOK_DPI`` or finer (a JPEG decoded at a reduced DCT scale)."""
    try:
        if fmt == "jpg":
            f = min(1.0, LOOK_DPI / dpi)
            grey: np.ndarray = simplejpeg.decode_jpeg(
                data, colorspace="GRAY", min_width=int(np.ceil(width * f)),
                min_height=int(np.ceil(height * f)))[:, :, 0]
            return grey
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                deep = load.is_deep_colour(img)
                img.load()
                return load.grey_8bit(img, data, img.tell(), deep)
    except Exception:
        return None


def faint_marks(grey: np.ndarray, dpi: float) -> float:
    """``content.faint_share`` of the sheet at ``FAINT_SCALE`` times the coarse scale."""
    from dangan.intake.content import PAPER_SHAPE, faint_share, upright_paper

    f = min(1.0, FAINT_DPI / dpi)
    small = cv2.resize(grey, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else grey
    return faint_share(upright_paper(small, (PAPER_SHAPE[1] * FAINT_SCALE,
                                             PAPER_SHAPE[0] * FAINT_SCALE)))


def look_again(grey: np.ndarray, dpi: float) -> str:
    """``CONTENT`` (writing, as retouch finds it), ``MARK`` (a little writing short of it:
    one digit, a bold page number — retouch's ``little_writing``), ``FAINT`` or ``BLANK``
    for a page the coarse measure finds blank."""
    from dangan.intake.content import FAINT_SHARE

    found = written.look(grey, dpi)
    if found.words > 0:
        return CONTENT
    if found.strokes > 0:
        return MARK
    return FAINT if faint_marks(grey, dpi) >= FAINT_SHARE else BLANK


def classify(grey: np.ndarray, dpi: float) -> str:
    """What a page holds, decided as ``content.inspect_page`` decides it: the coarse ink
    measure, then ``look_again`` for a page it finds blank."""
    from dangan.intake import content as c

    paper = c.upright_paper(c._reduce(grey), (c.PAPER_SHAPE[1], c.PAPER_SHAPE[0]))
    if c.measure_ink(paper) >= c.BLANK_INK:
        return CONTENT
    if c.faint_share(paper) >= c.FAINT_SHARE:
        return FAINT
    return look_again(grey, dpi)


def inner_pages(data: bytes) -> tuple[str, ...]:
    """What each page after the first of a multi-page file holds (``CONTENT``, ``FAINT``,
    ``BLANK``, or ``UNREADABLE``), up to ``MAX_FRAMES`` pages."""
    from dangan.intake.content import MAX_PIXELS, _pil_dpi

    found: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                for k in range(1, min(int(getattr(img, "n_frames", 1)), MAX_FRAMES)):
                    try:
                        img.seek(k)
                        width, height = img.size
                        if width * height > MAX_PIXELS:
                            found.append(UNREADABLE)
                            continue
                        deep = load.is_deep_colour(img)
                        img.load()
                        grey = load.grey_8bit(img, data, k, deep)
                    except Exception:
                        found.append(UNREADABLE)
                        continue
                    found.append(classify(grey, page_dpi(width, height, _pil_dpi(img))))
    except Exception:
        pass
    return tuple(found)
