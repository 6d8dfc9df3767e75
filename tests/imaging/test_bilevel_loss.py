"""What black and white cannot keep is flagged for a person, never passed as "ok": a small
photograph on a form (``bilevel_tones`` by region, not by the page's share), a red seal over
writing (``bilevel_colour``), the back's text showing through between the front's lines
(``bilevel_light_marks``). Plain text, faint text alone, and the same pages in colour or grey
mode are not flagged. Pages drawn here; the measures are taken on the output against the
source."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import simplejpeg
from retouch_synthetic import draw_page, scan

from dangan.i18n import catalogue
from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes
from dangan.pagegen import fonts
from dangan.pagegen.ink import INKS, Canvas
from dangan.pagegen.marks import seal

MM = 200 / 25.4  # px per mm at the drawings' 200 dpi


def _review(page: np.ndarray, mode: str = "bilevel") -> dict[str, str]:
    data = simplejpeg.encode_jpeg(scan(page, 0.0, bed=22), quality=92)
    report = retouch_bytes(data, RetouchOptions(orientation=False, mode=mode)).report  # type: ignore[arg-type]
    out = {}
    for d in report.defects:
        if d.code == "needs_review":
            reason, _, detail = d.detail.partition(":")
            out[reason] = detail
    return out


def _photo_form() -> np.ndarray:
    """A form of text with a 35 × 45 mm photograph glued on it (tones 37–159): 2.5 % of A4."""
    page = draw_page(lines=20, seed=800_401)
    w, h = round(35 * MM), round(45 * MM)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    face = np.exp(-((xx - w / 2) ** 2 / (w * 0.3) ** 2 + (yy - h * 0.4) ** 2 / (h * 0.25) ** 2))
    tone = np.clip(60 + 60 * face + 35 * np.sin(xx / 9) * np.cos(yy / 13), 37, 159)
    x0, y0 = 1180, 1700
    page[y0:y0 + h, x0:x0 + w] = tone.astype(np.uint8)[:, :, None]
    return page


def test_a_small_photograph_on_a_form_is_flagged_by_its_region() -> None:
    reasons = _review(_photo_form())
    assert "bilevel_tones" in reasons
    w, h = (int(v) for v in reasons["bilevel_tones"].split("=")[1].split("x"))
    assert 30 <= w <= 40 and 40 <= h <= 50


def _sealed() -> np.ndarray:
    """Black text with a red seal (a 42 mm ring, a star and an arc of text) stamped over it."""
    page = draw_page(lines=20, seed=800_402)
    red = np.full_like(page, 255)
    c, r = (820, 900), round(21 * MM)
    cv2.circle(red, c, r, (215, 40, 40), 9, cv2.LINE_AA)
    star = np.array([[c[0] + 60 * np.cos(a) * (1 if i % 2 == 0 else 0.4),
                      c[1] + 60 * np.sin(a) * (1 if i % 2 == 0 else 0.4)]
                     for i, a in enumerate(np.linspace(-np.pi / 2, 1.5 * np.pi, 11)[:-1])],
                    np.int32)
    cv2.fillPoly(red, [star], (215, 40, 40), cv2.LINE_AA)
    cv2.putText(red, "SEAL OF COURT", (c[0] - 120, c[1] + 110), cv2.FONT_HERSHEY_SIMPLEX,
                0.9, (215, 40, 40), 3, cv2.LINE_AA)
    # ink multiplies: the seal darkens the paper and the text under it
    out = page.astype(np.float32) * red.astype(np.float32) / 255.0
    return np.clip(out, 0, 255).astype(np.uint8)


def test_a_red_seal_over_text_asks_for_colour_mode() -> None:
    reasons = _review(_sealed())
    assert "bilevel_colour" in reasons
    assert "bilevel_colour" not in _review(_sealed(), "colour")


def _show_through(back: int = 196) -> np.ndarray:
    """Thin paper (tone 232): black front text, and between and under its lines the back's
    text mirrored, lighter (``back``)."""
    rng = np.random.default_rng(800_403)
    page = np.full((2339, 1654, 3), 232, np.uint8)
    rear = np.full((2339, 1654), 255, np.uint8)
    for i in range(34):
        text = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz  "), 44))
        cv2.putText(rear, text, (600, 330 + i * 50), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 3)
    seen = cv2.flip(rear, 1)  # read from the front, the back's lines run under the front's
    page[seen < 128] = back
    for i in range(28):
        text = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz  "), 44))
        cv2.putText(page, text, (240, 330 + i * 62), cv2.FONT_HERSHEY_SIMPLEX, 1.0,
                    (20, 20, 20), 2)
    return page


def test_show_through_beside_the_front_text_is_flagged() -> None:
    assert "bilevel_light_marks" in _review(_show_through())


def _bilevel_reasons(page: np.ndarray, mode: str = "bilevel") -> set[str]:
    return {reason for reason in _review(page, mode) if reason.startswith("bilevel_")}


def test_plain_and_faint_text_and_other_modes_are_not_flagged() -> None:
    assert _review(draw_page(seed=800_404)) == {}
    faint = draw_page(seed=800_405)
    faint[faint < 128] = 196  # faint text alone: kept, and nothing to fuse with
    assert _bilevel_reasons(faint) == set()
    assert _bilevel_reasons(_show_through(), "grey") == set()
    assert _bilevel_reasons(_photo_form(), "grey") == set()
    assert _bilevel_reasons(_sealed(), "grey") == set()


def test_the_reasons_are_worded() -> None:
    messages = catalogue()
    for key, zh_word, en_word in (("bilevel_colour", "彩色", "colour"),
                                  ("bilevel_light_marks", "灰度", "grey")):
        zh, en = messages[f"retouch.review.{key}"]
        assert zh_word in zh and en_word in en


def _verdict(seed: int, seal_rgb: tuple[int, int, int] = (200, 28, 45), over: bool = True
             ) -> bytes:
    """A verdict's last page in Song type: body text, the judges' names and the date line,
    a round red seal (42 mm: ring, star, court name round the arc) stamped over the date —
    or beside the text (``over`` False); ink multiplied onto the paper, then scanned: a
    slight blur, sensor noise, JPEG at quality 85."""
    rng = np.random.default_rng(seed)
    cv = Canvas(1654, 2339, 200)
    face = fonts.pick_face("song", rng)
    size, y = cv.mm(4.2), cv.mm(40)
    chars = list("本院认为被告人的行为已构成犯罪依照中华人民共和国刑法之规定判决如下")
    for _ in range(18):
        cv.text("".join(rng.choice(chars, int(rng.integers(20, 30)))), face, size, cv.mm(30), y)
        y += cv.mm(8)
    cv.text("审判长  张某某", face, size, cv.mm(120), y + cv.mm(10))
    cv.text("审判员  李某某", face, size, cv.mm(120), y + cv.mm(20))
    ds, x0, y0 = cv.mm(4.5), cv.mm(115), y + cv.mm(36)
    x1, _ = cv.text("二〇二三年五月十日", face, ds, x0, y0)
    centre = ((x0 + x1) // 2, y0 + ds // 2) if over else (cv.mm(60), y + cv.mm(60))
    seal(cv, *centre, cv.mm(21), "某某市中级人民法院", rng, face)
    inks = dict(INKS)
    try:
        INKS["seal"] = seal_rgb
        page, _ = cv.compose(np.full((2339, 1654, 3), (236, 233, 226), np.uint8))
    finally:
        INKS.clear()
        INKS.update(inks)
    frame = scan(page, 0.3, bed=22).astype(np.float32)
    frame += np.random.default_rng(seed).normal(0.0, 3.0, frame.shape)
    frame = cv2.GaussianBlur(np.clip(frame, 0, 255).astype(np.uint8), (0, 0), 0.7)
    return simplejpeg.encode_jpeg(frame, quality=85)


def _reasons(data: bytes, mode: str = "bilevel") -> set[str]:
    report = retouch_bytes(data, RetouchOptions(orientation=False, mode=mode)).report  # type: ignore[arg-type]
    return set(report.review)


@pytest.mark.parametrize(("seed", "red"), [(800_406, (200, 28, 45)), (800_407, (200, 30, 30))])
def test_a_seal_over_a_verdicts_date_line_asks_for_colour_mode(seed: int,
                                                              red: tuple[int, int, int]) -> None:
    """Thin Song strokes average to mid-grey on the half-size grid and take the seal's red
    from the JPEG's chroma: the date fused with the seal was not seen as text (no flag)."""
    data = _verdict(seed, red)
    assert "bilevel_colour" in _reasons(data)
    assert "bilevel_colour" not in _reasons(data, "colour")


def test_a_seal_beside_the_text_is_not_flagged() -> None:
    assert "bilevel_colour" not in _reasons(_verdict(800_408, over=False))
