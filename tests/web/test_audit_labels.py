"""The 审计 page in the reader's language: event kinds by their labels (the line's and the web
edge's), refusal reasons and remarks recorded as message keys shown as their messages, the
recorded data as labelled lines — never raw kinds, keys or JSON."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from dangan.i18n import t
from dangan.web import security as sec
from web.support import Line, login


def _row(page: str, kind: str) -> str:
    start = page.index(f'data-kind="{kind}"')
    return page[start:page.index("</tr>", start)]


def test_audit_page_speaks_the_readers_language(app_client: TestClient, line: Line) -> None:
    with line.ctx.transaction() as session:
        sec.audit(session, line.ctx.project_id, sec.EVENT_REFUSED, "张扫",
                  at=datetime.now(UTC), remarks="desk.cosign.failed",
                  data={"path": "/borrow/1/confirm", "reason": "project.db_error"})
    token = login(app_client, "sorter")  # a sign-in (web_login)
    app_client.post(f"/batches/{line.batches[0]}/claim", data={"csrf_token": token})  # claim
    login(app_client, "admin")
    page = app_client.get("/audit").text
    body = page.split("<tbody>")[1]
    login_row = _row(body, "web_login")
    assert f">{t('web_forms.event.web_login')}<" in login_row and ">web_login<" not in body
    assert f">{t('workflow.event.claim')}<" in _row(body, "claim")
    refused = _row(body, "web_refused")
    assert t("web_forms.event.web_refused") in refused
    assert "project.db_error" not in refused and "desk.cosign.failed" not in refused
    assert "数据库出错：…" in refused and "档案室人员 … 的登录名或密码不正确。" in refused
    assert f"{t('web_forms.data.path')}：/borrow/1/confirm" in refused
    assert '{"' not in body  # no raw JSON
    assert f'<option value="web_login">{t("web_forms.event.web_login")}</option>' in page
    english = app_client.post("/lang", data={"csrf_token": login(app_client, "admin"),
                                             "lang": "en", "back": "/audit"})
    assert english.status_code == 303
    en_body = app_client.get("/audit").text.split("<tbody>")[1]
    assert ">sign-in<" in _row(en_body, "web_login")
    assert "Database error: …" in _row(en_body, "web_refused")


def test_audit_page_says_reasons_and_coded_values_in_words(app_client: TestClient,
                                                           line: Line) -> None:
    """A trial read "原因：role:scan_operator", "原因：handed_back", "签字方：archive",
    "at：…", "close_gaps：否" and refusals with … for their batch and values on the page."""
    login(app_client, "sorter")
    assert app_client.get("/audit").status_code == 403  # recorded: role:security_auditor
    with line.ctx.transaction() as session:
        for data in ({"side": "archive", "count": 2}, {"claim_id": 7, "reason": "handed_back"},
                     {"at": "2026-11-28T03:28:00+00:00", "person": "赵扫描",
                      "close_gaps": False},
                     {"path": "/batches/9-9-9/sign", "reason": "workflow.batch_not_found",
                      "reason_params": {"code": "9-9-9"}}):
            sec.audit(session, line.ctx.project_id, sec.EVENT_REFUSED, "张扫",
                      at=datetime.now(UTC), data=data)
    login(app_client, "admin")
    body = app_client.get("/audit").text.split("<tbody>")[1]
    for raw in ("role:", "handed_back", "：archive<", "at：", "person：",
                "close_gaps", "reason_params"):
        assert raw not in body, raw
    officers = "/".join(t(k) for k in ("web.role.admin", "role.security_auditor",
                                           "role.security_officer"))
    roles = t("web_forms.value.reason.role", roles=officers)
    assert f"{t('web_forms.data.reason')}：{roles}" in body
    assert f"{t('web_forms.data.side')}：{t('web_forms.value.side.archive')}" in body
    assert t("web_forms.value.reason.handed_back") in body
    assert f"{t('web_forms.data.close_gaps')}：{t('web_forms.no')}" in body
    assert f"{t('web_forms.data.person')}：赵扫描" in body
    assert t("workflow.batch_not_found", code="9-9-9") in body  # with its recorded parameters


def test_a_refused_request_records_its_messages_parameters(app_client: TestClient,
                                                          line: Line) -> None:
    from sqlalchemy import select

    from dangan.db.models import StageEvent

    login(app_client, "sorter")
    assert app_client.get("/audit").status_code == 403
    with line.ctx.transaction() as session:
        data = session.scalars(select(StageEvent.data).where(
            StageEvent.kind == sec.EVENT_REFUSED).order_by(StageEvent.id.desc())).first()
    assert data["reason"] == "role:admin,security_auditor,security_officer"
    assert t("role.security_auditor") in data["reason_params"]["roles"]
