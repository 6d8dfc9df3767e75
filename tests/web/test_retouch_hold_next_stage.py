"""The advice under held pages names the stage the work batch goes to next in this project's
workflow: a project without 标引 sends the batch to 质检, and the advice says so."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from cli.runner import dangan
from dangan.compute.executors import InProcessExecutor
from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.i18n import t
from dangan.services import engine
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext, open_project
from dangan.services.retouch import project as retouch_project
from dangan.services.retouch.hold import stage_after_retouch
from dangan.web import runs
from dangan.web.app import create_app
from dangan.web.routes import retouch_desk
from dangan.web.settings import WebSettings
from web.images import add_image_accounts, text_page_jpeg, to_stage
from web.support import Clock, Line, build_line, login

STAGES = '["borrow", "sort", "scan", "retouch", "qc", "rebind", "return"]'


def _without_index(ctx: ProjectContext) -> ProjectContext:
    toml = ctx.home / "dangan.toml"
    text = toml.read_text("utf-8")
    start = text.index("stages = [")
    end = text.index("]", start) + 1
    text = text[:start] + f"stages = {STAGES}" + text[end:]
    text = text.replace("index_per_item = 0.50\n", "")  # a rate of a stage not in the line
    toml.write_text(text.replace("orientation = true", "orientation = false", 1), "utf-8")
    return open_project(ctx.home)


@pytest.fixture
def qc_line(project: ProjectContext) -> tuple[Line, str]:
    ctx = _without_index(project)
    assert stage_after_retouch(ctx.config) == wf.QC
    line = build_line(ctx)
    add_image_accounts(ctx)
    code = line.batches[0]
    first = line.volume_codes(code)[0]
    # volume 1's pages carry one line of text: the engine is not sure of their skew
    to_stage(line, code, wf.RETOUCH, pages=2, raw={first: {n: text_page_jpeg(n) for n in (1, 2)}})
    engine.claim(ctx, resolve_actor(ctx, "赵修"), code)
    return line, code


def test_the_held_pages_advice_names_qc_when_the_workflow_has_no_index(
        qc_line: tuple[Line, str], monkeypatch: pytest.MonkeyPatch) -> None:
    line, code = qc_line
    app = create_app(WebSettings(project=line.ctx.home, clock=Clock()))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        _check(line, code, client, monkeypatch)


def _check(line: Line, code: str, app_client: TestClient,
           monkeypatch: pytest.MonkeyPatch) -> None:
    todo = t("retouch.hold.todo", next=t("stage.qc"))
    summary = retouch_project.run(line.ctx, InProcessExecutor(), batch=code,
                                  actor=resolve_actor(line.ctx, "赵修"))
    assert summary.held and summary.next_stage == wf.QC
    # a sign-off refused for the held pages says the same
    with pytest.raises(StateError) as refused:
        engine.sign(line.ctx, resolve_actor(line.ctx, "赵修"), code)
    assert refused.value.key == "retouch.hold.refused" and todo in refused.value.details
    r = dangan("retouch", "-p", str(line.ctx.home), "-w", "赵修", "--workers", "1", "--batch",
               code, timeout=600)
    assert r.returncode == 0, r.stderr
    assert todo in r.stdout and "标引" not in r.stdout
    # the desk: the run's message and the batch page
    monkeypatch.setattr(retouch_desk, "make_executor", InProcessExecutor)
    csrf = login(app_client, "retoucher")
    assert app_client.post(f"/retouch/{code}/run", data={"csrf_token": csrf}).status_code == 303
    for thread in threading.enumerate():
        if thread.name == f"retouch-{code}":
            thread.join()
    run = runs.recent(line.ctx, "retouch", subject=code, limit=1)[-1]
    assert todo in run.message and "标引" not in run.message
    page = app_client.get(f"/retouch/{code}").text
    assert t("web_images.retouch.held_todo", next=t("stage.qc")) in page
    assert "进入标引" not in page
