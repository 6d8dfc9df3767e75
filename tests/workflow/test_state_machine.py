"""Property-based: random sequences of claims, sign-offs, defects, rework and returns.

The machine drives the real services on a real (SQLite) database and checks after every
step: no batch held twice per role, no return out of order or with open defects, no volume
lost or counted twice, and the append-only audit trail replays to the current state.
Services refuse what the line does not allow; refusals (DanganError) are part of the test.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import func, select

from dangan.db.models import (
    BorrowBatch,
    BorrowRegisterEntry,
    Claim,
    Rework,
    StageEvent,
    Volume,
    WorkBatch,
)
from dangan.domain import workflow as wf
from dangan.errors import DanganError, StateError
from dangan.services import (
    batches,
    borrow,
    claims,
    qc,
    rebind,
    returns,
    rework,
    signoff,
    sorting,
    workers,
)
from dangan.services import workflow_state as ws
from dangan.services.engine import resolve_actor
from dangan.services.history import replay
from dangan.services.project import ProjectContext, init_project
from workflow.helpers import add_volumes, copy_of_prepared
from workflow.helpers import code as volume_code

VOLUMES = 8
TEAM = {
    wf.BORROW_CLERK: ["借1"], wf.SORTER: ["整1", "整2"], wf.SCAN_OPERATOR: ["扫1", "扫2"],
    wf.RETOUCHER: ["修1"], wf.INDEXER: ["标1"], wf.UPLOADER: ["传1"],
    wf.QC_INSPECTOR: ["检1", "检2"], wf.BINDER: ["装1"],
}
EVERYONE = [n for names in TEAM.values() for n in names]
DEFECTS = ["skew", "missing_page", "blurred", "archive_code", "wrong_order"]


# the machine's pages are not those the sorter numbered: the shortfall is accepted at rebinding
SHORTFALL = "状态机测试：页数与整理编页不符"


def _prepare(home: Path) -> ProjectContext:
    """The project each example starts from (a copy of it): the team and the volumes."""
    ctx = init_project(home, "court", name="状态机")
    for role, names in TEAM.items():
        for name in names:
            workers.add_worker(ctx, name, [role])
    add_volumes(ctx, VOLUMES, pages=30)
    return ctx


class LineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="dangan-sm-"))
        self.ctx = copy_of_prepared("state machine", _prepare, self.tmp / "p")
        self.codes = [volume_code(i) for i in range(1, VOLUMES + 1)]
        self.graph = ws.graph_for(self.ctx.config)
        self.returned_order: list[int] = []

    def teardown(self) -> None:
        self.ctx.engine.dispose()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- helpers ------------------------------------------------------------------------------
    def _batches(self) -> list[WorkBatch]:
        with self.ctx.transaction() as s:
            return list(s.scalars(select(WorkBatch).order_by(WorkBatch.id)))

    def _pick_batch(self, i: int) -> WorkBatch | None:
        items = self._batches()
        return items[i % len(items)] if items else None

    def _holder(self, batch: WorkBatch) -> str | None:
        with self.ctx.transaction() as s:
            claim = ws.open_claim(s, batch.id, wf.STAGE_ROLE.get(batch.stage, "-"))
            return ws.worker_name(s, claim.worker_id) if claim else None

    # --- rules --------------------------------------------------------------------------------
    @rule(n=st.integers(1, 4))
    def borrow_some(self, n: int) -> None:
        try:
            info = borrow.create_borrow_batch(self.ctx, resolve_actor(self.ctx, "借1"),
                                              next_count=n)
        except DanganError:
            return
        borrow.confirm_borrow(self.ctx, resolve_actor(self.ctx, "借1"), info.no, "档案室")
        batches.split_borrow_batch(self.ctx, resolve_actor(self.ctx, "借1"), info.no,
                                   pages_per_batch=60)

    @rule(i=st.integers(0, 20), who=st.sampled_from(EVERYONE))
    def claim_any(self, i: int, who: str) -> None:
        batch = self._pick_batch(i)
        if batch is not None:
            with contextlib.suppress(DanganError):
                claims.claim(self.ctx, resolve_actor(self.ctx, who), batch.code)

    @rule(i=st.integers(0, 20))
    def hand_back(self, i: int) -> None:
        batch = self._pick_batch(i)
        holder = batch and self._holder(batch)
        if batch is not None and holder:
            claims.hand_back(self.ctx, resolve_actor(self.ctx, holder), batch.code)

    @rule(i=st.integers(0, 20), k=st.integers(0, 1))
    def work_and_sign(self, i: int, k: int) -> None:
        """The right person for the batch's stage claims it, does the work and signs."""
        batch = self._pick_batch(i)
        if batch is None or batch.stage not in wf.STAGE_ROLE or batch.stage == wf.RETURN:
            return
        stage = batch.stage
        who = self._holder(batch) or TEAM[wf.STAGE_ROLE[stage]][k % len(TEAM[wf.STAGE_ROLE[stage]])]
        try:
            if not self._holder(batch):
                claims.claim(self.ctx, resolve_actor(self.ctx, who), batch.code, stage)
            if stage == wf.SORT:
                with self.ctx.transaction() as s:
                    codes = list(s.scalars(select(Volume.archive_code).where(
                        Volume.work_batch_id == batch.id, Volume.stage == wf.SORT)))
                for c in codes:
                    sorting.record_sorting(self.ctx, resolve_actor(self.ctx, who), c, 30)
            if stage in wf.QC_LEVELS:
                try:
                    sample = qc.draw_sample(self.ctx, resolve_actor(self.ctx, who), batch.code, seed=i)
                except StateError:
                    sample = None  # an inspection is open: decide it now
                if sample is not None and sample.inspection_id is None:
                    event("automatic-check defects sent back before sampling")
                    return
                if sample is not None and k == 1:
                    return  # leave the inspection open for the inspector to record defects
                if qc.decide(self.ctx, resolve_actor(self.ctx, who), batch.code).passed:
                    event("QC passed")
                else:
                    event("QC failed → rework")
                return
            if stage == wf.REBIND:
                self._ensure_agreement(batch, who)
                rebind.rebind(self.ctx, resolve_actor(self.ctx, who), batch.code,
                              accept_missing=SHORTFALL)
                return
            signoff.sign_off(self.ctx, resolve_actor(self.ctx, who), batch.code, stage)
        except DanganError:
            pass

    @rule(i=st.integers(0, 20), steps=st.integers(1, 9))
    def drive(self, i: int, steps: int) -> None:
        """Push one batch several stages on, so deep states (QC, rebind, return) are reached."""
        for _ in range(steps):
            self.work_and_sign(i, 0)

    def _ensure_agreement(self, batch: WorkBatch, binder: str) -> None:
        """Method agreed on the first batch to reach rebinding; its first volume is the trial."""
        with self.ctx.transaction() as s:
            first = s.scalar(select(Volume.archive_code).where(
                Volume.work_batch_id == batch.id).order_by(Volume.id).limit(1)) or ""
        current = rebind.agreement(self.ctx)
        if current is None:
            current = rebind.agree_binding(self.ctx, "thread", "档案室领导", trial_codes=[first])
        if current.trial_approved_at is None and first in current.trial_codes:
            try:
                rebind.rebind(self.ctx, resolve_actor(self.ctx, binder), batch.code, [first], "试装",
                              accept_missing=SHORTFALL)
            except DanganError:
                return
            rebind.approve_trial(self.ctx, "档案室领导")

    @rule(i=st.integers(0, 20), v=st.integers(0, VOLUMES - 1), code=st.sampled_from(DEFECTS),
          page=st.integers(1, 30))
    def inspector_finds_defect(self, i: int, v: int, code: str, page: int) -> None:
        batch = self._pick_batch(i)
        if batch is None or batch.stage not in wf.QC_LEVELS:
            return
        holder = self._holder(batch)
        with self.ctx.transaction() as s:
            vols = list(s.scalars(select(Volume.archive_code).where(
                Volume.work_batch_id == batch.id).order_by(Volume.id)))
        with contextlib.suppress(DanganError):
            qc.record_defect(self.ctx, resolve_actor(self.ctx, holder or "检1"), vols[v % len(vols)], code, page_no=page)

    @rule(v=st.integers(0, VOLUMES - 1), code=st.sampled_from(DEFECTS))
    def worker_finds_defect(self, v: int, code: str) -> None:
        with contextlib.suppress(DanganError):
            qc.record_defect(self.ctx, resolve_actor(self.ctx, "修1"), self.codes[v], code, page_no=1)

    @rule(j=st.integers(0, 50))
    def complete_rework(self, j: int) -> None:
        items = rework.list_rework(self.ctx)
        if not items:
            return
        item = items[j % len(items)]
        who = item.assignee or TEAM[wf.STAGE_ROLE[item.stage]][0]
        rework.complete_rework(self.ctx, resolve_actor(self.ctx, who), item.id, "已改")
        event("rework signed off")

    @rule(j=st.integers(0, 50), who=st.sampled_from(["检1", "检2"]))
    def inspector_verifies_rework(self, j: int, who: str) -> None:
        items = rework.list_rework(self.ctx, status="done")
        if items:
            with contextlib.suppress(DanganError):
                qc.verify_rework(self.ctx, resolve_actor(self.ctx, who), items[j % len(items)].id)
                event("rework re-inspected outside a sample")

    @rule()
    def finish_first_open_borrow_batch(self) -> None:
        """Take every work batch of the earliest borrow batch still out to the return."""
        with self.ctx.transaction() as s:
            no = s.scalar(select(func.min(BorrowBatch.no)).where(
                BorrowBatch.status == wf.BORROW_OUT))
        if no is None:
            return
        ids = [i for i, b in enumerate(self._batches())
               if b.borrow_batch_id == self._borrow_id(no)]
        for i in ids:
            self.drive(i, 12)
        self.try_return(no, False)

    def _borrow_id(self, no: int) -> int:
        with self.ctx.transaction() as s:
            return ws.borrow_batch_by_no(s, self.ctx.project_id, no).id

    @rule(no=st.integers(1, 4), reverse=st.booleans())
    def try_return(self, no: int, reverse: bool) -> None:
        try:
            info = borrow.borrow_batch_info(self.ctx, no)
        except DanganError:
            return
        order = [r.archive_code for r in info.rows]
        if reverse:
            order.reverse()
        try:
            returns.return_batch(self.ctx, resolve_actor(self.ctx, "借1"), no, "档案室", handed=order, counted=len(order),
                                 shelving_rule="从右至左")
        except DanganError:
            return
        assert not reverse or len(order) == 1
        self.returned_order.append(no)
        event("a borrow batch went back")

    # --- invariants -----------------------------------------------------------------------------
    @invariant()
    def never_two_holders_per_role(self) -> None:
        with self.ctx.transaction() as s:
            doubled = s.execute(select(Claim.work_batch_id, Claim.role).where(
                Claim.released_at.is_(None)).group_by(Claim.work_batch_id, Claim.role)
                .having(func.count() > 1)).all()
        assert doubled == []

    @invariant()
    def returns_in_order_and_clean(self) -> None:
        assert self.returned_order == sorted(self.returned_order)
        assert self.returned_order == list(range(1, len(self.returned_order) + 1))
        with self.ctx.transaction() as s:
            for batch in s.scalars(select(BorrowBatch).where(
                    BorrowBatch.status == wf.BORROW_RETURNED)):
                ids = list(s.scalars(select(BorrowRegisterEntry.volume_id).where(
                    BorrowRegisterEntry.borrow_batch_id == batch.id)))
                assert ws.blocking_defects(s, ids) == []
                stages = set(s.scalars(select(Volume.stage).where(Volume.id.in_(ids))))
                assert stages == {wf.DONE}
                assert s.scalar(select(func.count()).select_from(Rework).where(
                    Rework.volume_id.in_(ids), Rework.status == "open")) == 0

    @invariant()
    def no_volume_lost_or_counted_twice(self) -> None:
        with self.ctx.transaction() as s:
            assert s.scalar(select(func.count()).select_from(Volume)) == VOLUMES
            per_volume = s.execute(select(BorrowRegisterEntry.volume_id, func.count())
                                   .group_by(BorrowRegisterEntry.volume_id)).all()
            assert all(n == 1 for _v, n in per_volume)
            on_register = {v for v, _n in per_volume}
            borrowed = set(s.scalars(select(Volume.id).where(Volume.borrow_batch_id.is_not(None))))
            assert on_register == borrowed
            for volume in s.scalars(select(Volume)):
                if volume.work_batch_id is not None:
                    wb = s.get(WorkBatch, volume.work_batch_id)
                    assert wb is not None and wb.borrow_batch_id == volume.borrow_batch_id

    @invariant()
    def audit_trail_replays_to_current_state(self) -> None:
        with self.ctx.transaction() as s:
            state = replay(s, self.ctx.project_id, self.graph)
            volumes = {v.id: v.stage for v in s.scalars(select(Volume))
                       if v.stage != wf.REGISTERED}
            assert state.volume_stage == volumes
            assert state.batch_stage == {b.id: b.stage for b in s.scalars(select(WorkBatch))}
            open_claims = {c.id: (c.work_batch_id, c.stage, c.role, c.worker_id)
                           for c in s.scalars(select(Claim).where(Claim.released_at.is_(None)))}
            assert state.open_claims == open_claims
            statuses = {b.id: b.status for b in s.scalars(select(BorrowBatch))}
            assert state.borrow_status == statuses
            assert state.first_signoffs == set(s.scalars(select(StageEvent.id).where(
                StageEvent.first_signoff.is_(True))))


LineMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=50, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestLineStateMachine = LineMachine.TestCase
