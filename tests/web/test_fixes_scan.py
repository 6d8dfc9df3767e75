"""The scan station through HTTP: problems typed at ingest go only to the volume they name
(assigned once over the whole check), a refused problem is shown on the page with the text
kept, and removing a page twice (two tabs) reports the pages really left."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.samples import SetTruth, generate_set
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
    with any_project.transaction() as session:
        for v in truth.volumes:
            session.add(Volume(project_id=any_project.project_id, archive_code=v.archive_code,
                               expected_pages=v.image_count))
    line_to(any_project, wf.SCAN)
    add_user(any_project, "scanner", PASSWORD, worker="张扫", roles=[wf.SCAN_OPERATOR])
    app = create_app(WebSettings(project=any_project.home, clock=Clock()))
    app.state.scan_root = str(root)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield client, any_project, root, truth


def _join_ingest() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("ingest-"):
            thread.join()


def test_a_problem_naming_one_volume_goes_to_that_volume_only(
        station: tuple[TestClient, ProjectContext, Path, SetTruth]) -> None:
    client, ctx, _root, truth = station
    named, other = truth.volumes
    csrf = login(client, "scanner")
    assert client.get("/scan-station").text.count("检查通过") == 2
    started = client.post("/scan-station/ingest", data={
        "csrf_token": csrf, "problems": f"{named.archive_code} 第3页原卷倒装"})
    assert started.status_code == 303, started.text
    _join_ingest()
    run = runs.recent(ctx, "ingest", person="张扫", limit=1)[-1]
    assert run.state == "done" and run.done == 2, (run.message, run.lines)
    with ctx.transaction() as session:
        counts = dict(session.execute(select(Volume.archive_code, Volume.page_count)).all())
        signed = {code: (remarks, data) for code, remarks, data in session.execute(
            select(Volume.archive_code, StageEvent.remarks, StageEvent.data)
            .join(StageEvent, StageEvent.volume_id == Volume.id)
            .where(StageEvent.kind == "signoff", StageEvent.stage == wf.SCAN))}
    assert counts == {named.archive_code: named.image_count,
                      other.archive_code: other.image_count}  # both ingested
    assert signed[named.archive_code][0] == "第3页原卷倒装"
    assert signed[named.archive_code][1]["problems"] == ["第3页原卷倒装"]
    assert signed[other.archive_code][0] == "" and signed[other.archive_code][1]["problems"] == []


def test_a_problem_naming_an_unknown_or_no_volume_is_refused_on_the_page(
        station: tuple[TestClient, ProjectContext, Path, SetTruth]) -> None:
    client, ctx, _root, _truth = station
    csrf = login(client, "scanner")
    unknown = "1997-民-9999-0001 第3页原卷倒装"
    refused = client.post("/scan-station/ingest", data={"csrf_token": csrf,
                                                        "problems": unknown})
    assert refused.status_code == 422
    assert 'data-key="intake.problem_unknown_volume"' in refused.text
    assert "1997-民-9999-0001" in refused.text and "检查通过" in refused.text  # the station
    assert f">{unknown}</textarea>" in refused.text  # the text is kept
    unnamed = client.post("/scan-station/ingest", data={"csrf_token": csrf,
                                                        "problems": "第3页原卷倒装"})
    assert unnamed.status_code == 422
    assert 'data-key="intake.problem_unnamed"' in unnamed.text
    _join_ingest()
    assert runs.recent(ctx, "ingest", person="张扫", limit=1) == []  # nothing started
    with ctx.transaction() as session:
        assert session.scalars(select(Volume.page_count)).all() == [None, None]


def test_removing_the_same_page_twice_reports_the_pages_really_left(
        station: tuple[TestClient, ProjectContext, Path, SetTruth]) -> None:
    client, _ctx, root, truth = station
    vol = truth.volumes[0]
    csrf = login(client, "scanner")
    form = {"csrf_token": csrf, "top": vol.folder, "name": "0002.jpg"}
    first = client.post("/scan-station/remove", data=form)
    assert first.status_code == 303
    assert client.cookies.get("dangan_flash") is not None
    first_flash = client.get("/scan-station").text
    assert t("web_images.scan.renumbered", volume=vol.folder, pages=3) in first_flash
    second = client.post("/scan-station/remove", data=form)  # the same click, another tab
    assert second.status_code == 303
    left = sorted(p.name for p in (root / vol.folder).iterdir() if p.suffix == ".jpg")
    assert left == ["0001.jpg", "0002.jpg", "0003.jpg"]
    page = client.get("/scan-station").text
    assert t("web_images.scan.already_removed", volume=vol.folder, pages=3) in page
    assert t("web_images.scan.renumbered", volume=vol.folder, pages=2) not in page


def test_the_page_that_slid_into_a_removed_pages_name_can_be_removed_too(
        station: tuple[TestClient, ProjectContext, Path, SetTruth]) -> None:
    """A trial removed 0004 (a duplicate) and the corrupt 0005 became 0004: its own fresh
    remove button then always answered "此页已删除（另一窗口已做过）" (the repeat check
    matched the file name only). The button now carries the page as shown."""
    from dangan.intake.renumber import page_identity

    client, _ctx, root, truth = station
    vol = truth.volumes[0]
    folder = root / vol.folder
    csrf = login(client, "scanner")
    shown = page_identity(str(folder), "0002.jpg")
    slid = (folder / "0003.jpg").read_bytes()
    form = {"csrf_token": csrf, "top": vol.folder, "name": "0002.jpg", "seen": shown}
    assert client.post("/scan-station/remove", data=form).status_code == 303
    assert client.post("/scan-station/remove", data=form).status_code == 303  # a double click
    assert (folder / "0002.jpg").read_bytes() == slid  # removed once
    assert t("web_images.scan.already_removed", volume=vol.folder, pages=3) \
        in client.get("/scan-station").text
    # the page now named 0002, as a fresh station shows it: removed
    fresh = dict(form, seen=page_identity(str(folder), "0002.jpg"))
    assert client.post("/scan-station/remove", data=fresh).status_code == 303
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".jpg") == \
        ["0001.jpg", "0002.jpg"]
    assert (folder / "0002.jpg").read_bytes() != slid
    # a button from a page shown before those removals names a page no longer there as shown
    stale = client.post("/scan-station/remove", headers={"Accept": "application/json"},
                        data=dict(form, name="0001.jpg", seen="1:2"))
    assert stale.status_code == 409 and stale.json()["key"] == "intake.renumber.page_changed"
    assert len([p for p in folder.iterdir() if p.suffix == ".jpg"]) == 2  # nothing removed


def test_the_station_shows_each_remove_button_with_the_page_it_shows(
        station: tuple[TestClient, ProjectContext, Path, SetTruth]) -> None:
    from dangan.intake.renumber import page_identity

    client, _ctx, root, truth = station
    bad = truth.volumes[1]
    (root / bad.folder / "0002.jpg").write_bytes(b"\xff\xd8broken")  # a finding, a button
    login(client, "scanner")
    client.get("/scan-station")
    page = client.get("/scan-station/findings").text  # the findings, once read
    seen = page_identity(str(root / bad.folder), "0002.jpg")
    assert f'name="name" value="0002.jpg"><input type="hidden" name="seen" value="{seen}">' \
        in page


def test_inserting_the_same_page_twice_reports_the_pages_really_left(
        station: tuple[TestClient, ProjectContext, Path, SetTruth]) -> None:
    client, _ctx, root, truth = station
    vol = truth.volumes[0]
    csrf = login(client, "scanner")
    missed = (root / vol.folder / "0002.jpg").read_bytes()
    for _tab in range(2):
        inserted = client.post("/scan-station/insert", data={
            "csrf_token": csrf, "top": vol.folder, "before": "2"},
            files={"file": ("scan.jpg", missed, "image/jpeg")})
        assert inserted.status_code == 303, inserted.text
    assert len([p for p in (root / vol.folder).iterdir() if p.suffix == ".jpg"]) == 5
    page = client.get("/scan-station").text
    assert t("web_images.scan.already_inserted", volume=vol.folder, pages=5) in page
    assert t("web_images.scan.renumbered", volume=vol.folder, pages=6) not in page
