"""A landscape ruled table whose sheet fills the frame (no bed, only the lid in the corners
the turned sheet leaves open) comes out straight.

On such a page the light lid corners and the table's own outer rules look alike to the
search for a paper edge on a light bed, which may then report a steep, wrong angle; the
content angle wins only when a fit of the page's lines confirms it, and a table whose rules
join every cell into one grid gave no lines to fit. Pages drawn here, skewed 1–2°.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import simplejpeg

from dangan.imaging import deskew
from dangan.imaging.accuracy import rotation_of, to_continuous
from dangan.imaging.context import RetouchOptions
from dangan.imaging.deskew import line_fit_angle
from dangan.imaging.pipeline import retouch_bytes

OPTS = RetouchOptions(orientation=False, trust_file_dpi=True)
DPI = 200
PAPER, LID, PRINT = 249, 227, 25


def _ledger(seed: int, skew_deg: float) -> np.ndarray:
    """A landscape A4 ledger (title, ruled grid, a word or number in most cells) turned by
    ``skew_deg`` on the glass, scanned in a frame no larger than the sheet."""
    rng = np.random.default_rng(seed)
    px = DPI / 25.4
    w, h = round(297 * px), round(210 * px)
    img = np.full((h, w), PAPER, np.uint8)
    x0, x1 = int(w * rng.uniform(0.05, 0.08)), int(w * rng.uniform(0.92, 0.95))
    y0, y1 = int(h * rng.uniform(0.16, 0.2)), int(h * rng.uniform(0.86, 0.9))
    cv2.putText(img, "LEDGER OF ACCOUNTS", (w // 2 - int(60 * px), y0 - int(12 * px)),
                cv2.FONT_HERSHEY_DUPLEX, 0.25 * px, PRINT, round(0.25 * px), cv2.LINE_AA)
    cols, rows = int(rng.integers(8, 12)), int(rng.integers(10, 14))
    xs = np.linspace(x0, x1, cols + 1).astype(int)
    ys = np.linspace(y0, y1, rows + 1).astype(int)
    rule = max(1, round(0.25 * px))
    for x in xs:
        cv2.line(img, (int(x), int(ys[0])), (int(x), int(ys[-1])), PRINT, rule)
    for y in ys:
        cv2.line(img, (int(xs[0]), int(y)), (int(xs[-1]), int(y)), PRINT, rule)
    for r in range(rows):
        for c in range(cols):
            if rng.random() < 0.15:
                continue
            word = (str(int(rng.integers(1, 99999))) if rng.random() < 0.6
                    else "".join(rng.choice(list("abcdefghkmnoprstuw"), int(rng.integers(3, 7)))))
            base = int(ys[r + 1] - 0.3 * (ys[1] - ys[0]))
            cv2.putText(img, word, (int(xs[c] + 2 * px), base), cv2.FONT_HERSHEY_SIMPLEX,
                        0.13 * px, PRINT, round(0.15 * px), cv2.LINE_AA)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), skew_deg, 1.0)
    out: np.ndarray = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=LID)
    return out


def _skew(seed: int) -> float:
    rng = np.random.default_rng([seed, 7])
    return float(rng.choice([-1, 1]) * rng.uniform(1.0, 2.0))


@pytest.mark.parametrize("seed", range(10))
def test_full_frame_ledger_comes_out_straight(seed: int) -> None:
    skew = _skew(seed)
    scan = _ledger(seed, skew)
    data = simplejpeg.encode_jpeg(scan[..., None], quality=88, colorspace="GRAY")
    result = retouch_bytes(data, OPTS)
    report = result.report
    assert result.matrix is not None and report.status == "ok", report.defects
    # the output's rotation undoes the skew: what is left is the residual, measured
    residual = rotation_of(to_continuous(result.matrix)) + skew
    assert abs(residual) <= 0.15, (skew, report.skew_before_deg, report.skew_method)
    assert abs(report.skew_before_deg) <= 2.5  # no steep turn on a page skewed 1–2°
    assert abs(report.skew_after_deg) <= 0.15
    assert report.skew_method == "content"
    assert "skew_uncertain" not in report.review


def test_line_fit_reads_the_rules_of_a_grid() -> None:
    """A ruled grid without any text: its rules join into one component, yet its row rules
    are lines to fit once the column rules are taken out."""
    ink = np.zeros((500, 700), np.uint8)
    for y in range(60, 460, 40):
        cv2.line(ink, (40, y), (660, y), 255, 1)
    for x in range(40, 700, 78):
        cv2.line(ink, (x, 60), (x, 420), 255, 1)
    m = cv2.getRotationMatrix2D((350, 250), 1.5, 1.0)
    turned = cv2.warpAffine(ink, m, (700, 500), flags=cv2.INTER_NEAREST)
    assert line_fit_angle(turned, 2.0) == pytest.approx(1.5, abs=0.1)


def test_line_fit_keeps_the_lines_of_plain_text() -> None:
    ink = np.zeros((600, 450), np.uint8)
    for i in range(8):  # eight lines of "words" falling 2° to the right
        y = 100 + 50 * i
        for x in range(40, 400, 24):
            yy = round(y + (x - 40) * np.tan(np.deg2rad(2.0)))
            ink[yy - 3:yy + 3, x:x + 18] = 255
    assert line_fit_angle(ink, 2.0) == pytest.approx(-2.0, abs=0.15)


def test_a_wrong_edge_is_checked_on_the_lines_and_refused(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """Should the line fit fail again on such a page, the content angle is unconfirmed and
    the wrong edge is all that is left: checked on the ink as it would lie once turned, it is
    refused, the page is left unturned and flagged, and QC measures the skew on the output."""
    monkeypatch.setattr(deskew, "without_column_rules", lambda ink, mm: ink)
    skew = _skew(0)
    scan = _ledger(0, skew)
    data = simplejpeg.encode_jpeg(scan[..., None], quality=88, colorspace="GRAY")
    result = retouch_bytes(data, OPTS)
    report = result.report
    assert result.matrix is not None
    assert abs(rotation_of(to_continuous(result.matrix))) < 0.01  # not turned at all
    assert report.skew_method == "unsure" and "skew_uncertain" in report.review
    assert report.skew_after_deg == pytest.approx(skew, abs=0.15)  # measured, not assumed
