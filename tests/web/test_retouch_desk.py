"""The retouch desk through HTTP: flags from the recorded metrics, the before/after compare,
accept a page, replace a page with a hand-fixed file (a new version, the master untouched),
a retouch run in the background with its progress; roles, CSRF, hostile uploads."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.compute.executors import InProcessExecutor
from dangan.db.models import Defect, Page, StageEvent, StoredFile
from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.services import engine
from dangan.services.engine import resolve_actor
from dangan.storage.areas import Area
from dangan.storage.checksum import sha256_bytes
from dangan.web import runs
from dangan.web.routes import retouch_desk
from web.images import Pages, add_image_accounts, page_jpeg, to_stage
from web.support import Line, login


@pytest.fixture
def at_retouch(line: Line) -> tuple[str, list[Pages]]:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    made = to_stage(line, code, wf.RETOUCH, pages=2)
    engine.claim(line.ctx, resolve_actor(line.ctx, "赵修"), code)
    return code, made


def _flag_page(line: Line, volume_id: int, page_no: int) -> None:
    with line.ctx.transaction() as session:
        page = session.scalar(select(Page).where(Page.volume_id == volume_id,
                                                 Page.page_no == page_no))
        assert page is not None
        page.metrics = {"retouch": {"review": ["orientation"], "skew_before_deg": 1.5,
                                    "skew_after_deg": 0.04, "rotation": 180,
                                    "holes_filled": 2, "hole_boxes": [[10, 10, 30, 30]]}}
        session.add(Defect(project_id=line.ctx.project_id, volume_id=volume_id,
                           page_no=page_no, code="needs_review", severity="warning",
                           source="retouch", stage="retouch", message="需人工复核",
                           data={"detail": "orientation"}))
        session.add(Defect(project_id=line.ctx.project_id, volume_id=volume_id,
                           page_no=page_no, code="black_border", severity="warning",
                           source="retouch", stage="retouch", message="黑边"))


def test_flags_compare_accept_and_replace(app_client: TestClient, line: Line,
                                          at_retouch: tuple[str, list[Pages]]) -> None:
    code, volumes = at_retouch
    vol = volumes[0]
    _flag_page(line, vol.volume_id, 2)
    csrf = login(app_client, "retoucher")
    batch = app_client.get(f"/retouch/{code}").text
    # what needs a person (the engine's doubt, a finding) apart from what it did: the tilt
    # it corrected and what is left, the turn it made (a change made is no problem)
    row = batch[batch.index('data-page="2"'):]
    review = row[row.index('class="page-review"'):row.index('class="page-info"')]
    info = row[row.index('class="page-info"'):row.index("</tr>")]
    for flag in ("页面方向无法确定", "黑边", t("web_images.retouch.holds")):
        assert flag in review, flag
    for flag in (t("web_images.retouch.flag.deskewed_residual", deg="1.5", after="0.0"),
                 t("web_images.retouch.flag.turned", deg=180), "填补装订孔 2 处"):
        assert flag in info, flag
    assert "偏斜 1.5°" not in batch and "倒页/方向" not in batch
    assert t("web_images.retouch.flagged", count=1) in batch  # one page for a person
    compare = app_client.get(f"/retouch/{code}/volume/{vol.volume_id}?page=2").text
    assert 'id="before"' in compare and 'id="after"' in compare
    assert 'data-version="master"' in compare and "/static/js/compare.js" in compare
    accepted = app_client.post(f"/retouch/{code}/volume/{vol.volume_id}/accept",
                               data={"csrf_token": csrf, "page_no": "2"})
    assert accepted.status_code == 303
    with line.ctx.transaction() as session:
        for code_ in ("black_border", "needs_review"):
            d = session.scalar(select(Defect).where(Defect.code == code_))
            assert d is not None and d.status == "waived", code_
    master_rel = f"{vol.folder}/0002.jpg"
    master = line.ctx.storage.read_bytes(master_rel)
    shas = []
    for version in (1, 2):
        fixed = page_jpeg(100 + version, (1000, 1400))
        done = app_client.post(f"/retouch/{code}/volume/{vol.volume_id}/replace",
                               data={"csrf_token": csrf, "page_no": "2"},
                               files={"file": ("fixed.jpg", fixed, "image/jpeg")})
        assert done.status_code == 303, done.text
        shas.append(sha256_bytes(fixed))
        with line.ctx.transaction() as session:
            row = session.scalar(select(StoredFile).where(
                StoredFile.volume_id == vol.volume_id, StoredFile.area == Area.RETOUCHED.key))
            assert row is not None and row.sha256 == shas[-1]
            assert row.path == f"{Area.RETOUCHED.value}/{vol.archive_code}/0002.fix{version}.jpg"
    # the earlier version's file stays, the master is untouched
    assert line.ctx.storage.exists(f"{Area.RETOUCHED.value}/{vol.archive_code}/0002.fix1.jpg")
    assert line.ctx.storage.read_bytes(master_rel) == master
    after = app_client.get(f"/pages/{vol.volume_id}/2/preview.jpg")
    assert after.headers["etag"] == f'"{shas[-1]}-preview"'
    before = app_client.get(f"/pages/{vol.volume_id}/2/preview.jpg?v=master")
    assert before.headers["etag"] == f'"{sha256_bytes(master)}-preview"'
    with line.ctx.transaction() as session:
        events = session.scalars(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_RETOUCH_RECORD, StageEvent.person == "赵修")).all()
        fixes = [e.data for e in events if "hand_fixed_page" in e.data]
        assert [f["version"] for f in fixes] == [1, 2]
        assert fixes[1]["previous"]["sha256"] == shas[0]


def test_hostile_upload_roles_and_claim(app_client: TestClient, line: Line,
                                        at_retouch: tuple[str, list[Pages]]) -> None:
    code, volumes = at_retouch
    url = f"/retouch/{code}/volume/{volumes[0].volume_id}/replace"
    json = {"Accept": "application/json"}
    csrf = login(app_client, "retoucher")
    good = page_jpeg(1)
    for bad, said in ((b"not an image", "不是可读取的图像文件"),
                      (good[: len(good) // 3], "文件不完整（被截断）")):
        refused = app_client.post(url, data={"csrf_token": csrf, "page_no": "1"},
                                  files={"file": ("x.jpg", bad, "image/jpeg")}, headers=json)
        assert refused.status_code == 422 and refused.json()["key"] == "retouch_fix.bad_file"
        assert said in refused.json()["message"] and "Error" not in refused.json()["message"]
    no_csrf = app_client.post(url, data={"page_no": "1"},
                              files={"file": ("x.jpg", good, "image/jpeg")}, headers=json)
    assert no_csrf.status_code == 403 and no_csrf.json()["key"] == "web.csrf_failed"
    csrf_q = login(app_client, "qc")
    wrong = app_client.post(url, data={"csrf_token": csrf_q, "page_no": "1"},
                            files={"file": ("x.jpg", good, "image/jpeg")}, headers=json)
    assert wrong.status_code == 403 and wrong.json()["key"] == "web.forbidden"
    # a retoucher without the batch's claim is refused by the service
    engine.hand_back(line.ctx, resolve_actor(line.ctx, "赵修"), code)
    csrf = login(app_client, "retoucher")
    unclaimed = app_client.post(url, data={"csrf_token": csrf, "page_no": "1"},
                                files={"file": ("x.jpg", good, "image/jpeg")}, headers=json)
    assert unclaimed.status_code >= 400
    with line.ctx.transaction() as session:
        assert session.scalar(select(StoredFile).where(
            StoredFile.area == Area.RETOUCHED.key)) is None


def test_retouch_run_with_progress(app_client: TestClient, line: Line,
                                   at_retouch: tuple[str, list[Pages]],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    code, made = at_retouch
    monkeypatch.setattr(retouch_desk, "make_executor", InProcessExecutor)
    csrf = login(app_client, "retoucher")
    started = app_client.post(f"/retouch/{code}/run", data={"csrf_token": csrf})
    assert started.status_code == 303
    for thread in threading.enumerate():
        if thread.name == f"retouch-{code}":
            thread.join()
    run = runs.recent(line.ctx, "retouch", subject=code, limit=1)[-1]
    progress = app_client.get(f"/retouch/runs/{run.id}").text
    assert run.state == "done", run.message
    assert "hx-trigger" not in progress and f"{run.total}/{run.total}" in progress
    assert run.total == 4
    with line.ctx.transaction() as session:
        rows = session.scalars(select(StoredFile).where(
            StoredFile.area == Area.RETOUCHED.key)).all()
        assert len(rows) == 4 and all(r.sha256 for r in rows)
    # these pages hold one line of text: the engine cannot measure their skew and leaves
    # them as they were, for a person; nothing is signed unseen
    assert t("retouch.hold.todo", next=t("stage.index")) in run.message
    assert line.batch(code)[0] == wf.RETOUCH
    for volume in made:
        for page_no in (1, 2):
            accepted = app_client.post(f"/retouch/{code}/volume/{volume.volume_id}/accept",
                                       data={"csrf_token": csrf, "page_no": str(page_no)})
            assert accepted.status_code == 303
    assert app_client.post(f"/retouch/{code}/run", data={"csrf_token": csrf}).status_code == 303
    for thread in threading.enumerate():
        if thread.name == f"retouch-{code}":
            thread.join()
    again = runs.recent(line.ctx, "retouch", subject=code, limit=1)[-1]
    assert again.state == "done" and t("retouch.hold.todo", next=t("stage.index")) not in again.message
    assert line.batch(code)[0] == wf.INDEX  # the rerun signed the retouch stage


def test_a_run_with_a_page_that_failed_ends_failed_naming_it(
        app_client: TestClient, line: Line, at_retouch: tuple[str, list[Pages]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A damaged master: the other pages are retouched and recorded, but the run says it
    failed and names the page (it said "done", as if every page had come out)."""
    from pathlib import Path

    code, made = at_retouch
    master = Path(line.ctx.storage.root) / made[0].folder / "0002.jpg"
    master.chmod(0o644)
    master.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    monkeypatch.setattr(retouch_desk, "make_executor", InProcessExecutor)
    csrf = login(app_client, "retoucher")
    assert app_client.post(f"/retouch/{code}/run", data={"csrf_token": csrf}).status_code == 303
    for thread in threading.enumerate():
        if thread.name == f"retouch-{code}":
            thread.join()
    run = runs.recent(line.ctx, "retouch", subject=code, limit=1)[-1]
    assert run.state == "failed", run.message
    lines = run.message.split("；")
    assert len(lines) == 2 and made[0].archive_code in lines[0], run.message
    assert made[0].archive_code in lines[1] and "0002.jpg" not in lines[0], run.message
    assert run.message in app_client.get(f"/retouch/runs/{run.id}").text
    with line.ctx.transaction() as session:
        rows = session.scalars(select(StoredFile).where(
            StoredFile.area == Area.RETOUCHED.key)).all()
        assert len(rows) == 3  # the other pages are done and recorded


def test_a_file_over_the_limit_is_said_too_large_not_not_an_image(
        app_client: TestClient, line: Line, at_retouch: tuple[str, list[Pages]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A trial's 200 MB upload read "上传的文件不是可用的图像（209715201 bytes）"."""
    from dangan.services.retouch import fix

    code, volumes = at_retouch
    good = page_jpeg(1)
    monkeypatch.setattr(fix, "MAX_BYTES", len(good) - 1)
    monkeypatch.setattr(retouch_desk, "MAX_UPLOAD", len(good) - 1)
    csrf = login(app_client, "retoucher")
    refused = app_client.post(f"/retouch/{code}/volume/{volumes[0].volume_id}/replace",
                              data={"csrf_token": csrf, "page_no": "1"},
                              files={"file": ("x.jpg", good, "image/jpeg")},
                              headers={"Accept": "application/json"})
    assert refused.status_code == 422 and refused.json()["key"] == "retouch_fix.too_large"
    assert "过大" in refused.json()["message"] and "bytes" not in refused.json()["message"]
    empty = app_client.post(f"/retouch/{code}/volume/{volumes[0].volume_id}/replace",
                            data={"csrf_token": csrf, "page_no": "1"},
                            files={"file": ("x.jpg", b"", "image/jpeg")},
                            headers={"Accept": "application/json"})
    assert empty.json()["key"] == "retouch_fix.bad_file"
    assert "文件为空" in empty.json()["message"]
