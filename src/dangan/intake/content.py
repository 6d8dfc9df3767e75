"""Look inside one page file: format, size, resolution, colour mode, ink, duplicate marks.

The checks need only a coarse picture, so a JPEG is decoded by libjpeg-turbo at 1/8 scale
(DCT scaling: several times faster than a full decode) and anything else through Pillow,
turned grey as retouch reads it (``imaging.load``: a 16-bit page by its data's real depth,
12-bit data in 16 bits too), reduced after decoding. The header is read first and a picture too large to be a page is
refused before a single pixel is decoded, so a hostile file (a 100,000 × 100,000 header,
a zip bomb in a PNG) costs nothing. Every failure comes back as a reason, never as an
exception, so one bad file never stops a volume.
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import simplejpeg
from PIL import Image

from dangan.imaging import jpeg, load
from dangan.intake import blank as blank_look
from dangan.intake.duplicates import page_marks

# Largest picture we agree to decode: an A2 sheet at 600 dpi is ~ 140 Mpx.
MAX_PIXELS = 200_000_000
MIN_SIDE_PX = 16
REDUCED_MIN_SIDE = 200  # the reduced decode keeps at least this many pixels per side
PAPER_LEVEL = 90  # grey level separating paper from a dark scanner bed
INK_DELTA = 40  # grey levels darker than the local paper to count as ink
BLANK_INK = 0.0003  # below this share of ink pixels a page is blank…
FAINT_DELTA = 10  # …unless this share of it is this many grey levels darker than the paper:
FAINT_SHARE = 0.003  # faint marks the ink threshold does not see (never to be taken out)
PAPER_SHAPE = (136, 96)  # (rows, cols) of the upright sheet the ink is measured on


@dataclass(frozen=True)
class PageInfo:
    """What ``inspect_page`` learnt about a file; ``reason`` set means it is unusable."""

    fmt: str | None = None  # jpg / png / tif / jp2 / gif / bmp / pdf / None (not an image)
    width: int = 0
    height: int = 0
    dpi: float | None = None
    colour_mode: str | None = None  # colour / grey / bilevel
    ink: float = 0.0
    blank: bool = False
    faint: bool = False  # no ink, but faint marks (pencil, carbon copy, faded, show-through)
    frames: int = 1  # pages in the file (a multi-page TIFF, an animated GIF): one is expected
    inner: tuple[str, ...] = ()  # what its pages after the first hold (blank.CONTENT, …)
    look: str = ""  # a page the coarse measure found blank, looked at again (blank.look_again)
    marks: bytes = b""  # duplicates.page_marks: finds the same sheet scanned again
    sha256: str = ""  # of the file's bytes (hex), set by whoever read them: finds a copied file
    size: int = 0  # bytes hashed, and the file's mtime (ns) when they were read: ingest
    mtime_ns: int = 0  # copies a file still so without hashing its source again
    reason: str | None = None  # corrupt_image reason key suffix
    reason_params: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.reason is None


def detect_format(head: bytes) -> str | None:
    """The real format from the first bytes, whatever the file's extension says."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tif"
    if head.startswith(b"\x00\x00\x00\x0cjP  ") or head.startswith(b"\xff\x4f\xff\x51"):
        return "jp2"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head.startswith(b"BM"):
        return "bmp"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if len(head) >= 3 and head[:1] == b"P" and head[1:2] in b"123456" \
            and head[2:3] in b" \t\r\n#":
        return "pnm"  # PBM / PGM / PPM, plain or raw
    return None


def _jfif_dpi(data: bytes) -> float | None:
    pos = data.find(b"JFIF\x00", 0, 64)
    if pos < 0 or len(data) < pos + 12:
        return None
    units = data[pos + 7]
    density = int.from_bytes(data[pos + 8 : pos + 10], "big")
    if density < 1 or units not in (1, 2):  # 0 is no density; units 0: an aspect ratio only
        return None  # a tag of 1 dpi is a tag (an implausible one, as 72 is), not none
    return float(density) if units == 1 else round(density * 2.54, 1)


def _pil_dpi(img: Image.Image) -> float | None:
    return load.pil_dpi(img)


def _pil_mode(mode: str) -> str:
    if mode == "1":
        return "bilevel"
    if mode in ("L", "LA", "I", "I;16", "I;16B", "I;16L", "F"):
        return "grey"
    return "colour"


def _palette_mode(img: Image.Image) -> str:
    """A palette image's colour mode by the colours its pixels use: grey when they are all
    grey (bilevel when only black and white), colour otherwise."""
    counted = img.convert("RGB").getcolors(256) or []  # None: more than 256 colours
    used = [colour for _n, colour in counted if isinstance(colour, tuple)]
    if not used or any(not c[0] == c[1] == c[2] for c in used):
        return "colour"
    return "bilevel" if {c[0] for c in used} <= {0, 255} else "grey"


def _too_big(width: int, height: int) -> PageInfo | None:
    if width * height > MAX_PIXELS:
        return PageInfo(reason="too_large", reason_params={"width": width, "height": height},
                        width=width, height=height)
    if min(width, height) < MIN_SIDE_PX:
        return PageInfo(reason="decode_failed", reason_params={"detail": f"{width}×{height}"},
                        width=width, height=height)
    return None


def _reduce(grey: np.ndarray) -> np.ndarray:
    factor = max(1, min(grey.shape[0], grey.shape[1]) // REDUCED_MIN_SIDE)
    if factor == 1:
        return grey
    h, w = grey.shape[0] // factor, grey.shape[1] // factor
    return cv2.resize(grey, (w, h), interpolation=cv2.INTER_AREA)


def _complete_jpeg(data: bytes) -> bool:
    """``jpeg.complete`` without searching the whole entropy-coded data twice (≈ 0.8 ms of a
    page's 8): a file that ends with its end-of-image marker is complete when it holds a
    start of scan at all — the last one lies before that final marker, since neither marker
    can overlap it — and a scan's marker comes early, after the headers. Any other file gets
    ``jpeg.complete``'s search."""
    if data.endswith(jpeg.EOI):
        return jpeg.SOS in data
    return jpeg.complete(data)


def _inspect_jpeg(data: bytes, full: bool) -> tuple[PageInfo, np.ndarray | None]:
    try:
        height, width, colourspace, _sub = simplejpeg.decode_jpeg_header(data)
    except ValueError as exc:
        return PageInfo(fmt="jpg", reason="decode_failed", reason_params={"detail": str(exc)}), None
    bad = _too_big(width, height)
    if bad is not None:
        return PageInfo(**{**bad.__dict__, "fmt": "jpg"}), None
    if not _complete_jpeg(data):
        return PageInfo(fmt="jpg", width=width, height=height, reason="truncated"), None
    mode = "grey" if colourspace == "Gray" else "colour"
    try:
        if full:
            grey = simplejpeg.decode_jpeg(data, colorspace="GRAY")[:, :, 0]
            grey = _reduce(grey)
        else:
            grey = simplejpeg.decode_jpeg(
                data, colorspace="GRAY", fastdct=True, fastupsample=True,
                min_width=min(width, REDUCED_MIN_SIDE), min_height=min(height, REDUCED_MIN_SIDE),
            )[:, :, 0]
    except (ValueError, RuntimeError) as exc:
        return PageInfo(fmt="jpg", width=width, height=height, reason="decode_failed",
                        reason_params={"detail": str(exc)}), None
    dpi = _jfif_dpi(data)
    if dpi is None:
        try:
            with Image.open(io.BytesIO(data)) as img:
                dpi = _pil_dpi(img)
        except Exception:
            dpi = None
    return PageInfo(fmt="jpg", width=width, height=height, dpi=dpi, colour_mode=mode), grey


def _inspect_other(data: bytes, fmt: str) -> tuple[PageInfo, np.ndarray | None]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            width, height = img.size
            bad = _too_big(width, height)
            if bad is not None:
                return PageInfo(**{**bad.__dict__, "fmt": fmt}), None
            dpi = _pil_dpi(img)
            frames = int(getattr(img, "n_frames", 1) or 1)
            deep = load.is_deep_colour(img)  # before loading: the tiles say the stored depth
            img.load()
            mode = _pil_mode(img.mode) if img.mode != "P" else _palette_mode(img)
            grey = load.grey_8bit(img, data, img.tell(), deep)  # by the data's own depth
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return PageInfo(fmt=fmt, reason="too_large", reason_params={"width": "?", "height": "?"}), None
    except Exception as exc:
        reason = "truncated" if "truncated" in str(exc).lower() else "decode_failed"
        return PageInfo(fmt=fmt, reason=reason,
                        reason_params={"detail": type(exc).__name__}), None
    grey = _reduce(grey)
    return PageInfo(fmt=fmt, width=width, height=height, dpi=dpi, colour_mode=mode,
                    frames=frames), grey


def _pdf_pages(data: bytes) -> int:
    """A PDF's page count; 1 when it cannot be read (its pages are not looked at)."""
    from dangan.imaging.pdf import pdf_page_count

    try:
        return max(1, pdf_page_count(io.BytesIO(data)))
    except Exception:
        return 1


def _order_corners(pts: np.ndarray) -> np.ndarray:
    s = pts.sum(axis=1)
    d = np.diff(pts, axis=1).ravel()
    return np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]],
                    dtype=np.float32)


def paper_corners(grey: np.ndarray) -> np.ndarray:
    """Corners (tl, tr, br, bl) of the sheet on a dark scanner bed; the whole image otherwise."""
    h, w = grey.shape
    whole = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    mask = cv2.threshold(grey, PAPER_LEVEL, 1, cv2.THRESH_BINARY)[1]  # 1 where grey > PAPER_LEVEL
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return whole
    biggest = max(contours, key=cv2.contourArea)
    if cv2.contourArea(biggest) < 0.3 * h * w:
        return whole
    return _order_corners(cv2.boxPoints(cv2.minAreaRect(biggest)))


def upright_paper(grey: np.ndarray, size: tuple[int, int] = (96, 136)) -> np.ndarray:
    """The sheet warped to a small upright-ish portrait rectangle (skew and bed margins gone).

    A quarter-turned scan comes out portrait too; whether it is upside down is left open,
    so comparisons try both ways up.
    """
    pts = paper_corners(grey)
    pw = float(np.linalg.norm(pts[1] - pts[0]))
    ph = float(np.linalg.norm(pts[3] - pts[0]))
    w, h = size if ph >= pw else (size[1], size[0])
    target = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(pts, target)
    paper = cv2.warpPerspective(grey, matrix, (w, h), flags=cv2.INTER_AREA,
                                borderMode=cv2.BORDER_REPLICATE)
    if w > h:
        paper = np.ascontiguousarray(np.rot90(paper))
    return paper


INK_KERNEL = 11  # side of the median that gives the paper level around a pixel


def ink_map(paper: np.ndarray) -> np.ndarray:
    """How much darker each pixel is than the paper around it (11 × 11 median), uint8."""
    return cv2.subtract(cv2.medianBlur(paper, INK_KERNEL), paper)


def measure_ink(paper: np.ndarray, ink: np.ndarray | None = None) -> float:
    """Share of pixels clearly darker than the paper around them, away from edges and holes.

    Without ``ink`` (the ``ink_map`` of ``paper``) only the inner part, where pixels are
    counted, is looked at: ``_count_ink``."""
    h, w = paper.shape if ink is None else ink.shape
    top, left = h // 16, w // 8
    if ink is not None:
        inner = ink[top : h - top, left : w - left]
        return cv2.countNonZero(cv2.threshold(inner, INK_DELTA, 1, cv2.THRESH_BINARY)[1]) / inner.size
    return _count_ink(paper, top, left) / ((h - 2 * top) * (w - 2 * left))


_WINDOW = np.ones((INK_KERNEL, INK_KERNEL), np.uint8)


def _count_ink(paper: np.ndarray, top: int, left: int) -> int:
    """How many pixels of ``paper[top : h - top, left : w - left]`` the ``ink_map`` puts above
    ``INK_DELTA``, the same count to the pixel, in less time than filtering the sheet.

    A pixel is ink when the median of its window (edges replicated, as ``medianBlur`` does)
    is at least ``p + INK_DELTA + 1``, that is when at least half the window (61 of 121) is
    that light. Only a pixel that much darker than the lightest of its window can be: those
    few candidates are counted window by window. When there are many (a dark, busy sheet),
    the median is taken of the inner part and the reach of its window around it instead."""
    h, w = paper.shape
    reach = INK_KERNEL // 2
    inner = paper[top : h - top, left : w - left]
    if inner.size == 0:
        return 0
    lightest = cv2.dilate(paper, _WINDOW)[top : h - top, left : w - left]
    ys, xs = np.nonzero(cv2.subtract(lightest, inner) > INK_DELTA)
    if len(ys) == 0:
        return 0
    if len(ys) > inner.size // 4:
        y0, y1 = max(0, top - reach), min(h, h - top + reach)
        x0, x1 = max(0, left - reach), min(w, w - left + reach)
        part = ink_map(np.ascontiguousarray(paper[y0:y1, x0:x1]))
        darker = part[top - y0 : h - top - y0, left - x0 : w - left - x0]
        return int(cv2.countNonZero(cv2.threshold(darker, INK_DELTA, 1, cv2.THRESH_BINARY)[1]))
    padded = cv2.copyMakeBorder(paper, reach, reach, reach, reach, cv2.BORDER_REPLICATE)
    row = padded.strides[0]
    windows = np.ndarray((h, w, INK_KERNEL, INK_KERNEL), np.uint8, padded, 0,
                         (row, 1, row, 1))[ys + top, xs + left]  # each pixel's window
    level = inner[ys, xs] + np.uint8(INK_DELTA + 1)  # a candidate is <= 255 - INK_DELTA - 1
    light = np.add.reduce((windows >= level[:, None, None]).reshape(len(ys), -1).view(np.uint8),
                          axis=1, dtype=np.uint8)  # at most 121
    return int(np.count_nonzero(light > INK_KERNEL * INK_KERNEL // 2))


_HOME_PID = os.getpid()  # a forked child inherits this module with another pid


@contextmanager
def one_opencv_thread() -> Iterator[None]:
    """OpenCV on one thread while pages are inspected: the work per page is small (a reduced
    image), so OpenCV's thread pool costs more CPU than it saves (≈ 0.6 ms a page of 7), and
    parallelism comes from inspecting pages in several processes. Set in the parent before a
    pool forks (its children inherit it). OpenCV must never reconfigure its threads in a child
    forked while its thread pool existed (that hangs), so a forked process — not the one that
    imported this module — changes nothing."""
    before = cv2.getNumThreads()
    if before == 1 or os.getpid() != _HOME_PID:
        yield
        return
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(before)


def inspect_page(data: bytes, *, full_decode: bool = False) -> PageInfo:
    """Everything the intake checks need from one file's bytes (reduced decode by default)."""
    return measure_page(data, *decode_page(data, full_decode=full_decode))


def decode_page(data: bytes, *, full_decode: bool = False) -> tuple[PageInfo, np.ndarray | None]:
    """``inspect_page``'s first half: the file's format, header and reduced grey picture.
    Without a picture (None) the ``PageInfo`` is already the whole answer."""
    if not data:
        return PageInfo(reason="empty_file"), None
    fmt = detect_format(data[:16])
    if fmt is None:
        return PageInfo(reason="not_image"), None
    if fmt == "pdf":  # not decoded; its pages are counted (one is expected, as of a TIFF)
        return PageInfo(fmt=fmt, frames=_pdf_pages(data)), None
    if fmt == "jpg":
        return _inspect_jpeg(data, full_decode)
    return _inspect_other(data, fmt)


def measure_page(data: bytes, info: PageInfo, grey: np.ndarray | None) -> PageInfo:
    """``inspect_page``'s second half, on what ``decode_page`` gave for ``data``: the ink,
    blank or faint, the rescan marks. A caller with many pages may decode several before
    measuring them (``check.inspect_files``): the result is the same."""
    if grey is None:
        return info
    paper = upright_paper(grey, (PAPER_SHAPE[1], PAPER_SHAPE[0]))
    ink = measure_ink(paper)
    blank = ink < BLANK_INK
    faint = blank and faint_share(paper) >= FAINT_SHARE
    look = ""
    if blank and not faint:  # a page number alone, show-through: looked at again, finer
        look = _look_again(data, info)
        blank, faint = look == blank_look.BLANK, look in (blank_look.FAINT, blank_look.MARK)
    inner = blank_look.inner_pages(data) if info.frames > 1 else ()
    return PageInfo(
        fmt=info.fmt, width=info.width, height=info.height, dpi=info.dpi,
        colour_mode=info.colour_mode, ink=round(ink, 5), blank=blank and not faint,
        faint=faint, marks=b"" if blank and not faint else page_marks(grey),
        frames=info.frames, inner=inner, look=look,
    )


def _look_again(data: bytes, info: PageInfo) -> str:
    """``blank.look_again`` of a page the coarse measure finds blank."""
    dpi = blank_look.page_dpi(info.width, info.height, info.dpi)
    grey = blank_look.finer_grey(data, info.fmt or "", info.width, info.height, dpi)
    if grey is None:
        return blank_look.BLANK
    return blank_look.look_again(grey, dpi * grey.shape[1] / max(1, info.width))


def faint_share(paper: np.ndarray) -> float:
    """Share of the sheet's inner part (as ``measure_ink`` counts) a little darker than the
    paper around it (``FAINT_DELTA``): what a page without ink still holds."""
    ink = ink_map(paper)
    h, w = ink.shape
    inner = ink[h // 16 : h - h // 16, w // 8 : w - w // 8]
    return cv2.countNonZero(cv2.threshold(inner, FAINT_DELTA, 1, cv2.THRESH_BINARY)[1]) / max(1, inner.size)
