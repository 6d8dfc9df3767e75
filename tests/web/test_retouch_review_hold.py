"""Do no harm: a page the retouch engine was not sure of (``needs_review``) is left for a
person, and its volume is not signed for 修图 until someone looked at it.

Volume 1's pages carry one line of text (the engine cannot measure their skew: left as they
were, ``skew_uncertain``); volume 2's are full of lines (deskewed, nothing to review). The
retouch run signs volume 2 only; the batch stays at 修图, claimed; the desk and ``dangan page``
settle the pages (accept, replace); a rerun signs volume 1 and the batch moves on.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cli.runner import dangan
from dangan.compute.executors import InProcessExecutor
from dangan.db.models import Defect, StageEvent
from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.i18n import join, t
from dangan.services import engine
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext, open_project
from dangan.services.retouch import fix
from dangan.services.retouch import project as retouch_project
from dangan.web import runs
from dangan.web.routes import retouch_desk
from web.images import Pages, add_image_accounts, page_jpeg, text_page_jpeg, to_stage
from web.support import Line, build_line, login

UNSURE = t("retouch.review.skew_uncertain")  # why volume 1's pages were left as they were


def _no_orientation(ctx: ProjectContext) -> ProjectContext:
    """Orientation off (quicker, and beside the point here)."""
    toml = ctx.home / "dangan.toml"
    toml.write_text(toml.read_text("utf-8").replace("orientation = true", "orientation = false",
                                                    1), "utf-8")
    return open_project(ctx.home)


def _at_retouch(line: Line) -> tuple[str, list[Pages]]:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    second = line.volume_codes(code)[1]
    made = to_stage(line, code, wf.RETOUCH, pages=2,
                    raw={second: {n: text_page_jpeg(n) for n in (1, 2)}})
    engine.claim(line.ctx, resolve_actor(line.ctx, "赵修"), code)
    return code, made


@pytest.fixture
def held_line(line: Line) -> tuple[Line, str, list[Pages]]:
    line.ctx = _no_orientation(line.ctx)
    code, made = _at_retouch(line)
    return line, code, made


def _defects(ctx: ProjectContext, volume_id: int) -> list[Defect]:
    with ctx.transaction() as session:
        return list(session.scalars(select(Defect).where(
            Defect.volume_id == volume_id, Defect.code == "needs_review").order_by(
            Defect.page_no)))


def _volume_stage(ctx: ProjectContext, volume_id: int) -> str:
    from dangan.db.models import Volume

    with ctx.transaction() as session:
        volume = session.get(Volume, volume_id)
        assert volume is not None
        return volume.stage


def test_a_held_volume_is_not_signed_until_its_pages_are_settled(
        held_line: tuple[Line, str, list[Pages]]) -> None:
    line, code, (first, second) = held_line
    ctx = line.ctx
    retoucher = resolve_actor(ctx, "赵修")
    summary = retouch_project.run(ctx, InProcessExecutor(), batch=code, actor=retoucher)
    assert summary.signed == [second.archive_code]
    assert list(summary.held) == [first.archive_code]
    assert [(p.page_no, p.reasons) for p in summary.held[first.archive_code]] == \
        [(1, (UNSURE,)), (2, (UNSURE,))]
    assert summary.to_dict()["held"][first.archive_code][0] == {"page": 1, "reasons": [UNSURE]}
    assert _volume_stage(ctx, first.volume_id) == wf.RETOUCH
    assert _volume_stage(ctx, second.volume_id) == wf.INDEX
    assert line.batch(code)[0] == wf.RETOUCH  # the batch waits for its held volume
    # the engine refuses to sign it by another way (``dangan signoff``)
    with pytest.raises(StateError) as refused:
        engine.sign(ctx, retoucher, code)
    assert refused.value.key == "retouch.hold.refused"
    assert any(first.archive_code in d and UNSURE in d for d in refused.value.details)
    assert line.batch(code)[0] == wf.RETOUCH
    # a person looks: page 1 accepted as it is, page 2 replaced by a hand-fixed file
    assert fix.accept_pages(ctx, retoucher, first.archive_code, [1], "看过，原件如此") == {1: 1}
    assert [p.page_no for p in fix.still_held(ctx, first.archive_code)] == [2]
    again = retouch_project.run(ctx, InProcessExecutor(), batch=code, actor=retoucher)
    assert again.signed == [] and list(again.held) == [first.archive_code]  # one page left
    fixed = fix.replace_page(ctx, retoucher, first.archive_code, 2, text_page_jpeg(2, tilt=0))
    assert fixed.settled == 1 and fix.still_held(ctx, first.archive_code) == []
    accepted, replaced = _defects(ctx, first.volume_id)
    assert accepted.status == "waived"
    assert accepted.data["resolution"] == {"reason": "accepted", "by": "赵修",
                                           "remarks": "看过，原件如此"}
    assert replaced.status == "fixed"  # QC verifies it at its next passing verdict
    assert replaced.data["resolution"]["reason"] == "hand_fixed"
    last = retouch_project.run(ctx, InProcessExecutor(), batch=code, actor=retoucher)
    assert last.signed == [first.archive_code] and last.held == {}
    assert line.batch(code)[0] == wf.INDEX  # all volumes signed: the batch moved on


def test_retouch_and_page_on_the_command_line(tmp_path: Path, project: ProjectContext) -> None:
    line = build_line(project)
    line.ctx = _no_orientation(project)
    code, (first, _second) = _at_retouch(line)
    home = str(line.ctx.home)
    r = dangan("retouch", "-p", home, "-w", "赵修", "--workers", "1", "--batch", code,
               timeout=600)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert t("retouch.hold.volume", code=first.archive_code, stage=t("stage.retouch"),
             count=2, pages=join(["1", "2"])) in out
    assert t("retouch.hold.page", code=first.archive_code, page=1, words=UNSURE) in out
    assert t("retouch.hold.todo", next=t("stage.index")) in out
    assert t("retouch.volume_signed", code=first.archive_code, stage=t("stage.retouch"),
             user="赵修", pages=2, defects=2) not in out
    assert line.batch(code)[0] == wf.RETOUCH
    # a page that does not exist: nothing accepted
    missing = dangan("page", "accept", first.archive_code, "--page", "1", "--page", "9",
                     "-p", home, "-w", "赵修")
    assert missing.returncode == 5 and "没有第 9 页" in missing.stderr, missing.stderr
    assert [d.status for d in _defects(line.ctx, first.volume_id)] == ["open", "open"]
    fixed_file = tmp_path / "0002-手工.jpg"
    fixed_file.write_bytes(text_page_jpeg(2, tilt=0))
    replaced = dangan("page", "replace", first.archive_code, str(fixed_file), "--page", "2",
                      "-p", home, "-w", "赵修")
    assert replaced.returncode == 0, replaced.stderr
    assert t("retouch.page.still_held", code=first.archive_code, count=1,
             pages="1") in replaced.stdout
    accepted = dangan("page", "accept", first.archive_code, "--page", "1", "-p", home,
                      "-w", "赵修", "--reason", "看过，原件只有一行字")
    assert accepted.returncode == 0, accepted.stderr
    assert t("retouch.page.accepted", code=first.archive_code, page=1,
             waived=1) in accepted.stdout
    assert t("retouch.page.none_held", code=first.archive_code) in accepted.stdout
    signed = dangan("retouch", "-p", home, "-w", "赵修", "--workers", "1", "--batch", code,
                    timeout=600)
    assert signed.returncode == 0, signed.stderr
    assert t("retouch.volume_signed", code=first.archive_code, stage=t("stage.retouch"),
             user="赵修", pages=2, defects=1) in signed.stdout  # the replaced page's finding
    assert t("retouch.hold.todo", next=t("stage.index")) not in signed.stdout
    assert line.batch(code)[0] == wf.INDEX
    # once signed, the page is changed only through a rework
    late = dangan("page", "accept", first.archive_code, "--page", "1", "-p", home, "-w", "赵修")
    assert late.returncode == 7 and "不在修图环节" in late.stderr, late.stderr


def _run(client: TestClient, ctx: ProjectContext, code: str, csrf: str) -> runs.RunView:
    started = client.post(f"/retouch/{code}/run", data={"csrf_token": csrf})
    assert started.status_code == 303
    for thread in threading.enumerate():
        if thread.name == f"retouch-{code}":
            thread.join()
    run = runs.recent(ctx, "retouch", subject=code, limit=1)[-1]
    assert run.state == "done", run.message
    return run


def test_the_desk_holds_settles_and_signs(held_line: tuple[Line, str, list[Pages]],
                                          app_client: TestClient,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    line, code, (first, _second) = held_line
    monkeypatch.setattr(retouch_desk, "make_executor", InProcessExecutor)
    csrf = login(app_client, "retoucher")
    run = _run(app_client, line.ctx, code, csrf)
    assert t("web_images.retouch.run_done", pages=4, signed=1) in run.message
    assert t("retouch.hold.page", code=first.archive_code, page=2, words=UNSURE) in run.message
    assert t("retouch.hold.todo", next=t("stage.index")) in run.message
    assert line.batch(code)[0] == wf.RETOUCH
    page = app_client.get(f"/retouch/{code}").text
    assert 'id="held"' in page and t("web_images.retouch.held_volume", volume=first.archive_code,
                                      pages=join(["1", "2"])) in page
    assert UNSURE in page and t("web_images.retouch.holds") in page
    # volume 2 was deskewed: information, said as a correction made, never as a problem
    assert t("web_images.retouch.flag.deskewed_residual", deg="1.2", after="0.0") in page \
        or "已纠偏" in page
    assert "偏斜 1." not in page
    url = f"/retouch/{code}/volume/{first.volume_id}"
    json = {"Accept": "application/json"}
    accepted = app_client.post(f"{url}/accept", data={"csrf_token": csrf, "page_no": "1",
                                                      "reason": "看过"}, headers=json)
    assert accepted.status_code == 303, accepted.text  # was 409 "不在修图环节"
    replaced = app_client.post(f"{url}/replace", data={"csrf_token": csrf, "page_no": "2"},
                               files={"file": ("fixed.jpg", page_jpeg(2), "image/jpeg")},
                               headers=json)
    assert replaced.status_code == 303, replaced.text
    settled = app_client.get(f"/retouch/{code}").text
    assert 'id="held"' not in settled and 'id="ready-to-sign"' in settled
    with line.ctx.transaction() as session:
        events = session.scalars(select(StageEvent.data).where(
            StageEvent.kind == wf.EVENT_RETOUCH_RECORD, StageEvent.person == "赵修")).all()
        assert {"accepted_page": 1, "waived": 1, "remarks": "看过"} in events
    again = _run(app_client, line.ctx, code, csrf)
    assert t("web_images.retouch.run_done", pages=4, signed=1) in again.message
    assert line.batch(code)[0] == wf.INDEX
    assert _volume_stage(line.ctx, first.volume_id) == wf.INDEX


def test_the_demo_retoucher_settles_held_pages_before_signing(
        held_line: tuple[Line, str, list[Pages]]) -> None:
    """``dangan demo``'s retouch step: where the engine holds pages, the demo's retoucher
    accepts them through the desk's service, saying a person looked, then the rerun signs."""
    from dangan.demo.line import _retouch

    line, code, (first, second) = held_line
    summary: dict[str, Any] = {}
    _retouch(line.ctx, code, resolve_actor(line.ctx, "赵修"), summary)
    assert summary["review_accepted"] == {first.archive_code: [1, 2]}
    for defect in _defects(line.ctx, first.volume_id):
        assert defect.status == "waived"
        assert defect.data["resolution"]["remarks"] == t("workflow.line.review_accepted")
    assert _defects(line.ctx, second.volume_id) == []
    assert line.batch(code)[0] == wf.INDEX
