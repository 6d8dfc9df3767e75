"""The retouch sign-off of each volume carries that volume's own figures (its pages, the
findings of the automatic QC on it) — on the sign-off, the tracking sheet's 修图 line, and
what `dangan retouch -p` prints for each volume it signed."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from cli.runner import dangan
from dangan.compute.executors import InProcessExecutor
from dangan.db.models import Defect, StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.export.tracking_sheet import sheet_rel
from dangan.i18n import t
from dangan.samples import generate_set
from dangan.services import claims, intake
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.services.retouch import project as retouch_project
from workflow.helpers import line_to

SEED = 23


def _at_retouch(ctx: ProjectContext, tmp_path: Path) -> str:
    scans = tmp_path / "scan"
    truth = generate_set(scans, 2, seed=SEED, pages=(2, 5), p_blank=0.0, p_duplicate=0.0)
    with ctx.transaction() as session:
        for row, v in enumerate(truth.volumes, 1):
            session.add(Volume(project_id=ctx.project_id, archive_code=v.archive_code,
                               expected_pages=v.image_count, list_row=row))
    batch = line_to(ctx, wf.SCAN)
    intake.ingest(ctx, resolve_actor(ctx, "张扫"), scans)
    claims.claim(ctx, resolve_actor(ctx, "赵修"), batch, wf.RETOUCH)
    return batch


def _own_figures(ctx: ProjectContext) -> dict[str, tuple[int, int, str, str]]:
    """archive code -> (pages ingested, retouch findings, sign-off remarks, folder)."""
    with ctx.transaction() as session:
        out = {}
        for v in session.scalars(select(Volume)):
            found = session.scalar(select(func.count()).select_from(Defect).where(
                Defect.volume_id == v.id, Defect.source == "retouch")) or 0
            remarks = session.scalar(select(StageEvent.remarks).where(
                StageEvent.volume_id == v.id, StageEvent.kind == wf.EVENT_SIGNOFF,
                StageEvent.stage == wf.RETOUCH))
            out[v.archive_code] = (v.page_count or 0, int(found), remarks or "",
                                   v.folder_name or "")
        return out


def _sheet_text(ctx: ProjectContext, folder: str, code: str) -> str:
    wb = load_workbook(ctx.storage.path(sheet_rel(folder, code)))
    return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows()
                     for c in row if c.value is not None)


def test_each_volume_is_signed_with_its_own_figures(project: ProjectContext,
                                                    tmp_path: Path) -> None:
    ctx = project
    _at_retouch(ctx, tmp_path)
    summary = retouch_project.run(ctx, InProcessExecutor(), actor=resolve_actor(ctx, "赵修"))
    figures = _own_figures(ctx)
    assert sorted(summary.signed) == sorted(figures)
    assert len({pages for pages, _d, _r, _f in figures.values()}) == 2  # two sizes: it can fail
    for code, (pages, defects, remarks, folder) in figures.items():
        own = t("retouch.signoff_remarks", pages=pages, defects=defects)
        assert remarks == own  # not the whole run's pages and findings
        assert own in _sheet_text(ctx, folder, code)  # the tracking sheet's 修图 line
        assert summary.signed_figures[code] == (pages, defects)


def _squeeze(text: str) -> str:
    return "".join(text.split())  # the terminal may fold a long line at any space


def test_retouch_on_the_command_line_says_per_volume_what_it_signed(
        project: ProjectContext, tmp_path: Path) -> None:
    ctx = project
    _at_retouch(ctx, tmp_path)
    r = dangan("retouch", "-p", str(ctx.home), "-w", "赵修", "--workers", "1")
    assert r.returncode == 0, r.stderr
    figures = _own_figures(ctx)
    for code, (pages, defects, _remarks, _folder) in figures.items():
        said = t("retouch.volume_signed", code=code, stage=t("stage.retouch"), user="赵修",
                 pages=pages, defects=defects)
        assert _squeeze(said) in _squeeze(r.stdout)
    again = dangan("retouch", "-p", str(ctx.home), "-w", "赵修", "--workers", "1")
    assert again.returncode == 0, again.stderr
    assert "已签“修图”" not in _squeeze(again.stdout)  # nothing signed twice, and it says so
    assert _squeeze(t("retouch.volumes_already_signed", count=2,
                      codes="、".join(sorted(figures)))) in _squeeze(again.stdout)


def test_retouch_of_a_batch_that_does_not_exist_names_it(project: ProjectContext,
                                                        tmp_path: Path) -> None:
    ctx = project
    _at_retouch(ctx, tmp_path)
    for lang, said in (("zh-CN", "没有小批次 1-3-9"), ("en", "No work batch 1-3-9")):
        r = dangan("retouch", "-p", str(ctx.home), "-w", "赵修", "--batch", "1-3-9",
                   env={"DANGAN_LANG": lang})
        assert r.returncode == 5, r.stdout + r.stderr
        out = r.stdout + r.stderr
        assert said in out and "workflow.no_batch" not in out
