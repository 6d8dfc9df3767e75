"""Orientation and deskew are decided on one analysis image whatever the output mode: a colour
scan retouched in bilevel or grey mode is turned and deskewed as in colour mode (the trial's
receipt on a white lid was deskewed -0.26° in bilevel mode and left flagged in colour)."""

from __future__ import annotations

import numpy as np
import pytest
import simplejpeg
from retouch_synthetic import draw_page, scan

from dangan.imaging import pipeline
from dangan.imaging.analysis import PagePlan
from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes


def _scan() -> bytes:
    page = draw_page(seed=800_311)
    page[:, :, 0] = np.clip(page[:, :, 0].astype(np.int16) + 6, 0, 255).astype(np.uint8)
    return simplejpeg.encode_jpeg(scan(page, 0.7, turn=180), quality=90)


def test_every_mode_analyses_the_same_image(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, np.ndarray | None] = {}
    real = pipeline.analyse

    def spy(grey: np.ndarray, dpi: float, opts: RetouchOptions,
            half: np.ndarray | None = None) -> PagePlan:
        seen[opts.mode] = half
        return real(grey, dpi, opts, half)

    monkeypatch.setattr(pipeline, "analyse", spy)
    data = _scan()
    reports = {mode: retouch_bytes(data, RetouchOptions(mode=mode)).report
               for mode in ("colour", "grey", "bilevel")}
    colour = seen["colour"]
    assert colour is not None
    for mode in ("grey", "bilevel"):
        half = seen[mode]
        assert half is not None and np.array_equal(half, colour)
        r, c = reports[mode], reports["colour"]
        assert (r.rotation, r.skew_before_deg, r.skew_method) == \
            (c.rotation, c.skew_before_deg, c.skew_method)
        assert [(d.code, d.detail) for d in r.changes] == [(d.code, d.detail) for d in c.changes]
