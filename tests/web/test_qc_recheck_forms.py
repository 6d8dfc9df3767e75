"""The QC desk's 复检 forms: a refused 复检不通过 (or 复检通过) comes back with the words typed
in its form; a 复检通过 takes the inspector's remark, and the volume's history shows the line
as 复检通过 with who confirmed which rework (its reason) and the remark."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Rework, Volume
from dangan.services.history import volume_history
from web.support import Line, login
from web.test_qc_verify_claim import _reworked, _status


def _form(html: str, action: str) -> str:
    return html.split(f'action="{action}"')[1].split("</form>")[0]


def test_a_refused_recheck_keeps_what_was_typed(app_client: TestClient, line: Line) -> None:
    code, rework_id = _reworked(app_client, line)
    csrf = login(app_client, "qc")  # the batch not claimed: both refused
    reject = f"/qc/{code}/reject/{rework_id}"
    refused = app_client.post(reject, data={"csrf_token": csrf, "remarks": "第2页仍歪斜"})
    assert refused.status_code == 409 and 'data-key="workflow.not_claimed"' in refused.text
    assert 'value="第2页仍歪斜"' in _form(refused.text, reject)
    verify = f"/qc/{code}/verify/{rework_id}"
    refused = app_client.post(verify, data={"csrf_token": csrf, "remarks": "已纠偏"})
    assert refused.status_code == 409 and 'value="已纠偏"' in _form(refused.text, verify)
    assert 'value="已纠偏"' not in _form(refused.text, reject)
    assert _status(line, rework_id) == "done"
    assert 'value="第2页仍歪斜"' not in app_client.get(f"/qc/{code}").text


def test_the_history_line_of_a_confirmed_rework(app_client: TestClient, line: Line) -> None:
    code, rework_id = _reworked(app_client, line)
    csrf = login(app_client, "qc")
    assert app_client.post(f"/qc/{code}/claim", data={"csrf_token": csrf}).status_code == 303
    done = app_client.post(f"/qc/{code}/verify/{rework_id}",
                           data={"csrf_token": csrf, "remarks": "已纠偏，复核无误"})
    assert done.status_code == 303, done.text
    assert _status(line, rework_id) == "verified"
    with line.ctx.transaction() as session:
        reason, volume = session.execute(select(Rework.reason, Volume.archive_code).join(
            Volume, Volume.id == Rework.volume_id).where(Rework.id == rework_id)).one()
    [confirmed] = [h for h in volume_history(line.ctx, volume) if h.what == "rework_verified"]
    assert confirmed.remarks == f"返工 #{rework_id}（{reason}）已复检确认：已纠偏，复核无误"
    page = app_client.get(f"/volumes/{quote(volume, safe='')}").text
    row = page.split('<tr data-kind="qc_decision">')[-1].split("</tr>")[0]
    assert "复检通过" in row and confirmed.person in row and "已纠偏，复核无误" in row
    assert f"返工 #{rework_id}" in row
