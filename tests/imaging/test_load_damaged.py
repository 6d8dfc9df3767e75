"""Damaged page files are unreadable pages with a reason key, never a page written out.

A JPEG whose scan data has a zeroed stretch still decodes (libjpeg fills the rest with
garbage and warns "Corrupt JPEG data"): the loader refuses it as ``corrupt_jpeg``, as
``dangan check`` calls it ``corrupt_image``. A file no image format knows is
``not_an_image``, said from the catalogue, not by a Python class name.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import simplejpeg
from retouch_synthetic import draw_page

from dangan.i18n import catalogue
from dangan.imaging.context import RetouchOptions
from dangan.imaging.files import PageTask, retouch_file
from dangan.imaging.load import CORRUPT_JPEG, NOT_AN_IMAGE, BadPage, decode_page
from dangan.imaging.pipeline import retouch_bytes

OPTS = RetouchOptions(orientation=False)


def _garbled(grey: bool = False) -> bytes:
    """A sound JPEG page with 5 kB zeroed in the middle of its scan data (end marker kept)."""
    page = draw_page()
    if grey:
        page = np.ascontiguousarray(page[:, :, 0:1])
    data = bytearray(simplejpeg.encode_jpeg(page, quality=90,
                                            colorspace="GRAY" if grey else "RGB"))
    mid = len(data) // 2
    data[mid:mid + 5000] = bytes(5000)
    return bytes(data)


@pytest.mark.parametrize("grey", [False, True])
def test_a_jpeg_with_damaged_data_is_refused(grey: bool) -> None:
    data = _garbled(grey)
    assert data.endswith(b"\xff\xd9")  # not merely truncated
    with pytest.raises(BadPage) as err:
        decode_page(data)
    assert err.value.detail == CORRUPT_JPEG


def test_a_damaged_jpeg_is_a_failed_page_and_no_output(tmp_path: Path) -> None:
    src = tmp_path / "in" / "0001.jpg"
    src.parent.mkdir()
    src.write_bytes(_garbled())
    before = src.read_bytes()
    target = tmp_path / "out" / "0001.jpg"
    report = retouch_file(PageTask(str(src), str(target), "0001.jpg", OPTS))
    assert report.status == "failed"
    assert [(d.code, d.detail) for d in report.defects] == [("unreadable", "corrupt_jpeg")]
    assert not target.exists() and src.read_bytes() == before  # the master left alone


def test_a_sound_jpeg_still_decodes() -> None:
    data = simplejpeg.encode_jpeg(draw_page(), quality=90)
    assert retouch_bytes(data, OPTS).report.status != "failed"


def test_a_file_that_is_no_image_says_so_from_the_catalogue() -> None:
    report = retouch_bytes(b"hello, this is a note\n" * 40, OPTS).report
    assert report.status == "failed"
    assert [(d.code, d.detail) for d in report.defects] == [("unreadable", NOT_AN_IMAGE)]
    zh, en = catalogue()[f"retouch.unreadable.{NOT_AN_IMAGE}"]
    assert "图像" in zh and "not a readable image" in en
    zh, en = catalogue()[f"retouch.unreadable.{CORRUPT_JPEG}"]
    assert "损坏" in zh and "damaged" in en
