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
