"""A volume whose pages differ from the client's register (the list says 40, the sorter
numbered 38 and 38 were ingested) is not rebound and returned as complete: the rebind
sign-off asks for the reason (web form and `rebind sign --accept-missing`), the return list
shows registered and actual pages with the reason, and the progress and batch pages list the
volume in the words of `dangan status`. A refused rebind keeps what the binder typed and
names the form's field, not the command line."""

from __future__ import annotations

import io
import subprocess

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import select

from cli.runner import dangan
from dangan.db.models import Page, StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.services import engine, rebind, sorting
from dangan.services.engine import resolve_actor
from web.support import Line, login
from web.test_records import _people, _to_rebind
from workflow.helpers import do_stage, pass_qc

REASON = "原件第39、40页为空白页，已与委托方核对"


def _ingest(line: Line, pages: dict[str, int]) -> None:
    with line.ctx.transaction() as session:
        for code, count in pages.items():
            volume = session.scalar(select(Volume).where(Volume.archive_code == code))
            assert volume is not None
            session.add_all([Page(volume_id=volume.id, page_no=n, dpi=200, format="jpg")
                             for n in range(1, count + 1)])
            volume.page_count = count


def _short_of_register(line: Line) -> tuple[str, list[str]]:
    """The first batch at 装订, its first volume numbered and ingested 38 of the 40
    registered, the other complete; the method agreed with that volume as the trial."""
    _people(line)
    batch = line.batches[0]
    codes = line.volume_codes(batch)
    sorter = resolve_actor(line.ctx, "李整")
    engine.claim(line.ctx, sorter, batch)
    sorting.record_sorting(line.ctx, sorter, codes[0], 38)
    sorting.record_sorting(line.ctx, sorter, codes[1], 40)
    engine.sign(line.ctx, sorter, batch)
    _ingest(line, {codes[0]: 38, codes[1]: 40})
    for stage, person in ((wf.SCAN, "张扫"), (wf.RETOUCH, "赵修"), (wf.INDEX, "钱标"),
                          (wf.UPLOAD, "钱标")):
        do_stage(line.ctx, batch, stage, person)
    assert pass_qc(line.ctx, batch, "孙检").passed
    rebind.agree_binding(line.ctx, "thread", "档案室刘", trial_codes=[codes[0]])
    return batch, codes


def _waivers(line: Line) -> list[tuple[str, dict[str, object]]]:
    with line.ctx.transaction() as session:
        return [(e.remarks, e.data) for e in session.scalars(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_WORK_WAIVED, StageEvent.stage == wf.REBIND)
            .order_by(StageEvent.id))]


def test_web_rebind_of_a_volume_short_of_its_register_needs_the_reason(
        app_client: TestClient, line: Line) -> None:
    batch, codes = _short_of_register(line)
    token = login(app_client, "binder")
    assert app_client.post(f"/records/rebind/{batch}/claim",
                           data={"csrf_token": token}).status_code == 303
    refused = app_client.post(f"/records/rebind/{batch}", data={
        "csrf_token": token, "codes": [codes[0]], "remarks": "备注保留R",
        "accept_missing": "  "})
    assert refused.status_code == 409
    page = refused.text
    assert 'data-key="rebind.refused"' in page
    words = t("pages.check.words_numbered", registered=40, numbered=38, scanned=38)
    assert t("rebind.register_differs_web", code=codes[0], words=words) in page
    assert "--accept-missing" not in page and "rebind sign" not in page  # the field is named
    item = page.split(f'<li data-batch="{batch}">', 1)[1].split("</li>", 1)[0]
    assert 'value="备注保留R"' in item  # what was typed, kept in the batch's form
    assert _waivers(line) == []
    assert line.batch(batch)[0] == wf.REBIND
    signed = app_client.post(f"/records/rebind/{batch}", data={
        "csrf_token": token, "codes": [codes[0]], "accept_missing": REASON})
    assert signed.status_code == 303, signed.text
    (remarks, data), = _waivers(line)
    assert remarks == REASON
    assert data["register_differs"] is True and data["missing_pages"] is False
    assert (data["registered"], data["numbered"], data["scanned"]) == (40, 38, 38)


def test_refused_rebind_keeps_the_reason_typed(app_client: TestClient, line: Line) -> None:
    """A refusal for another cause (an unregistered trial volume aside, here: the rest of the
    batch before the trial is approved) shows the page again with the reason as typed."""
    batch, codes = _short_of_register(line)
    token = login(app_client, "binder")
    assert app_client.post(f"/records/rebind/{batch}/claim",
                           data={"csrf_token": token}).status_code == 303
    refused = app_client.post(f"/records/rebind/{batch}", data={
        "csrf_token": token, "codes": [codes[1]], "remarks": "第二卷",
        "accept_missing": "原因保留Q"})
    assert refused.status_code == 409
    assert 'data-key="rebind.trial_first"' in refused.text
    item = refused.text.split(f'<li data-batch="{batch}">', 1)[1].split("</li>", 1)[0]
    assert 'value="原因保留Q"' in item and 'value="第二卷"' in item


def test_cli_rebind_sign_refuses_a_volume_short_of_its_register(line: Line) -> None:
    batch, codes = _short_of_register(line)
    binder = resolve_actor(line.ctx, "吴装")
    engine.claim(line.ctx, binder, batch)
    home = str(line.ctx.home)
    env = {"COLUMNS": "300", "DANGAN_DATABASE_URL": line.ctx.database_url}
    r = dangan("rebind", "sign", batch, "-w", "吴装", "--volume", codes[0], "-p", home, env=env)
    assert r.returncode == 7, (r.stdout, r.stderr)
    assert "rebindsign--accept-missing" in "".join((r.stdout + r.stderr).split())
    assert codes[0] in r.stderr and "登记 40 页" in r.stderr
    assert _waivers(line) == []
    r = dangan("rebind", "sign", batch, "-w", "吴装", "--volume", codes[0], "-p", home,
               "--accept-missing", REASON, env=env)
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert [w[0] for w in _waivers(line)] == [REASON]


def _rebound_and_listed(app_client: TestClient, line: Line) -> tuple[str, list[str]]:
    batch, codes = _short_of_register(line)
    binder = resolve_actor(line.ctx, "吴装")
    engine.claim(line.ctx, binder, batch)
    rebind.rebind(line.ctx, binder, batch, [codes[0]], accept_missing=REASON)
    rebind.approve_trial(line.ctx, "档案室刘")
    rebind.rebind(line.ctx, binder, batch)
    return batch, codes


def test_return_list_shows_registered_and_actual_pages_with_the_reason(
        app_client: TestClient, line: Line) -> None:
    _batch, codes = _rebound_and_listed(app_client, line)
    login(app_client, "clerk")
    book = openpyxl.load_workbook(io.BytesIO(app_client.get("/borrow/1/return-list.xlsx")
                                             .content))
    rows = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    head = next(r for r in rows if t("return.col.registered") in r)
    short = next(r for r in rows if codes[0] in r)
    whole = next(r for r in rows if codes[1] in r)
    col = {name: head.index(name) for name in (t("return.col.registered"),
                                               t("return.col.scanned"),
                                               t("return.col.page_note"))}
    assert short[col[t("return.col.registered")]] == "40"
    assert short[col[t("return.col.scanned")]] == "38"
    note = str(short[col[t("return.col.page_note")]])
    assert REASON in note and "吴装" in note and "登记 40 页" in note and "已扫描 38 页" in note
    assert whole[col[t("return.col.scanned")]] == "40"
    assert not whole[col[t("return.col.page_note")]]
    assert any(t("return.page_differs_count", count=1) in str(r[0]) for r in rows)
    pdf = app_client.get("/borrow/1/return-list.pdf")
    assert pdf.status_code == 200
    text = "".join(subprocess.run(["pdftotext", "-", "-"], input=pdf.content, check=True,
                                  capture_output=True).stdout.decode("utf-8").split())
    assert "".join(REASON.split()) in text and "实际页数" in text


def test_progress_and_batch_pages_list_volumes_short_of_the_register(
        app_client: TestClient, line: Line) -> None:
    batch, codes = _short_of_register(line)
    row = t("volumes.page_differs_row", code=codes[0], registered=40, scanned=38).strip()
    login(app_client, "clerk")
    for url in ("/progress", f"/batches/{batch}"):
        page = app_client.get(url).text
        assert row in page, url
        assert t("volumes.page_differs", count=1, volumes="").strip() in page, url
        assert codes[1] + "：" not in page.split('id="page-differs"', 1)[1].split(
            "</section>", 1)[0]
    other = app_client.get(f"/batches/{line.batches[1]}").text
    assert 'id="page-differs"' not in other


def test_binding_page_names_its_fields_not_the_command_line(app_client: TestClient,
                                                            line: Line) -> None:
    """Refusals the CLI words by its options are said on the page by its fields."""
    _people(line)
    batch = line.batches[0]
    _to_rebind(line, batch)
    token = login(app_client, "binder")
    assert app_client.post(f"/records/rebind/{batch}/claim",
                           data={"csrf_token": token}).status_code == 303
    refused = app_client.post(f"/records/rebind/{batch}", data={
        "csrf_token": token, "remarks": "无约定", "accept_missing": "未扫描"})
    assert refused.status_code == 409
    assert 'data-key="rebind.no_agreement_web"' in refused.text
    assert "dangan rebind agree" not in refused.text
    item = refused.text.split(f'<li data-batch="{batch}">', 1)[1].split("</li>", 1)[0]
    assert 'value="未扫描"' in item and 'value="无约定"' in item
    token = login(app_client, "archivist")
    refused = app_client.post("/records/binding", data={
        "csrf_token": token, "method": "thread", "trial_codes": " "})
    assert refused.status_code == 422
    assert 'data-key="rebind.trial_required_web"' in refused.text
    assert "--trial" not in refused.text
