import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "indexing"))

from dangan_index_fixtures import add_volume, write_catalogue
from sqlalchemy import select

from dangan.db.models import Volume
from dangan.domain import workflow as wf
from dangan.services import indexing
from dangan.services.delivery import packaging
from workflow.helpers import actor

CODE = "1997-民-0014-0025"
CODE2 = "1997-民-0014-0026"


@pytest.fixture
def two_packaged(project: Any, tmp_path: Path) -> tuple[Any, list[int]]:
    """Two volumes of two pages, catalogued and packaged as PDF by 钱标; (project, volume ids)."""
    ids = [add_volume(project, CODE, 2, size=(400, 566)),
           add_volume(project, CODE2, 2, size=(400, 566))]
    path = write_catalogue(
        tmp_path / "目录.xlsx",
        [[CODE, "张三诉李四", "1997", "永久", 1, 2], [CODE2, "王五诉赵六", "1997", "30年", 1, 2]],
        [[CODE, 1, "", "张三", "起诉状", "19970105", "1", ""],
         [CODE2, 1, "", "王五", "起诉状", "1997", "1", ""]])
    packager = actor(project, "钱标", "indexer", "uploader")
    indexing.import_catalogue(project, packager, [path])
    packaging.package(project, packager, "pdf")
    return project, ids


@pytest.fixture
def packaged_at_qc(two_packaged: tuple[Any, list[int]]) -> tuple[Any, list[int]]:
    """``two_packaged``, the volumes past the upload stage (at QC)."""
    project, ids = two_packaged
    with project.transaction() as session:
        for volume in session.scalars(select(Volume)):
            volume.stage = wf.QC
    return project, ids


@pytest.fixture
def package_one(project: Any, tmp_path: Path) -> Callable[[str], Any]:
    """Packages, in the given form, one volume of five pages catalogued as two items."""
    def run(form: str) -> Any:
        add_volume(project, CODE, 5, size=(400, 566))
        path = write_catalogue(
            tmp_path / "目录.xlsx", [[CODE, "张三诉李四", "19970101-19971231", "永久", 2, 5]],
            [[CODE, 1, "(1997)民初字第25号", "张三", "起诉状", "19970105", "1", ""],
             [CODE, 2, "", "某某人民法院", "民事判决书", "19970630", "3", ""]])
        indexing.import_catalogue(project, actor(project, "钱标", "indexer", "uploader"), [path])
        packaging.package(project, actor(project, "钱标", "indexer", "uploader"), form)
        return project
    return run
