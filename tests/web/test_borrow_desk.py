"""借还卷 through the HTTP layer: pick and list, the archive-room person's second sign-in,
problems on the spot, split, overdue list, register downloads, return checked by count and
order — with role checks, CSRF, refusals audited and hostile text escaped (both databases)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dangan.db.models import BorrowBatch, StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.services import workers
from dangan.web.accounts import add_user
from web.support import HOSTILE, PASSWORD, Clock, Line, login


def _archivist(line: Line) -> None:
    workers.add_worker(line.ctx, "档案室刘", [wf.ARCHIVE_STAFF])
    add_user(line.ctx, "archivist", PASSWORD, worker="档案室刘", roles=[wf.ARCHIVE_STAFF])


def _more_volumes(line: Line, n: int = 3, title: str = "案卷") -> list[str]:
    codes = [f"1998-民-0001-{i:04d}" for i in range(1, n + 1)]
    with line.ctx.transaction() as session:
        for i, code in enumerate(codes, start=100):
            session.add(Volume(project_id=line.ctx.project_id, archive_code=code,
                               title=f"{title}{i}", expected_pages=30, list_row=i))
    return codes


def _events(line: Line, kind: str) -> list[StageEvent]:
    with line.ctx.transaction() as session:
        rows = list(session.scalars(select(StageEvent).where(StageEvent.kind == kind)))
        session.expunge_all()
        return rows


def test_borrow_pick_confirm_problem_split(app_client: TestClient, line: Line) -> None:
    _archivist(line)
    codes = _more_volumes(line, 3, title=HOSTILE)
    token = login(app_client, "clerk")
    page = app_client.get("/borrow", params={"q": "1998-民"})
    assert page.status_code == 200 and page.text.count('name="codes"') == 3
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    created = app_client.post("/borrow", data={"csrf_token": token, "codes": codes[:2],
                                               "remarks": HOSTILE})
    assert created.status_code == 303
    url = created.headers["location"]
    no = int(url.rsplit("/", 1)[1])
    page = app_client.get(url).text
    assert "1998-民-0001-0001" in page and "&lt;script&gt;" in page
    # the archive-room person's wrong password: refused, audited, nothing confirmed
    bad = app_client.post(f"{url}/confirm", data={"csrf_token": token,
                                                  "archive_login": "archivist",
                                                  "archive_password": "wrong password"})
    assert bad.status_code == 403
    assert any(e.data.get("cosign_for") == "王借" for e in _events(line, "web_login_failed"))
    # the clerk cannot confirm as their own other side, nor can a sorter
    self_sign = app_client.post(f"{url}/confirm", data={"csrf_token": token,
                                                        "archive_login": "clerk",
                                                        "archive_password": PASSWORD})
    assert self_sign.status_code == 403 and "不是档案室人员" in self_sign.text
    ok = app_client.post(f"{url}/confirm", data={"csrf_token": token,
                                                 "archive_login": "archivist",
                                                 "archive_password": PASSWORD})
    assert ok.status_code == 303
    with line.ctx.transaction() as session:
        batch = session.scalar(select(BorrowBatch).where(BorrowBatch.no == no))
        assert batch is not None and batch.status == wf.BORROW_OUT
        assert batch.archive_staff == "档案室刘" and batch.remarks == HOSTILE
    confirms = [e for e in _events(line, wf.EVENT_BORROW_CONFIRM) if e.person == "档案室刘"]
    assert len(confirms) == 1 and _events(line, "web_cosign")[0].person == "档案室刘"
    noted = app_client.post(f"{url}/problem", data={"csrf_token": token,
                                                    "archive_code": codes[0],
                                                    "problem": HOSTILE})
    assert noted.status_code == 303
    page = app_client.get(url).text
    assert "&lt;script&gt;alert" in page and "<script>alert" not in page
    split = app_client.post(f"{url}/split", data={"csrf_token": token,
                                                  "pages_per_batch": "30"})
    assert split.status_code == 303
    assert app_client.get(url).text.count('href="/batches/') == 2
    for name in ("register.pdf", "register.xlsx", "return-list.pdf", "return-list.xlsx"):
        got = app_client.get(f"{url}/{name}")
        assert got.status_code == 200 and len(got.content) > 500, name
    assert app_client.get(f"{url}/register.exe").status_code == 404


def test_next_n_and_overdue_list(app_client: TestClient, line: Line, clock: Clock) -> None:
    _archivist(line)
    _more_volumes(line, 3)
    token = login(app_client, "clerk")
    created = app_client.post("/borrow", data={"csrf_token": token, "next_count": "2"})
    assert created.status_code == 303
    url = created.headers["location"]
    assert app_client.get(url).text.count("1998-民-0001-") >= 2
    # the line's first batch (borrowed now, due later) is not overdue yet
    assert 'data-borrow="1"' not in app_client.get("/borrow", params={"overdue": "1"}).text
    with line.ctx.transaction() as session:
        first = session.scalar(select(BorrowBatch).where(BorrowBatch.no == 1))
        assert first is not None and first.due_at is not None
        first.due_at = first.due_at.replace(year=2000)
    listed = app_client.get("/borrow", params={"overdue": "1"}).text
    assert 'data-borrow="1"' in listed and 'data-borrow="2"' not in listed


def test_roles_and_csrf(app_client: TestClient, line: Line) -> None:
    _archivist(line)
    codes = _more_volumes(line, 1)
    assert app_client.get("/borrow").status_code == 303  # no session: to the login form
    token = login(app_client, "sorter")
    assert app_client.get("/borrow").status_code == 403
    refused = app_client.post("/borrow", data={"csrf_token": token, "codes": codes})
    assert refused.status_code == 403
    # the archive staff reads the desk but cannot list a batch
    token = login(app_client, "archivist")
    assert app_client.get("/borrow").status_code == 200
    assert app_client.post("/borrow", data={"csrf_token": token,
                                            "codes": codes}).status_code == 403
    token = login(app_client, "clerk")
    assert app_client.post("/borrow", data={"codes": codes}).status_code == 403
    assert app_client.post("/borrow", data={"csrf_token": "x" * 40,
                                            "codes": codes}).status_code == 403
    with line.ctx.transaction() as session:
        assert session.scalar(select(func.count()).select_from(BorrowBatch)) == 1
    reasons = [e.data.get("reason", "") for e in _events(line, "web_refused")]
    assert "csrf" in reasons and any(r.startswith("role:") for r in reasons)


def test_return_checks_count_and_order(app_client: TestClient, line: Line) -> None:
    """A batch not yet through the line shows why it cannot go back; a wrong count is refused
    by the service and recorded."""
    _archivist(line)
    token = login(app_client, "clerk")
    page = app_client.get("/borrow/1").text
    assert "尚不能还卷" in page
    refused = app_client.post("/borrow/1/return", data={
        "csrf_token": token, "archive_login": "archivist", "archive_password": PASSWORD,
        "counted": "5", "shelving_rule": "按档号顺序"})
    assert refused.status_code == 409 or refused.status_code == 400, refused.status_code
    assert any(e.data.get("reason") == "return.not_ready" for e in _events(line, "web_refused"))
    with line.ctx.transaction() as session:
        batch = session.scalar(select(BorrowBatch).where(BorrowBatch.no == 1))
        assert batch is not None and batch.status == wf.BORROW_OUT


def test_archive_room_confirms_on_own_account(app_client: TestClient, line: Line) -> None:
    _archivist(line)
    codes = _more_volumes(line, 2)
    token = login(app_client, "clerk")
    url = app_client.post("/borrow", data={"csrf_token": token,
                                           "codes": codes}).headers["location"]
    # nobody of the archive room confirmed yet: refused, recorded
    missing = app_client.post(f"{url}/confirm", data={"csrf_token": token})
    assert missing.status_code == 403 and "尚未确认" in missing.text
    # a sorter cannot confirm for the archive room
    token = login(app_client, "sorter")
    assert app_client.post(f"{url}/archive-confirm", data={"csrf_token": token}
                           ).status_code == 403
    token = login(app_client, "archivist")
    assert 'name="archive_confirm"' in app_client.get(url).text
    assert app_client.post(f"{url}/archive-confirm", data={"csrf_token": token,
                                                           "action": "return"}
                           ).status_code == 409  # not out yet
    assert app_client.post(f"{url}/archive-confirm", data={"csrf_token": token}
                           ).status_code == 303
    token = login(app_client, "clerk")
    assert app_client.post(f"{url}/confirm", data={"csrf_token": token}).status_code == 303
    no = int(url.rsplit("/", 1)[1])
    with line.ctx.transaction() as session:
        batch = session.scalar(select(BorrowBatch).where(BorrowBatch.no == no))
        assert batch is not None and batch.status == wf.BORROW_OUT
        assert batch.archive_staff == "档案室刘"
    assert any(e.data.get("reason") == "desk.cosign.missing"
               for e in _events(line, "web_refused"))
