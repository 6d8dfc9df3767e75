"""A volume past the upload stage keeps the delivery that was checked: packaging it again is
refused unless it is a recorded correction (or a rework of it is open). Single-page TIFFs
(``--tiff-single``) are a delivery layout link check and link data know."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, update

from cli.runner import dangan
from dangan.db.models import StageEvent, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.services import batches
from dangan.services.delivery import linking, packaging
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext, open_project
from dangan.storage import Area
from workflow.test_package_all_forms import _to_upload


def _tiff_project(project: ProjectContext, tmp_path: Path) -> tuple[ProjectContext, str, str]:
    """Delivery form TIFF only; both volumes packaged (multi-page), the batch now at QC."""
    toml = project.home / "dangan.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'forms = ["pdf"]', 'forms = ["tiff"]'), encoding="utf-8")
    ctx, batch = _to_upload(open_project(project.home), tmp_path)
    r = dangan("package", "-w", "钱标", "-p", str(ctx.home))
    assert r.returncode == 0, r.stdout + r.stderr
    assert batches.work_batch_info(ctx, batch).stage == wf.QC
    with ctx.transaction() as session:
        code = session.scalars(select(Volume.archive_code).order_by(Volume.id)).first()
    assert code is not None
    return ctx, batch, code


def _delivered(ctx: ProjectContext, code: str) -> list[str]:
    root = Path(ctx.storage.path(f"{Area.UPLOADED.value}/tiff/{code}"))
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _link_check(ctx: ProjectContext) -> tuple[int, list[str]]:
    r = dangan("link", "check", "--json", "-p", str(ctx.home))
    return r.returncode, [d["code"] for d in json.loads(r.stdout)]


def test_packaging_past_upload_needs_a_correction(project: ProjectContext,
                                                  tmp_path: Path) -> None:
    ctx, _batch, code = _tiff_project(project, tmp_path)
    home = str(ctx.home)
    before = _delivered(ctx, code)
    assert before == [f"{code}-001.tif"]
    single = ["package", "-w", "钱标", "--form", "tiff", "--tiff-single", "--volume", code,
              "-p", home]
    r = dangan(*single)
    assert r.returncode == 7, r.stdout + r.stderr
    assert "--correction" in r.stdout + r.stderr
    assert _delivered(ctx, code) == before  # nothing written
    # the same request as packaged is no change, and is not refused
    r = dangan("package", "-w", "钱标", "--volume", code, "-p", home)
    assert r.returncode == 0 and "已按同样的请求打包过" in r.stdout, r.stdout + r.stderr
    with pytest.raises(StateError) as err:  # returned volumes likewise
        with ctx.transaction() as session:
            session.execute(update(Volume).where(Volume.archive_code == code)
                            .values(stage=wf.DONE))
        packaging.package(ctx, resolve_actor(ctx, "钱标"), "tiff", code, tiff_single=True)
    assert err.value.key == "package.volume_locked" and err.value.params["codes"] == code

    r = dangan(*single, "--correction", "移交方要求单页TIFF")
    assert r.returncode == 0, r.stdout + r.stderr
    with ctx.transaction() as session:
        events = session.execute(select(StageEvent.kind, StageEvent.remarks).join(
            Volume, Volume.id == StageEvent.volume_id).where(Volume.archive_code == code)).all()
    assert (wf.EVENT_CORRECTION, "移交方要求单页TIFF") in [tuple(e) for e in events]


def test_single_page_tiffs_pass_link_check_and_leave_no_empty_folder(
        project: ProjectContext, tmp_path: Path) -> None:
    ctx, _batch, code = _tiff_project(project, tmp_path)
    home = str(ctx.home)
    r = dangan("package", "-w", "钱标", "--form", "tiff", "--tiff-single", "--volume", code,
               "--correction", "单页TIFF", "-p", home)
    assert r.returncode == 0, r.stdout + r.stderr
    pages = [f"{code}-001/{code}-{n:04d}.tif" for n in (1, 2, 3)]
    assert _delivered(ctx, code) == [f"{code}-001", *pages]
    rc, codes = _link_check(ctx)
    assert rc == 0 and codes == [], codes
    linked = {v.archive_code: v for v in linking.link_volumes(ctx)}[code]
    assert [f.path for f in linked.items[0].files] == [f"tiff/{code}/{p}" for p in pages]
    # a page file removed behind the line's back is named by link check
    Path(ctx.storage.path(f"{Area.UPLOADED.value}/tiff/{code}/{pages[1]}")).unlink()
    rc, codes = _link_check(ctx)
    assert rc == 9 and codes == ["link_file_missing"], codes
    # back to one multi-page TIFF per item: the per-item folder goes with its pages
    r = dangan("package", "-w", "钱标", "--form", "tiff", "--volume", code,
               "--correction", "恢复多页TIFF", "-p", home)
    assert r.returncode == 0, r.stdout + r.stderr
    assert _delivered(ctx, code) == [f"{code}-001.tif"]
    with ctx.transaction() as session:
        kinds = set(session.scalars(select(StoredFile.kind).join(
            Volume, Volume.id == StoredFile.volume_id).where(
            Volume.archive_code == code, StoredFile.area == Area.UPLOADED.key)))
    assert kinds == {"tiff"}
    assert _link_check(ctx) == (0, [])
