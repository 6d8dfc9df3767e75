"""整理 / 装订 records through the HTTP layer: the sort record with photos stored through the
storage layer (checksum), the binding method agreed and the trial approved by the
archive-room lead, the binder's rebind sign-off — role checks, CSRF, escaping (both
databases)."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import BindingAgreement, StageEvent
from dangan.domain import workflow as wf
from dangan.i18n import t
from dangan.services import rebind, workers
from dangan.services.engine import resolve_actor
from dangan.web.accounts import add_user
from web.support import HOSTILE, PASSWORD, Line, login
from workflow.helpers import do_stage, pass_qc

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe"
       b"\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")
EXTRA = {"archivist": ("档案室刘", [wf.ARCHIVE_STAFF]), "retoucher": ("赵修", [wf.RETOUCHER]),
         "indexer": ("钱标", [wf.INDEXER, wf.UPLOADER]), "binder": ("吴装", [wf.BINDER])}


def _people(line: Line) -> None:
    for login_, (name, roles) in EXTRA.items():
        workers.add_worker(line.ctx, name, roles)
        add_user(line.ctx, login_, PASSWORD, worker=name, roles=roles)


def _sort_records(line: Line) -> list[StageEvent]:
    with line.ctx.transaction() as session:
        rows = list(session.scalars(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_SORT_RECORD)))
        session.expunge_all()
        return rows


def test_sort_record_with_photo(app_client: TestClient, line: Line) -> None:
    code = line.batches[0]
    first, second = line.volume_codes(code)
    url = f"/records/sort/{quote(code, safe='')}"
    token = login(app_client, "sorter")
    assert app_client.post(f"/batches/{code}/claim",
                           data={"csrf_token": token}).status_code == 303
    saved = app_client.post(f"{url}/{quote(first)}", data={
        "csrf_token": token, "pages_numbered": "38", "unbind_notes": HOSTILE},
        files=[("photos", ("装订.png", PNG, "image/png"))])
    assert saved.status_code == 303, saved.text
    [record] = _sort_records(line)
    assert record.data["pages_numbered"] == 38 and record.data["unbind_notes"] == HOSTILE
    [photo] = record.data["special_binding_photos"]
    rel, digest = photo.split("#sha256=")
    assert digest == hashlib.sha256(PNG).hexdigest()
    assert rel.startswith("过程记录/整理照片/") and line.ctx.storage.read_bytes(rel) == PNG
    page = app_client.get(url).text
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    # not a picture: refused, nothing recorded
    bad = app_client.post(f"{url}/{quote(second)}", data={
        "csrf_token": token, "pages_numbered": "40"},
        files=[("photos", ("x.exe", b"MZ", "application/octet-stream"))])
    assert bad.status_code == 422 and len(_sort_records(line)) == 1
    # a volume of another batch cannot be recorded under this one
    other = line.volume_codes(line.batches[1])[0]
    assert app_client.post(f"{url}/{quote(other)}", data={
        "csrf_token": token, "pages_numbered": "40"}).status_code == 422
    # the sort sign-off waits for every record
    refused = app_client.post(f"/batches/{code}/sign", data={"csrf_token": token})
    assert refused.status_code == 409
    assert app_client.post(f"{url}/{quote(second)}", data={
        "csrf_token": token, "pages_numbered": "40"}).status_code == 303
    assert app_client.post(f"/batches/{code}/sign",
                           data={"csrf_token": token}).status_code == 303
    assert line.batch(code)[0] == wf.SCAN


def _jpeg() -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.effect_noise((320, 240), 40).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def _photo_refused(app_client: TestClient, line: Line, name: str, data: bytes) -> str:
    code = line.batches[0]
    first = line.volume_codes(code)[0]
    token = login(app_client, "sorter")
    app_client.post(f"/batches/{code}/claim", data={"csrf_token": token})
    refused = app_client.post(f"/records/sort/{quote(code, safe='')}/{quote(first)}", data={
        "csrf_token": token, "pages_numbered": "40"},
        files=[("photos", (name, data, "image/jpeg"))])
    assert refused.status_code == 422, refused.text
    assert _sort_records(line) == []
    assert not line.ctx.storage.exists("过程记录/整理照片")
    return refused.text


def test_sort_photo_not_an_image_is_refused_by_name(app_client: TestClient, line: Line) -> None:
    """A text file named .jpg (sent as image/jpeg) goes through the CLI's image check and is
    refused by the name it was uploaded under; nothing is stored or recorded."""
    text = _photo_refused(app_client, line, "fake.jpg", "这不是照片\n".encode())
    assert t("sort.photo_not_image", path="fake.jpg", types="JPEG, PNG, TIFF") in text
    assert "dangan-photo-" not in text


def test_sort_photo_jpeg_cut_in_its_header_is_refused(app_client: TestClient,
                                                      line: Line) -> None:
    text = _photo_refused(app_client, line, "cut.jpg", _jpeg()[:300])
    assert t("sort.photo_not_image", path="cut.jpg", types="JPEG, PNG, TIFF") in text


def test_sort_photo_jpeg_cut_in_its_image_data_is_refused(app_client: TestClient,
                                                          line: Line) -> None:
    data = _jpeg()
    text = _photo_refused(app_client, line, "cut.jpg", data[: len(data) // 2])
    assert t("sort.photo_not_image", path="cut.jpg", types="JPEG, PNG, TIFF") in text


def test_sort_record_roles_and_csrf(app_client: TestClient, line: Line) -> None:
    code = line.batches[0]
    first = line.volume_codes(code)[0]
    url = f"/records/sort/{quote(code, safe='')}/{quote(first)}"
    token = login(app_client, "scanner")
    assert app_client.post(url, data={"csrf_token": token,
                                      "pages_numbered": "40"}).status_code == 403
    token = login(app_client, "sorter")
    assert app_client.post(url, data={"pages_numbered": "40"}).status_code == 403
    # not claimed yet: refused, and no photo written
    assert app_client.post(url, data={"csrf_token": token, "pages_numbered": "40"},
                           files=[("photos", ("a.png", PNG, "image/png"))]).status_code == 409
    assert not list(line.ctx.storage.walk_files("过程记录/整理照片"))
    # another sorter holds the claim: no record on their batch
    app_client.post(f"/batches/{code}/claim", data={"csrf_token": token})
    token2 = login(app_client, "sorter2")
    assert app_client.post(url, data={"csrf_token": token2,
                                      "pages_numbered": "40"}).status_code == 409
    assert _sort_records(line) == []


def test_binding_agreed_trial_approved_rebind(app_client: TestClient, line: Line) -> None:
    _people(line)
    code = line.batches[0]
    codes = line.volume_codes(code)
    line.to_scan(code)
    for stage, person in ((wf.SCAN, "张扫"), (wf.RETOUCH, "赵修"), (wf.INDEX, "钱标"),
                          (wf.UPLOAD, "钱标")):
        do_stage(line.ctx, code, stage, person)
    assert pass_qc(line.ctx, code, "孙检").passed
    # only the archive-room lead signs the method
    token = login(app_client, "binder")
    assert app_client.post("/records/binding", data={
        "csrf_token": token, "method": "thread", "trial_codes": codes[0]}).status_code == 403
    assert app_client.post(f"/batches/{code}/claim",
                           data={"csrf_token": token}).status_code == 303
    assert app_client.post(f"/records/rebind/{code}", data={"csrf_token": token}
                           ).status_code == 409  # no method agreed yet
    token = login(app_client, "archivist")
    agreed = app_client.post("/records/binding", data={
        "csrf_token": token, "method": "thread", "alignment": "bottom_right",
        "trial_codes": codes[0], "remarks": HOSTILE})
    assert agreed.status_code == 303
    with line.ctx.transaction() as session:
        row = session.scalar(select(BindingAgreement))
        assert row is not None and row.agreed_by == "档案室刘" and row.remarks == HOSTILE
    page = app_client.get("/records/binding").text
    assert "线装" in page and "&lt;script&gt;" in page and "<script>alert" not in page
    # the binder rebinds the trial volume first (the page offers just that), then the rest
    token = login(app_client, "binder")
    # scanned without pages (do_stage): the shortfall against the sorter's count is recorded
    rebind.accept_missing_pages(line.ctx, resolve_actor(line.ctx, "吴装"), code, reason="未扫描")
    page = app_client.get("/records/binding").text
    assert f'name="codes" value="{codes[0]}"' in page
    assert app_client.post(f"/records/rebind/{code}", data={"csrf_token": token}
                           ).status_code == 409
    assert app_client.post(f"/records/rebind/{code}", data={
        "csrf_token": token, "codes": [codes[0]]}).status_code == 303
    token = login(app_client, "archivist")
    assert app_client.post("/records/binding/trial",
                           data={"csrf_token": token}).status_code == 303
    token = login(app_client, "binder")
    assert app_client.post(f"/records/rebind/{code}",
                           data={"csrf_token": token}).status_code == 303
    assert line.batch(code)[0] == wf.RETURN


def _refused_reasons(line: Line) -> list[str]:
    with line.ctx.transaction() as session:
        return [e.data.get("reason", "") for e in session.scalars(
            select(StageEvent).where(StageEvent.kind == "web_refused").order_by(StageEvent.id))]


def _shortfalls(line: Line) -> list[tuple[str, str]]:
    with line.ctx.transaction() as session:
        return [(e.person, e.remarks) for e in session.scalars(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_WORK_WAIVED, StageEvent.stage == wf.REBIND)
            .order_by(StageEvent.id))]


def test_rebind_form_records_why_missing_pages_are_rebound(app_client: TestClient,
                                                           line: Line) -> None:
    """The web rebind form has the CLI's `rebind sign --accept-missing REASON`: the volumes
    scanned without their pages (fewer ingested than the sorter numbered) are refused
    without a reason, and rebound with it, the reason recorded per volume with the binder."""
    _people(line)
    code = line.batches[0]
    codes = line.volume_codes(code)
    line.to_scan(code)
    for stage, person in ((wf.SCAN, "张扫"), (wf.RETOUCH, "赵修"), (wf.INDEX, "钱标"),
                          (wf.UPLOAD, "钱标")):
        do_stage(line.ctx, code, stage, person)  # 扫描 signed without pages: 0 of 40 ingested
    assert pass_qc(line.ctx, code, "孙检").passed
    token = login(app_client, "archivist")
    assert app_client.post("/records/binding", data={
        "csrf_token": token, "method": "thread", "trial_codes": codes[0]}).status_code == 303
    token = login(app_client, "binder")
    assert app_client.post(f"/batches/{code}/claim",
                           data={"csrf_token": token}).status_code == 303
    page = app_client.get("/records/binding").text
    assert 'name="accept_missing"' in page and t("rebind.accept_missing_label") in page
    for reason in ("", "   "):  # no reason (or a blank one): the shortfall refuses it
        refused = app_client.post(f"/records/rebind/{code}", data={
            "csrf_token": token, "codes": [codes[0]], "accept_missing": reason})
        assert refused.status_code == 409
    assert _refused_reasons(line)[-2:] == ["rebind.refused", "rebind.refused"]
    assert _shortfalls(line) == []
    assert app_client.post(f"/records/rebind/{code}", data={
        "csrf_token": token, "codes": [codes[0]], "accept_missing": HOSTILE}).status_code == 303
    assert _shortfalls(line) == [("吴装", HOSTILE)]
    token = login(app_client, "archivist")
    assert app_client.post("/records/binding/trial",
                           data={"csrf_token": token}).status_code == 303
    token = login(app_client, "binder")
    assert app_client.post(f"/records/rebind/{code}", data={
        "csrf_token": token, "accept_missing": "原卷缺页，档案室确认"}).status_code == 303
    assert _shortfalls(line)[1:] == [("吴装", "原卷缺页，档案室确认")] * (len(codes) - 1)
    assert line.batch(code)[0] == wf.RETURN


def _to_rebind(line: Line, code: str) -> None:
    line.to_scan(code)
    for stage, person in ((wf.SCAN, "张扫"), (wf.RETOUCH, "赵修"), (wf.INDEX, "钱标"),
                          (wf.UPLOAD, "钱标")):
        do_stage(line.ctx, code, stage, person)
    assert pass_qc(line.ctx, code, "孙检").passed


def _batch_item(page: str, code: str) -> str:
    return page.split(f'<li data-batch="{code}">', 1)[1].split("</li>", 1)[0]


def test_binding_page_offers_the_claim_first_and_says_where_the_trial_is(
        app_client: TestClient, line: Line) -> None:
    _people(line)
    trial_batch, other_batch = line.batches[0], line.batches[1]
    for code in (trial_batch, other_batch):
        _to_rebind(line, code)
    trial = line.volume_codes(trial_batch)[0]
    rebind.agree_binding(line.ctx, "thread", "档案室刘", trial_codes=[trial])
    token = login(app_client, "binder")
    page = app_client.get("/records/binding").text
    # the trial volume is named with its batch, on the page and on the batch without it
    where = t("records.rebind.trial_at", code=trial, batch=trial_batch,
              stage=t(f"stage.{wf.REBIND}"))
    assert where in page
    other = _batch_item(page, other_batch)
    assert t("records.rebind.trial_elsewhere", places=where) in other
    assert "/records/rebind/" not in other
    # unclaimed: a claim button, no sign-off the engine would refuse
    first = _batch_item(page, trial_batch)
    assert f'action="/records/rebind/{trial_batch}/claim"' in first
    assert f'action="/records/rebind/{trial_batch}"' not in first
    claimed = app_client.post(f"/records/rebind/{trial_batch}/claim", data={"csrf_token": token})
    assert claimed.status_code == 303 and claimed.headers["location"] == "/records/binding"
    first = _batch_item(app_client.get("/records/binding").text, trial_batch)
    assert f'action="/records/rebind/{trial_batch}"' in first
    assert t("records.rebind.sign_trial", codes=trial) in first
    assert f'name="codes" value="{trial}"' in first
    signed = app_client.post(f"/records/rebind/{trial_batch}", data={
        "csrf_token": token, "codes": [trial], "accept_missing": "未扫描"})
    assert signed.status_code == 303, signed.text
    # approved: every batch is offered the claim, then the full sign-off
    rebind.approve_trial(line.ctx, "档案室刘")
    other = _batch_item(app_client.get("/records/binding").text, other_batch)
    assert t("records.rebind.trial_elsewhere", places=where) not in other
    assert f'action="/records/rebind/{other_batch}/claim"' in other
