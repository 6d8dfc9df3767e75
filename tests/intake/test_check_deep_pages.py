"""A page of more than 8 bits a sample (16-bit, or 12-bit data in a 16-bit file) is read by its
data's real depth, as retouch reads it: a full table page saved as 16-bit grey was called
blank (ink 0.000%), a scan operator could have taken it out. Palette, bilevel and CMYK pages
are read for what they are too."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from light_pages import page_number, paper
from PIL import Image

from dangan.config import ScanConfig
from dangan.domain.naming import court_rules
from dangan.intake.check import CheckOptions, run_check
from dangan.intake.content import inspect_page
from dangan.samples.layout import draw_clean_page

FOLDER = "1-1-1-1-1997-民-0014-0025"
DPI = 200


def _table(seed: int) -> np.ndarray:
    """A full 卷内目录-style table page, RGB, 200 dpi."""
    return draw_clean_page("table", DPI, np.random.default_rng(seed), sheet_no=1,
                           archive_code="1997-民-0014-0025", year=1997, pages=9)


def _grey(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(rgb).convert("L"))


def _u8(page: np.ndarray) -> np.ndarray:
    return np.clip(page, 0, 255).astype(np.uint8)


def _save(path: Path, pixels: np.ndarray) -> None:
    """Pillow for grey (8 or 16 bits), OpenCV for 48-bit colour (Pillow cannot write it)."""
    if pixels.ndim == 3 and pixels.dtype == np.uint16:
        bgr = np.ascontiguousarray(pixels[:, :, ::-1])
        if path.suffix == ".tif":
            assert cv2.imwrite(str(path), bgr, [cv2.IMWRITE_TIFF_RESUNIT, 2,
                                                cv2.IMWRITE_TIFF_XDPI, DPI,
                                                cv2.IMWRITE_TIFF_YDPI, DPI])
            return
        ok, png = cv2.imencode(".png", bgr)
        assert ok
        path.write_bytes(_with_dpi(png.tobytes()))
        return
    Image.fromarray(pixels).save(path, dpi=(DPI, DPI))


def _with_dpi(png: bytes) -> bytes:
    """The PNG with a pHYs chunk saying ``DPI`` (as Pillow writes it), after its header."""
    ppm = round(DPI / 0.0254)
    body = b"pHYs" + struct.pack(">IIB", ppm, ppm, 1)
    chunk = struct.pack(">I", 9) + body + struct.pack(">I", zlib.crc32(body))
    end = 8 + 8 + 13 + 4  # signature, IHDR's length and type, its data, its CRC
    return png[:end] + chunk + png[end:]


def _check(folder: Path, scan: ScanConfig) -> dict[str, dict[str, Any]]:
    report = run_check(str(folder.parent), CheckOptions(court_rules(), scan, workers=1))
    found: dict[str, dict[str, Any]] = {p.name: {} for p in folder.iterdir()}
    for d in report.defects:
        found[d.path.rsplit("/", 1)[-1]][d.code] = d.params
    return found


@pytest.mark.parametrize("fmt", ["tif", "png"])
@pytest.mark.parametrize("colour", [False, True])
def test_16_and_12_bit_pages_have_the_findings_of_the_8_bit_page(
        tmp_path: Path, fmt: str, colour: bool) -> None:
    folder = tmp_path / "scan" / FOLDER
    folder.mkdir(parents=True)
    pages: list[np.ndarray] = []
    for k, scale in enumerate((1, 257, 16)):  # 8-bit; full 16-bit; 12-bit data in 16 bits
        rgb = _table(41 + k)  # other sheets each time: no rescan of one another
        page = rgb if colour else _grey(rgb)
        number = _u8(page_number(("12", "47", "305")[k], 4242 + k, stroke=1))  # content
        if colour:
            number = np.repeat(number[:, :, None], 3, axis=2)
        pages += [page, number] if scale == 1 else [page.astype(np.uint16) * scale,
                                                     number.astype(np.uint16) * scale]
    blank = _u8(paper(4343))
    if colour:
        blank = np.repeat(blank[:, :, None], 3, axis=2)
    pages.append(blank.astype(np.uint16) * 257)  # a blank 16-bit page is still blank
    for n, pixels in enumerate(pages, start=1):
        _save(folder / f"{n:04d}.{fmt}", pixels)
    scan = ScanConfig(format=fmt, colour_mode="colour" if colour else "grey",
                      blank_pages_scanned=False)
    found = _check(folder, scan)
    last = f"{len(pages):04d}.{fmt}"
    assert set(found.pop(last)) == {"blank_page"}
    assert found == {f"{n:04d}.{fmt}": {} for n in range(1, len(pages))}


@pytest.mark.parametrize("scale", [257, 16])
@pytest.mark.parametrize("colour", [False, True])
def test_a_16_bit_page_measures_the_ink_of_the_8_bit_page(tmp_path: Path, scale: int,
                                                          colour: bool) -> None:
    rgb = _table(42)
    page = rgb if colour else _grey(rgb)
    eight, deep = tmp_path / "8.png", tmp_path / "16.png"
    _save(eight, page)
    _save(deep, page.astype(np.uint16) * scale)
    want, got = inspect_page(eight.read_bytes()), inspect_page(deep.read_bytes())
    assert got.colour_mode == ("colour" if colour else "grey")
    assert not got.blank and not got.faint
    assert got.ink == want.ink > 0.01
    assert got.marks == want.marks


def test_the_inner_pages_of_a_16_bit_tiff_are_read_by_their_depth(tmp_path: Path) -> None:
    grey = _grey(_table(43))
    frames = [Image.fromarray(grey.astype(np.uint16) * 16) for _ in range(2)]
    path = tmp_path / "two.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(DPI, DPI))
    info = inspect_page(path.read_bytes())
    assert info.frames == 2 and info.inner == ("content",)


@pytest.mark.parametrize("top", [1.0, 255.0])
def test_a_floating_point_tiff_is_read_by_its_range(top: float) -> None:
    """Samples 0–1 (as image software writes floating point) were read as 0–255: black."""
    grey = _grey(_table(45))
    want = inspect_page(_bytes(Image.fromarray(grey), "TIFF"))
    got = inspect_page(_bytes(Image.fromarray(grey.astype(np.float32) * (top / 255), "F"),
                              "TIFF"))
    assert got.colour_mode == "grey" and not got.blank and not got.faint
    assert abs(got.ink - want.ink) < 0.05 * want.ink


def _bytes(img: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, dpi=(DPI, DPI))
    return out.getvalue()


def test_palette_bilevel_and_cmyk_pages_are_read_for_what_they_are() -> None:
    rgb = _table(44)
    grey = Image.fromarray(_grey(rgb))
    eight = inspect_page(_bytes(grey, "PNG"))
    cases = {
        "palette grey": (grey.convert("P"), "PNG", "grey"),
        "palette colour": (Image.fromarray(rgb).quantize(64), "PNG", "colour"),
        "palette black and white": (grey.convert("1").convert("P"), "PNG", "bilevel"),
        "bilevel tiff": (grey.convert("1"), "TIFF", "bilevel"),
        "pbm": (grey.convert("1"), "PPM", "bilevel"),
        "cmyk jpeg": (Image.fromarray(rgb).convert("CMYK"), "JPEG", "colour"),
    }
    for name, (img, fmt, mode) in cases.items():
        info = inspect_page(_bytes(img, fmt))
        assert info.ok and info.colour_mode == mode, name
        assert not info.blank and not info.faint, name
        assert abs(info.ink - eight.ink) < 0.25 * eight.ink, (name, info.ink, eight.ink)
