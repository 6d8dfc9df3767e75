"""The reading stops at the box that settles the page, not at the end of a round of three.

After a first round of ``READ_STEP`` boxes (the fewest that can settle a page), boxes are read
one at a time while the reading leaves a doubt: a Latin page that needs a fourth box to be
sure reads four boxes, not six. The decision is the one reading by rounds of three gives.
Pages from ``latin_pages`` at test seeds.
"""

from __future__ import annotations

from functools import cache

import latin_pages
import numpy as np
import pytest

from dangan.imaging import orientation_reading
from dangan.imaging.orientation import OrientationDecision, decide_orientation

pytestmark = pytest.mark.skipif(not latin_pages.available(),
                                reason="URW fonts or licence texts not on this system")


@cache
def _page(seed: int) -> np.ndarray:
    return latin_pages.page(seed, "typed", 200)


def _decide(seed: int, clockwise: int) -> OrientationDecision:
    grey = np.ascontiguousarray(np.rot90(_page(seed), -clockwise // 90))
    return decide_orientation(grey, 200.0)


def _reading(d: OrientationDecision) -> dict[str, object]:
    reading = d.evidence["reading"]
    assert isinstance(reading, dict)
    return reading


@pytest.mark.parametrize(("seed", "clockwise"), [(800000, 0), (800006, 180)])
def test_the_reading_stops_at_the_box_that_settles_the_page(
        seed: int, clockwise: int, monkeypatch: pytest.MonkeyPatch) -> None:
    early = _decide(seed, clockwise)
    monkeypatch.setattr(orientation_reading, "MORE_STEP", orientation_reading.READ_STEP)
    rounds = _decide(seed, clockwise)
    assert (early.rotation, early.review) == (rounds.rotation, rounds.review) == (
        (360 - clockwise) % 360, "")
    # Four boxes (two views each: as it lies and upside down) against two rounds of three.
    assert (_reading(early)["boxes"], _reading(early)["recognised"]) == (4, 8)
    assert (_reading(rounds)["boxes"], _reading(rounds)["recognised"]) == (6, 12)
