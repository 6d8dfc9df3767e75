"""The catalogue template the indexer fills (卷宗信息/卷内目录) carries each volume's title as
the client's volume list gave it (案卷题名), so it is not typed again; a volume registered
without a title leaves the cell empty."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from dangan.db.models import Volume
from dangan.services import indexing
from workflow.helpers import add_volumes


def test_the_template_carries_the_registered_titles(project: Any, tmp_path: Path) -> None:
    codes = add_volumes(project, 2)  # titled 案卷1, 案卷2 as on the client's list
    with project.transaction() as session:
        session.add(Volume(project_id=project.project_id, archive_code="1997-民-0014-0009",
                           title="", expected_pages=3, list_row=9))
    book = load_workbook(indexing.write_template(project, tmp_path / "模板.xlsx"))
    rows = [list(r) for r in book["卷宗信息"].iter_rows(values_only=True)]
    head = rows[0]
    code_col, title_col = head.index("档号"), head.index("案卷题名")
    titles = {r[code_col]: r[title_col] for r in rows[1:]}
    assert titles[codes[0]] == "案卷1" and titles[codes[1]] == "案卷2"
    assert titles["1997-民-0014-0009"] in (None, "")
