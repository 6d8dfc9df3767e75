"""Plain ``dangan status`` warns of scanned volumes whose registered page count differs from
the pages scanned (page_differs), as ``--json`` gives them."""

from __future__ import annotations

from sqlalchemy import update
from typer.testing import CliRunner

from dangan.cli.main import app
from dangan.db.models import Volume
from workflow.helpers import add_volumes

runner = CliRunner()


def test_status_lists_page_count_differences(project) -> None:  # type: ignore[no-untyped-def]
    codes = add_volumes(project, 3, pages=9)
    with project.transaction() as session:  # scanned: 6 pages of 9 registered, and 9 of 9
        session.execute(update(Volume).where(Volume.archive_code == codes[0]).values(page_count=6))
        session.execute(update(Volume).where(Volume.archive_code == codes[1]).values(page_count=9))
    result = runner.invoke(app, ["status", "-p", str(project.home)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "1 卷登记页数与已扫描页数不符，请与委托方核对" in out
    assert f"{codes[0]}：登记 9 页，已扫描 6 页" in out
    assert codes[1] not in out and codes[2] not in out
