"""On the web too, recorded work stays its maker's when a batch changes hands: the hand-back
button refuses to leave the holder's unsigned sort records unless a reason is given (the
form's ``leave_work``, said back when handed), and the next sorter's sign-off refuses to
take them until they redid and recorded them (ticking ``redone`` alone is refused) — on the
batch page and on the JSON API; the volume page says it in words. SQLite and PostgreSQL."""

from __future__ import annotations

from urllib.parse import quote, unquote

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import StageEvent
from dangan.domain import workflow as wf
from dangan.services.engine import resolve_actor
from dangan.services.sorting import record_sorting
from web.support import Line, csrf_of, login

JSON = {"accept": "application/json"}


def _release(line: Line) -> StageEvent | None:
    with line.ctx.transaction() as session:
        row = session.scalar(select(StageEvent).where(StageEvent.kind == wf.EVENT_RELEASE))
        if row is not None:
            session.expunge(row)
        return row


def _sort_signers(line: Line) -> list[tuple[str, dict[str, object]]]:
    with line.ctx.transaction() as session:
        return [(e.person, dict(e.data or {})) for e in session.scalars(select(StageEvent).where(
            StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == wf.SORT))]


def test_the_batch_page_keeps_left_work_with_its_maker(app_client: TestClient,
                                                        line: Line) -> None:
    code = line.batches[0]
    vols = line.volume_codes(code)
    token = login(app_client, "sorter")
    assert app_client.post(f"/batches/{code}/claim",
                           data={"csrf_token": token}).status_code == 303
    for c in vols:
        record_sorting(line.ctx, resolve_actor(line.ctx, "李整"), c, 40, unbind_notes="拆除订书钉")
    page = app_client.get(f"/batches/{code}").text
    assert 'name="leave_work"' in page and 'name="redone"' in page
    refused = app_client.post(f"/batches/{code}/hand-back", data={"csrf_token": token},
                              headers=JSON)
    assert refused.status_code == 409  # StateError
    assert refused.json()["key"] == "workflow.hand_back_unsigned_work"
    assert _release(line) is None and line.batch(code)[1] == "claimed"
    handed = app_client.post(f"/batches/{code}/hand-back",
                             data={"csrf_token": token, "leave_work": "临时调岗"},
                             follow_redirects=False)
    assert handed.status_code == 303
    flash = unquote(handed.cookies.get("dangan_flash") or "")
    assert "临时调岗" in flash and vols[0] in flash
    release = _release(line)
    assert release is not None
    assert release.data["left_work"] == vols and release.data["left_work_reason"] == "临时调岗"

    token = login(app_client, "sorter2")
    assert app_client.post(f"/batches/{code}/claim",
                           data={"csrf_token": token}).status_code == 303
    form = {"csrf_token": csrf_of(app_client.get(f"/batches/{code}").text), "stage": "sort"}
    taken = app_client.post(f"/batches/{code}/sign", data=form, headers=JSON)
    assert taken.status_code == 409
    assert taken.json()["key"] == "workflow.others_work"
    assert "李整" in taken.json()["message"]
    assert _sort_signers(line) == []
    unrecorded = app_client.post(f"/batches/{code}/sign", data={**form, "redone": "true"},
                                 headers=JSON)
    assert unrecorded.status_code == 409
    assert unrecorded.json()["key"] == "workflow.redone_without_record"
    assert _sort_signers(line) == []
    for c in vols:
        record_sorting(line.ctx, resolve_actor(line.ctx, "李整二"), c, 40)
    signed = app_client.post(f"/batches/{code}/sign", data={**form, "redone": "true"})
    assert signed.status_code == 303
    signers = _sort_signers(line)
    assert signers and all(p == "李整二" for p, _d in signers)
    assert sorted(str(d["redone"]) for _p, d in signers if "redone" in d) == sorted(
        str({v: ["李整"]}) for v in vols)  # each volume's row, not the batch's
    page = app_client.get(f"/volumes/{quote(vols[0], safe='')}").text
    assert "临时调岗" in page and "重做了 李整 记录的工作" in page


def test_the_api_hand_back_and_sign_take_the_reason_and_redone(app_client: TestClient,
                                                                line: Line) -> None:
    code = line.batches[0]
    vols = line.volume_codes(code)
    token = login(app_client, "sorter")
    headers = {"x-csrf-token": token}
    assert app_client.post(f"/api/v1/batches/{code}/claim", headers=headers).status_code == 200
    # nothing recorded: handed back as before
    assert app_client.post(f"/api/v1/batches/{code}/hand-back",
                           headers=headers).status_code == 200
    release = _release(line)
    assert release is not None and set(release.data) == {"claim_id", "reason"}
    assert app_client.post(f"/api/v1/batches/{code}/claim", headers=headers).status_code == 200
    record_sorting(line.ctx, resolve_actor(line.ctx, "李整"), vols[0], 40)
    refused = app_client.post(f"/api/v1/batches/{code}/hand-back", headers=headers, json={})
    assert refused.json()["key"] == "workflow.hand_back_unsigned_work"
    assert app_client.post(f"/api/v1/batches/{code}/hand-back", headers=headers,
                           json={"leave_work": "临时调岗"}).status_code == 200

    token = login(app_client, "sorter2")
    headers = {"x-csrf-token": token}
    assert app_client.post(f"/api/v1/batches/{code}/claim", headers=headers).status_code == 200
    record_sorting(line.ctx, resolve_actor(line.ctx, "李整二"), vols[1], 40)
    taken = app_client.post(f"/api/v1/batches/{code}/sign", headers=headers, json={})
    assert taken.status_code == 409 and taken.json()["key"] == "workflow.others_work"
    unrecorded = app_client.post(f"/api/v1/batches/{code}/sign", headers=headers,
                                 json={"redone": True})
    assert unrecorded.status_code == 409
    assert unrecorded.json()["key"] == "workflow.redone_without_record"
    record_sorting(line.ctx, resolve_actor(line.ctx, "李整二"), vols[0], 40)
    ok = app_client.post(f"/api/v1/batches/{code}/sign", headers=headers, json={})
    assert ok.status_code == 200, ok.text
    redone = [d["redone"] for _p, d in _sort_signers(line) if "redone" in d]
    assert redone == [{vols[0]: ["李整"]}]  # the redone volume's row alone
