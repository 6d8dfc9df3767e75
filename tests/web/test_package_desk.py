"""上传台: a work batch at 上传 packaged from the browser into each configured form, in a run
kept in the database; the upload stage is signed once every form is made."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.compute.executors import InProcessExecutor
from dangan.db.models import StoredFile
from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.services import engine, indexing
from dangan.services.engine import resolve_actor
from dangan.services.retouch import fix
from dangan.services.retouch import project as retouch_project
from dangan.web.app import create_app
from dangan.web.settings import WebSettings
from web.images import add_image_accounts, to_stage
from web.support import Clock, Line, login

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "indexing"))
from dangan_index_fixtures import write_catalogue


def _join(name: str) -> None:
    for thread in threading.enumerate():
        if thread.name == name:
            thread.join()


@pytest.fixture
def at_upload(line: Line, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    """Batch 1 retouched for real, its catalogue imported, held by the uploader at 上传; the
    project delivers pdf and zip."""
    ctx = line.ctx
    toml = ctx.home / "dangan.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'forms = ["pdf"]', 'forms = ["pdf", "zip"]'), encoding="utf-8")
    add_image_accounts(ctx)
    code = line.batches[0]
    to_stage(line, code, wf.RETOUCH, pages=2)
    retoucher = resolve_actor(ctx, "赵修")
    engine.claim(ctx, retoucher, code)
    held = retouch_project.run(ctx, InProcessExecutor(), batch=code, actor=retoucher).held
    # a page the engine was not sure of holds its volume: the retoucher looks and accepts it,
    # then a rerun signs
    for archive_code, pages in held.items():
        fix.accept_pages(ctx, retoucher, archive_code, [p.page_no for p in pages], "看过")
    retouch_project.run(ctx, InProcessExecutor(), batch=code, actor=retoucher)
    indexer = resolve_actor(ctx, "钱标")
    engine.claim(ctx, indexer, code)
    codes = line.volume_codes(code)
    catalogue = write_catalogue(
        tmp_path / "目录.xlsx", [[c, f"案卷{i}", "1997", "永久", 1, 2] for i, c in enumerate(codes, 1)],
        [[c, 1, "", "某某法院", "判决书", "19970630", "1-2", ""] for c in codes])
    indexing.import_catalogue(ctx, indexer, [catalogue])
    assert line.batch(code)[0] == wf.UPLOAD
    engine.claim(ctx, indexer, code)
    app = create_app(WebSettings(project=ctx.home, clock=Clock()))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield client, code


def _delivered(line: Line) -> dict[str, int]:
    with line.ctx.transaction() as session:
        kinds = session.scalars(select(StoredFile.kind).where(StoredFile.area == "uploaded")).all()
    return {k: kinds.count(k) for k in set(kinds)}


def test_each_form_is_packaged_from_the_browser_then_upload_is_signed(
        at_upload: tuple[TestClient, str], line: Line) -> None:
    client, code = at_upload
    csrf = login(client, "indexer")
    home = client.get("/package").text
    assert f'href="/package/{code}"' in home
    page = client.get(f"/package/{code}").text
    assert "打包 pdf" in page and "打包 zip" in page
    assert client.post(f"/package/{code}/run",
                       data={"csrf_token": csrf, "form": "pdf"}).status_code == 303
    _join(f"package-{code}")
    # the page polling the run gets, once it ended, the table read again (out of band)
    from dangan.web import runs

    [run] = runs.recent(line.ctx, "package", subject=code, limit=1)
    polled = client.get(f"/package/runs/{run.id}").text
    assert 'class="run run-done"' in polled and 'id="forms" hx-swap-oob="true"' in polled
    for volume in line.volume_codes(code):
        row = polled.split(f'<tr data-volume="{volume}">', 1)[1].split("</tr>", 1)[0]
        assert '<td class="form-pdf">1</td>' in row and '<td class="form-zip">0</td>' in row
    page = client.get(f"/package/{code}").text
    assert 'class="run run-done"' in page and "上传环节签字 0 卷" in page
    assert "还缺交付格式 zip" in page
    assert _delivered(line) == {"pdf": 2} and line.batch(code)[0] == wf.UPLOAD
    assert client.post(f"/package/{code}/run",
                       data={"csrf_token": csrf, "form": "zip"}).status_code == 303
    _join(f"package-{code}")
    page = client.get(f"/package/{code}").text
    assert 'class="run run-done"' in page and "上传环节签字 2 卷" in page
    assert _delivered(line) == {"pdf": 2, "zip": 2}
    [run] = runs.recent(line.ctx, "package", subject=code, limit=1)
    polled = client.get(f"/package/runs/{run.id}").text
    assert polled.count(f'<td>{t("stage.qc")}</td>') == 2
    assert line.batch(code)[0] == wf.QC


def test_a_form_not_configured_and_a_wrong_role_are_refused(
        at_upload: tuple[TestClient, str], line: Line) -> None:
    client, code = at_upload
    csrf = login(client, "indexer")
    bad = client.post(f"/package/{code}/run", data={"csrf_token": csrf, "form": "tiff"},
                      headers={"Accept": "application/json"})
    assert bad.status_code == 422 and bad.json()["key"] == "web_package.unknown_form"
    csrf = login(client, "retoucher")
    wrong = client.post(f"/package/{code}/run", data={"csrf_token": csrf, "form": "pdf"},
                        headers={"Accept": "application/json"})
    assert wrong.status_code == 403 and wrong.json()["key"] == "web.forbidden"
    assert _delivered(line) == {}
