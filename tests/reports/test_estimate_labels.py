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
