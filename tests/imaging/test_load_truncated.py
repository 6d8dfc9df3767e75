"""A page file cut short (a copy interrupted) is an unreadable page said to be truncated —
a TIFF or a PNG as a JPEG already was — not "not a readable image file" nor a class name."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from retouch_synthetic import draw_page

from dangan.i18n import t
from dangan.imaging.context import RetouchOptions
from dangan.imaging.files import PageTask, retouch_file
from dangan.imaging.load import NOT_AN_IMAGE, TRUNCATED, BadPage, decode_page, truncated

OPTS = RetouchOptions(orientation=False)


def _encoded(fmt: str, compression: str | None = None) -> bytes:
    page = Image.fromarray(np.ascontiguousarray(draw_page()[:, :, 0]))
    buf = io.BytesIO()
    extra = {"compression": compression} if compression else {}
    page.save(buf, fmt, dpi=(200, 200), **extra)
    return buf.getvalue()


@pytest.mark.parametrize("compression", [None, "tiff_deflate", "packbits"])
@pytest.mark.parametrize("kept", [0.6, 0.99])
def test_a_tiff_cut_short_is_truncated(compression: str | None, kept: float) -> None:
    data = _encoded("TIFF", compression)
    assert not truncated(data)
    decode_page(data)  # whole, it decodes
    cut = data[:int(len(data) * kept)]
    assert truncated(cut)
    with pytest.raises(BadPage) as err:
        decode_page(cut)
    assert err.value.detail == TRUNCATED


def test_a_png_cut_short_is_truncated() -> None:
    data = _encoded("PNG")
    assert not truncated(data)
    with pytest.raises(BadPage) as err:
        decode_page(data[:len(data) // 2])
    assert err.value.detail == TRUNCATED


def test_a_file_that_is_no_image_is_still_said_so() -> None:
    with pytest.raises(BadPage) as err:
        decode_page(b"II*\x00 not a tiff at all, only its first bytes" * 3)
    assert err.value.detail in (TRUNCATED, NOT_AN_IMAGE)  # its directory lies past its end
    with pytest.raises(BadPage) as err:
        decode_page(b"tracking sheet remarks " * 40)
    assert err.value.detail == NOT_AN_IMAGE


def test_a_truncated_tiff_is_a_failed_page_said_truncated(tmp_path: Path) -> None:
    src = tmp_path / "0007.tif"
    data = _encoded("TIFF", "tiff_deflate")
    src.write_bytes(data[:int(len(data) * 0.99)])
    target = tmp_path / "out" / "0007.jpg"
    report = retouch_file(PageTask(str(src), str(target), "0007.tif", OPTS))
    assert report.status == "failed" and not target.exists()
    # only why it failed: the library's warning ("Corrupt EXIF data") was a symptom of it
    assert [(d.code, d.detail) for d in report.defects] == [("unreadable", TRUNCATED)]
    assert t("retouch.unreadable.truncated") != "retouch.unreadable.truncated"
