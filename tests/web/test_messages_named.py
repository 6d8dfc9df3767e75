"""Refusals say what is wrong, from the message catalogue, in the reader's language: an unknown
page version, an ingest run that does not exist, a worker who already has a login, a method a
path does not accept, a volume of another batch on the sorting desk; a background run's
lines in the language of the person who started it."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from dangan.i18n import set_language, t
from dangan.services import engine
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.web import runs
from web.support import PASSWORD, Line, login

JSON = {"Accept": "application/json"}


def test_an_unknown_page_version_is_named(app_client: TestClient, line: Line) -> None:
    login(app_client, "scanner")
    bad = app_client.get("/pages/1/1/preview.jpg?v=../../etc/passwd", headers=JSON)
    assert bad.status_code == 422 and bad.json()["key"] == "web_images.bad_version"
    assert "../../etc/passwd" in bad.json()["message"] and "retouched" in bad.json()["message"]
    kind = app_client.get("/pages/1/1/huge.jpg", headers=JSON)
    assert kind.status_code == 422 and kind.json()["key"] == "web_images.bad_kind"


def test_an_unknown_ingest_run_is_an_ingest_run(app_client: TestClient, line: Line) -> None:
    login(app_client, "scanner")
    gone = app_client.get("/scan-station/runs/nope", headers=JSON)
    assert gone.status_code == 404 and gone.json()["key"] == "web_images.scan.no_run"
    assert gone.json()["message"] == t("web_images.scan.no_run", id="nope")


def test_a_second_login_for_a_worker_names_the_login_they_have(app_client: TestClient,
                                                                line: Line) -> None:
    csrf = login(app_client, "admin")
    dup = app_client.post("/admin/users", headers=JSON, data={
        "csrf_token": csrf, "login": "dup-sorter", "password": PASSWORD, "worker": "李整"})
    assert dup.status_code == 409 and dup.json()["key"] == "web.account.worker_has_login"
    message = dup.json()["message"]
    assert "李整" in message and "sorter" in message and "dup-sorter" in message


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "OPTIONS"])
def test_a_method_a_path_does_not_accept_is_said_so(app_client: TestClient, line: Line,
                                                    method: str) -> None:
    login(app_client, "sorter")
    path = f"/batches/{line.batches[0]}/claim"
    answer = app_client.request(method, path, headers=JSON)
    assert answer.status_code == 405 and answer.json()["key"] == "web.method_not_allowed"
    assert method in answer.json()["message"] and "POST" in answer.json()["message"]
    assert answer.headers["allow"] == "POST"
    page = app_client.request(method, path)  # the page in Chinese, not "输入有误"
    assert page.status_code == 405 and t("error.input") not in page.text
    assert 'data-key="web.method_not_allowed"' in page.text or "不接受" in page.text


def test_a_volume_of_another_batch_on_the_sorting_desk_is_named(app_client: TestClient,
                                                               line: Line) -> None:
    mine, other = line.batches[0], line.batches[1]
    engine.claim(line.ctx, resolve_actor(line.ctx, "李整"), mine)
    stranger = line.volume_codes(other)[0]
    csrf = login(app_client, "sorter")
    page = app_client.post(f"/records/sort/{mine}/{stranger}",
                           data={"csrf_token": csrf, "pages_numbered": "40"})
    assert page.status_code == 422
    assert t("records.not_in_batch", code=stranger, batch=mine) in page.text
    assert 'data-key="records.not_in_batch"' in page.text


def test_a_run_speaks_the_language_of_who_started_it(any_project: ProjectContext,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's default is English here; the person who started the run reads Chinese."""
    monkeypatch.setenv("DANGAN_LANG", "en")
    set_language("zh")
    try:
        def work(progress: runs.Progress) -> str:
            progress.line(t("web_images.scan.no_run", id="x"))
            return t("web_images.retouch.run_done", pages=33, signed=1)

        run = runs.start(any_project, "retouch", "1-1-1", "陈修图", None, 1, work)
        assert run is not None
        for thread in threading.enumerate():
            if thread.name == "retouch-1-1-1":
                thread.join()
        done = runs.get(any_project, run.id, "retouch")
        assert done is not None and done.state == "done"
        assert done.message == t("web_images.retouch.run_done", pages=33, signed=1)
        assert "Retouch done" not in done.message and done.lines == ["没有这个入库任务：x"]
    finally:
        set_language(None)
