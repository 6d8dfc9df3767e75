"""The scan station through HTTP: the check report of the scan folder with thumbnails of the
offending pages, files found by listing (no path traversal), ingest in the background signed
by the signed-in operator; roles and CSRF."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import StageEvent, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.samples import SetTruth, generate_set
from dangan.services import claims
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.web import runs
from dangan.web.accounts import add_user
from dangan.web.app import create_app
from dangan.web.settings import WebSettings
from web.support import PASSWORD, Clock, login
from workflow.helpers import line_to


@pytest.fixture(scope="module")
def clean_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SetTruth]:
    root = tmp_path_factory.mktemp("scans") / "scan"
    return root, generate_set(root, 2, seed=5, pages=(4, 4), p_blank=0.0, p_duplicate=0.0)


@pytest.fixture
def station(any_project: ProjectContext, clean_set: tuple[Path, SetTruth],
            tmp_path: Path) -> Iterator[tuple[TestClient, ProjectContext, Path, SetTruth]]:
    src, truth = clean_set
    root = tmp_path / "inbox"
    root.mkdir()
    for v in truth.volumes:
        shutil.copytree(src / v.folder, root / v.folder)
    (root / truth.volumes[1].folder / "0002.jpg").write_bytes(b"\xff\xd8broken")  # corrupt
    with any_project.transaction() as session:
        for v in truth.volumes:
            session.add(Volume(project_id=any_project.project_id, archive_code=v.archive_code,
                               expected_pages=v.image_count))
    line_to(any_project, wf.SCAN)
    add_user(any_project, "scanner", PASSWORD, worker="张扫", roles=[wf.SCAN_OPERATOR])
    add_user(any_project, "qc", PASSWORD, worker="孙检", roles=[wf.QC_INSPECTOR])
    app = create_app(WebSettings(project=any_project.home, clock=Clock()))
    app.state.scan_root = str(root)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield client, any_project, root, truth


def test_report_thumbnails_and_ingest_signed_by_the_operator(
        station: tuple[TestClient, ProjectContext, Path, SetTruth]) -> None:
    client, ctx, _root, truth = station
    good, bad = truth.volumes
    csrf = login(client, "scanner")
    page = client.get("/scan-station").text
    assert good.archive_code in page and bad.archive_code in page
    thumb_url = f"/scan-station/thumb/{bad.folder}/0002.jpg"
    assert "/scan-station/thumb/" in page and "0002.jpg" in page
    placeholder = client.get(thumb_url)
    assert placeholder.status_code == 200 and placeholder.headers["content-type"] == "image/jpeg"
    fine = client.get(f"/scan-station/thumb/{good.folder}/0001.jpg")
    assert fine.status_code == 200 and fine.content[:2] == b"\xff\xd8"
    json = {"Accept": "application/json"}
    for url in ("/scan-station/thumb/..%2F..%2Fetc/passwd",
                f"/scan-station/thumb/{good.folder}/..%2F..%2Fdangan.toml",
                f"/scan-station/thumb/{good.folder}/0001.jpg?sub=..%2F..",
                "/scan-station/thumb/nonexistent/0001.jpg"):
        assert client.get(url, headers=json).status_code == 404, url
    started = client.post("/scan-station/ingest",
                          data={"csrf_token": csrf, "problems": "第3页右下角破损"})
    assert started.status_code == 303
    for thread in threading.enumerate():
        if thread.name.startswith("ingest-"):
            thread.join()
    run = runs.recent(ctx, "ingest", person="张扫", limit=1)[-1]
    assert run.state == "done" and run.done == 2, (run.message, run.lines)
    progress = client.get(f"/scan-station/runs/{run.id}").text
    assert "hx-trigger" not in progress and "2/2" in progress
    assert "2/2" in client.get("/scan-station").text  # the operator's runs are listed
    with ctx.transaction() as session:
        signed = session.scalars(select(StageEvent).where(StageEvent.kind == "signoff",
                                                          StageEvent.stage == "scan")).all()
        assert signed and all(e.person == "张扫" for e in signed)
        stages = dict(session.execute(select(Volume.archive_code, Volume.page_count)).all())
    assert stages[good.archive_code] == good.image_count
    assert stages[bad.archive_code] is None  # refused: a corrupt page


def test_roles_and_csrf(station: tuple[TestClient, ProjectContext, Path, SetTruth]) -> None:
    client, _ctx, _root, _truth = station
    json = {"Accept": "application/json"}
    csrf = login(client, "qc")
    assert client.get("/scan-station", headers=json).status_code == 403
    refused = client.post("/scan-station/ingest", data={"csrf_token": csrf}, headers=json)
    assert refused.status_code == 403 and refused.json()["key"] == "web.forbidden"
    login(client, "scanner")
    no_csrf = client.post("/scan-station/ingest", data={}, headers=json)
    assert no_csrf.status_code == 403 and no_csrf.json()["key"] == "web.csrf_failed"


def test_remove_a_bad_page_then_insert_the_missed_one(
        station: tuple[TestClient, ProjectContext, Path, SetTruth],
        clean_set: tuple[Path, SetTruth]) -> None:
    client, _ctx, root, truth = station
    src, _ = clean_set
    bad = truth.volumes[1]
    csrf = login(client, "scanner")
    assert "remove-page" in client.get("/scan-station").text
    removed = client.post("/scan-station/remove", data={
        "csrf_token": csrf, "top": bad.folder, "name": "0002.jpg"})
    assert removed.status_code == 303, removed.text
    names = sorted(p.name for p in (root / bad.folder).iterdir() if p.suffix == ".jpg")
    assert names == ["0001.jpg", "0002.jpg", "0003.jpg"]  # the gap closed
    json = {"Accept": "application/json"}
    outside = client.post("/scan-station/remove", headers=json, data={
        "csrf_token": csrf, "top": bad.folder, "name": "../../dangan.toml"})
    assert outside.status_code == 404
    missed = (src / bad.folder / "0002.jpg").read_bytes()
    inserted = client.post("/scan-station/insert", data={
        "csrf_token": csrf, "top": bad.folder, "before": "2"},
        files={"file": ("scan.jpg", missed, "image/jpeg")})
    assert inserted.status_code == 303, inserted.text
    assert (root / bad.folder / "0002.jpg").read_bytes() == missed
    assert len([p for p in (root / bad.folder).iterdir() if p.suffix == ".jpg"]) == 4
    page = client.get("/scan-station").text
    assert page.count("检查通过") == 2, page  # both volumes clean now


def test_page_changes_need_the_batch_scan_claim(
        station: tuple[TestClient, ProjectContext, Path, SetTruth],
        clean_set: tuple[Path, SetTruth]) -> None:
    """Another scan operator (no claim of the batch) cannot remove or insert pages; nor can
    the operator once the claim was handed back: 409 with the engine's key, nothing moved."""
    client, ctx, root, truth = station
    src, _ = clean_set
    bad = truth.volumes[1]
    add_user(ctx, "scan2", PASSWORD, worker="王扫", roles=[wf.SCAN_OPERATOR])
    before = sorted(p.name for p in (root / bad.folder).iterdir())
    json = {"Accept": "application/json"}
    csrf = login(client, "scan2")
    removed = client.post("/scan-station/remove", headers=json, data={
        "csrf_token": csrf, "top": bad.folder, "name": "0002.jpg"})
    assert removed.status_code == 409 and removed.json()["key"] == "workflow.claimed_by_other"
    inserted = client.post("/scan-station/insert", headers=json, data={
        "csrf_token": csrf, "top": bad.folder, "before": "2"},
        files={"file": ("scan.jpg", (src / bad.folder / "0002.jpg").read_bytes(), "image/jpeg")})
    assert inserted.status_code == 409 and inserted.json()["key"] == "workflow.claimed_by_other"
    page = client.post("/scan-station/remove", data={
        "csrf_token": csrf, "top": bad.folder, "name": "0002.jpg"})
    assert page.status_code == 409 and "张扫" in page.text  # the holder is named
    assert sorted(p.name for p in (root / bad.folder).iterdir()) == before
    with ctx.transaction() as session:
        batch = session.scalar(select(Volume.work_batch_id).where(
            Volume.archive_code == bad.archive_code))
        code = session.scalar(select(WorkBatch.code).where(WorkBatch.id == batch))
    claims.hand_back(ctx, resolve_actor(ctx, "张扫"), code)
    csrf = login(client, "scanner")
    unclaimed = client.post("/scan-station/remove", headers=json, data={
        "csrf_token": csrf, "top": bad.folder, "name": "0002.jpg"})
    assert unclaimed.status_code == 409 and unclaimed.json()["key"] == "workflow.not_claimed"
    assert sorted(p.name for p in (root / bad.folder).iterdir()) == before


def test_ingest_while_another_operator_holds_the_batch_is_refused_naming_the_holder(
        station: tuple[TestClient, ProjectContext, Path, SetTruth]) -> None:
    """张扫 holds the scan claim: another operator's ingest starts nothing from the station
    (409, the holder named) and is refused volume by volume by the service the CLI calls;
    no page, no scan record, no sign-off under the wrong name."""
    from dangan.db.models import Page
    from dangan.services import intake

    client, ctx, root, truth = station
    add_user(ctx, "scan2", PASSWORD, worker="王扫", roles=[wf.SCAN_OPERATOR])
    csrf = login(client, "scan2")
    refused = client.post("/scan-station/ingest", headers={"Accept": "application/json"},
                          data={"csrf_token": csrf})
    assert refused.status_code == 409 and refused.json()["key"] == "workflow.claimed_by_other"
    assert "张扫" in refused.json()["message"]
    page = client.post("/scan-station/ingest", data={"csrf_token": csrf})
    assert page.status_code == 409 and 'data-key="workflow.claimed_by_other"' in page.text
    assert runs.recent(ctx, "ingest", limit=5) == []
    report = intake.ingest(ctx, resolve_actor(ctx, "王扫"), root)
    good = truth.volumes[0].archive_code
    [mine] = [v for v in report.volumes if v.volume == good]
    assert mine.state == "refused" and mine.key == "workflow.claimed_by_other"
    with ctx.transaction() as session:
        assert session.scalars(select(Page.id)).all() == []
        assert session.scalars(select(StageEvent.id).where(
            StageEvent.stage == wf.SCAN, StageEvent.person == "王扫")).all() == []
