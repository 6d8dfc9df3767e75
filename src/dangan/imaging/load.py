"""Decode a page file into an 8-bit RGB or grey array, refusing what cannot be a page.

JPEG goes through libjpeg-turbo (simplejpeg); PDF through ``dangan.imaging.pdf`` (the page's
own scan image, or poppler when the page is not one image); everything else through Pillow
(TIFF — multi-page, tiled, pyramids —, PNG, BMP, PNM/PBM/PGM/PPM, JPEG 2000, WebP, GIF),
which normalises CMYK, 16-bit, palette and bilevel images to 8 bits. Every failure becomes a
``BadPage`` carrying a defect detail, so one bad file never stops a batch and none is skipped
in silence. ``page_count`` tells how many pages a file holds, so each can be retouched.

A 16-bit file is brought to 8 bits by the depth its data has: scanners write 10-, 12- or
14-bit data in 16-bit files, and read as full 16-bit range such a page would come out almost
black. The depth is the nearest of 10/12/14/16 bits that holds the file's largest value (a
shift by the data's real depth, never a stretch of the page's own range, which would change
the tone of a dark or faint page); ``Decoded.data_bits`` says it when it is less than 16.

The page is the pixels as the file says they are shown: an EXIF Orientation tag (2–8, the
mirrored ones included) is applied as ``PIL.ImageOps.exif_transpose`` does
(``dangan.imaging.exif_orientation``), and said in ``Decoded.exif_turn`` / ``exif_mirror``.
A JPEG with no tag (or tag 1) takes the fast path unchanged: the tag is read from the header,
only a tagged page is turned after decoding.
"""

from __future__ import annotations

import io
import struct
import sys
import warnings
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import simplejpeg
from PIL import Image, ImageFile

from dangan.imaging import jpeg
from dangan.imaging.exif_orientation import (
    EXIF_TURNS,
    ORIENTATION_TAG,
    as_shown,
    jpeg_orientation,
    pillow_orientation,
)

MIN_SIDE_PX = 200
MAX_PIXELS = 40_000 * 30_000

# What a page was converted from to be read (``Decoded.converted``).
FROM_CMYK, FROM_16BIT = "CMYK", "16-bit"
# Finding codes of a page turned (mirrored) by its EXIF tag (``Decoded.exif_note``;
# ``retouch.why.<code>`` in the catalogue, detail ``turn=<degrees>``).
EXIF_TURNED, EXIF_MIRRORED = "exif_turned", "exif_mirrored"

# ``BadPage`` details that are reason keys (``retouch.unreadable.<key>`` in the catalogue).
CORRUPT_JPEG = "corrupt_jpeg"  # libjpeg reports damaged data (it would decode with garbage)
NOT_AN_IMAGE = "not_an_image"  # no image format recognises the file
TRUNCATED = "truncated"  # the file ends before the data it says it holds (a cut copy)


class BadPage(Exception):
    """The file is not a usable page image; ``detail`` says why (machine-readable)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Decoded:
    pixels: np.ndarray  # (h, w, 3) RGB or (h, w) grey, uint8
    file_dpi: float | None
    pages: int = 1  # pages (frames) in the file
    dpi_exact: bool = False  # the dpi follows from the page size (PDF), it is no mere tag
    converted: tuple[str, ...] = ()  # what was brought to 8-bit grey/RGB: CMYK, 16-bit
    data_bits: int | None = None  # a 16-bit file's data depth when less (10, 12, 14 bits)
    # How the stored pixels were turned to be the page as shown (EXIF Orientation): mirrored
    # left-right first when ``exif_mirror``, then turned ``exif_turn`` degrees clockwise.
    exif_turn: int = 0  # 0, 90, 180, 270
    exif_mirror: bool = False

    @property
    def exif_turned(self) -> bool:
        return bool(self.exif_turn or self.exif_mirror)

    @property
    def exif_note(self) -> tuple[str, str] | None:
        """(code, detail) for the report when the EXIF tag turned the page, else None."""
        if not self.exif_turned:
            return None
        return (EXIF_MIRRORED if self.exif_mirror else EXIF_TURNED), f"turn={self.exif_turn}"


def is_pdf(data: bytes) -> bool:
    return data[:1024].lstrip().startswith(b"%PDF-")


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise BadPage(f"too_large:{width}x{height}")
    if min(width, height) < MIN_SIDE_PX:
        raise BadPage(f"too_small:{width}x{height}")


def _jpeg_dpi(data: bytes) -> float | None:
    # JFIF APP0: "JFIF\0" ver(2) units(1) xdens(2) ydens(2)
    pos = data.find(b"JFIF\x00", 0, 64)
    if pos < 0:
        return None
    units = data[pos + 7]
    xd = int.from_bytes(data[pos + 8 : pos + 10], "big")
    if xd < 1:  # 1 dpi is a tag (implausible: rejected by ``choose_dpi``), not none
        return None
    return float(xd) if units == 1 else float(xd) * 2.54 if units == 2 else None


X_RESOLUTION = 282  # TIFF tag


def pil_dpi(img: Image.Image) -> float | None:
    """The dpi a file opened by Pillow is tagged with; None when it has no tag. A tag of 1 dpi
    is a tag (implausible, as 72 is), not none — but a TIFF without a resolution tag is given
    1 dpi by Pillow (its default X resolution in no unit), and has none."""
    tags = getattr(img, "tag_v2", None)
    if tags is not None and X_RESOLUTION not in tags:
        return None
    dpi = img.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        return None
    return value if value > 0 else None


def _decode_jpeg(data: bytes) -> Decoded:
    try:
        height, width, colorspace, _sub = simplejpeg.decode_jpeg_header(data)
    except ValueError as exc:
        raise BadPage(f"corrupt:{exc}") from None
    _check_size(width, height)
    if not jpeg.complete(data):
        raise BadPage(TRUNCATED)
    try:
        pixels = _jpeg_pixels(data, colorspace == "Gray", strict=True)
    except (ValueError, RuntimeError) as exc:
        try:  # libjpeg's warnings are errors here; does the data decode when they are not?
            _jpeg_pixels(data, colorspace == "Gray", strict=False)
        except (ValueError, RuntimeError):
            pass
        else:  # it decodes, with damaged data (a zeroed or garbled stretch): not a master
            raise BadPage(CORRUPT_JPEG) from None
        try:  # a JPEG libjpeg-turbo does not take (12-bit…): Pillow's turn
            return _decode_other(data, 0)
        except BadPage:
            raise BadPage(f"corrupt:{exc}") from None
    turn, mirror = EXIF_TURNS.get(jpeg_orientation(data), (0, False))
    if turn or mirror:  # a tagged page: turned after decoding, the untagged path is as was
        pixels = as_shown(pixels, turn, mirror)
    return Decoded(pixels, _jpeg_dpi(data),
                   converted=(FROM_CMYK,) if colorspace in ("CMYK", "YCCK") else (),
                   exif_turn=turn, exif_mirror=mirror)


def _jpeg_pixels(data: bytes, grey: bool, strict: bool) -> np.ndarray:
    # The fast IDCT and upsampling cost nothing visible on scans and save a quarter.
    if grey:
        out: np.ndarray = simplejpeg.decode_jpeg(data, colorspace="GRAY", fastdct=True,
                                                 strict=strict)[:, :, 0]
        return out
    out = simplejpeg.decode_jpeg(data, colorspace="RGB", fastdct=True, fastupsample=True,
                                 strict=strict)
    return out


def _to_8bit(img: Image.Image) -> tuple[Image.Image, int | None]:
    """The frame as 8-bit grey or RGB, and the depth of its data when that is less than the
    16 bits it is stored in."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.int32 if img.mode == "I" else np.uint16)
        if img.mode == "I":
            arr = np.maximum(arr, 0)
        top = int(arr.max()) if arr.size else 0
        if img.mode == "I" and top <= 255:  # 8-bit values in a 32-bit frame
            return Image.fromarray(arr.astype(np.uint8)), None
        bits = data_depth(top)
        return Image.fromarray(_by_depth(arr, bits)), bits if bits < 16 else None
    return _to_8bit_other(img), None


def data_depth(top: int) -> int:
    """The depth of deep data whose largest value is ``top``: the nearest of 10/12/14/16 bits
    (and beyond, for 32-bit frames) that holds it."""
    bits = max(10, int(top).bit_length())
    return bits + bits % 2


def _by_depth(arr: np.ndarray, bits: int) -> np.ndarray:
    """``bits``-bit data as 8 bits: its top 8 bits."""
    out: np.ndarray = (arr >> (bits - 8)).astype(np.uint8)
    return out


def _to_8bit_other(img: Image.Image) -> Image.Image:
    if img.mode == "F":  # floating-point samples: 0–1 (as image software writes them) or 0–255
        arr = np.nan_to_num(np.asarray(img, dtype=np.float32))
        if arr.size and float(arr.max()) <= 1.0:
            arr = arr * 255 + 0.5
        return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if img.mode in ("1", "L", "LA"):
        return img.convert("L")
    return img.convert("RGB")


def _converted(img: Image.Image) -> tuple[str, ...]:
    """What the frame is converted from to be read as 8-bit grey or RGB."""
    raw = " ".join(str(t.args) for t in getattr(img, "tile", None) or ())
    deep = img.mode in ("I;16", "I;16B", "I;16L", "I", "F") or ";16" in raw
    return ((FROM_CMYK,) if img.mode == "CMYK" else ()) + ((FROM_16BIT,) if deep else ())


def _rawmode(tile: object) -> str:
    args = getattr(tile, "args", None)
    first = args[0] if isinstance(args, tuple) and args else args
    return first if isinstance(first, str) else ""


def _deep_colour(img: Image.Image) -> bool:
    """An RGB(A) frame with 16 bits a sample, which Pillow reads by their high bytes."""
    return img.mode in ("RGB", "RGBA") and any(
        _rawmode(t).endswith(("16B", "16L", "16N")) for t in getattr(img, "tile", None) or ())


def _other_byte(rawmode: str) -> str:
    """The raw mode that unpacks the low byte of each sample where ``rawmode`` unpacks the
    high one (the same samples read in the other byte order)."""
    order = rawmode[-1]
    if order == "N":
        order = "L" if sys.byteorder == "little" else "B"
    return rawmode[:-1] + ("B" if order == "L" else "L")


def _deep_colour_pixels(data: bytes, frame: int, high: np.ndarray) -> tuple[np.ndarray,
                                                                            int | None]:
    """48-bit RGB (64-bit RGBA) read by its data's depth. ``high``: the samples' high bytes
    (Pillow's reading); when the data fill all 16 bits they are the 8-bit page, else the low
    bytes are read too, by decoding the frame again with the byte order swapped."""
    rgb = np.ascontiguousarray(high[:, :, :3])
    bits = data_depth(int(rgb.max()) << 8 | 0xFF)
    if bits >= 16:
        return rgb, None
    try:
        low = _low_bytes(data, frame)[:, :, :3]
    except Exception:  # Pillow would not read it so: the high bytes alone, coarser
        low = np.full_like(rgb, 0x80)
    if low.shape != rgb.shape:
        low = np.full_like(rgb, 0x80)
    value = rgb.astype(np.uint16) << 8 | low
    return _by_depth(value, bits), bits


def _low_bytes(data: bytes, frame: int) -> np.ndarray:
    """Frame ``frame`` of a 16-bit-a-sample file decoded by the low bytes of its samples."""
    img = _open(data)
    if frame:
        img.seek(frame)
    if not isinstance(img, ImageFile.ImageFile):  # pragma: no cover - Image.open gives one
        raise TypeError(type(img).__name__)
    img.tile = [_swapped(t) for t in img.tile]
    img.load()
    return np.asarray(img)


def _swapped(tile: ImageFile._Tile) -> ImageFile._Tile:
    rawmode = _other_byte(_rawmode(tile))
    args = tile.args
    return tile._replace(args=(rawmode, *args[1:]) if isinstance(args, tuple) else rawmode)


def frame_pixels(img: Image.Image, data: bytes, frame: int,
                 deep_colour: bool) -> tuple[np.ndarray, int | None]:
    """The loaded frame ``frame`` of ``data`` as 8-bit grey or RGB(A) by its data's depth
    (see the module), and that depth when less than 16 bits. ``deep_colour``: what
    ``is_deep_colour`` said of the frame before it was loaded (loading drops what says it)."""
    if deep_colour:
        return _deep_colour_pixels(data, frame, np.asarray(img))
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    img, bits = _to_8bit(img)
    return np.asarray(img), bits


DEEP_MODES = ("I;16", "I;16B", "I;16L", "I", "F")  # Pillow modes of more than 8 bits a sample


def grey_8bit(img: Image.Image, data: bytes, frame: int, deep_colour: bool) -> np.ndarray:
    """The loaded frame as 8-bit grey, read as ``frame_pixels`` reads it: a frame of more
    than 8 bits a sample (10-, 12-, 14- or 16-bit data) by its data's depth, any other as
    Pillow turns it grey."""
    if not deep_colour and img.mode not in DEEP_MODES:
        return np.asarray(img.convert("L"))
    pixels, _bits = frame_pixels(img, data, frame, deep_colour)
    if pixels.ndim == 2:
        return pixels
    return np.asarray(Image.fromarray(np.ascontiguousarray(pixels[:, :, :3])).convert("L"))


def is_deep_colour(img: Image.Image) -> bool:
    """An RGB(A) frame with 16 bits a sample (ask before loading it)."""
    return _deep_colour(img)


def _tag(img: Image.Image, tag: int) -> int:
    """An integer tag of the current TIFF frame (0 when absent, or not a TIFF)."""
    tags = getattr(img, "tag_v2", None)
    value = tags.get(tag, 0) if tags is not None else 0
    return int(value) if isinstance(value, int) else 0


def _subfile(img: Image.Image) -> int:
    """TIFF NewSubfileType of the current frame (bit 0: a reduced copy, not a page)."""
    return _tag(img, 254)


def _frames(img: Image.Image) -> int:
    """Pages of a Pillow image; the reduced levels of a TIFF pyramid are not pages."""
    n = int(getattr(img, "n_frames", 1) or 1)
    if n <= 1 or img.format != "TIFF":
        return n
    pages = 0
    for i in range(n):
        img.seek(i)
        subfile = _subfile(img)
        if not subfile & 1:
            pages += 1
    img.seek(0)
    return max(1, pages)


def _seek_page(img: Image.Image, index: int) -> None:
    if img.format != "TIFF":
        img.seek(index)
        return
    seen = -1
    for i in range(int(getattr(img, "n_frames", 1) or 1)):
        img.seek(i)
        subfile = _subfile(img)
        if not subfile & 1:
            seen += 1
            if seen == index:
                return
    raise BadPage(f"no_page:{index + 1}")


_TIFF_ORDER = {b"II*\x00": "<", b"MM\x00*": ">"}
_TIFF_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8,
               13: 4}
# Where a TIFF's image data lies: (offsets tag, byte counts tag), for strips and for tiles.
_TIFF_DATA = ((273, 279), (324, 325))


def truncated(data: bytes) -> bool:
    """True when ``data`` is a TIFF or PNG cut short: a TIFF whose directories or image data
    (strips, tiles) lie past its end, a PNG without its end chunk. Other formats: False."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return b"IEND" not in data[-12:]
    order = _TIFF_ORDER.get(data[:4])
    if order is None or len(data) < 8:
        return False
    try:
        ifd, seen = struct.unpack(order + "I", data[4:8])[0], set[int]()
        while ifd and ifd not in seen and len(seen) < 4096:
            seen.add(ifd)
            if ifd + 2 > len(data):
                return True
            count = struct.unpack(order + "H", data[ifd:ifd + 2])[0]
            end = ifd + 2 + 12 * count
            if end + 4 > len(data):
                return True
            tags: dict[int, tuple[int, ...] | None] = {}
            for at in range(ifd + 2, end, 12):
                tag, kind, n = struct.unpack(order + "HHI", data[at:at + 8])
                tags[tag] = _tiff_values(data, order, at, kind, n)
            for offsets_tag, counts_tag in _TIFF_DATA:
                offsets, counts = tags.get(offsets_tag), tags.get(counts_tag)
                if offsets is None or counts is None:
                    continue
                stops = (o + c for o, c in zip(offsets, counts, strict=False))
                if offsets == () or any(stop > len(data) for stop in stops):
                    return True
            ifd = struct.unpack(order + "I", data[end:end + 4])[0]
    except struct.error:
        return True  # a directory runs past the end
    return False


def _tiff_values(data: bytes, order: str, at: int, kind: int,
                 n: int) -> tuple[int, ...] | None:
    """The integer values of a TIFF directory entry (SHORT, LONG); () when they lie past the
    end of ``data``; None for other types."""
    if kind not in (3, 4):
        return None
    size = _TIFF_SIZES[kind] * n
    where = at + 8 if size <= 4 else struct.unpack(order + "I", data[at + 8:at + 12])[0]
    if where + size > len(data):
        return ()
    return struct.unpack(f"{order}{n}{'H' if kind == 3 else 'I'}", data[where:where + size])


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img: Image.Image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadPage("too_large") from None
    except Image.UnidentifiedImageError:
        raise BadPage(TRUNCATED if truncated(data) else NOT_AN_IMAGE) from None
    except Exception as exc:  # Pillow raises many unrelated types for broken files
        raise BadPage(TRUNCATED if truncated(data) else f"corrupt:{type(exc).__name__}") \
            from None
    return img


def _decode_other(data: bytes, index: int) -> Decoded:
    img = _open(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            pages = _frames(img)
            if index >= pages:
                raise BadPage(f"no_page:{index + 1}/{pages}")
            if index:
                _seek_page(img, index)
            _check_size(*img.size)
            converted = _converted(img)  # before loading: the tiles say the stored depth
            deep_colour, frame = _deep_colour(img), img.tell()
            tiff_tag = _tag(img, ORIENTATION_TAG)
            img.load()
            # Pillow turns a TIFF as its tag says while loading it, and drops the tag: what is
            # left to do is what the tag still says once loaded.
            left = pillow_orientation(img)
    except BadPage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadPage("too_large") from None
    except Exception as exc:
        raise BadPage(TRUNCATED if truncated(data) else f"corrupt:{type(exc).__name__}") \
            from None
    file_dpi = pil_dpi(img)
    pixels, bits = frame_pixels(img, data, frame, deep_colour)
    if left in EXIF_TURNS:
        pixels = as_shown(pixels, *EXIF_TURNS[left])
    turn, mirror = EXIF_TURNS.get(left if left in EXIF_TURNS else tiff_tag, (0, False))
    return Decoded(pixels, file_dpi, pages, converted=converted, data_bits=bits,
                   exif_turn=turn, exif_mirror=mirror)


def page_count(fh: BinaryIO) -> int:
    """How many pages the open file holds, reading headers only (1 for what cannot be read:
    the page's own decode reports the problem)."""
    try:
        head = fh.read(1024)
        fh.seek(0)
        if head[:2] == b"\xff\xd8":
            return 1
        if is_pdf(head):
            from dangan.imaging.pdf import pdf_page_count

            return pdf_page_count(fh)
        with warnings.catch_warnings():  # the page's own decode reports them, naming it
            warnings.simplefilter("ignore")
            with Image.open(fh) as img:
                return _frames(img)
    except Exception:
        return 1


def decode_page(data: bytes, index: int = 0) -> Decoded:
    """Decode page ``index`` (0-based) of the bytes; raise ``BadPage`` for anything that is not
    a usable page."""
    if not data:
        raise BadPage("empty_file")
    if data[:2] == b"\xff\xd8":
        if index:
            raise BadPage(f"no_page:{index + 1}/1")
        decoded = _decode_jpeg(data)
    elif is_pdf(data):
        from dangan.imaging.pdf import decode_pdf_page

        pixels, dpi, pages = decode_pdf_page(data, index)
        _check_size(pixels.shape[1], pixels.shape[0])
        decoded = Decoded(pixels, dpi, pages, dpi_exact=True)
    else:
        decoded = _decode_other(data, index)
    pixels = decoded.pixels
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        pixels = np.ascontiguousarray(pixels[:, :, :3])
    return Decoded(pixels, decoded.file_dpi, decoded.pages, decoded.dpi_exact,
                   decoded.converted, decoded.data_bits, decoded.exif_turn,
                   decoded.exif_mirror)

