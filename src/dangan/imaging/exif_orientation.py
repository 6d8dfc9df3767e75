"""The EXIF Orientation tag of a page file: how its stored pixels are shown.

The tag's standard meaning is how to display the pixels; every viewer shows the page so. The
page loader (``dangan.imaging.load``) reads the page as shown, as
``PIL.ImageOps.exif_transpose`` does (tags 2–8, the mirrored ones included). A JPEG's tag is
read here from its header segments, so a JPEG stays on libjpeg-turbo, tagged or not.
"""

from __future__ import annotations

import struct

import cv2
import numpy as np
from PIL import Image

_TIFF_ORDER = {b"II*\x00": "<", b"MM\x00*": ">"}

# EXIF Orientation (tag 0x0112) → how the stored pixels are turned to be shown: (degrees
# clockwise, mirrored left-right first). As ``PIL.ImageOps.exif_transpose``; 1 and any value
# outside 1–8 leave the pixels as stored.
ORIENTATION_TAG = 0x0112
EXIF_TURNS: dict[int, tuple[int, bool]] = {
    2: (0, True), 3: (180, False), 4: (180, True), 5: (270, True),
    6: (90, False), 7: (90, True), 8: (270, False),
}

_CV_TURNS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180,
             270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def as_shown(pixels: np.ndarray, turn: int, mirror: bool) -> np.ndarray:
    """The stored pixels as shown: mirrored left-right when ``mirror``, then turned ``turn``
    degrees clockwise."""
    out = cv2.flip(pixels, 1) if mirror else pixels  # OpenCV: a third of NumPy rot90 + copy
    if turn in _CV_TURNS:
        out = cv2.rotate(out, _CV_TURNS[turn])
    return np.ascontiguousarray(out)


def jpeg_orientation(data: bytes) -> int:
    """The EXIF Orientation of a JPEG, read from its header segments (1 when it has none)."""
    pos, end = 2, len(data)
    while pos + 4 <= end:
        if data[pos] != 0xFF:
            return 1
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xDA, 0xD9) or (0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8,
                                                                                  0xCC)):
            return 1  # the image data (or a frame header) comes before any EXIF
        size = int.from_bytes(data[pos + 2:pos + 4], "big")
        if marker == 0xE1 and data[pos + 4:pos + 10] == b"Exif\x00\x00":
            return _tiff_orientation(data[pos + 10:pos + 2 + size])
        pos += 2 + size
    return 1


def _tiff_orientation(tiff: bytes) -> int:
    """Orientation in the first directory of an EXIF block (a TIFF header and IFD0)."""
    order = _TIFF_ORDER.get(tiff[:4])
    if order is None:
        return 1
    try:
        ifd = struct.unpack(order + "I", tiff[4:8])[0]
        count = struct.unpack(order + "H", tiff[ifd:ifd + 2])[0]
        for at in range(ifd + 2, ifd + 2 + 12 * count, 12):
            tag, kind = struct.unpack(order + "HH", tiff[at:at + 4])
            if tag == ORIENTATION_TAG:
                return int(struct.unpack(order + "H", tiff[at + 8:at + 10])[0]) \
                    if kind == 3 else 1
    except struct.error:
        return 1
    return 1


def pillow_orientation(img: Image.Image) -> int:
    """The EXIF Orientation Pillow reads for the current frame (1 when none or unreadable)."""
    try:
        value = img.getexif().get(ORIENTATION_TAG, 1)
    except Exception:  # a broken EXIF block must not cost the page
        return 1
    return value if isinstance(value, int) else 1
