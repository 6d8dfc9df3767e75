"""Status words in the user's language: a borrow batch's, a volume's and a rework's status in
error messages and in ``rework list`` are catalogue labels (已借出, 完成, 待返工…), never the
stored English words (borrowed, done, open)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cli.runner import dangan
from dangan.db.models import Rework, Volume, WorkBatch
from dangan.errors import ConflictError, StateError
from dangan.services import borrow, qc, rework
from dangan.services.engine import resolve_actor
from workflow.helpers import add_people, add_volumes, borrow_and_split

ENGLISH = re.compile(r"\b(borrowed|returned|planned|done|open|verified|waiting|registered)\b")


def _reworks(ctx, statuses: list[str]) -> list[int]:  # type: ignore[no-untyped-def]
    with ctx.transaction() as s:
        wb = s.scalars(select(WorkBatch)).first()
        vol = s.scalars(select(Volume)).first()
        rows = [Rework(project_id=ctx.project_id, work_batch_id=wb.id, volume_id=vol.id,
                       stage="scan", reason="缺页", status=st) for st in statuses]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def test_status_words_are_labels(project) -> None:  # type: ignore[no-untyped-def]
    ctx = project
    add_people(ctx)
    add_volumes(ctx, 2)
    no, _made = borrow_and_split(ctx, 2)
    with pytest.raises(StateError) as err:
        borrow.confirm_borrow(ctx, resolve_actor(ctx, "王借"), no, "档案室刘老师")
    assert err.value.key == "borrow.already_confirmed"
    assert "已借出" in err.value.message and not ENGLISH.search(err.value.message)
    with pytest.raises(ConflictError) as twice:
        borrow.create_borrow_batch(ctx, resolve_actor(ctx, "王借"),
                                   archive_codes=["1997-民-0014-0001"])
    assert twice.value.key == "borrow.volume_on_open_borrow"
    assert not ENGLISH.search(twice.value.message) and "（已借出）" in twice.value.message
    done, open_, verified = _reworks(ctx, ["done", "open", "verified"])
    with pytest.raises(StateError) as err:
        rework.complete_rework(ctx, resolve_actor(ctx, "张扫"), done)
    assert err.value.key == "rework.not_open"
    assert "已返工待复检" in err.value.message and not ENGLISH.search(err.value.message)
    with pytest.raises(StateError) as err:
        qc.verify_rework(ctx, resolve_actor(ctx, "孙检"), open_)
    assert err.value.key == "rework.not_done"
    assert "待返工" in err.value.message and not ENGLISH.search(err.value.message)
    r = dangan("rework", "list", "--all", "-p", str(ctx.home))
    assert r.returncode == 0, r.stderr
    for label in ("待返工", "已返工待复检", "已复检"):
        assert label in r.stdout
    assert not ENGLISH.search(r.stdout), r.stdout
    r = dangan("--lang", "en", "rework", "list", "--all", "-p", str(ctx.home))
    assert "verified" in r.stdout and verified


def test_qc_sample_units_in_chinese(project) -> None:  # type: ignore[no-untyped-def]
    from dangan.domain import workflow as wf
    from dangan.services import claims
    from workflow.helpers import line_to

    ctx = project
    add_volumes(ctx, 3)
    batch = line_to(ctx, wf.QC, claim=False)
    claims.claim(ctx, resolve_actor(ctx, "孙检"), batch, wf.QC)
    r = dangan("qc", "sample", batch, "-w", "孙检", "-p", str(ctx.home))
    assert r.returncode == 0, r.stderr
    assert re.search(r"第 \d+ (页|件)|整卷", r.stdout), r.stdout
    assert not re.search(r"\b(item|page|volume)\b", r.stdout), r.stdout


def test_status_lines_use_the_languages_colon(tmp_path) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "p"
    assert dangan("init", "-p", str(home)).returncode == 0
    zh = dangan("status", "-p", str(home))
    assert zh.returncode == 0 and "数据库：" in zh.stdout and "未处理问题：0" in zh.stdout
    assert "数据库:" not in zh.stdout
    en = dangan("--lang", "en", "status", "-p", str(home))
    assert en.returncode == 0 and "Database: " in en.stdout
