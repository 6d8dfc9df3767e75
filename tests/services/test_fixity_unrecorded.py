"""``fixity`` finds a database older than the storage: stored files in the areas of recorded
files that the database does not record (a database restored from an older backup while the
storage kept the files ingested after it) are listed by path, exit 8, with a message saying
the database may be older than the storage. Tracking sheets of recorded volumes (rebuilt from
the database) and dangan's own bookkeeping are not listed. On SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.db.models import Volume
from dangan.domain import workflow as wf
from dangan.errors import IntegrityError
from dangan.samples import SetTruth, generate_set
from dangan.services.fixity import fixity
from dangan.services.project import ProjectContext
from dangan.storage import Area
from faults.support import dangan, scan_root_with
from workflow.helpers import actor, line_to


@pytest.fixture(scope="module")
def one_volume(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("scans") / "scan"
    return root, generate_set(root, 1, seed=11, pages=(3, 3), p_blank=0.0, p_duplicate=0.0)


def test_files_the_database_does_not_record_fail_fixity_naming_them(
        any_project: ProjectContext, tmp_path: Path, one_volume: tuple[Path, SetTruth]) -> None:
    from dangan.services.intake import ingest

    ctx = any_project
    src, truth = one_volume
    root = scan_root_with(ctx, src, truth.volumes, tmp_path / "scan")
    line_to(ctx, wf.SCAN)
    ingest(ctx, actor(ctx, "张扫"), root)
    storage = Path(ctx.storage.root)
    with ctx.transaction() as s:
        folder = s.scalar(select(Volume.folder_name))
    assert folder
    # dangan's own bookkeeping beside recorded files: never listed
    (storage / Area.RETOUCHED.value / folder).mkdir(parents=True)
    (storage / Area.RETOUCHED.value / folder / ".dangan-part-0001.jpg").write_bytes(b"x")
    assert fixity(ctx).checked == 3  # the tracking sheet is not a stored file: not listed

    # what a later ingest left in the storage, unknown to this (older) database
    later = folder.replace(truth.volumes[0].archive_code[-4:], "0099")
    assert later != folder
    shutil.copytree(storage / Area.SCANNED.value / folder, storage / Area.SCANNED.value / later)
    (storage / Area.UPLOADED.value / later).mkdir(parents=True)
    (storage / Area.UPLOADED.value / later / "0001.pdf").write_bytes(b"%PDF-1.4")
    expected = sorted(f"{Area.SCANNED.value}/{later}/{p.name}"
                      for p in (storage / Area.SCANNED.value / later).iterdir())
    expected.append(f"{Area.UPLOADED.value}/{later}/0001.pdf")
    assert any(name.endswith("电子档案信息跟踪表.xlsx") for name in expected)  # unknown volume

    with pytest.raises(IntegrityError) as bad:
        fixity(ctx)
    assert bad.value.key == "intake.fixity.unrecorded" and bad.value.exit_code == 8
    assert bad.value.params["unrecorded"] == len(expected) and bad.value.params["bad"] == 0
    assert bad.value.details == [f"数据库未记录：{rel}" for rel in expected]
    assert "数据库可能比存储旧" in bad.value.message

    with pytest.raises(IntegrityError) as one_area:  # --area: that area alone
        fixity(ctx, "uploaded")
    assert one_area.value.details == [f"数据库未记录：{expected[-1]}"]

    cli = dangan(ctx, "fixity", "-p", str(ctx.home))
    assert cli.returncode == 8, cli.stdout + cli.stderr
    assert "the database may be older than the storage" in cli.stderr
    assert all(rel in cli.stderr for rel in expected)
