"""The issue's accuracy figures on generated pages with a seed never used in development.

Pages come from ``dangan.samples`` (text, tables, seals, sparse pages, covers, photos,
blanks; Chinese and Latin text), a quarter of them turned 90/180/270. Every page is
scored against its ground truth through the exact clean→output map.
"""

from __future__ import annotations

import numpy as np
import pytest
import simplejpeg

from dangan.imaging.accuracy import score_page
from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes
from dangan.samples.layout import KINDS
from dangan.samples.page import PageSpec, render_page

SEED = 51_000  # not used while developing the engine
CYCLE = [k for k in KINDS if k != "blank"] * 2 + ["blank"]
TURNS = (180, 90, 270)


def _run(n: int, dpi: int, mode: str, seed: int) -> list:
    scores = []
    for i in range(n):
        rotation = TURNS[(i // 4) % 3] if i % 4 == 3 else 0
        rp = render_page(PageSpec(kind=CYCLE[i % len(CYCLE)], dpi=dpi, mode=mode,
                                  seed=seed + i, rotation=rotation))
        result = retouch_bytes(rp.encode(), RetouchOptions(dpi=dpi, mode=mode))  # type: ignore[arg-type]
        assert result.data is not None and result.matrix is not None
        out = simplejpeg.decode_jpeg(result.data, colorspace="GRAY")[:, :, 0]
        scores.append(score_page(rp.truth.to_dict(), rp.content_mask, out, result.matrix, True))
    return scores


def _assert_issue_figures(scores: list) -> None:
    assert all(s.upright for s in scores), "every turned page found and turned back"
    skew = np.abs([s.residual_skew_deg for s in scores])
    assert skew.mean() <= 0.05 and skew.max() <= 0.2
    assert not any(s.border_residue for s in scores), "no black border left on any page"
    assert not any(s.content_cut for s in scores), "content never cut"
    removed = sum(s.holes_removed for s in scores)
    total = sum(s.holes_total for s in scores)
    assert total > 0 and removed >= 0.98 * total


@pytest.mark.slow
def test_accuracy_200dpi_colour() -> None:
    _assert_issue_figures(_run(24, 200, "colour", SEED))


@pytest.mark.slow
def test_accuracy_300dpi_grey() -> None:
    _assert_issue_figures(_run(8, 300, "grey", SEED + 500))
