"""Helpers of the web tests: a line with web accounts, a test clock, signing in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.db.models import Page, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.services import batches, borrow, engine, workers
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from dangan.services.sorting import record_sorting
from dangan.services.workflow_state import now as utc_now
from dangan.web.accounts import add_user

PASSWORD = "correct horse 42"
# login -> (worker name, roles)
ACCOUNTS: dict[str, tuple[str, list[str]]] = {
    "admin": ("管理员甲", ["admin"]),
    "clerk": ("王借", [wf.BORROW_CLERK]),
    "sorter": ("李整", [wf.SORTER]),
    "sorter2": ("李整二", [wf.SORTER]),
    "scanner": ("张扫", [wf.SCAN_OPERATOR]),
    "scanner2": ("张扫二", [wf.SCAN_OPERATOR]),
    "qc": ("孙检", [wf.QC_INSPECTOR]),
}
HOSTILE = "<script>alert('x')</script>\"'; DROP TABLE volume;--"


class Clock:
    """Now, moved forward by tests (throttling, idle sessions) — never a sleep."""

    def __init__(self) -> None:
        self.at = utc_now()

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@dataclass
class Line:
    ctx: ProjectContext
    batches: list[str]  # work batches at the sort stage, nobody holding them

    def to_scan(self, code: str) -> None:
        """Sort the batch by the services (claim, records, sign-off) so it waits at scan."""
        sorter = resolve_actor(self.ctx, "李整")
        engine.claim(self.ctx, sorter, code)
        for archive_code in self.volume_codes(code):
            record_sorting(self.ctx, sorter, archive_code, 40, unbind_notes="拆除订书钉")
        engine.sign(self.ctx, sorter, code)

    def pages_ingested(self, code: str, pages: int = 3) -> None:
        """The page records ingest leaves for each volume of the batch (the scan stage is
        signed only with them); these web tests sign stages and never look at the images."""
        with self.ctx.transaction() as session:
            wb = session.scalar(select(WorkBatch).where(WorkBatch.code == code))
            assert wb is not None
            for volume in session.scalars(select(Volume).where(Volume.work_batch_id == wb.id)):
                session.add_all([Page(volume_id=volume.id, page_no=n, dpi=200, format="jpg")
                                 for n in range(1, pages + 1)])
                volume.page_count = pages

    def volume_codes(self, code: str) -> list[str]:
        with self.ctx.transaction() as session:
            wb = session.scalar(select(WorkBatch).where(WorkBatch.code == code))
            assert wb is not None
            return list(session.scalars(select(Volume.archive_code).where(
                Volume.work_batch_id == wb.id).order_by(Volume.id)))

    def batch(self, code: str) -> tuple[str, str]:
        with self.ctx.transaction() as session:
            wb = session.scalar(select(WorkBatch).where(WorkBatch.code == code))
            assert wb is not None
            return wb.stage, wb.status


def build_line(ctx: ProjectContext, volumes: int = 6, first_code: str | None = None) -> Line:
    """Volumes (the first one's archive code may be given), every account, one borrow batch
    split into work batches of two volumes waiting at 整理."""
    with ctx.transaction() as session:
        for i in range(1, volumes + 1):
            code = first_code if first_code is not None and i == 1 else f"1997-民-0014-{i:04d}"
            session.add(Volume(project_id=ctx.project_id, archive_code=code, title=f"案卷{i}",
                               expected_pages=40, list_row=i))
    for login, (name, roles) in ACCOUNTS.items():
        line_roles = [r for r in roles if r != "admin"]
        if line_roles:
            workers.add_worker(ctx, name, line_roles)
        add_user(ctx, login, PASSWORD, worker=name, roles=roles)
    info = borrow.create_borrow_batch(ctx, resolve_actor(ctx, "王借"), next_count=volumes)
    borrow.confirm_borrow(ctx, resolve_actor(ctx, "王借"), info.no, "档案室刘老师")
    made = batches.split_borrow_batch(ctx, resolve_actor(ctx, "王借"), info.no,
                                      pages_per_batch=80)
    return Line(ctx, [b.code for b in made])


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def login(client: TestClient, user: str, password: str = PASSWORD) -> str:
    """Sign in; returns the session's CSRF token (read from the task page)."""
    client.cookies.clear()
    page = client.get("/login")
    response = client.post("/login", data={"login": user, "password": password,
                                           "csrf_token": csrf_of(page.text), "next": "/tasks"})
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/tasks").text)
