"""The estimate's per-stage column holds pages per person-day (the output of one person in
a day), not a price: it was headed 单价 / Rate, the head of the pay report's yuan per unit."""

from __future__ import annotations

import pytest

from dangan.i18n import set_language
from dangan.reports.estimate import estimate
from dangan.services.project import ProjectContext
from reports.helpers import Line


@pytest.mark.parametrize(("lang", "head"), [("zh", "日产量（页/人日）"),
                                            ("en", "Output (pages/person-day)")])
def test_the_stage_rate_is_headed_as_pages_per_person_day(project: ProjectContext, lang: str,
                                                          head: str) -> None:
    Line(project, volumes=10, pages=30)
    set_language(lang)
    try:
        stages = estimate(project).document("测试项目").tables[0]
    finally:
        set_language("zh")
    assert stages.columns[2] == head
    assert "单价" not in stages.columns and "Rate" not in stages.columns
    scan = next(row for row in stages.rows if row[0] in ("扫描", "Scan"))
    assert scan[2] == 2000.0  # workload.pages_per_person_day of the court template


def test_items_are_a_count_or_marked_as_an_estimate(project: ProjectContext) -> None:
    """Without a catalogue the items are estimated from the pages and say so; with one they
    are a count — never a count printed as 18.0."""
    line = Line(project, volumes=10, pages=30)
    est = estimate(project)
    assert est.items_estimated
    items = dict(est.document("测试项目").facts)["件数"]
    assert isinstance(items, str) and items.startswith("约 ") and "估算" in items
    line.items(next(iter(line.volume_ids)), 18)
    est = estimate(project)
    assert not est.items_estimated
    assert dict(est.document("测试项目").facts)["件数"] == 18
