"""A catalogue imported again after the QC sample was drawn voids that sample: the verdict is
refused (the sample no longer stands for what is delivered), the next draw voids the open
inspection — recorded, no attempt counted — and samples the catalogue as it is now."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from cli.runner import dangan
from dangan.db.models import QCInspection, StageEvent
from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.services import batches, claims, indexing, qc
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from workflow.helpers import add_volumes, line_to, volume_codes

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "indexing"))
from dangan_index_fixtures import write_catalogue


def _catalogue(path: Path, items: dict[str, int]) -> Path:
    """``items``: archive code -> items of one page each."""
    return write_catalogue(
        path, [[c, f"案卷{c[-1]}", "1997", "永久", n, n] for c, n in items.items()],
        [[c, k, "", "某某法院", f"第{k}件", "19970630", str(k), ""]
         for c, n in items.items() for k in range(1, n + 1)])


def _at_qc_with_a_sample(ctx: ProjectContext, tmp_path: Path) -> tuple[str, list[str], int]:
    codes = add_volumes(ctx, 2)
    batch = line_to(ctx, wf.QC, claim=False,  # the catalogue imported at 标引
                    catalogue=_catalogue(tmp_path / "目录.xlsx", {c: 2 for c in codes}))
    assert volume_codes(ctx, batch) == codes
    inspector = resolve_actor(ctx, "孙检")
    claims.claim(ctx, inspector, batch)
    first = qc.draw_sample(ctx, inspector, batch, seed=5)
    assert first.population == 4 and first.inspection_id is not None
    return batch, codes, first.inspection_id


def test_a_catalogue_replaced_after_the_draw_voids_the_sample(project: ProjectContext,
                                                              tmp_path: Path) -> None:
    ctx = project
    batch, codes, first = _at_qc_with_a_sample(ctx, tmp_path)
    inspector = resolve_actor(ctx, "孙检")
    indexing.import_catalogue(ctx, resolve_actor(ctx, "钱标"),
                              [_catalogue(tmp_path / "改.xlsx", {codes[0]: 3})], replace=True,
                              correction="页码录错")
    with pytest.raises(StateError) as err:
        qc.decide(ctx, inspector, batch)
    assert err.value.key == "qc.sample_stale"
    assert err.value.params["id"] == first and err.value.params["codes"] == codes[0]
    again = qc.draw_sample(ctx, inspector, batch, seed=5)
    assert again.voided == first and again.changed == [codes[0]]
    assert again.population == 5 and again.inspection_id not in (None, first)
    with ctx.transaction() as session:
        old = session.get(QCInspection, first)
        assert old is not None and old.decision == qc.VOID
        voids = [e.data for e in session.scalars(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_QC_DECISION))]
        assert voids == [{"inspection_id": first, "decision": "void",
                          "catalogue_changed": [codes[0]]}]
    with pytest.raises(StateError) as err:  # the new sample is open, and not stale
        qc.draw_sample(ctx, inspector, batch)
    assert err.value.key == "qc.inspection_open"
    result = qc.decide(ctx, inspector, batch)
    assert result.passed and batches.work_batch_info(ctx, batch).stage == wf.REBIND


def test_the_voided_draw_counts_no_attempt(project: ProjectContext, tmp_path: Path) -> None:
    ctx = project
    batch, codes, _first = _at_qc_with_a_sample(ctx, tmp_path)
    inspector = resolve_actor(ctx, "孙检")
    for n in range(wf.MAX_QC_ATTEMPTS):  # more re-imports than attempts allowed
        indexing.import_catalogue(ctx, resolve_actor(ctx, "钱标"),
                                  [_catalogue(tmp_path / f"改{n}.xlsx", {codes[0]: 3 + n})],
                                  replace=True, correction="页码录错")
        assert qc.draw_sample(ctx, inspector, batch).voided is not None


def test_the_command_line_tells_the_inspector(project: ProjectContext, tmp_path: Path) -> None:
    ctx = project
    batch, codes, first = _at_qc_with_a_sample(ctx, tmp_path)
    indexing.import_catalogue(ctx, resolve_actor(ctx, "钱标"),
                              [_catalogue(tmp_path / "改.xlsx", {codes[1]: 1})], replace=True,
                              correction="页码录错")
    home = str(ctx.home)
    r = dangan("qc", "decide", batch, "-w", "孙检", "-p", home)
    assert r.returncode == 7 and codes[1] in r.stderr and "重新抽样" in r.stderr
    r = dangan("qc", "sample", batch, "-w", "孙检", "-p", home)
    assert r.returncode == 0, r.stderr
    assert f"抽检 #{first} 作废" in r.stdout and codes[1] in r.stdout
