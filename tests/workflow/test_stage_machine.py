"""Property-based: random sequences of the real stage services, not only workflow calls.

Ingest, retouch, index import and packaging run on real generated scans; claims, sign-offs,
QC, rebinding and the return are interleaved at random, by the right people and the wrong
ones, in and out of order. After every step:

- replaying the audit trail gives the stored state (volume stages, batch stages, claims);
- no sign-off without a registered worker of the right role holding the stage's claim;
- no recorded result is lost after a refused sign-off (pages, scanned and retouched files,
  retouch defects, catalogue entries only ever grow).

Runs on SQLite, and on PostgreSQL when DANGAN_TEST_POSTGRES_URL is reachable.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from dangan.compute.executors import InProcessExecutor
from dangan.db.models import Defect, Item, Page, StoredFile, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.errors import DanganError
from dangan.samples import generate_set
from dangan.services import (
    batches,
    borrow,
    claims,
    indexing,
    intake,
    qc,
    rebind,
    returns,
    signoff,
    sorting,
    workers,
)
from dangan.services.delivery import packaging
from dangan.services.engine import Actor, resolve_actor
from dangan.services.project import ProjectContext, init_project
from dangan.services.retouch import project as retouch_project
from workflow.helpers import copy_of_prepared
from workflow.test_engine import assert_every_signature_is_a_registered_claimant, assert_replays

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "indexing"))
from dangan_index_fixtures import write_catalogue

TEAM = {
    wf.BORROW_CLERK: ["借1"], wf.SORTER: ["整1"], wf.SCAN_OPERATOR: ["扫1", "扫2"],
    wf.RETOUCHER: ["修1", "修2"], wf.INDEXER: ["标1"], wf.UPLOADER: ["传1"],
    wf.QC_INSPECTOR: ["检1"], wf.BINDER: ["装1"],
}
EVERYONE = [n for names in TEAM.values() for n in names]
SCANS: dict[str, Any] = {}


def _scans() -> Any:
    """One small generated scan set per test session (3 volumes of 2 pages)."""
    if "truth" not in SCANS:
        root = Path(tempfile.mkdtemp(prefix="dangan-stage-scans-")) / "scan"
        SCANS["root"] = root
        SCANS["truth"] = generate_set(root, 3, seed=21, pages=(2, 2), p_blank=0.0,
                                      p_duplicate=0.0)
    return SCANS["root"], SCANS["truth"]


def _prepare(home: Path) -> ProjectContext:
    """The project each example starts from: the team and the generated set's volumes."""
    ctx = init_project(home, "court", name="阶段状态机")
    for role, names in TEAM.items():
        for name in names:
            workers.add_worker(ctx, name, [role])
    with ctx.transaction() as s:
        for row, v in enumerate(_scans()[1].volumes, 1):
            s.add(Volume(project_id=ctx.project_id, archive_code=v.archive_code,
                         expected_pages=v.image_count, list_row=row))
    return ctx


class StageMachine(RuleBasedStateMachine):
    database_url: str | None = None  # None: SQLite in the project home

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="dangan-stage-sm-"))
        self._pg_schema: str | None = None
        if self.database_url:
            os.environ["DANGAN_DATABASE_URL"] = self._pg_url(self.database_url)
            try:
                self.ctx = _prepare(self.tmp / "p")
            finally:
                os.environ.pop("DANGAN_DATABASE_URL", None)
        else:
            self.ctx = copy_of_prepared("stage machine", _prepare, self.tmp / "p")
        self.people: dict[str, Actor] = {n: resolve_actor(self.ctx, n) for n in EVERYONE}
        root, truth = _scans()
        self.scan_root = self.tmp / "scan"
        shutil.copytree(root, self.scan_root)
        self.catalogue = write_catalogue(
            self.tmp / "目录.xlsx",
            [[v.archive_code, f"案卷{i}", "1997", "永久", 1, v.image_count]
             for i, v in enumerate(truth.volumes, 1)],
            [[v.archive_code, 1, "", "某某法院", "判决书", "19970630", f"1-{v.image_count}", ""]
             for v in truth.volumes])
        self.seen: dict[str, int] = {}
        self.executor = InProcessExecutor()

    def _pg_url(self, base: str) -> str:
        self._pg_schema = f"sm_{uuid.uuid4().hex[:12]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self._pg_schema}"'))
        admin.dispose()
        url = make_url(base).update_query_dict({"options": f"-csearch_path={self._pg_schema}"})
        return url.render_as_string(hide_password=False)

    def teardown(self) -> None:
        self.executor.close()
        self.ctx.engine.dispose()
        if self._pg_schema and self.database_url:
            admin = create_engine(self.database_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{self._pg_schema}" CASCADE'))
            admin.dispose()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- helpers ------------------------------------------------------------------------------
    def _batch(self) -> WorkBatch | None:
        with self.ctx.transaction() as s:
            return s.scalars(select(WorkBatch).order_by(WorkBatch.id).limit(1)).first()

    def _try(self, label: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            result = fn(*args, **kwargs)
        except DanganError as exc:
            event(f"{label}: refused ({exc.key})")
            return None
        event(f"{label}: done")
        return result

    # --- rules --------------------------------------------------------------------------------
    @rule()
    def borrow_everything(self) -> None:
        if self._batch() is not None:
            return
        info = borrow.create_borrow_batch(self.ctx, self.people["借1"], next_count=10)
        borrow.confirm_borrow(self.ctx, self.people["借1"], info.no, "档案室")
        batches.split_borrow_batch(self.ctx, self.people["借1"], info.no, pages_per_batch=10_000)

    @rule(who=st.sampled_from(EVERYONE), stage=st.sampled_from(
        [None, wf.SORT, wf.SCAN, wf.RETOUCH, wf.INDEX, wf.UPLOAD]))
    def claim(self, who: str, stage: str | None) -> None:
        batch = self._batch()
        if batch is not None:
            self._try("claim", claims.claim, self.ctx, self.people[who], batch.code, stage)

    @rule(who=st.sampled_from(EVERYONE))
    def hand_back(self, who: str) -> None:
        batch = self._batch()
        if batch is not None:
            self._try("hand back", claims.hand_back, self.ctx, self.people[who], batch.code)

    @rule(who=st.sampled_from(["整1", "扫1"]))
    def record_sorting(self, who: str) -> None:
        for v in _scans()[1].volumes:
            self._try("sort record", sorting.record_sorting, self.ctx, self.people[who],
                      v.archive_code, v.image_count)

    @rule(who=st.sampled_from(EVERYONE))
    def sign_current_stage(self, who: str) -> None:
        batch = self._batch()
        if batch is not None:
            self._try(f"sign {batch.stage}", signoff.sign_off, self.ctx, self.people[who],
                      batch.code)

    @rule(who=st.sampled_from(["扫1", "扫2", "修1"]))
    def ingest(self, who: str) -> None:
        self._try("ingest", intake.ingest, self.ctx, self.people[who], self.scan_root)

    @rule(who=st.sampled_from(["修1", "修2", "扫1"]))
    def retouch(self, who: str) -> None:
        self._try("retouch", retouch_project.run, self.ctx, self.executor,
                  actor=self.people[who])

    @rule(who=st.sampled_from(["标1", "传1"]), correction=st.booleans())
    def import_catalogue(self, who: str, correction: bool) -> None:
        self._try("index import", indexing.import_catalogue, self.ctx, self.people[who],
                  [self.catalogue], replace=True, correction="更正" if correction else "")

    @rule(who=st.sampled_from(["标1", "传1", "修1"]))
    def package(self, who: str) -> None:
        self._try("package", packaging.package, self.ctx, self.people[who], "pdf")

    @rule()
    def qc_pass(self) -> None:
        batch = self._batch()
        if batch is None or batch.stage not in wf.QC_LEVELS:
            return
        inspector = self.people["检1"]
        with contextlib.suppress(DanganError):
            claims.claim(self.ctx, inspector, batch.code)
        with contextlib.suppress(DanganError):
            qc.draw_sample(self.ctx, inspector, batch.code, seed=1)
        self._try("qc decide", qc.decide, self.ctx, inspector, batch.code)

    @rule()
    def rebind_and_return(self) -> None:
        batch = self._batch()
        if batch is None or batch.stage != wf.REBIND:
            return
        binder = self.people["装1"]
        with contextlib.suppress(DanganError):
            claims.claim(self.ctx, binder, batch.code)
        if rebind.agreement(self.ctx) is None:
            first = _scans()[1].volumes[0].archive_code
            rebind.agree_binding(self.ctx, "thread", "档案室领导", trial_codes=[first])
            self._try("rebind trial", rebind.rebind, self.ctx, binder, batch.code, [first])
            self._try("approve", rebind.approve_trial, self.ctx, "档案室领导")
        self._try("rebind", rebind.rebind, self.ctx, binder, batch.code)
        info = borrow.borrow_batch_info(self.ctx, 1)
        order = [r.archive_code for r in info.rows]
        self._try("return", returns.return_batch, self.ctx, self.people["借1"], 1, "档案室",
                  handed=order, counted=len(order), shelving_rule="从右至左")

    @rule(k=st.integers(0, 1), steps=st.integers(1, 4))
    def advance(self, k: int, steps: int) -> None:
        """The right person claims the batch's stage, does the stage's real work and signs."""
        for _ in range(steps):
            batch = self._batch()
            if batch is None:
                self.borrow_everything()
                continue
            stage = batch.stage
            if stage in wf.QC_LEVELS:
                self.qc_pass()
                continue
            if stage == wf.REBIND:
                self.rebind_and_return()
                continue
            if stage not in wf.STAGE_ROLE or stage == wf.RETURN:
                return
            names = TEAM[wf.STAGE_ROLE[stage]]
            who = names[k % len(names)]
            with contextlib.suppress(DanganError):
                claims.claim(self.ctx, self.people[who], batch.code, stage)
            self._work(stage, who)
            after = self._batch()
            if after is not None and after.stage == stage:
                self.sign_current_stage(who)

    def _work(self, stage: str, who: str) -> None:
        if stage == wf.SORT:
            self.record_sorting(who)
        elif stage == wf.SCAN:
            self.ingest(who)
        elif stage == wf.RETOUCH:
            self.retouch(who)
        elif stage == wf.INDEX:
            self.import_catalogue(who, False)
        elif stage == wf.UPLOAD:
            self.package(who)

    # --- invariants -----------------------------------------------------------------------------
    @invariant()
    def audit_trail_replays(self) -> None:
        assert_replays(self.ctx)

    @invariant()
    def only_registered_claimants_sign(self) -> None:
        assert_every_signature_is_a_registered_claimant(self.ctx)

    @invariant()
    def recorded_results_are_never_lost(self) -> None:
        with self.ctx.transaction() as s:
            now = {
                "pages": s.scalar(select(func.count()).select_from(Page)) or 0,
                "scanned": s.scalar(select(func.count()).select_from(StoredFile).where(
                    StoredFile.area == "scanned")) or 0,
                "retouched": s.scalar(select(func.count()).select_from(StoredFile).where(
                    StoredFile.area == "retouched", StoredFile.sha256 != "")) or 0,
                "retouch metrics": sum(1 for m in s.scalars(select(Page.metrics))
                                       if "retouch" in (m or {})),
                "defects": s.scalar(select(func.count()).select_from(Defect)) or 0,
                "items": s.scalar(select(func.count()).select_from(Item)) or 0,
            }
        for key, value in now.items():
            assert value >= self.seen.get(key, 0), (key, value, self.seen.get(key))
        self.seen = now


StageMachine.TestCase.settings = settings(
    max_examples=10, stateful_step_count=20, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestStageMachineSQLite = StageMachine.TestCase


class PostgresStageMachine(StageMachine):
    database_url = os.environ.get("DANGAN_TEST_POSTGRES_URL") or None


PostgresStageMachine.TestCase.settings = settings(
    max_examples=3, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.postgres
def test_stage_machine_on_postgresql(postgres_base_url: str) -> None:
    PostgresStageMachine.database_url = postgres_base_url
    PostgresStageMachine.TestCase().runTest()
