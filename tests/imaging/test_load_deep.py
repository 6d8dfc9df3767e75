"""16-bit page files whose data are fewer bits (a scanner's 10-, 12- or 14-bit data) are read
by the depth the data have, not as full 16-bit range (which made them almost black); the page's
own tone is kept (no stretch of its range), and the depth is said (``Decoded.data_bits``)."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image
from retouch_synthetic import draw_page

from dangan.i18n import catalogue
from dangan.imaging.context import RetouchOptions
from dangan.imaging.load import FROM_16BIT, data_depth, decode_page
from dangan.imaging.pipeline import retouch_bytes


def _grey_page() -> np.ndarray:
    return cv2.cvtColor(draw_page(), cv2.COLOR_RGB2GRAY)  # paper 238, ink 25


def _deep(grey8: np.ndarray, bits: int) -> np.ndarray:
    """An 8-bit page as a scanner's ``bits``-bit data (full scale of the depth = 255)."""
    full = (1 << bits) - 1
    return np.round(grey8.astype(np.float64) * full / 255).astype(np.uint16)


def _encode(arr: np.ndarray, ext: str, params: tuple[int, ...] = ()) -> bytes:
    bgr = arr[:, :, ::-1] if arr.ndim == 3 else arr  # OpenCV writes BGR
    ok, buf = cv2.imencode(ext, np.ascontiguousarray(bgr), list(params))
    assert ok
    return buf.tobytes()


@pytest.mark.parametrize("ext", [".png", ".tiff"])
@pytest.mark.parametrize("bits", [10, 12, 14])
def test_grey_16_bit_file_with_fewer_bit_data_reads_by_its_depth(ext: str, bits: int) -> None:
    page = _grey_page()
    decoded = decode_page(_encode(_deep(page, bits), ext))
    assert decoded.pixels.dtype == np.uint8 and decoded.pixels.shape == page.shape
    # the old reading (÷257) gave a median of 15 for 12-bit data; now the page's own tone
    assert abs(float(np.median(decoded.pixels)) - 238) <= 1
    assert np.abs(decoded.pixels.astype(int) - page).max() <= 1
    assert decoded.data_bits == bits
    assert decoded.converted == (FROM_16BIT,)


@pytest.mark.parametrize(("ext", "params"), [
    (".png", ()),
    (".tiff", ()),  # LZW, read through libtiff
    (".tiff", (cv2.IMWRITE_TIFF_COMPRESSION, 1)),  # uncompressed
])
def test_48_bit_rgb_with_12_bit_data_reads_by_its_depth(ext: str,
                                                        params: tuple[int, ...]) -> None:
    rgb = draw_page()
    rgb[100:400, 100:400] = (200, 120, 40)  # a colour patch: the channels stay apart
    decoded = decode_page(_encode(_deep(rgb, 12), ext, params))
    assert decoded.pixels.shape == rgb.shape
    assert np.abs(decoded.pixels.astype(int) - rgb).max() <= 1
    assert tuple(decoded.pixels[250, 250]) in {(200, 120, 40), (199, 119, 39)}
    assert decoded.data_bits == 12 and decoded.converted == (FROM_16BIT,)


def test_64_bit_rgba_with_12_bit_data_reads_by_its_colour_depth() -> None:
    """The alpha channel (opaque: all 16 bits) does not set the colour's depth."""
    rgb = draw_page()
    alpha = np.full((*rgb.shape[:2], 1), 65535, np.uint16)
    rgba = np.concatenate([_deep(rgb, 12), alpha], axis=2)
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(rgba[:, :, [2, 1, 0, 3]]))
    assert ok
    decoded = decode_page(buf.tobytes())
    assert decoded.pixels.shape == rgb.shape and decoded.data_bits == 12
    assert np.abs(decoded.pixels.astype(int) - rgb).max() <= 1


@pytest.mark.parametrize("channels", [1, 3])
def test_full_16_bit_data_reads_as_before(channels: int) -> None:
    page = _grey_page()
    deep = page.astype(np.uint16) * 257
    arr = np.dstack([deep] * 3) if channels == 3 else deep
    decoded = decode_page(_encode(arr, ".png"))
    want = np.dstack([page] * 3) if channels == 3 else page
    assert np.array_equal(decoded.pixels, want)
    assert decoded.data_bits is None and decoded.converted == (FROM_16BIT,)


def test_a_faint_page_keeps_its_tone() -> None:
    """12-bit data of a faint page (grey paper, pale ink) come out as faint as they are:
    shifted by the data's depth, not stretched to the page's own darkest and lightest."""
    page = _grey_page()
    faint = np.where(page < 128, 2500, 3000).astype(np.uint16)  # paper 187, ink 156 of 255
    decoded = decode_page(_encode(faint, ".png"))
    assert decoded.data_bits == 12
    assert int(decoded.pixels.max()) == 3000 >> 4 and int(decoded.pixels.min()) == 2500 >> 4


def test_a_dark_16_bit_page_is_not_brightened() -> None:
    """Full-range 16-bit data of a dark page (largest value past half scale) stay dark."""
    page = _grey_page()
    dark = (page.astype(np.uint32) * 40000 // 255).astype(np.uint16)
    decoded = decode_page(_encode(dark, ".tiff"))
    assert decoded.data_bits is None
    assert abs(float(np.median(decoded.pixels)) - 238 * 40000 / 65535) <= 1


def test_the_depth_is_the_nearest_that_holds_the_largest_value() -> None:
    assert [data_depth(v) for v in (0, 255, 1023, 1024, 4080, 4095, 4096, 16383, 16384,
                                    65535)] == [10, 10, 10, 12, 12, 12, 14, 14, 16, 16]


def test_a_32_bit_integer_frame_reads_by_its_depth() -> None:
    page = _grey_page()
    img = Image.fromarray(_deep(page, 12).astype(np.int32), "I")
    out = io.BytesIO()
    img.save(out, "TIFF")
    decoded = decode_page(out.getvalue())
    assert decoded.data_bits == 12
    assert np.abs(decoded.pixels.astype(int) - page).max() <= 1


def test_retouch_of_a_12_bit_page_is_a_page_not_black() -> None:
    page = _grey_page()
    data = _encode(_deep(page, 12), ".png")
    result = retouch_bytes(data, RetouchOptions(orientation=False))
    assert result.report.status != "failed"
    assert ("converted", "source=16-bit,target=8-bit,bits=12") in [
        (d.code, d.detail) for d in result.report.defects]
    assert result.report.ink_ratio < 0.2  # text on paper, not a black page


def test_the_conversion_note_says_the_data_depth_in_both_languages() -> None:
    zh, en = catalogue()["retouch.why.converted_bits"]
    params = {"source": "16-bit", "target": "8-bit", "bits": "12"}
    assert "12" in zh.format(**params) and "16-bit" in zh.format(**params)
    assert "12-bit data" in en.format(**params)
