"""Recorded work stays its maker's when a work batch changes hands: a hand-back leaving the
holder's unsigned work is refused unless they give the reason (recorded with the volumes),
and the next claimant's sign-off of that work is refused unless they redid it (recorded).
Sort records and scan records (ingest) are read; on SQLite and PostgreSQL, services and CLI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from cli.runner import dangan
from dangan.db.models import StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.errors import ConflictError, StateError
from dangan.services import claims, intake, signoff, sorting
from dangan.services.engine import resolve_actor
from dangan.services.project import ProjectContext
from workflow.helpers import add_people, add_volumes, borrow_and_split, line_to, volume_codes

REASON = "调去支援扫描"


def _sort_batch(ctx: ProjectContext) -> tuple[str, list[str]]:
    add_people(ctx)
    add_volumes(ctx, 2)
    _no, (code,) = borrow_and_split(ctx, 2)
    return code, volume_codes(ctx, code)


def _record_sorting(ctx: ProjectContext, person: str, codes: list[str]) -> None:
    for c in codes:
        sorting.record_sorting(ctx, resolve_actor(ctx, person), c, 40, unbind_notes="拆除订书钉")


def _events(ctx: ProjectContext, kind: str, stage: str) -> list[StageEvent]:
    with ctx.transaction() as session:
        rows = list(session.scalars(select(StageEvent).where(
            StageEvent.kind == kind, StageEvent.stage == stage).order_by(StageEvent.id)))
        session.expunge_all()
        return rows


def _signers(ctx: ProjectContext, stage: str) -> dict[str, str]:
    """archive code -> who signed ``stage`` for it."""
    with ctx.transaction() as session:
        return {c: p for c, p in session.execute(select(Volume.archive_code, StageEvent.person)
                .join(StageEvent, StageEvent.volume_id == Volume.id).where(
                StageEvent.kind == wf.EVENT_SIGNOFF, StageEvent.stage == stage))}


def test_sort_work_handed_back_stays_the_sorters(any_project: ProjectContext) -> None:
    ctx = any_project
    code, vols = _sort_batch(ctx)
    first, second = resolve_actor(ctx, "李整"), resolve_actor(ctx, "李整二")
    claims.claim(ctx, first, code)
    _record_sorting(ctx, "李整", vols)
    with pytest.raises(StateError) as refused:
        claims.hand_back(ctx, first, code)
    assert refused.value.key == "workflow.hand_back_unsigned_work"
    assert refused.value.details == vols and refused.value.params["name"] == "李整"
    assert "--leave-work" in refused.value.message and "--volume" in refused.value.message
    assert not _events(ctx, wf.EVENT_RELEASE, wf.SORT)  # nothing handed back
    # one volume signed by the sorter on its own: theirs, and no longer left
    signoff.sign_off(ctx, first, code, archive_codes=[vols[0]])
    with pytest.raises(StateError) as still:
        claims.hand_back(ctx, first, code)
    assert still.value.details == [vols[1]]
    claims.hand_back(ctx, first, code, leave_work=REASON)
    (release,) = _events(ctx, wf.EVENT_RELEASE, wf.SORT)
    assert release.data["left_work"] == [vols[1]]
    assert release.data["left_work_reason"] == REASON
    assert release.data["reason"] == "handed_back"
    # the next claimant cannot sign the sorter's work as theirs
    claims.claim(ctx, second, code)
    with pytest.raises(ConflictError) as others:
        signoff.sign_off(ctx, second, code)
    assert others.value.key == "workflow.others_work"
    assert others.value.details == [f"{vols[1]}：李整 记录"]
    with pytest.raises(ConflictError) as named:  # the volume named: the same
        signoff.sign_off(ctx, second, code, archive_codes=[vols[1]])
    assert named.value.key == "workflow.others_work"
    assert not _signers(ctx, wf.SORT).get(vols[1])
    # redone: signed, and the sign-off says whose work it redid
    result = signoff.sign_off(ctx, second, code, redone=True)
    assert result.batch_advanced
    assert _signers(ctx, wf.SORT) == {vols[0]: "李整", vols[1]: "李整二"}
    redone = [e for e in _events(ctx, wf.EVENT_SIGNOFF, wf.SORT) if e.person == "李整二"]
    assert redone and all(e.data["redone"] == {vols[1]: ["李整"]} for e in redone)
    assert not any("redone" in e.data for e in _events(ctx, wf.EVENT_SIGNOFF, wf.SORT)
                   if e.person == "李整")


def test_hand_back_without_work_and_signing_own_work_are_unchanged(
        any_project: ProjectContext) -> None:
    ctx = any_project
    code, vols = _sort_batch(ctx)
    first, second = resolve_actor(ctx, "李整"), resolve_actor(ctx, "李整二")
    claims.claim(ctx, first, code)
    claims.hand_back(ctx, first, code)  # nothing recorded: handed back as before
    (release,) = _events(ctx, wf.EVENT_RELEASE, wf.SORT)
    assert set(release.data) == {"claim_id", "reason"}
    claims.claim(ctx, second, code)
    _record_sorting(ctx, "李整二", vols)
    assert signoff.sign_off(ctx, second, code).batch_advanced  # own work: no --redone
    signed = _events(ctx, wf.EVENT_SIGNOFF, wf.SORT)
    assert signed and not any("redone" in e.data for e in signed)
    assert _signers(ctx, wf.SORT) == {v: "李整二" for v in vols}


def test_the_cli_refuses_and_records_the_reason_and_the_redoing(
        any_project: ProjectContext) -> None:
    ctx = any_project
    code, vols = _sort_batch(ctx)
    home = str(ctx.home)
    env = {"DANGAN_DATABASE_URL": os.environ["DANGAN_DATABASE_URL"]}
    claims.claim(ctx, resolve_actor(ctx, "李整"), code)
    _record_sorting(ctx, "李整", vols)
    refused = dangan("claim", code, "-w", "李整", "--hand-back", "-p", home, env=env)
    assert refused.returncode != 0
    assert "未交回" in refused.stderr + refused.stdout
    handed = dangan("claim", code, "-w", "李整", "--hand-back", "--leave-work", REASON,
                    "-p", home, env=env)
    assert handed.returncode == 0, handed.stderr
    (release,) = _events(ctx, wf.EVENT_RELEASE, wf.SORT)
    assert release.data["left_work"] == vols and release.data["left_work_reason"] == REASON
    claims.claim(ctx, resolve_actor(ctx, "李整二"), code)
    taken = dangan("signoff", code, "-w", "李整二", "-p", home, env=env)
    assert taken.returncode != 0 and "李整 记录" in taken.stderr + taken.stdout
    assert not _signers(ctx, wf.SORT)
    redone = dangan("signoff", code, "-w", "李整二", "--redone", "-p", home, env=env)
    assert redone.returncode == 0, redone.stderr
    assert _signers(ctx, wf.SORT) == {v: "李整二" for v in vols}


def test_scan_records_of_an_ingest_stay_the_operators(any_project: ProjectContext,
                                                      tmp_path: Path) -> None:
    """An operator ingested the batch without its claim (recorded, unsigned), claimed it and
    hands it back: refused; the next operator's sign-off, and their ingest run again over
    the recorded volumes, do not take the first operator's scan."""
    from dangan.samples import generate_set, make_archive_codes
    from workflow.helpers import register_set

    ctx = any_project
    scans = tmp_path / "扫描工作站"
    truth = generate_set(scans, 2, 800_411, pages=(3, 3),
                         archive_codes=make_archive_codes(2, 800_411),
                         p_duplicate=0.0, p_blank=0.0)
    register_set(ctx, truth)
    code = line_to(ctx, wf.SCAN, claim=False)
    vols = volume_codes(ctx, code)
    first, second = resolve_actor(ctx, "张扫"), resolve_actor(ctx, "张扫二")
    intake.ingest(ctx, first, scans)  # no claim: recorded, not signed
    assert len(_events(ctx, wf.EVENT_SCAN_RECORD, wf.SCAN)) == 2
    assert not _signers(ctx, wf.SCAN)
    claims.claim(ctx, first, code)
    with pytest.raises(StateError) as refused:
        claims.hand_back(ctx, first, code)
    assert refused.value.key == "workflow.hand_back_unsigned_work"
    assert sorted(refused.value.details) == sorted(vols)
    claims.hand_back(ctx, first, code, leave_work=REASON)
    claims.claim(ctx, second, code)
    with pytest.raises(ConflictError) as others:
        signoff.sign_off(ctx, second, code)
    assert others.value.key == "workflow.others_work"
    rerun = intake.ingest(ctx, second, scans)  # the same folders again: not signed as theirs
    assert all(v.key == "workflow.others_work" and not v.signed for v in rerun.volumes)
    assert not _signers(ctx, wf.SCAN)
    signoff.sign_off(ctx, second, code, redone=True)
    assert _signers(ctx, wf.SCAN) == {v: "张扫二" for v in vols}
