"""A stored master deleted from the storage is "missing" to ``dangan backup`` as it is to
``dangan fixity``; "differs from its checksum" is said only of a file whose content changed.
Either way the backup finishes the rest and exits 8."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from site_helpers import FILES, returned_and_open
from sqlalchemy import select

from cli.runner import dangan
from dangan.db.models import StoredFile
from dangan.errors import IntegrityError
from dangan.services.fixity import fixity
from dangan.services.project import ProjectContext, open_project
from dangan.services.site import backup

WIDE = {"COLUMNS": "400"}  # one console line per message: headings are not wrapped


def _paths(ctx: ProjectContext) -> list[str]:
    with ctx.transaction() as s:
        return list(s.scalars(select(StoredFile.path).order_by(StoredFile.path)))


def _rot(ctx: ProjectContext, rel: str) -> None:
    stored = Path(ctx.storage.path(rel))
    data = bytearray(stored.read_bytes())
    data[100] ^= 0xFF  # same size, other content
    stored.write_bytes(bytes(data))


def _listed(stdout: str) -> dict[str, list[str]]:
    """The files listed under the backup's "missing" and "differs" headings."""
    listed: dict[str, list[str]] = {}
    heading = ""
    for line in stdout.splitlines():
        if line.strip().startswith("•"):
            listed.setdefault(heading, []).append(line.strip()[1:].strip())
        elif "缺失" in line:
            heading = "missing"
        elif "校验值不同" in line:
            heading = "changed"
    return listed


def test_a_deleted_master_is_missing_and_a_changed_one_differs(project: ProjectContext,
                                                               tmp_path: Path) -> None:
    ctx = project
    returned_and_open(ctx)
    gone, rotten, *_ = _paths(ctx)
    Path(ctx.storage.path(gone)).unlink()
    _rot(ctx, rotten)
    with pytest.raises(IntegrityError) as fx:
        fixity(ctx)
    assert f"缺失：{gone}" in fx.value.details and f"校验值不符：{rotten}" in fx.value.details
    out = tmp_path / "备份"
    r = dangan("backup", str(out), "-p", str(ctx.home), env=WIDE)
    assert r.returncode == 8, r.stderr
    # each file is listed under its own heading: the deleted one is not "differs"
    assert _listed(r.stdout) == {"missing": [gone], "changed": [rotten]}, r.stdout
    assert "1个存储文件缺失、1个校验不一致" in "".join(r.stderr.split())
    js = dangan("backup", str(out), "-p", str(ctx.home), "--json")
    assert js.returncode == 8
    data = json.loads(js.stdout)
    assert (data["missing"], data["changed"], data["damaged"]) == ([gone], [rotten], [])
    en = dangan("--lang", "en", "backup", str(out), "-p", str(ctx.home), env=WIDE)
    assert en.returncode == 8 and "missing from the storage" in " ".join(en.stdout.split())
    # the snapshot leaves out both (neither is in the backup): a restore names them
    restored = backup.restore(out, tmp_path / "恢复")
    assert restored.not_backed_up == tuple(sorted([gone, rotten]))


def test_a_master_deleted_after_a_backup_is_missing_and_the_backup_holds_it(
        project: ProjectContext, tmp_path: Path) -> None:
    ctx = project
    returned_and_open(ctx)
    gone = _paths(ctx)[0]
    out = tmp_path / "备份"
    assert backup.backup(ctx, out).failed_verification == []
    Path(ctx.storage.path(gone)).unlink()
    result = backup.backup(ctx, out)
    assert result.missing == [gone] and result.damaged == result.changed == []
    assert result.not_backed_up == [] and result.failed_verification == [gone]
    r = dangan("backup", str(out), "-p", str(ctx.home), env=WIDE)
    assert r.returncode == 8, r.stderr
    flat = "".join(r.stdout.split())
    assert "1个存储文件在存储区中缺失（其中1个备份中保有" in flat and gone in flat
    assert "校验值不同" not in flat  # was: "differ from the checksum the database records"
    restored = backup.restore(out, tmp_path / "恢复")  # the backup brings it back
    assert restored.not_backed_up == ()
    assert fixity(open_project(restored.home)).checked == FILES
