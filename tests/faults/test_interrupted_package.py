"""``package`` records before it publishes: re-packaging a corrected volume writes the new
files under temporaries named by their content, commits their rows, then renames them over
the delivered names. Killed (SIGKILL) after the first temporary, the delivered files and
their rows are untouched (fixity passes); killed after the commit, fixity names the files as
unfinished packaging (not as changed files) and the rerun publishes them without a second
record. A repeated request is recognised: no file rewritten, no second record. On SQLite and
PostgreSQL."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from dangan.db.models import Item, StageEvent, StoredFile
from dangan.domain import workflow as wf
from dangan.errors import IntegrityError
from dangan.services import indexing
from dangan.services.delivery.packaging import PKG_TMP
from dangan.services.fixity import fixity
from dangan.services.project import ProjectContext
from dangan.storage import Area
from faults.support import dangan, env_for
from indexing.dangan_index_fixtures import add_volume, write_catalogue
from workflow.helpers import actor

CODE = "1997-民-0014-0025"


@pytest.fixture
def indexed(any_project: ProjectContext, tmp_path: Path) -> ProjectContext:
    add_volume(any_project, CODE, 6, size=(400, 566))
    path = write_catalogue(
        tmp_path / "目录.xlsx", [[CODE, "张三诉李四", "1997", "永久", 3, 6]],
        [[CODE, 1, "(1997)民初字第25号", "张三", "起诉状", "19970105", "1", ""],
         [CODE, 2, "", "李四", "答辩状", "19970301", "3", ""],
         [CODE, 3, "", "某某人民法院", "民事判决书", "19970630", "4", ""]])
    indexing.import_catalogue(any_project, actor(any_project, "钱标", "indexer", "uploader"),
                              [path])
    return any_project


def _delivered(ctx: ProjectContext) -> dict[str, str]:
    root = Path(ctx.storage.root)
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (root / Area.UPLOADED.value).rglob("*")
            if p.is_file() and not p.name.startswith(".")}


def _temporaries(ctx: ProjectContext) -> list[str]:
    return sorted(p.name for p in (Path(ctx.storage.root) / Area.UPLOADED.value).rglob(".*"))


def _recorded(ctx: ProjectContext) -> dict[str, str]:
    with ctx.transaction() as s:
        return dict(s.execute(select(StoredFile.path, StoredFile.sha256).where(
            StoredFile.area == Area.UPLOADED.key)).all())


def _package_events(ctx: ProjectContext) -> int:
    with ctx.transaction() as s:
        return int(s.scalar(select(func.count(StageEvent.id)).where(
            StageEvent.kind == wf.EVENT_PACKAGE)) or 0)


@pytest.mark.parametrize("point", ["package.first_temporary", "package.recorded"])
def test_repackaging_killed_then_rerun(indexed: ProjectContext, point: str) -> None:
    ctx = indexed
    args = ("package", "-w", "钱标", "-p", str(ctx.home), "--form", "pdf")
    first = dangan(ctx, *args)
    assert first.returncode == 0, first.stdout + first.stderr
    before = _delivered(ctx)
    assert len(before) == 3 and before == _recorded(ctx) and _package_events(ctx) == 1

    with ctx.transaction() as s:  # a corrected catalogue: same file names, new contents
        s.execute(update(Item).where(Item.seq == 2).values(title="答辩状（更正）"))
    killed = subprocess.run([sys.executable, "-m", "dangan", "--lang", "en", *args],
                            capture_output=True, text=True, timeout=300,
                            env=env_for(ctx) | {"DANGAN_CRASH_AT": point})
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert _delivered(ctx) == before  # nothing under a delivered name changed
    assert any(n.startswith(PKG_TMP) for n in _temporaries(ctx))
    if point == "package.first_temporary":
        assert _recorded(ctx) == before and fixity(ctx).checked >= 3  # no false tampering
    else:
        with pytest.raises(IntegrityError) as bad:
            fixity(ctx)
        assert bad.value.details and all("package again" in d or "dangan package" in d
                                         for d in bad.value.details), bad.value.details

    again = dangan(ctx, *args)
    assert again.returncode == 0, again.stdout + again.stderr
    after = _delivered(ctx)
    assert after == _recorded(ctx) and len(after) == 3 and after != before
    assert _temporaries(ctx) == []
    assert _package_events(ctx) == 2  # the interrupted request recorded once
    fixity(ctx)

    repeated = dangan(ctx, *args)  # the same request again: already done
    assert repeated.returncode == 0, repeated.stdout + repeated.stderr
    assert _delivered(ctx) == after and _package_events(ctx) == 2 and _temporaries(ctx) == []
    assert "by the same request before" in repeated.stdout  # and says so
