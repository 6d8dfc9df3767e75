"""Recorded work stays its maker's when a work batch changes hands: a hand-back leaving the
holder's unsigned work is refused unless they give the reason (recorded with the volumes),
and a volume's unsigned work is signed only by the maker of its newest record — the next
claimant signs it once they redid it and recorded it themselves (their row says whose work
it replaced), never by saying so alone (``--redone``). Sort records and scan records
(ingest) are read; on SQLite and PostgreSQL, services and CLI; the history says it in words."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from cli.runner import dangan
from dangan.db.models import StageEvent, Volume
from dangan.domain import workflow as wf
from dangan.errors import ConflictError, InputError, StateError
from dangan.services import claims, intake, signoff, sorting
from dangan.services.engine import resolve_actor
from dangan.services.history import volume_history
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
    # the advice can be followed: hand back for the recorder, or redo and record it
    assert f"dangan claim {code} --hand-back" in others.value.message
    assert "dangan sort record" in others.value.message
    with pytest.raises(ConflictError) as named:  # the volume named: the same
        signoff.sign_off(ctx, second, code, archive_codes=[vols[1]])
    assert named.value.key == "workflow.others_work"
    # saying "redone" without a record of the redone work: refused, naming the volume
    with pytest.raises(ConflictError) as unrecorded:
        signoff.sign_off(ctx, second, code, redone=True)
    assert unrecorded.value.key == "workflow.redone_without_record"
    assert unrecorded.value.details == [f"{vols[1]}：李整 记录"]
    assert "dangan sort record" in unrecorded.value.message
    assert not _signers(ctx, wf.SORT).get(vols[1])
    # redone and recorded: the newest record is theirs, signed without --redone, and the
    # volume's row says whose work it replaced
    _record_sorting(ctx, "李整二", [vols[1]])
    result = signoff.sign_off(ctx, second, code)
    assert result.batch_advanced
    assert _signers(ctx, wf.SORT) == {vols[0]: "李整", vols[1]: "李整二"}
    rows = {e.volume_id: e for e in _events(ctx, wf.EVENT_SIGNOFF, wf.SORT)
            if e.person == "李整二"}
    (batch_row,) = [e for vid, e in rows.items() if vid is None]
    (volume_row,) = [e for vid, e in rows.items() if vid is not None]
    assert volume_row.data["redone"] == {vols[1]: ["李整"]}
    assert "redone" not in batch_row.data
    assert not any("redone" in e.data for e in _events(ctx, wf.EVENT_SIGNOFF, wf.SORT)
                   if e.person == "李整")


def test_redone_is_refused_without_the_signers_own_newer_record(
        any_project: ProjectContext) -> None:
    """The trial's harm: a sorter signed ``--redone`` with no sort record of theirs and was
    paid for the other sorter's only record."""
    ctx = any_project
    code, vols = _sort_batch(ctx)
    first, second = resolve_actor(ctx, "李整"), resolve_actor(ctx, "李整二")
    claims.claim(ctx, first, code)
    _record_sorting(ctx, "李整", vols)
    claims.hand_back(ctx, first, code, leave_work=REASON)
    claims.claim(ctx, second, code)
    with pytest.raises(ConflictError) as refused:
        signoff.sign_off(ctx, second, code, redone=True)
    assert refused.value.key == "workflow.redone_without_record"
    assert refused.value.details == [f"{v}：李整 记录" for v in vols]
    _record_sorting(ctx, "李整二", [vols[0]])  # one redone: the other still refused
    with pytest.raises(ConflictError) as one_left:
        signoff.sign_off(ctx, second, code, redone=True)
    assert one_left.value.key == "workflow.redone_without_record"
    assert one_left.value.details == [f"{vols[1]}：李整 记录"]
    assert not _signers(ctx, wf.SORT)
    # the redone volume alone is theirs to sign
    signoff.sign_off(ctx, second, code, archive_codes=[vols[0]], redone=True)
    assert _signers(ctx, wf.SORT) == {vols[0]: "李整二"}


def test_redone_is_recorded_only_on_the_volumes_it_concerns(
        any_project: ProjectContext) -> None:
    ctx = any_project
    code, vols = _sort_batch(ctx)
    first, second = resolve_actor(ctx, "李整"), resolve_actor(ctx, "李整二")
    claims.claim(ctx, first, code)
    _record_sorting(ctx, "李整", [vols[0]])
    claims.hand_back(ctx, first, code, leave_work=REASON)
    claims.claim(ctx, second, code)
    _record_sorting(ctx, "李整二", vols)  # vols[0] redone, vols[1] sorted afresh
    assert signoff.sign_off(ctx, second, code).batch_advanced
    with ctx.transaction() as session:
        ids = {c: i for c, i in session.execute(select(Volume.archive_code, Volume.id))}
    data = {e.volume_id: e.data for e in _events(ctx, wf.EVENT_SIGNOFF, wf.SORT)}
    assert data[ids[vols[0]]]["redone"] == {vols[0]: ["李整"]}
    assert "redone" not in data[ids[vols[1]]]
    assert "redone" not in data[None]  # the batch's row


def test_a_blank_reason_is_refused_as_blank(any_project: ProjectContext) -> None:
    ctx = any_project
    code, vols = _sort_batch(ctx)
    first = resolve_actor(ctx, "李整")
    claims.claim(ctx, first, code)
    _record_sorting(ctx, "李整", vols)
    with pytest.raises(InputError) as blank:
        claims.hand_back(ctx, first, code, leave_work="  \t ")
    assert blank.value.key == "workflow.leave_work_blank"
    assert blank.value.details == vols
    assert "--leave-work" in blank.value.message
    assert not _events(ctx, wf.EVENT_RELEASE, wf.SORT)


def test_the_history_says_the_reason_and_the_redoing(any_project: ProjectContext) -> None:
    ctx = any_project
    code, vols = _sort_batch(ctx)
    first, second = resolve_actor(ctx, "李整"), resolve_actor(ctx, "李整二")
    claims.claim(ctx, first, code)
    _record_sorting(ctx, "李整", vols)
    claims.hand_back(ctx, first, code, remarks="下午调岗", leave_work=REASON)
    claims.claim(ctx, second, code)
    _record_sorting(ctx, "李整二", [vols[0]])
    signoff.sign_off(ctx, second, code, archive_codes=[vols[0]])
    said = {(h.kind, h.scope): h.remarks for h in volume_history(ctx, vols[0])}
    release = said[(wf.EVENT_RELEASE, "work_batch")]
    assert release.startswith("下午调岗；") and REASON in release
    assert f"留下未签字的工作：{vols[0]}、{vols[1]}" in release
    assert said[(wf.EVENT_SIGNOFF, "volume")] == f"重做了 李整 记录的工作（{vols[0]}）"
    # the other volume's history: the hand-back said, no redoing
    other = volume_history(ctx, vols[1])
    assert not any("重做" in h.remarks for h in other), [(h.kind, h.scope, h.stage, h.remarks) for h in other]
    assert any(REASON in h.remarks for h in other if h.kind == wf.EVENT_RELEASE)


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
    assert REASON in handed.stdout and vols[0] in handed.stdout  # said, not only recorded
    claims.claim(ctx, resolve_actor(ctx, "李整二"), code)
    taken = dangan("signoff", code, "-w", "李整二", "-p", home, env=env)
    assert taken.returncode != 0 and "李整 记录" in taken.stderr + taken.stdout
    assert not _signers(ctx, wf.SORT)
    unrecorded = dangan("signoff", code, "-w", "李整二", "--redone", "-p", home, env=env)
    assert unrecorded.returncode != 0
    assert "dangan sort record" in unrecorded.stderr + unrecorded.stdout
    assert not _signers(ctx, wf.SORT)
    for v in vols:
        recorded = dangan("sort", "record", v, "-w", "李整二", "--pages", "40", "-p", home,
                          env=env)
        assert recorded.returncode == 0, recorded.stderr
    redone = dangan("signoff", code, "-w", "李整二", "-p", home, env=env)
    assert redone.returncode == 0, redone.stderr
    assert _signers(ctx, wf.SORT) == {v: "李整二" for v in vols}
    history = dangan("history", vols[0], "-p", home, env={**env, "COLUMNS": "400"})
    assert history.returncode == 0, history.stderr
    assert REASON in history.stdout and "重做了 李整 记录的工作" in history.stdout


def test_the_cli_says_a_blank_reason(any_project: ProjectContext) -> None:
    ctx = any_project
    code, vols = _sort_batch(ctx)
    env = {"DANGAN_DATABASE_URL": os.environ["DANGAN_DATABASE_URL"]}
    claims.claim(ctx, resolve_actor(ctx, "李整"), code)
    _record_sorting(ctx, "李整", vols)
    blank = dangan("claim", code, "-w", "李整", "--hand-back", "--leave-work", "  ",
                   "-p", str(ctx.home), env=env)
    assert blank.returncode == InputError.exit_code
    assert "原因是空白的" in blank.stderr + blank.stdout
    assert not _events(ctx, wf.EVENT_RELEASE, wf.SORT)


def test_scan_records_of_an_ingest_stay_the_operators(any_project: ProjectContext,
                                                      tmp_path: Path) -> None:
    """An operator ingested the batch without its claim (recorded, unsigned), claimed it and
    hands it back: refused; the next operator's sign-off, their ingest run again over the
    recorded volumes and their word (``redone``) do not take the first operator's scan: they
    hand the batch back and the operator signs."""
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
    with pytest.raises(ConflictError) as unrecorded:  # no scan record of theirs
        signoff.sign_off(ctx, second, code, redone=True)
    assert unrecorded.value.key == "workflow.redone_without_record"
    assert "dangan ingest" in unrecorded.value.message
    assert not _signers(ctx, wf.SCAN)
    # the advice followed: handed back (nothing of theirs left), the operator signs
    assert claims.hand_back(ctx, second, code) == {}
    claims.claim(ctx, first, code)
    signoff.sign_off(ctx, first, code)
    assert _signers(ctx, wf.SCAN) == {v: "张扫" for v in vols}
