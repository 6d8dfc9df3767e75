"""Seeding for the report tests: a small line with sign-offs and defects at chosen times,
written through the models (the reports only read these rows)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select, text

from dangan.db.models import (
    BorrowBatch,
    Defect,
    Item,
    Page,
    StageEvent,
    StoredFile,
    Volume,
    WorkBatch,
    Worker,
)
from dangan.services import workers
from dangan.services import workflow_state as ws
from dangan.services.project import ProjectContext, open_project

PAY_TOML = """
[pay]
deduction_per_defect = { skew = 0.5, blurred = 2.0 }
default_deduction = 1.0
mentor_share = 0.5
"""


def at(day: str, hour: int = 4) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def with_pay_rules(ctx: ProjectContext) -> ProjectContext:
    path = Path(ctx.home) / "dangan.toml"
    path.write_text(path.read_text(encoding="utf-8") + PAY_TOML, encoding="utf-8")
    return open_project(Path(ctx.home))


class Line:
    """A project with one borrow batch and one work batch; volumes V1… of 40 pages."""

    def __init__(self, ctx: ProjectContext, volumes: int = 6, pages: int = 40) -> None:
        self.ctx = ctx
        with ctx.transaction() as s:
            bb = BorrowBatch(project_id=ctx.project_id, no=1, status="borrowed")
            s.add(bb)
            s.flush()
            wb = WorkBatch(project_id=ctx.project_id, borrow_batch_id=bb.id, code="1-1-1",
                           seq=1, total=1)
            s.add(wb)
            s.flush()
            self.batch_id = wb.id
            self.volume_ids = {}
            for i in range(1, volumes + 1):
                v = Volume(project_id=ctx.project_id, archive_code=f"1997-民-0014-{i:04d}",
                           expected_pages=pages, page_count=pages, borrow_batch_id=bb.id,
                           work_batch_id=wb.id, list_row=i)
                s.add(v)
                s.flush()
                self.volume_ids[f"V{i}"] = v.id

    def people(self, **roles: list[str]) -> None:
        for name, rs in roles.items():
            workers.add_worker(self.ctx, name, rs)

    def worker_id(self, name: str) -> int:
        with self.ctx.transaction() as s:
            wid = s.scalar(select(Worker.id).where(Worker.name == name,
                                                   Worker.project_id == self.ctx.project_id))
            assert wid is not None
            return wid

    def items(self, volume: str, n: int) -> None:
        with self.ctx.transaction() as s:
            for k in range(1, n + 1):
                s.add(Item(volume_id=self.volume_ids[volume], seq=k, page_start=k,
                           page_end=k))

    def retouched(self, volume: str, pages: int | None = None) -> None:
        """Record the volume's retouched page files (all its pages unless ``pages``)."""
        with self.ctx.transaction() as s:
            vol = s.get(Volume, self.volume_ids[volume])
            assert vol is not None
            n = vol.page_count or 0 if pages is None else pages
            have = set(s.scalars(select(StoredFile.page_id).where(
                StoredFile.volume_id == vol.id, StoredFile.area == "retouched")))
            for no in range(1, n + 1):
                page = s.scalar(select(Page).where(Page.volume_id == vol.id, Page.page_no == no))
                if page is None:
                    page = Page(volume_id=vol.id, page_no=no)
                    s.add(page)
                    s.flush()
                if page.id in have:
                    continue
                s.add(StoredFile(project_id=self.ctx.project_id, volume_id=vol.id,
                                 page_id=page.id, area="retouched",
                                 path=f"已修图/{vol.archive_code}/{no:04d}.jpg",
                                 sha256="0" * 64, size=1))

    def sign(self, person: str, stage: str, volumes: list[str], when: datetime,
             *, work: bool = True) -> None:
        """Sign ``stage`` for ``volumes``; a 修图 sign-off with ``work`` comes with the
        volumes' retouched files, as retouch records them."""
        wid = self.worker_id(person)
        if stage == "retouch" and work:
            for v in volumes:
                self.retouched(v)
        with self.ctx.transaction() as s:
            # the first of the volume's stage marked, as the engine marks it
            first = ws.first_signoffs(s, stage, [self.volume_ids[v] for v in volumes])
            for v in volumes:
                s.add(StageEvent(project_id=self.ctx.project_id, kind="signoff", stage=stage,
                                 volume_id=self.volume_ids[v], work_batch_id=self.batch_id,
                                 worker_id=wid, person=person, at=when,
                                 first_signoff=self.volume_ids[v] in first or None))

    def waive(self, person: str, stage: str, volumes: list[str], when: datetime) -> None:
        """Record that ``stage`` was signed without its work (``--without-work``)."""
        wid = self.worker_id(person)
        with self.ctx.transaction() as s:
            for v in volumes:
                s.add(StageEvent(project_id=self.ctx.project_id, kind="work_waived",
                                 stage=stage, volume_id=self.volume_ids[v],
                                 work_batch_id=self.batch_id, worker_id=wid, person=person,
                                 remarks="原卷缺页", at=when))

    def defect(self, person: str, code: str, stage: str, when: datetime, *,
               cause: str = "worker", severity: str = "error", status: str = "open",
               volume: str = "V1") -> int:
        wid = self.worker_id(person)
        with self.ctx.transaction() as s:
            d = Defect(project_id=self.ctx.project_id, volume_id=self.volume_ids[volume],
                       work_batch_id=self.batch_id, code=code, severity=severity, source="qc",
                       stage=stage, responsible_id=wid, cause=cause, status=status,
                       found_at=when)
            s.add(d)
            s.flush()
            return d.id

    def update_defect(self, defect_id: int, **values: object) -> None:
        with self.ctx.transaction() as s:
            d = s.get(Defect, defect_id)
            assert d is not None
            for k, v in values.items():
                setattr(d, k, v)

    def mentor(self, name: str, mentor: str, until: date) -> None:
        from dangan.reports.pay import set_mentor

        set_mentor(self.ctx, name, mentor, until)


def pay_line(ctx: ProjectContext, *, inspector: bool = False) -> Line:
    """The pay tests' line: 老张 and his probationer 小李 (mentored until 20 Nov) scanning,
    赵修 retouching, 钱标 indexing, 郑经理 managing (and 孙检 inspecting); V1 holds 4 items."""
    line = Line(with_pay_rules(ctx))
    people = {"老张": ["scan_operator"], "小李": ["scan_operator"], "赵修": ["retoucher"],
              "钱标": ["indexer"], "郑经理": ["project_manager"]}
    if inspector:
        people["孙检"] = ["qc_inspector"]
    line.people(**people)
    line.mentor("小李", "老张", date(2026, 11, 20))
    line.items("V1", 4)
    return line


def until_waiting_on_a_lock(ctx: ProjectContext, thread: threading.Thread) -> None:
    """PostgreSQL: return once some transaction waits for an advisory lock (or ``thread``
    has ended)."""
    with ctx.engine.connect() as watch:
        waiting = text("SELECT count(*) FROM pg_locks WHERE NOT granted "
                       "AND locktype = 'advisory'")
        while thread.is_alive() and not watch.execute(waiting).scalar():
            watch.rollback()
            thread.join(0.05)
