"""A skew left that the measure cannot see must not pass as straight. Handwritten vertical
script (竖排) drifts column by column: on a ruled letter paper retouched without deskew the
columns' profile peaked at 0° while the sheet and its rules lay ~1° off (``dangan.pagegen``,
held-out test seed): ``skew_after_deg`` read 0 and nothing was flagged. The skew left must
either be measured as it is or doubted (``skew_uncertain``)."""

from __future__ import annotations

from dangan.imaging.accuracy import rotation_of, to_continuous
from dangan.imaging.context import RetouchOptions
from dangan.imaging.pipeline import retouch_bytes
from dangan.pagegen import make_page


def test_drifting_handwritten_columns_do_not_read_straight() -> None:
    page = make_page(800_200, kind="vertical", turn=0)
    result = retouch_bytes(page.data, RetouchOptions(orientation=False, deskew=False))
    assert result.matrix is not None
    left = rotation_of(to_continuous(result.matrix) @ page.truth.matrix)
    assert abs(left) > 0.8  # left askew by its truth (not deskewed)
    report = result.report
    measured = report.skew_after_deg is not None and abs(report.skew_after_deg - left) <= 0.3
    doubted = report.skew_after_deg is None and report.skew_after_doubt \
        and "skew_uncertain" in report.review
    assert measured or doubted, (report.skew_after_deg, report.review, left)
