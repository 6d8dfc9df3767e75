"""标引 is signed only with the volume's catalogue (卷内目录: at least one item imported or
accepted at the desk); a volume whose 一稿双录 keyings are not resolved has none yet. The
refusal names each volume; it is never waived. Services and the CLI, SQLite and PostgreSQL;
the web form and the API in ``web/test_index_sign_needs_catalogue.py``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from cli.runner import dangan
from dangan.db.models import CatalogueKeying, StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.i18n import t
from dangan.services import batches, claims, indexing, signoff
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from workflow.helpers import add_volumes, give_catalogue, line_to, volume_codes

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "indexing"))
from dangan_index_fixtures import write_catalogue

INDEXER = "钱标"


def _index_signed(ctx: ProjectContext) -> list[str]:
    with ctx.transaction() as s:
        return sorted(s.scalars(select(Volume.archive_code).join(
            StageEvent, StageEvent.volume_id == Volume.id).where(
            StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.INDEX)))


def _volume_id(ctx: ProjectContext, code: str) -> int:
    with ctx.transaction() as s:
        vid = s.scalar(select(Volume.id).where(Volume.archive_code == code))
        assert vid is not None
        return vid


def test_index_is_refused_without_a_catalogue_and_never_waived(
        any_project: ProjectContext) -> None:
    ctx = any_project
    add_volumes(ctx, 3)
    batch = line_to(ctx, wf.INDEX)  # 钱标 holds the batch at 标引; nothing imported
    codes = volume_codes(ctx, batch)
    indexer = resolve_actor(ctx, INDEXER)
    with pytest.raises(StateError) as err:
        signoff.sign_off(ctx, indexer, batch, wf.INDEX)
    assert err.value.key == "index.catalogue_not_imported"
    assert err.value.exit_code == 7 and err.value.http_status == 409
    assert err.value.params["count"] == 3 and err.value.params["first"] == codes[0]
    assert err.value.details == [t("index.catalogue_none", code=c) for c in codes]
    assert "dangan index import" in err.value.message
    with pytest.raises(StateError) as waived:  # 标引 has no waiver: import the catalogue
        signoff.sign_off(ctx, indexer, batch, wf.INDEX, without_work="外包已著录")
    assert waived.value.key == "workflow.not_waivable"
    with pytest.raises(StateError) as one:  # one volume named is refused alike
        signoff.sign_off(ctx, indexer, batch, wf.INDEX, archive_codes=[codes[1]])
    assert one.value.key == "index.catalogue_not_imported"
    assert one.value.details == [t("index.catalogue_none", code=codes[1])]
    assert batches.work_batch_info(ctx, batch).stage == wf.INDEX
    assert _index_signed(ctx) == []
    with ctx.transaction() as s:
        assert not s.scalars(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_WORK_WAIVED, StageEvent.stage == wf.INDEX)).all()

    give_catalogue(ctx, batch, INDEXER, codes[:1])  # the import signs it for the holder
    assert _index_signed(ctx) == codes[:1]
    with pytest.raises(StateError) as rest:  # the others are still named
        signoff.sign_off(ctx, indexer, batch, wf.INDEX)
    assert rest.value.details == [t("index.catalogue_none", code=c) for c in codes[1:]]
    give_catalogue(ctx, batch, INDEXER, codes[1:])
    assert _index_signed(ctx) == sorted(codes)
    assert batches.work_batch_info(ctx, batch).stage == wf.UPLOAD


def test_index_is_signed_once_the_catalogue_is_in(any_project: ProjectContext) -> None:
    ctx = any_project
    add_volumes(ctx, 2)
    batch = line_to(ctx, wf.INDEX, claim=False)
    codes = volume_codes(ctx, batch)
    give_catalogue(ctx, batch, INDEXER)  # imported before the claim: nothing signed yet
    assert _index_signed(ctx) == []
    indexer = resolve_actor(ctx, INDEXER)
    claims.claim(ctx, indexer, batch, wf.INDEX)
    result = signoff.sign_off(ctx, indexer, batch, wf.INDEX, remarks="目录已导入")
    assert result.volumes == 2 and result.batch_advanced
    assert _index_signed(ctx) == sorted(codes)


def test_unresolved_double_keying_is_no_catalogue(any_project: ProjectContext,
                                                  tmp_path: Path) -> None:
    ctx = any_project
    add_volumes(ctx, 2, pages=2)
    batch = line_to(ctx, wf.INDEX)
    first, second = volume_codes(ctx, batch)
    # V1: keyed twice in spreadsheets, differences not resolved; V2: keyed once at the desk
    record = [[first, "案卷一", "1997", "永久", 1, 2]]

    def typing(name: str, title: str) -> Path:
        return write_catalogue(tmp_path / name, record,
                               [[first, 1, "", "某某法院", title, "19970630", "1-2", ""]])

    a, b = typing("甲.xlsx", "判决书"), typing("乙.xlsx", "裁定书")
    assert indexing.compare_keyings(ctx, a, b, typists=("甲", "乙"))
    with ctx.transaction() as s:
        s.add(CatalogueKeying(volume_id=_volume_id(ctx, second), round=1, source="web",
                              data={"record": {}, "entries": [{"title": "判决书"}]}))
    indexer = resolve_actor(ctx, INDEXER)
    with pytest.raises(StateError) as err:
        signoff.sign_off(ctx, indexer, batch, wf.INDEX)
    assert err.value.key == "index.catalogue_not_imported"
    assert err.value.details == [t("index.catalogue_keying_unresolved", code=first),
                                 t("index.catalogue_keying_second", code=second)]
    assert _index_signed(ctx) == []
    # the resolution is imported: V1 has its catalogue and is signed for the holder
    done = indexing.resolve_keying(ctx, indexer, typing("定稿.xlsx", "判决书"))
    assert done.signed == [first]
    with pytest.raises(StateError) as left:
        signoff.sign_off(ctx, indexer, batch, wf.INDEX)
    assert left.value.details == [t("index.catalogue_keying_second", code=second)]


def test_the_cli_sign_off_names_the_volumes_without_a_catalogue(
        any_project: ProjectContext) -> None:
    ctx = any_project
    add_volumes(ctx, 2)
    batch = line_to(ctx, wf.INDEX)
    codes = volume_codes(ctx, batch)
    run = dangan("--lang", "en", "signoff", batch, "-w", INDEXER, "-p", str(ctx.home),
                 env={"DANGAN_DATABASE_URL": os.environ["DANGAN_DATABASE_URL"],
                      "COLUMNS": "300"})
    assert run.returncode == 7, run.stderr
    said = " ".join(run.stderr.split())
    assert "2 volume(s) have no catalogue" in said
    assert "dangan index import FILE -w NAME" in said
    for c in codes:
        assert f"{c}: no catalogue entries" in said
    assert batches.work_batch_info(ctx, batch).stage == wf.INDEX
    assert _index_signed(ctx) == []
