"""A defect the project manager withdrew (撤销, status ``waived``) was recorded in error: the
acceptance summary leaves it out of the defects found, as the quality report does."""

from __future__ import annotations

from dangan.domain import workflow as wf
from dangan.reports.quality import quality
from dangan.reports.summary import summary
from dangan.services.project import ProjectContext
from reports.helpers import Line, at


def test_a_withdrawn_defect_is_not_counted_as_found(any_project: ProjectContext) -> None:
    line = Line(any_project, volumes=2)
    line.people(张扫=[wf.SCAN_OPERATOR])
    line.defect("张扫", "skew", wf.SCAN, at("2026-11-20"))
    line.defect("张扫", "blurred", wf.SCAN, at("2026-11-20"), status="waived")
    found = sum(r.found for r in summary(any_project).rounds)
    assert found == 1
    assert found == sum(quality(any_project).rounds.values())
