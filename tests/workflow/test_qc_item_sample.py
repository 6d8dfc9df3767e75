"""A sample of items (件): a defect marked on a page without its item number counts against
the item whose page range holds the page, so the pass rate is over the items inspected."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import select

from dangan.db.models import Defect, StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.services import claims, qc
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from workflow.helpers import add_volumes, line_to, volume_codes

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "indexing"))
from dangan_index_fixtures import write_catalogue


def _items_sampled(ctx: ProjectContext, tmp_path: Path) -> tuple[str, list[str]]:
    """Two volumes of two one-page items each (pages 1 and 2), all four items sampled."""
    codes = add_volumes(ctx, 2)
    catalogue = write_catalogue(  # the indexer's catalogue, imported at 标引
        tmp_path / "目录.xlsx", [[c, f"案卷{c[-1]}", "1997", "永久", 2, 2] for c in codes],
        [[c, k, "", "某某法院", f"第{k}件", "19970630", str(k), ""]
         for c in codes for k in (1, 2)])
    batch = line_to(ctx, wf.QC, claim=False, catalogue=catalogue)
    assert volume_codes(ctx, batch) == codes
    inspector = resolve_actor(ctx, "孙检")
    claims.claim(ctx, inspector, batch)
    drawn = qc.draw_sample(ctx, inspector, batch, seed=5)
    assert drawn.population == 4 and len(drawn.units) == 4
    assert {u["unit"] for u in drawn.units} == {"item"}
    return batch, codes


def test_a_page_only_defect_counts_against_its_item(any_project: ProjectContext,
                                                    tmp_path: Path) -> None:
    ctx = any_project
    batch, codes = _items_sampled(ctx, tmp_path)
    inspector = resolve_actor(ctx, "孙检")
    qc.record_defect(ctx, inspector, codes[0], "missing_page", page_no=2)
    verdict = qc.decide(ctx, inspector, batch)
    assert (verdict.inspected, verdict.defective) == (4, 1)
    assert abs(verdict.rate - 0.75) < 1e-9 and not verdict.passed


def test_a_page_and_its_item_named_both_ways_are_one_unit(any_project: ProjectContext,
                                                          tmp_path: Path) -> None:
    ctx = any_project
    batch, codes = _items_sampled(ctx, tmp_path)
    inspector = resolve_actor(ctx, "孙检")
    qc.record_defect(ctx, inspector, codes[1], "missing_page", page_no=1)
    qc.record_defect(ctx, inspector, codes[1], "missing_page", item_seq=1)
    verdict = qc.decide(ctx, inspector, batch)
    assert (verdict.inspected, verdict.defective) == (4, 1)


def test_a_page_no_item_holds_is_one_more_unit_inspected(any_project: ProjectContext,
                                                         tmp_path: Path) -> None:
    ctx = any_project
    batch, codes = _items_sampled(ctx, tmp_path)
    inspector = resolve_actor(ctx, "孙检")
    # the sorter numbered 40 pages; the catalogue's items hold pages 1-2 only
    qc.record_defect(ctx, inspector, codes[0], "missing_page", page_no=7)
    verdict = qc.decide(ctx, inspector, batch)
    assert (verdict.inspected, verdict.defective) == (5, 1)


def test_qc_record_names_the_defect_type_without_placeholders(project: ProjectContext,
                                                              tmp_path: Path,
                                                              monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from dangan.cli.main import app
    from dangan.i18n import catalogue

    _batch, codes = _items_sampled(project, tmp_path)
    home = str(project.home)
    base = ["qc", "record", codes[0], "-c", "missing_page", "--page", "2", "-w", "孙检",
            "-p", home]
    for extra, shown in ((["--cause", "original"], "已记录原卷错误"), ([], "已记录问题")):
        out = CliRunner().invoke(app, [*base, *extra], catch_exceptions=False)
        assert out.exit_code == 0, out.output
        assert shown in out.output and "缺页" in out.output
        assert "{" not in out.output and "前后为" not in out.output
    monkeypatch.setenv("DANGAN_LANG", "en")
    out = CliRunner().invoke(app, [*base, "--cause", "original"], catch_exceptions=False)
    assert "Missing page" in out.output and "{" not in out.output
    # every type an inspector may record has a plain name in both languages
    texts = catalogue()
    for code in wf.DEFECT_STAGE:
        pair = texts.get(f"defect.{code}.label") or texts.get(f"defect.{code}")
        assert pair is not None and "{" not in pair[0] + pair[1], code


def _flag(ctx: ProjectContext, code: str, page: int) -> int:
    """A retouch ``needs_review`` flag on a page, as the retouch run records it."""
    with ctx.transaction() as session:
        volume = session.scalar(select(Volume).where(Volume.archive_code == code))
        assert volume is not None
        flag = Defect(project_id=ctx.project_id, volume_id=volume.id,
                      work_batch_id=volume.work_batch_id, page_no=page, code="needs_review",
                      severity="warning", source="retouch", stage=wf.RETOUCH,
                      data={"detail": "orientation"})
        session.add(flag)
        session.flush()
        return flag.id


def test_a_passing_verdict_accepts_only_the_flags_on_sampled_pages_and_says_so(
        any_project: ProjectContext, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from dangan.cli.main import app

    ctx = any_project
    batch, codes = _items_sampled(ctx, tmp_path)
    seen = _flag(ctx, codes[0], 2)  # page 2 is item 2, sampled
    unseen = _flag(ctx, codes[1], 9)  # the items hold pages 1-2: nobody looked at page 9
    out = CliRunner().invoke(app, ["qc", "decide", batch, "-w", "孙检", "-p", str(ctx.home)],
                             catch_exceptions=False)
    assert out.exit_code == 0, out.output
    assert "合格" in out.output
    assert f"案卷 {codes[0]}：第 2 页 需人工复核" in out.output
    assert "抽检之外的 1 处提示无人看过" in out.output and codes[1] not in out.output
    with ctx.transaction() as session:
        status = dict(session.execute(select(Defect.id, Defect.status)).all())
        assert status == {seen: "waived", unseen: "open"}
        history = session.execute(select(Volume.archive_code, StageEvent.data).join(
            Volume, Volume.id == StageEvent.volume_id).where(
            StageEvent.kind == wf.EVENT_QC_DECISION)).all()
    assert [(c, [a["page_no"] for a in d["accepted"]]) for c, d in history] == [(codes[0], [2])]
