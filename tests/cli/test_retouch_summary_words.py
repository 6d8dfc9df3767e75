"""What ``dangan retouch SRC DST`` says after a run: a finding's line counts pages (a page asked
to be reviewed for two reasons is one page, the findings said apart); a rerun that skips every
page says so, with no speed of 0.0 pages/s, and lists the findings the pages had. And
``dangan defects --all`` on a project where nothing was ever found says just that."""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any

import cv2
import numpy as np
import pytest
import simplejpeg
from PIL import Image

from cli.runner import dangan
from dangan.i18n import join, set_language, t
from dangan.services.project import ProjectContext
from imaging.retouch_synthetic import draw_page, scan


def _words(lang: str, key: str, **params: object) -> str:
    set_language(lang)
    try:
        return t(key, **params)
    finally:
        set_language(None)


def _dog_ear(page: np.ndarray, leg_px: int, bed: int = 22) -> np.ndarray:
    """The top right corner folded over: bed where it was, the blank flap beside it."""
    out = page.copy()
    w = out.shape[1]
    flap = [[w - leg_px, 0], [w, leg_px], [w - leg_px, leg_px]]
    cv2.fillPoly(out, [np.array(flap, np.int32)], (230, 230, 226))
    cv2.fillPoly(out, [np.array([[w - leg_px, 0], [w, 0], [w, leg_px]], np.int32)],
                 (bed, bed, bed))
    return out


def _untagged_png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")  # no dpi: read at the 200 dpi fallback
    return out.getvalue()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two pages with a folded corner, one of them a 300-dpi scan without a dpi of its own
    (doubted for its size too): three reasons for review on two pages. Run, then run again."""
    root = tmp_path_factory.mktemp("summary")
    src, dst = root / "in", root / "out"
    src.mkdir()
    big = cv2.resize(draw_page(), None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC)
    (src / "0001.png").write_bytes(_untagged_png(scan(_dog_ear(big, 225), 1.0,
                                                      margin=(150, 150))))
    (src / "0002.jpg").write_bytes(simplejpeg.encode_jpeg(scan(_dog_ear(draw_page(), 150), 1.0),
                                                          quality=90))
    out: dict[str, Any] = {}
    for name in ("first", "again", "again_en"):
        report = root / f"{name}.json"
        lang = "en" if name.endswith("_en") else "zh"
        r = dangan("--lang", lang, "retouch", str(src), str(dst), "--workers", "1",
                   "--no-orientation", "--report", str(report))
        assert r.returncode == 0, r.stdout + r.stderr
        out[name] = (r.stdout, json.loads(report.read_text("utf-8")))
    return out


def test_needs_review_counts_pages_not_reasons(runs: dict[str, Any]) -> None:
    stdout, report = runs["first"]
    flagged = [p for p in report["results"] if p["review"]]
    reasons = sum(len(p["review"]) for p in flagged)
    assert len(flagged) == 2 and reasons > 2, report["results"]  # the case of the trial
    lines = stdout.splitlines()
    name = _words("zh", "retouch.defect.needs_review")
    said = _words("zh", "retouch.defect_line_findings", code="needs_review", name=name,
                  count=2, findings=reasons)
    assert "  " + said in lines, stdout
    wrong = _words("zh", "retouch.defect_line", code="needs_review", name=name, count=reasons)
    assert "  " + wrong not in lines, stdout  # was: as many pages as reasons
    for reason, pages in Counter(r for p in flagged for r in p["review"]).items():
        said = _words("zh", "retouch.review_line", reason=reason,
                      name=_words("zh", f"retouch.review.{reason}"), count=pages).strip()
        assert any(ln.strip() == said for ln in lines), stdout  # by reason: pages each


@pytest.mark.parametrize(("run", "lang"), [("again", "zh"), ("again_en", "en")])
def test_a_rerun_that_skips_every_page_says_so(runs: dict[str, Any], run: str,
                                               lang: str) -> None:
    stdout, report = runs[run]
    assert report["counts"] == {"skipped": 2}
    lines = stdout.splitlines()
    head = _words(lang, "retouch.summary_all_kept", pages=2, seconds=0.0).split("0.0")[0]
    assert [ln for ln in lines if ln.startswith(head)], stdout
    old = _words(lang, "retouch.summary", pages=2, ok=0, defect=0, failed=0, skipped=2,
                 seconds=9.9, rate=0.0, workers=1)
    assert old.split("9.9")[1] not in stdout, stdout  # was "…秒，0.0 页/秒（1 个进程）"
    assert _words(lang, "retouch.kept_flagged", count=2, names=_names(lang)) in lines, stdout
    first_out, _first = runs["first"]
    findings = [ln for ln in first_out.splitlines() if ln.startswith("  ")]
    if lang == "zh":  # the findings listed as the first run found them
        assert findings and all(ln in lines for ln in findings), (first_out, stdout)


def _names(lang: str) -> str:
    set_language(lang)
    try:
        return join(["0001.png", "0002.jpg"])
    finally:
        set_language(None)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_defects_all_says_nothing_was_ever_recorded(project: ProjectContext, lang: str) -> None:
    home = str(project.home)
    everything = dangan("--lang", lang, "defects", "-p", home, "--all")
    assert everything.returncode == 0, everything.stderr
    assert everything.stdout.strip() == _words(lang, "defects.none_ever"), everything.stdout
    open_only = dangan("--lang", lang, "defects", "-p", home)
    assert open_only.stdout.strip() == _words(lang, "defects.none"), open_only.stdout
