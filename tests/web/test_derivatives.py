"""How previews and thumbnails are made: colour and grey JPEG through libjpeg-turbo with DCT
scaling, the rest (EXIF-turned, CMYK, TIFF) through Pillow; the cache is made again when a
cached file is not a whole JPEG."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from dangan.storage import derivatives as dv
from dangan.storage.areas import Storage
from dangan.storage.checksum import sha256_bytes


def _page(mode: str, size: tuple[int, int], fmt: str = "JPEG", **save: object) -> bytes:
    rng = np.random.default_rng(3)
    w, h = size
    pixels = np.full((h, w, 3), 230, np.uint8)
    pixels[h // 4:h // 4 + 40, w // 10:w - w // 10] = (30, 30, 120)  # a bar across the top
    pixels = pixels - rng.integers(0, 10, (h, w, 1), dtype=np.uint8)
    img = Image.fromarray(pixels).convert(mode)
    out = io.BytesIO()
    img.save(out, fmt, **save)
    return out.getvalue()


def _open(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def test_colour_and_grey_jpeg_sizes_and_modes() -> None:
    colour = _page("RGB", (1654, 2339), quality=85)
    preview = _open(dv.make_derivative(colour, 1600, 82))
    assert (preview.format, preview.mode, preview.size) == ("JPEG", "RGB", (1131, 1600))
    thumb = _open(dv.make_derivative(colour, 200, 75))
    assert thumb.size == (141, 200)
    grey = _open(dv.make_derivative(_page("L", (2480, 3508), quality=85), 1600, 82))
    assert (grey.mode, grey.size) == ("L", (1131, 1600))
    small = _open(dv.make_derivative(_page("RGB", (800, 600), quality=85), 1600, 82))
    assert small.size == (800, 600)  # never enlarged
    # the content is where it was: the dark bar a quarter down the page
    rows = np.asarray(preview.convert("L")).mean(axis=1)
    assert rows[int(1600 * 0.25) + 5] < 120 < rows[int(1600 * 0.6)]


def test_exif_turned_cmyk_and_tiff_take_pillow() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: shown turned 90° clockwise
    turned = _open(dv.make_derivative(_page("RGB", (2339, 1654), quality=85, exif=exif), 1600, 82))
    assert turned.size == (1131, 1600)
    cmyk = _open(dv.make_derivative(_page("CMYK", (1654, 2339), quality=85), 1600, 82))
    assert (cmyk.mode, cmyk.size) == ("RGB", (1131, 1600))
    tiff = _open(dv.make_derivative(_page("L", (1654, 2339), "TIFF", compression="tiff_lzw"),
                                    1600, 82))
    assert (tiff.mode, tiff.size) == ("L", (1131, 1600))


def test_a_cut_cache_file_is_made_again(tmp_path: Path) -> None:
    source = Storage(str(tmp_path / "store"))
    data = _page("RGB", (1654, 2339), quality=85)
    source.write_bytes("已扫描/a/0001.jpg", data, masters=True)
    cache = dv.cache_storage(tmp_path)
    sha = sha256_bytes(data)
    first = dv.derivative(cache, source, "已扫描/a/0001.jpg", sha, "preview")
    target = Path(cache.path(dv.cache_rel("preview", sha)))
    assert not first.placeholder and target.read_bytes() == first.data
    target.write_bytes(first.data[: len(first.data) // 2])  # a write cut by a power loss
    again = dv.derivative(cache, source, "已扫描/a/0001.jpg", sha, "preview")
    assert again.data == first.data and target.read_bytes() == first.data
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".tmp-")]
