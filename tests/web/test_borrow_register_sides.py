"""The borrow desk through HTTP: an account holding both the clerk's and the archive room's
roles never signs both sides (its own-account confirmation, its own login typed); a volume
missing from the shelf taken off a pending batch, or the batch cancelled, from the batch page;
the archive room's 我的任务 lists the batches waiting for it; the clerk's confirm remarks shown;
one status word (待出库) on the desk, the batch page and the command line."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from dangan.db.models import BorrowBatch, Volume
from dangan.domain import workflow as wf
from dangan.services import workers
from dangan.web.accounts import add_user
from web.support import PASSWORD, Line, login
from web.test_borrow_desk import _archivist, _more_volumes

KEY = 'data-key="borrow.same_person_both_sides"'


def _dual(line: Line) -> None:
    workers.add_worker(line.ctx, "兼职王", [wf.BORROW_CLERK, wf.ARCHIVE_STAFF])
    add_user(line.ctx, "dual", PASSWORD, worker="兼职王",
             roles=[wf.BORROW_CLERK, wf.ARCHIVE_STAFF])


def _status(line: Line, no: int) -> str:
    with line.ctx.transaction() as session:
        return session.scalar(select(BorrowBatch.status).where(BorrowBatch.no == no)) or ""


def test_one_account_never_signs_both_sides(app_client: TestClient, line: Line) -> None:
    _archivist(line)
    _dual(line)
    codes = _more_volumes(line, 2)
    token = login(app_client, "dual")
    url = app_client.post("/borrow", data={"csrf_token": token, "codes": codes[:1],
                                           "remarks": "一人两签"}).headers["location"]
    no = int(url.rsplit("/", 1)[1])
    # its own account as the archive room, then as the clerk: refused, nothing signed
    assert app_client.post(f"{url}/archive-confirm", data={"csrf_token": token}
                           ).status_code == 303
    own = app_client.post(f"{url}/confirm", data={"csrf_token": token, "archive_login": "",
                                                  "archive_password": "", "remarks": ""})
    assert own.status_code == 409 and KEY in own.text and "兼职王" in own.text
    # its own login typed as the archive room's second sign-in: the same refusal
    typed = app_client.post(f"{url}/confirm", data={"csrf_token": token,
                                                    "archive_login": "dual",
                                                    "archive_password": PASSWORD})
    assert typed.status_code == 409 and KEY in typed.text
    assert _status(line, no) == wf.BORROW_PLANNED
    # another archive-room person: confirmed
    ok = app_client.post(f"{url}/confirm", data={"csrf_token": token,
                                                 "archive_login": "archivist",
                                                 "archive_password": PASSWORD})
    assert ok.status_code == 303 and _status(line, no) == wf.BORROW_OUT


def test_a_missing_volume_taken_off_and_a_batch_cancelled(app_client: TestClient,
                                                          line: Line) -> None:
    _archivist(line)
    codes = _more_volumes(line, 3)
    clerk_token = login(app_client, "clerk")
    url = app_client.post("/borrow", data={"csrf_token": clerk_token,
                                           "codes": codes}).headers["location"]
    no = int(url.rsplit("/", 1)[1])
    page = app_client.get(url).text
    assert f'action="/borrow/{no}/remove"' in page and f'action="/borrow/{no}/cancel"' in page
    assert "待出库" in page and "待确认" not in page
    assert "待出库" in app_client.get("/borrow").text
    token = login(app_client, "archivist")  # not the archive room's form; it confirms the three
    assert f'action="/borrow/{no}/remove"' not in app_client.get(url).text
    assert app_client.post(f"{url}/archive-confirm", data={"csrf_token": token}
                           ).status_code == 303
    clerk_token = login(app_client, "clerk")
    blank = app_client.post(f"{url}/remove", data={"csrf_token": clerk_token,
                                                   "archive_code": codes[1], "reason": " "})
    assert blank.status_code == 422
    assert 'data-key="borrow.remove_reason_required"' in blank.text
    removed = app_client.post(f"{url}/remove", data={"csrf_token": clerk_token,
                                                     "archive_code": codes[1],
                                                     "reason": "架上未找到"})
    assert removed.status_code == 303
    page = app_client.get(url).text
    listed = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert codes[1] not in listed and codes[0] in listed and codes[2] in listed
    shown = page.split('class="removed">', 1)[1].split("</ul>", 1)[0]
    assert codes[1] in shown and "架上未找到" in shown and "王借" in shown
    # the archive room confirmed a list of three: that confirmation no longer holds
    stale = app_client.post(f"{url}/confirm", data={"csrf_token": clerk_token})
    assert stale.status_code == 403 and 'data-key="desk.cosign.missing"' in stale.text
    with line.ctx.transaction() as session:
        volume = session.scalar(select(Volume).where(Volume.archive_code == codes[1]))
        assert volume is not None and volume.borrow_batch_id is None
        assert volume.stage == wf.REGISTERED
    assert f'value="{codes[1]}"' in app_client.get("/borrow").text  # to pick again
    # a second batch cancelled; a sorter may do neither
    url2 = app_client.post("/borrow", data={"csrf_token": clerk_token,
                                            "codes": [codes[1]]}).headers["location"]
    sorter = login(app_client, "sorter")
    assert app_client.post(f"{url2}/cancel", data={"csrf_token": sorter,
                                                   "reason": "x"}).status_code == 403
    clerk_token = login(app_client, "clerk")
    cancelled = app_client.post(f"{url2}/cancel", data={"csrf_token": clerk_token,
                                                        "reason": "委托方改期"})
    assert cancelled.status_code == 303
    page = app_client.get(url2).text
    assert "已取消" in page and "委托方改期" in page and 'action="/borrow/' not in page
    again = app_client.post(f"{url2}/remove", data={"csrf_token": clerk_token,
                                                    "archive_code": codes[1], "reason": "x"})
    assert again.status_code == 409 and 'data-key="borrow.not_pending"' in again.text
    # once out, no volume is taken off
    ok = app_client.post(f"{url}/confirm", data={"csrf_token": clerk_token,
                                                 "archive_login": "archivist",
                                                 "archive_password": PASSWORD})
    assert ok.status_code == 303
    assert f'action="/borrow/{no}/remove"' not in app_client.get(url).text
    late = app_client.post(f"{url}/remove", data={"csrf_token": clerk_token,
                                                  "archive_code": codes[0], "reason": "x"})
    assert late.status_code == 409 and 'data-key="borrow.not_pending"' in late.text


def test_the_archive_rooms_tasks_list_the_batches_waiting_for_it(app_client: TestClient,
                                                                 line: Line) -> None:
    _archivist(line)
    codes = _more_volumes(line, 2)
    token = login(app_client, "clerk")
    url = app_client.post("/borrow", data={"csrf_token": token,
                                           "codes": codes}).headers["location"]
    no = int(url.rsplit("/", 1)[1])
    assert "borrow-task" not in app_client.get("/tasks").text  # the clerk's page: not there
    login(app_client, "archivist")
    tasks = app_client.get("/tasks").text
    assert f'data-borrow="{no}" data-action="borrow"' in tasks and f'href="/borrow/{no}"' in tasks
    api = app_client.get("/api/v1/tasks").json()
    assert [(b["no"], b["action"], b["volume_count"]) for b in api["borrow"]] == [
        (no, "borrow", 2)]
    token = login(app_client, "clerk")
    app_client.post(f"{url}/confirm", data={"csrf_token": token, "archive_login": "archivist",
                                            "archive_password": PASSWORD})
    login(app_client, "archivist")
    assert f'data-borrow="{no}"' not in app_client.get("/tasks").text


def test_the_confirm_remarks_are_shown(app_client: TestClient, line: Line) -> None:
    _archivist(line)
    codes = _more_volumes(line, 1)
    token = login(app_client, "clerk")
    url = app_client.post("/borrow", data={"csrf_token": token,
                                           "codes": codes}).headers["location"]
    ok = app_client.post(f"{url}/confirm", data={
        "csrf_token": token, "archive_login": "archivist", "archive_password": PASSWORD,
        "remarks": "当面清点12卷"})
    assert ok.status_code == 303
    page = app_client.get(url).text
    assert "当面清点12卷" in page.split('class="remarks confirm-remarks">', 1)[1][:40]
    sheet = load_workbook(io.BytesIO(app_client.get(f"{url}/register.xlsx").content)).active
    assert sheet is not None
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert any("借出备注" in c and "当面清点12卷" in c for c in cells)
