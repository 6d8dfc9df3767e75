"""工程总结表 counts, for each role, the people who signed work of that role's stages — not
everyone holding the role (an indexer who may also upload is no 上传员 until they upload)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from dangan.domain import workflow as wf
from dangan.export.reports_xlsx import write_report_xlsx
from dangan.reports.summary import summary
from dangan.services.project import ProjectContext
from reports.helpers import Line, at


def test_people_per_role_are_those_who_signed_its_stages(any_project: ProjectContext,
                                                         tmp_path: Path) -> None:
    line = Line(any_project, volumes=2)
    line.people(钱标=[wf.INDEXER, wf.UPLOADER], 孙传=[wf.UPLOADER], 张扫=[wf.SCAN_OPERATOR])
    codes = ["V1", "V2"]
    line.sign("张扫", wf.SCAN, codes, at("2026-11-18"))
    line.sign("钱标", wf.INDEX, codes, at("2026-11-19"))
    line.sign("孙传", wf.UPLOAD, codes, at("2026-11-20"))
    people = summary(any_project).people
    assert people == {wf.INDEXER: 1, wf.SCAN_OPERATOR: 1, wf.UPLOADER: 1}
    wb = load_workbook(write_report_xlsx(summary(any_project).document("法院"),
                                         tmp_path / "summary.xlsx"))
    rows = {r[0]: r[1] for ws in wb.worksheets for r in ws.iter_rows(values_only=True)}
    assert rows["上传员"] == 1
