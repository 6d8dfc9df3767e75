"""The skew left on a page is doubted where two halves of its lines lie at different angles
(a spread of two pages) — only when each half tells its angle to a few tenths. Handwritten
lines wander: a half of them whose profile peaks bluntly is no evidence, and a straight
handwritten page (``dangan.pagegen``, held-out test seed) gets its skew measured, not
``skew_uncertain``. The spreads of ``test_deskew_residual`` stay flagged."""

from __future__ import annotations

from dangan.imaging.accuracy import rotation_of, to_continuous
from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes
from dangan.pagegen import make_page


def test_a_straight_handwritten_page_is_measured_not_doubted() -> None:
    page = make_page(800_304, kind="handwritten", turn=0)
    result = retouch_bytes(page.data, RetouchOptions(orientation=False, trust_file_dpi=True))
    assert result.matrix is not None
    left = rotation_of(to_continuous(result.matrix) @ page.truth.matrix)
    assert abs(left) < 0.1  # straight by its truth
    report = result.report
    assert "skew_uncertain" not in report.review, report.defects
    assert report.skew_after_deg is not None and abs(report.skew_after_deg) < 0.3
    assert not report.skew_after_doubt
