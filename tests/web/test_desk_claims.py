"""A desk's work on a batch (the catalogue typed at 著录台, a retouch run, a packaging run)
needs the claim of that stage, checked by the service before anything is written: without
it 409 with the key, nothing recorded, no run started; while another worker holds the
batch, refused naming the holder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dangan.compute.executors import InProcessExecutor
from dangan.db.models import Item, StageEvent, StoredFile
from dangan.domain import workflow as wf
from dangan.errors import ConflictError
from dangan.services import engine, workers
from dangan.services.delivery import packaging
from dangan.services.engine import resolve_actor
from dangan.services.retouch import project as retouch_project
from dangan.storage.areas import Area
from dangan.web import runs
from dangan.web.accounts import add_user
from web.images import add_image_accounts, to_stage
from web.support import PASSWORD, Line, login

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "indexing"))
from dangan_index_fixtures import write_catalogue

JSON = {"Accept": "application/json"}


def _written(line: Line) -> tuple[int, int, int]:
    """Catalogue items, catalogue_import events and retouched or delivered files."""
    with line.ctx.transaction() as session:
        items = session.scalar(select(func.count(Item.id))) or 0
        events = session.scalar(select(func.count(StageEvent.id)).where(
            StageEvent.kind == wf.EVENT_CATALOGUE)) or 0
        files = session.scalar(select(func.count(StoredFile.id)).where(
            StoredFile.area.in_([Area.RETOUCHED.key, "uploaded"]))) or 0
    return items, events, files


def _catalogue(csrf: str) -> dict[str, object]:
    return {"csrf_token": csrf, "r.title": "民事案件卷", "e.seq": ["1"], "e.title": ["起诉状"],
            "e.date": ["19970301"], "e.page_start": ["1"], "e.page_end": ["3"]}


@pytest.fixture
def second_indexer(line: Line) -> None:
    add_image_accounts(line.ctx)
    add_user(line.ctx, "indexer2", PASSWORD, worker="钱标二", roles=[wf.INDEXER])


def test_index_save_needs_the_index_claim(app_client: TestClient, line: Line,
                                          second_indexer: None) -> None:
    code = line.batches[0]
    made = to_stage(line, code, wf.INDEX, pages=3)
    url = f"/index/{made[0].volume_id}/save"
    csrf = login(app_client, "indexer")
    unclaimed = app_client.post(url, data=_catalogue(csrf), headers=JSON)
    assert unclaimed.status_code == 409, unclaimed.text
    assert unclaimed.json()["key"] == "workflow.not_claimed"
    page = app_client.post(url, data=_catalogue(csrf))  # the desk again, what was typed kept
    assert page.status_code == 409 and 'data-code="workflow.not_claimed"' in page.text
    assert 'value="起诉状"' in page.text
    engine.claim(line.ctx, resolve_actor(line.ctx, "钱标"), code)
    csrf = login(app_client, "indexer2")
    other = app_client.post(url, data=_catalogue(csrf), headers=JSON)
    assert other.status_code == 409 and other.json()["key"] == "index.claimed_by_other"
    assert other.json()["details"] == [f"{made[0].archive_code}（钱标）"]
    assert _written(line) == (0, 0, 0)
    csrf = login(app_client, "indexer")  # the holder saves
    assert app_client.post(url, data=_catalogue(csrf)).status_code == 303
    assert _written(line)[:2] == (1, 1)


def test_index_save_before_the_index_stage_is_refused(app_client: TestClient,
                                                      line: Line) -> None:
    """The volume still at 修图 (the line indexes after retouching): nothing is written."""
    add_image_accounts(line.ctx)
    code = line.batches[0]
    made = to_stage(line, code, wf.RETOUCH, pages=3)
    csrf = login(app_client, "indexer")
    refused = app_client.post(f"/index/{made[0].volume_id}/save", data=_catalogue(csrf),
                              headers=JSON)
    assert refused.status_code == 409 and refused.json()["key"] == "index.desk_not_at_index"
    assert _written(line) == (0, 0, 0)


def test_retouch_run_needs_the_retouch_claim(app_client: TestClient, line: Line) -> None:
    add_image_accounts(line.ctx)
    add_user(line.ctx, "retoucher2", PASSWORD, worker="赵修二", roles=[wf.RETOUCHER])
    code = line.batches[0]
    to_stage(line, code, wf.RETOUCH, pages=2)
    csrf = login(app_client, "retoucher")
    unclaimed = app_client.post(f"/retouch/{code}/run", data={"csrf_token": csrf},
                                headers=JSON)
    assert unclaimed.status_code == 409 and unclaimed.json()["key"] == "workflow.not_claimed"
    page = app_client.post(f"/retouch/{code}/run", data={"csrf_token": csrf})
    assert page.status_code == 409 and 'data-key="workflow.not_claimed"' in page.text
    engine.claim(line.ctx, resolve_actor(line.ctx, "赵修"), code)
    csrf = login(app_client, "retoucher2")
    other = app_client.post(f"/retouch/{code}/run", data={"csrf_token": csrf}, headers=JSON)
    assert other.status_code == 409 and other.json()["key"] == "workflow.claimed_by_other"
    assert "赵修" in other.json()["message"]
    assert runs.recent(line.ctx, "retouch", subject=code, limit=5) == []
    # the service the command line calls refuses the same, before any page is retouched
    with pytest.raises(ConflictError) as refused:
        retouch_project.run(line.ctx, InProcessExecutor(), batch=code,
                            actor=resolve_actor(line.ctx, "赵修二"))
    assert refused.value.key == "workflow.claimed_by_other"
    assert _written(line) == (0, 0, 0) and line.batch(code)[0] == wf.RETOUCH


def test_package_run_needs_the_upload_claim(app_client: TestClient, line: Line) -> None:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    to_stage(line, code, wf.UPLOAD, pages=2)
    before = _written(line)  # the catalogue given at 标引, no file delivered
    assert before[2] == 0
    csrf = login(app_client, "indexer")
    unclaimed = app_client.post(f"/package/{code}/run", data={"csrf_token": csrf, "form": "pdf"},
                                headers=JSON)
    assert unclaimed.status_code == 409 and unclaimed.json()["key"] == "workflow.not_claimed"
    page = app_client.post(f"/package/{code}/run", data={"csrf_token": csrf, "form": "pdf"})
    assert page.status_code == 409 and 'data-key="workflow.not_claimed"' in page.text
    assert runs.recent(line.ctx, "package", subject=code, limit=5) == []
    assert _written(line) == before and line.batch(code)[0] == wf.UPLOAD


def test_packaging_while_another_uploader_holds_the_batch_is_refused(line: Line,
                                                                    tmp_path: Path) -> None:
    """The service the desk and the command line call: nothing is packaged under 钱传 while
    钱标 holds 上传 of the batch."""
    add_image_accounts(line.ctx)
    workers.add_worker(line.ctx, "钱传", [wf.UPLOADER])
    code = line.batches[0]
    codes = line.volume_codes(code)
    to_stage(line, code, wf.UPLOAD, pages=2, catalogue=write_catalogue(  # imported at 标引
        tmp_path / "目录.xlsx", [[c, f"案卷{i}", "1997", "永久", 1, 2] for i, c in enumerate(codes, 1)],
        [[c, 1, "", "某某法院", "判决书", "19970630", "1-2", ""] for c in codes]))
    indexer = resolve_actor(line.ctx, "钱标")
    engine.claim(line.ctx, indexer, code)
    with pytest.raises(ConflictError) as refused:
        packaging.package(line.ctx, resolve_actor(line.ctx, "钱传"), "pdf")
    assert refused.value.key == "workflow.claimed_by_other" and "钱标" in refused.value.message
    assert _written(line)[2] == 0
