"""A page a retoucher replaced by hand is never redone by a run, not even with ``--force``;
and a replacement must be a change.

``--force`` redoes the engine's own pages from the masters; a hand-fixed version is a person's
work, recorded with who and when (``services.retouch.fix``). Redoing it from the master would
write the engine's output beside it, record that as the page's retouched file and drop the
``hand_fixed`` mark: the fix silently undone, and two retouched files for one page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from cli.runner import dangan
from dangan.compute.executors import InProcessExecutor
from dangan.db.models import Page, StoredFile
from dangan.errors import ConflictError
from dangan.i18n import t
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext, open_project
from dangan.services.retouch import fix
from dangan.services.retouch import project as retouch_project
from dangan.storage.areas import Area
from web.images import add_image_accounts, text_page_jpeg, to_stage
from web.support import Line, build_line


def _no_orientation(ctx: ProjectContext) -> ProjectContext:
    toml = ctx.home / "dangan.toml"
    toml.write_text(toml.read_text("utf-8").replace("orientation = true", "orientation = false",
                                                    1), "utf-8")
    return open_project(ctx.home)


def _retouched(ctx: ProjectContext, page_id: int) -> list[tuple[str, str]]:
    with ctx.transaction() as session:
        return [(f.path, f.sha256) for f in session.scalars(select(StoredFile).where(
            StoredFile.page_id == page_id, StoredFile.area == Area.RETOUCHED.key))]


def test_force_keeps_a_hand_fixed_page(line: Line) -> None:
    from dangan.domain import workflow as wf
    from dangan.services import engine

    line.ctx = _no_orientation(line.ctx)
    ctx = line.ctx
    add_image_accounts(ctx)
    code = line.batches[0]
    first, _second = to_stage(line, code, wf.RETOUCH, pages=2)
    engine.claim(ctx, resolve_actor(ctx, "赵修"), code)
    retoucher = resolve_actor(ctx, "赵修")
    retouch_project.run(ctx, InProcessExecutor(), batch=code)  # recorded, not signed
    fixed = fix.replace_page(ctx, retoucher, first.archive_code, 2, text_page_jpeg(2, tilt=0))
    with ctx.transaction() as session:
        page_id = session.scalar(select(Page.id).where(Page.volume_id == first.volume_id,
                                                       Page.page_no == 2))
        engine_page = session.scalar(select(Page.id).where(Page.volume_id == first.volume_id,
                                                           Page.page_no == 1))
    assert page_id is not None and engine_page is not None
    assert _retouched(ctx, page_id) == [(fixed.path, fixed.sha256)]
    before_engine_page = _retouched(ctx, engine_page)

    again = retouch_project.run(ctx, InProcessExecutor(), batch=code, force=True)

    by_source = {p.source.rsplit("/", 1)[-1]: p for p in again.pages
                 if f"/{first.archive_code}/" in p.source}
    assert by_source["0002.jpg"].status == "skipped"  # the hand fix kept, said as kept
    assert by_source["0001.jpg"].status != "skipped"  # the engine's own page redone
    assert _retouched(ctx, page_id) == [(fixed.path, fixed.sha256)]
    assert ctx.storage.sha256(fixed.path) == fixed.sha256
    with ctx.transaction() as session:
        page = session.get(Page, page_id)
        assert page is not None and page.metrics["hand_fixed"]["by"] == "赵修"
    assert [p for p, _s in _retouched(ctx, engine_page)] == [p for p, _s in before_engine_page]



def test_a_replacement_identical_to_the_page_is_refused(project: ProjectContext,
                                                       tmp_path: Path) -> None:
    """A "fixed" file byte for byte the current retouched page is no fix: refused (it would
    settle the page's findings and close a rework with nothing changed), nothing recorded."""
    from dangan.domain import workflow as wf
    from dangan.services import engine

    line = build_line(project)
    line.ctx = _no_orientation(project)
    ctx = line.ctx
    add_image_accounts(ctx)
    code = line.batches[0]
    first, _second = to_stage(line, code, wf.RETOUCH, pages=2)
    engine.claim(ctx, resolve_actor(ctx, "赵修"), code)
    retoucher = resolve_actor(ctx, "赵修")
    retouch_project.run(ctx, InProcessExecutor(), batch=code)
    with ctx.transaction() as session:
        page_id = session.scalar(select(Page.id).where(Page.volume_id == first.volume_id,
                                                       Page.page_no == 1))
    assert page_id is not None
    [(path, sha)] = _retouched(ctx, page_id)
    same = ctx.storage.read_bytes(path)
    with pytest.raises(ConflictError) as refused:
        fix.replace_page(ctx, retoucher, first.archive_code, 1, same)
    assert refused.value.key == "retouch_fix.unchanged"
    assert refused.value.params == {"volume": first.archive_code, "page": 1}
    assert _retouched(ctx, page_id) == [(path, sha)]
    copy = tmp_path / "0001-原样.jpg"
    copy.write_bytes(same)
    cli = dangan("page", "replace", first.archive_code, str(copy), "--page", "1",
                 "-p", str(ctx.home), "-w", "赵修")
    assert cli.returncode == 6, cli.stderr
    assert t("retouch_fix.unchanged", volume=first.archive_code, page=1) in cli.stderr
    assert _retouched(ctx, page_id) == [(path, sha)]
