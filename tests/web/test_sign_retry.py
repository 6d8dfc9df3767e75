"""A sign-off sent again once the first went through (a double click, a retry after a lost
answer) is told as such: the stage was already signed, by whom and when
(``workflow.already_signed``, 409) — not that the next stage is unclaimed. In the CLI too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import BorrowBatch, StageEvent, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.i18n import t
from dangan.services import engine, rebind, workers
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.services.signoff import sign_off
from dangan.web import accounts, runs
from dangan.web import security as sec
from dangan.web.accounts import add_user
from dangan.web.app import create_app
from dangan.web.settings import WebSettings
from web.images import add_image_accounts, to_stage
from web.support import PASSWORD, Clock, Line, csrf_of, login
from workflow.helpers import (
    add_people,
    add_volumes,
    borrow_and_split,
    do_stage,
    pass_qc,
    take_to_return,
)


def test_a_web_sign_off_sent_twice_says_it_was_signed(app_client: TestClient,
                                                       line: Line) -> None:
    code = line.batches[0]
    line.to_scan(code)
    line.pages_ingested(code)
    token = login(app_client, "scanner")
    assert app_client.post(f"/batches/{code}/claim",
                           data={"csrf_token": token}).status_code == 303
    page = app_client.get(f"/batches/{code}").text
    assert 'name="stage" value="scan"' in page  # the form says which stage it signs
    form = {"csrf_token": csrf_of(page), "stage": "scan", "remarks": ""}
    assert app_client.post(f"/batches/{code}/sign", data=form).status_code == 303
    assert line.batch(code) == ("retouch", "waiting")
    again = app_client.post(f"/batches/{code}/sign", data=form,
                            headers={"accept": "application/json"})
    assert again.status_code == 409
    body = again.json()
    assert body["key"] == "workflow.already_signed"
    assert body["params"]["person"] == "张扫" and body["params"]["stage"] == "扫描"
    assert body["params"]["at"]
    html = app_client.post(f"/batches/{code}/sign", data=form)
    assert html.status_code == 409
    assert t("web.batch.title", code=code) in html.text  # the batch page, not an error page
    assert 'data-key="workflow.already_signed"' in html.text
    assert f"小批次 {code} 的“扫描”已由 张扫 于" in html.text
    assert "第一次提交已生效" in html.text
    assert line.batch(code) == ("retouch", "waiting")  # nothing signed twice


def test_the_cli_sign_off_repeated_says_who_signed_it(line: Line) -> None:
    ctx = line.ctx
    code = line.batches[0]
    line.to_scan(code)
    sorter = resolve_actor(ctx, "李整")
    with pytest.raises(StateError) as again:  # the sorter signs 整理 again, no stage named
        sign_off(ctx, sorter, code)
    assert again.value.key == "workflow.already_signed" and again.value.exit_code == 7
    assert again.value.params["person"] == "李整"
    assert again.value.params["current"] == "扫描"
    with pytest.raises(StateError) as named:  # the stage named
        sign_off(ctx, resolve_actor(ctx, "张扫"), code, "sort")
    assert named.value.key == "workflow.already_signed"
    with pytest.raises(StateError) as unclaimed:  # the scanner never claimed 扫描: as before
        sign_off(ctx, resolve_actor(ctx, "张扫"), code)
    assert unclaimed.value.key == "workflow.not_claimed"


# --- every web route that signs: the retry from the signer, who lacks the next stage's role --

def _signoffs(line: Line, code: str, stage: str) -> tuple[int, int]:
    """(batch-level, volume-level) sign-off events of ``stage`` for the batch."""
    with line.ctx.transaction() as session:
        batch_id = session.scalar(select(WorkBatch.id).where(WorkBatch.code == code))
        rows = session.execute(select(StageEvent.volume_id).where(
            StageEvent.work_batch_id == batch_id, StageEvent.kind == wf.EVENT_SIGNOFF,
            StageEvent.stage == stage)).all()
    return (sum(1 for r in rows if r[0] is None), sum(1 for r in rows if r[0] is not None))


def _refusals(line: Line) -> list[str]:
    with line.ctx.transaction() as session:
        return [e.data["reason"] for e in session.scalars(
            select(StageEvent).where(StageEvent.kind == sec.EVENT_REFUSED)
            .order_by(StageEvent.id))]


def _scanned_and_held(app_client: TestClient, line: Line, code: str) -> str:
    line.to_scan(code)
    line.pages_ingested(code)
    token = login(app_client, "scanner")
    assert app_client.post(f"/batches/{code}/claim",
                           data={"csrf_token": token}).status_code == 303
    return token


def test_the_bulk_sign_off_sent_twice_says_it_was_signed(app_client: TestClient,
                                                         line: Line) -> None:
    code = line.batches[0]
    _scanned_and_held(app_client, line, code)
    page = app_client.get("/tasks").text
    assert f'name="stage:{code}" value="scan"' in page  # each row says which stage it signs
    form = {"csrf_token": csrf_of(page), "codes": [code], f"stage:{code}": "scan",
            "remarks": "批量"}
    assert app_client.post("/tasks/sign", data=form).status_code == 303
    assert line.batch(code) == ("retouch", "waiting")  # 修图: a role the scanner lacks
    again = app_client.post("/tasks/sign", data=form)  # a double click, a browser's retry
    assert again.status_code == 409
    assert 'data-key="workflow.already_signed"' in again.text
    assert f"小批次 {code} 的“扫描”已由 张扫 于" in again.text
    assert "第一次提交已生效" in again.text and "现在处于“修图”环节" in again.text
    assert t("web.tasks.title") in again.text and t("web.error.title") not in again.text
    assert "无权执行此操作" not in again.text
    for headers in ({"accept": "application/json"},
                    {"HX-Request": "true", "HX-Boosted": "true"}):
        answer = app_client.post("/tasks/sign", data=form, headers=headers)
        assert answer.status_code == 409
        if "accept" in headers:
            body = answer.json()
            assert body["key"] == "workflow.already_signed"
            assert body["params"]["person"] == "张扫" and body["params"]["stage"] == "扫描"
        else:
            assert 'data-key="workflow.already_signed"' in answer.text
    old_page = {k: v for k, v in form.items() if not k.startswith("stage:")}
    stale = app_client.post("/tasks/sign", data=old_page)  # a form that names no stage
    assert stale.status_code == 409 and 'data-key="workflow.already_signed"' in stale.text
    assert _signoffs(line, code, "scan") == (1, 2)  # signed once: the batch and its 2 volumes
    assert line.batch(code) == ("retouch", "waiting")
    assert "stage:retouch" not in _refusals(line)
    assert _refusals(line).count("workflow.already_signed") == 4


def test_the_bulk_retry_in_english(app_client: TestClient, line: Line) -> None:
    code = line.batches[0]
    token = _scanned_and_held(app_client, line, code)
    assert app_client.post("/lang", data={"csrf_token": token, "lang": "en"}).status_code == 303
    form = {"csrf_token": token, "codes": [code], f"stage:{code}": "scan"}
    assert app_client.post("/tasks/sign", data=form).status_code == 303
    again = app_client.post("/tasks/sign", data=form)
    assert again.status_code == 409
    assert f"Work batch {code} was already signed for “Scan” by 张扫 at" in again.text
    assert "the first submission went through" in again.text
    assert _signoffs(line, code, "scan") == (1, 2)


def test_a_bulk_retry_beside_a_new_sign_off_signs_the_new_one(app_client: TestClient,
                                                               line: Line) -> None:
    first, second = line.batches[:2]
    token = _scanned_and_held(app_client, line, first)
    line.to_scan(second)
    line.pages_ingested(second)
    assert app_client.post(f"/batches/{second}/claim",
                           data={"csrf_token": token}).status_code == 303
    assert app_client.post("/tasks/sign", data={
        "csrf_token": token, "codes": [first], f"stage:{first}": "scan"}).status_code == 303
    both = app_client.post("/tasks/sign", data={
        "csrf_token": token, "codes": [first, second], f"stage:{first}": "scan",
        f"stage:{second}": "scan"})
    assert both.status_code == 303
    shown = app_client.get("/tasks").text
    assert f"已签字 1 个小批次：{second}" in shown
    assert f"小批次 {first} 的“扫描”已由 张扫 于" in shown and "未签字" not in shown
    assert _signoffs(line, first, "scan") == (1, 2) == _signoffs(line, second, "scan")


def test_a_bulk_sign_off_without_the_role_is_still_forbidden(app_client: TestClient,
                                                              line: Line) -> None:
    code = line.batches[0]
    _scanned_and_held(app_client, line, code)
    token = login(app_client, "qc")  # 孙检: no 扫描 role, never signed this batch
    for form in ({"csrf_token": token, "codes": [code], f"stage:{code}": "scan"},
                 {"csrf_token": token, "codes": [code]}):
        refused = app_client.post("/tasks/sign", data=form,
                                  headers={"accept": "application/json"})
        assert refused.status_code == 403 and refused.json()["key"] == "web.forbidden"
    page = app_client.post("/tasks/sign", data=form)
    assert page.status_code == 403 and 'data-key="web.forbidden"' in page.text
    assert line.batch(code) == ("scan", "claimed") and _signoffs(line, code, "scan") == (0, 0)
    assert _refusals(line) == ["stage:scan"] * 3


def test_an_api_sign_off_sent_twice_says_it_was_signed(app_client: TestClient,
                                                        line: Line) -> None:
    code = line.batches[0]
    _scanned_and_held(app_client, line, code)
    secret = accounts.new_token(line.ctx, "scanner", "扫描工作站1")
    app_client.cookies.clear()
    auth = {"Authorization": f"Bearer {secret}"}
    signed = app_client.post(f"/api/v1/batches/{code}/sign", headers=auth,
                             json={"remarks": "扫描完成"})
    assert signed.status_code == 200 and signed.json()["stage"] == "scan"
    for body in ({"remarks": "扫描完成"}, {"stage": "scan"}, None):
        again = app_client.post(f"/api/v1/batches/{code}/sign", headers=auth, json=body)
        assert again.status_code == 409, again.text
        assert again.json()["key"] == "workflow.already_signed"
        assert again.json()["params"]["person"] == "张扫"
    assert _signoffs(line, code, "scan") == (1, 2)
    qc = {"Authorization": f"Bearer {accounts.new_token(line.ctx, 'qc', '质检')}"}
    for body in ({"stage": "scan"}, None):  # no 扫描 role, no 修图 role: forbidden
        refused = app_client.post(f"/api/v1/batches/{code}/sign", headers=qc, json=body)
        assert refused.status_code == 403 and refused.json()["key"] == "web.forbidden"


def test_a_qc_verdict_sent_twice_says_the_level_was_signed(app_client: TestClient,
                                                           line: Line) -> None:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    to_stage(line, code, wf.QC)
    csrf = login(app_client, "qc")
    assert app_client.post(f"/qc/{code}/claim", data={"csrf_token": csrf}).status_code == 303
    assert app_client.post(f"/qc/{code}/sample",
                           data={"csrf_token": csrf, "seed": "7"}).status_code == 303
    page = app_client.get(f"/qc/{code}").text
    assert 'name="stage" value="qc"' in page
    form = {"csrf_token": csrf, "stage": "qc", "remarks": "合格"}
    assert app_client.post(f"/qc/{code}/decide", data=form).status_code == 303
    moved_to = line.batch(code)[0]
    assert moved_to not in wf.QC_LEVELS  # 孙检 lacks the role of the stage it waits at
    again = app_client.post(f"/qc/{code}/decide", data=form)
    assert again.status_code == 409
    assert 'data-key="workflow.already_signed"' in again.text
    assert f"小批次 {code} 的“质检”已由 孙检 于" in again.text
    assert t("web_images.qc.batch_title", code=code) in again.text  # the desk, shown again
    for data, headers in ((form, {"accept": "application/json"}),
                          ({"csrf_token": csrf}, {"accept": "application/json"})):
        answer = app_client.post(f"/qc/{code}/decide", data=data, headers=headers)
        assert answer.status_code == 409 and answer.json()["key"] == "workflow.already_signed"
    with line.ctx.transaction() as session:
        decisions = session.scalars(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_QC_DECISION)).all()
    assert len(decisions) == 1 and line.batch(code)[0] == moved_to
    assert _signoffs(line, code, "qc")[0] == 1
    token = login(app_client, "scanner")  # no QC role: still forbidden
    refused = app_client.post(f"/qc/{code}/decide", data={**form, "csrf_token": token})
    assert refused.status_code == 403 and 'data-key="web.forbidden"' in refused.text


def test_a_rebind_sent_twice_says_it_was_signed(app_client: TestClient, line: Line) -> None:
    code = line.batches[0]
    volumes = line.volume_codes(code)
    for name, roles in (("吴装", [wf.BINDER]), ("赵修", [wf.RETOUCHER]),
                        ("钱标", [wf.INDEXER, wf.UPLOADER])):
        workers.add_worker(line.ctx, name, roles)
    add_user(line.ctx, "binder", PASSWORD, worker="吴装", roles=[wf.BINDER])
    line.to_scan(code)
    for stage, person in ((wf.SCAN, "张扫"), (wf.RETOUCH, "赵修"), (wf.INDEX, "钱标"),
                          (wf.UPLOAD, "钱标")):
        do_stage(line.ctx, code, stage, person)  # 扫描 signed without pages
    assert pass_qc(line.ctx, code, "孙检").passed
    binder = resolve_actor(line.ctx, "吴装")
    engine.claim(line.ctx, binder, code)
    rebind.agree_binding(line.ctx, "thread", "档案室刘", trial_codes=volumes[:1])
    rebind.rebind(line.ctx, binder, code, volumes[:1], accept_missing="原卷缺页")
    rebind.approve_trial(line.ctx, "档案室刘")
    token = login(app_client, "binder")
    form = {"csrf_token": token, "accept_missing": "原卷缺页，档案室确认"}
    assert app_client.post(f"/records/rebind/{code}", data=form).status_code == 303
    assert line.batch(code)[0] == wf.RETURN  # 还卷: the borrow clerk's, not the binder's
    again = app_client.post(f"/records/rebind/{code}", data=form)
    assert again.status_code == 409
    assert 'data-key="workflow.already_signed"' in again.text
    assert f"小批次 {code} 的“装订”已由 吴装 于" in again.text
    assert t("records.binding.title") in again.text and "无权执行此操作" not in again.text
    answer = app_client.post(f"/records/rebind/{code}", data=form,
                             headers={"accept": "application/json"})
    assert answer.status_code == 409 and answer.json()["key"] == "workflow.already_signed"
    assert _signoffs(line, code, wf.REBIND) == (1, len(volumes))
    assert "stage:return" not in _refusals(line)


def _borrow_signoffs(ctx: ProjectContext, no: int, stage: str) -> tuple[int, int]:
    """(volume-level, work-batch-level) sign-off events of ``stage`` for the borrow batch."""
    with ctx.transaction() as session:
        batch_id = session.scalar(select(BorrowBatch.id).where(BorrowBatch.no == no))
        volumes = session.scalars(select(StageEvent.volume_id).where(
            StageEvent.borrow_batch_id == batch_id, StageEvent.kind == wf.EVENT_SIGNOFF,
            StageEvent.stage == stage)).all()
    return (sum(1 for v in volumes if v is not None), sum(1 for v in volumes if v is None))


def test_a_borrow_confirmed_twice_says_it_was_signed(app_client: TestClient,
                                                      line: Line) -> None:
    workers.add_worker(line.ctx, "档案室刘", [wf.ARCHIVE_STAFF])
    add_user(line.ctx, "archivist", PASSWORD, worker="档案室刘", roles=[wf.ARCHIVE_STAFF])
    with line.ctx.transaction() as session:
        session.add(Volume(project_id=line.ctx.project_id, archive_code="1998-民-0001-0001",
                           title="案卷100", expected_pages=4, list_row=100))
    token = login(app_client, "clerk")
    url = app_client.post("/borrow", data={"csrf_token": token,
                                           "codes": ["1998-民-0001-0001"]}).headers["location"]
    no = int(url.rsplit("/", 1)[1])
    form = {"csrf_token": token, "archive_login": "archivist", "archive_password": PASSWORD}
    assert app_client.post(f"{url}/confirm", data=form).status_code == 303
    for headers in ({}, {"HX-Request": "true", "HX-Boosted": "true"}):
        again = app_client.post(f"{url}/confirm", data=form, headers=headers)
        assert again.status_code == 409
        assert 'data-key="desk.borrow.already_signed"' in again.text
        assert f"借卷批次 {no} 的“借卷”已由 王借 于" in again.text  # shown: the form is gone
        assert "第一次提交已生效" in again.text and PASSWORD not in again.text
    assert _borrow_signoffs(line.ctx, no, wf.BORROW) == (1, 0)  # one volume, signed once
    with line.ctx.transaction() as session:  # the archive side was not asked again
        cosigns = session.scalars(select(StageEvent.id).where(
            StageEvent.kind == "web_cosign")).all()
    assert len(cosigns) <= 1


@pytest.fixture
def returnable(any_project: ProjectContext) -> Iterator[tuple[TestClient, int, list[str]]]:
    """A borrow batch of two volumes through the whole line, ready to go back."""
    codes = add_volumes(any_project, 2)
    add_people(any_project)
    no, made = borrow_and_split(any_project, 2)
    for code in made:
        take_to_return(any_project, code)
    add_user(any_project, "clerk", PASSWORD, worker="王借", roles=[wf.BORROW_CLERK])
    workers.add_worker(any_project, "档案室刘", [wf.ARCHIVE_STAFF])
    add_user(any_project, "archivist", PASSWORD, worker="档案室刘", roles=[wf.ARCHIVE_STAFF])
    add_user(any_project, "binder", PASSWORD, worker="吴装", roles=[wf.BINDER])
    app = create_app(WebSettings(project=any_project.home, clock=Clock()))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield client, no, codes


def test_a_return_sent_twice_says_it_was_signed(
        returnable: tuple[TestClient, int, list[str]]) -> None:
    client, no, codes = returnable
    token = login(client, "clerk")
    form = {"csrf_token": token, "archive_login": "archivist", "archive_password": PASSWORD,
            "shelving_rule": "按档号顺序上架", "counted": "2", "handed": "\n".join(codes)}
    assert client.post(f"/borrow/{no}/return", data=form).status_code == 303
    again = client.post(f"/borrow/{no}/return", data=form)
    assert again.status_code == 409
    assert 'data-key="desk.borrow.already_signed"' in again.text
    assert f"借卷批次 {no} 的“还卷”已由 王借 于" in again.text
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    assert _borrow_signoffs(ctx, no, wf.RETURN) == (2, 1)  # each volume and its work batch, once
    token = login(client, "binder")  # no borrow-clerk role: still forbidden
    refused = client.post(f"/borrow/{no}/return", data={**form, "csrf_token": token})
    assert refused.status_code == 403


def test_a_retouch_run_sent_again_once_signed_says_so(app_client: TestClient,
                                                       line: Line) -> None:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    to_stage(line, code, wf.RETOUCH, pages=2)
    retoucher = resolve_actor(line.ctx, "赵修")
    engine.claim(line.ctx, retoucher, code)
    csrf = login(app_client, "retoucher")
    page = app_client.get(f"/retouch/{code}").text
    assert 'name="stage" value="retouch"' in page
    engine.sign(line.ctx, retoucher, code)  # what the run started from this page signs
    assert line.batch(code)[0] == wf.INDEX  # the indexer's stage: 赵修 lacks its role
    again = app_client.post(f"/retouch/{code}/run", data={"csrf_token": csrf,
                                                          "stage": "retouch"})
    assert again.status_code == 409
    assert 'data-key="workflow.already_signed"' in again.text
    assert f"小批次 {code} 的“修图”已由 赵修 于" in again.text
    assert t("web_images.retouch.batch_title", code=code) in again.text
    assert runs.recent(line.ctx, "retouch", subject=code) == []  # nothing was run
    assert _signoffs(line, code, wf.RETOUCH) == (1, 2)
    fresh = app_client.get(f"/retouch/{code}").text  # the page now shows 编目: no retry
    assert 'name="stage" value="index"' in fresh


def test_a_packaging_run_sent_again_once_signed_says_so(app_client: TestClient,
                                                         line: Line) -> None:
    add_image_accounts(line.ctx)
    code = line.batches[0]
    to_stage(line, code, wf.UPLOAD, pages=2)
    packager = resolve_actor(line.ctx, "钱标")
    engine.claim(line.ctx, packager, code)
    csrf = login(app_client, "indexer")
    page = app_client.get(f"/package/{code}").text
    assert 'name="stage" value="upload"' in page
    engine.sign(line.ctx, packager, code, waive_reason="测试：不生成交付文件")
    assert line.batch(code)[0] == wf.QC  # the inspector's stage: 钱标 lacks its role
    form = line.ctx.config.delivery.forms[0]
    for headers in ({}, {"accept": "application/json"}):
        again = app_client.post(f"/package/{code}/run", headers=headers,
                                data={"csrf_token": csrf, "form": form, "stage": "upload"})
        assert again.status_code == 409
        if headers:
            assert again.json()["key"] == "workflow.already_signed"
        else:
            assert 'data-key="workflow.already_signed"' in again.text
            assert f"小批次 {code} 的“上传”已由 钱标 于" in again.text
    assert runs.recent(line.ctx, "package", subject=code) == []
    assert _signoffs(line, code, wf.UPLOAD) == (1, 2)
