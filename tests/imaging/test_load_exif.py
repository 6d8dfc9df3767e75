"""A page file's EXIF Orientation tag says how its stored pixels are shown: the page read is
the page shown (as ``PIL.ImageOps.exif_transpose``, tags 2–8, the mirrored ones included), and
the turn is said on the loaded page (``Decoded.exif_turn``, ``exif_mirror``, ``exif_note``).
A JPEG without the tag stays on the fast libjpeg-turbo path."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
import simplejpeg
from PIL import Image, ImageOps
from retouch_synthetic import draw_page

from dangan.i18n import catalogue
from dangan.imaging import load
from dangan.imaging.context import RetouchOptions
from dangan.imaging.exif_orientation import as_shown
from dangan.imaging.load import EXIF_MIRRORED, EXIF_TURNED, decode_page
from dangan.imaging.pipeline import retouch_bytes
from dangan.pagegen import make_page

# tag: (degrees clockwise, mirrored first) — what every viewer does to show the pixels
TURNS = {1: (0, False), 2: (0, True), 3: (180, False), 4: (180, True), 5: (270, True),
         6: (90, False), 7: (90, True), 8: (270, False)}


def _stored(upright: np.ndarray, tag: int) -> np.ndarray:
    """The pixels to store with ``tag`` so that the page is shown ``upright``."""
    turn, mirror = TURNS[tag]
    out = np.rot90(upright, turn // 90)  # undo the clockwise turn
    return np.ascontiguousarray(np.fliplr(out) if mirror else out)


def _save(pixels: np.ndarray, fmt: str, tag: int | None, **kw: object) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    if tag is not None:
        exif[0x0112] = tag
    Image.fromarray(pixels).save(out, fmt, exif=exif, **kw)
    return out.getvalue()


@pytest.mark.parametrize("tag", [2, 3, 4, 5, 6, 7, 8])
def test_a_tagged_jpeg_reads_as_shown(tag: int) -> None:
    upright = draw_page()
    stored = _stored(upright, tag)
    tagged = _save(stored, "JPEG", tag, quality=92)
    decoded = decode_page(tagged)
    assert (decoded.exif_turn, decoded.exif_mirror) == TURNS[tag]
    assert decoded.pixels.shape == upright.shape
    assert np.abs(decoded.pixels.astype(int) - upright).mean() < 2.0  # JPEG noise only
    # the same pixels as the stored ones decoded, turned as Pillow's exif_transpose does
    plain = decode_page(_save(stored, "JPEG", None, quality=92)).pixels
    shown = Image.fromarray(plain)
    exif = shown.getexif()
    exif[0x0112] = tag
    shown.info["exif"] = exif.tobytes()
    assert np.array_equal(decoded.pixels, np.asarray(ImageOps.exif_transpose(shown)))
    code = EXIF_MIRRORED if TURNS[tag][1] else EXIF_TURNED
    assert decoded.exif_note == (code, f"turn={TURNS[tag][0]}")


@pytest.mark.parametrize("tag", [None, 1, 0, 9])
def test_no_tag_tag_1_and_nonsense_leave_the_pixels_as_stored(tag: int | None) -> None:
    stored = draw_page()
    decoded = decode_page(_save(stored, "JPEG", tag, quality=92))
    assert decoded.pixels.shape == stored.shape
    assert (decoded.exif_turn, decoded.exif_mirror, decoded.exif_note) == (0, False, None)


def test_a_jpeg_stays_on_libjpeg_turbo_tagged_or_not(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tag is read from the JPEG's header: Pillow never opens the file."""
    stored = cv2.resize(draw_page(), (827, 1170))
    files = [_save(stored, "JPEG", tag, quality=90) for tag in (None, 1, 6)]

    def no_pillow(*_args: object, **_kw: object) -> None:
        raise AssertionError("Pillow opened a JPEG")

    monkeypatch.setattr(load.Image, "open", no_pillow)
    shapes = [decode_page(data).pixels.shape for data in files]
    assert shapes == [(1170, 827, 3), (1170, 827, 3), (827, 1170, 3)]


def test_the_tag_is_found_behind_other_segments_and_a_broken_block_is_no_tag() -> None:
    stored = cv2.resize(draw_page(), (827, 1170))
    plain = simplejpeg.encode_jpeg(stored, quality=90)
    exif = Image.Exif()
    exif[0x0112] = 8
    block = exif.tobytes()
    assert block.startswith(b"Exif\x00\x00")
    app1 = b"\xff\xe1" + (len(block) + 2).to_bytes(2, "big") + block
    com = b"\xff\xfe\x00\x07hello"
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x/>"
    app1_xmp = b"\xff\xe1" + (len(xmp) + 2).to_bytes(2, "big") + xmp
    behind = plain[:2] + com + app1_xmp + app1 + plain[2:]
    assert decode_page(behind).exif_turn == 270
    broken = block[:12] + b"\xff" * 40  # a TIFF header whose directory lies past the end
    bad = plain[:2] + b"\xff\xe1" + (len(broken) + 2).to_bytes(2, "big") + broken + plain[2:]
    decoded = decode_page(bad)
    assert decoded.exif_note is None and decoded.pixels.shape == stored.shape


@pytest.mark.parametrize("fmt", ["PNG", "TIFF", "WEBP"])
@pytest.mark.parametrize("tag", [3, 6, 7])
def test_other_formats_read_as_shown_turned_once(fmt: str, tag: int) -> None:
    """Pillow turns a TIFF itself while loading it: the page is turned once, and said."""
    upright = draw_page()
    data = _save(_stored(upright, tag), fmt, tag, **({"lossless": True} if fmt == "WEBP"
                                                     else {}))
    decoded = decode_page(data)
    assert np.array_equal(decoded.pixels, upright)
    assert (decoded.exif_turn, decoded.exif_mirror) == TURNS[tag]


def test_as_shown_is_exif_transpose() -> None:
    pixels = np.arange(12, dtype=np.uint8).reshape(3, 4)
    for tag, (turn, mirror) in TURNS.items():
        img = Image.fromarray(pixels)
        exif = img.getexif()
        exif[0x0112] = tag
        img.info["exif"] = exif.tobytes()
        assert np.array_equal(as_shown(pixels, turn, mirror),
                              np.asarray(ImageOps.exif_transpose(img))), tag


def test_a_bogus_tag_on_upright_text_is_put_right_by_the_text() -> None:
    """Pixels stored upright with a tag that says they are shown upside down: the page read
    is upside down (as every viewer shows it), and the text-based orientation turns it back
    (or, unsure, flags it for review — never a wrong turn)."""
    page = make_page(4242, kind="letter", turn=0, skew_deg=0.0, bed="grey").image
    data = _save(page, "JPEG", 3, quality=90, dpi=(200, 200))
    assert decode_page(data).exif_turn == 180
    report = retouch_bytes(data, RetouchOptions()).report
    assert report.rotation == 180 or (report.rotation == 0 and any(
        d.code == "needs_review" for d in report.defects))


def test_the_exif_notes_are_in_the_catalogue_in_both_languages() -> None:
    for code in (EXIF_TURNED, EXIF_MIRRORED):
        zh, en = catalogue()[f"retouch.why.{code}"]
        assert "90" in zh.format(turn=90) and "90" in en.format(turn=90)
        assert all(catalogue()[f"retouch.defect.{code}"])


def test_the_report_says_the_page_was_turned_by_its_tag_and_is_no_defect() -> None:
    page = draw_page()
    report = retouch_bytes(_save(_stored(page, 6), "JPEG", 6, quality=90, dpi=(200, 200)),
                           RetouchOptions(orientation=False)).report
    assert (EXIF_TURNED, "turn=90") in [(d.code, d.detail) for d in report.defects]
    assert report.status == "ok" and (report.width, report.height) == (1654, 2339)


def test_a_mirror_tag_is_followed_and_a_person_asked() -> None:
    report = retouch_bytes(_save(_stored(draw_page(), 2), "JPEG", 2, quality=90,
                                 dpi=(200, 200)), RetouchOptions(orientation=False)).report
    assert EXIF_MIRRORED in report.review and report.status == "defect"
    zh, en = catalogue()[f"retouch.review.{EXIF_MIRRORED}"]
    assert "镜像" in zh and "mirror" in en


def test_twelve_bit_data_is_said_in_the_report() -> None:
    from dangan.services.retouch import defect_words

    grey = cv2.cvtColor(draw_page(), cv2.COLOR_RGB2GRAY).astype(np.uint16) * 16  # 0–4080
    out = io.BytesIO()
    Image.fromarray(grey).save(out, "PNG", dpi=(200, 200))
    report = retouch_bytes(out.getvalue(), RetouchOptions(orientation=False)).report
    [detail] = [d.detail for d in report.defects if d.code == "converted"]
    assert "bits=12" in detail and report.status == "ok"
    assert "12" in defect_words("converted", detail)
