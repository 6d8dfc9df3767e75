"""What the client's archive-room staff (档案室人员) read of the company's line.

The client sees what involves them and where their paper is: the borrowing and the return
(listing, both sides' confirmations, problems noted, volumes taken off, cancellations), the
binding agreement and the trial they approved, a rebinding with pages other than registered
(the reason checked with them) — each with its person and remarks — and each stage's
progress (the stage signed, and when). The company's internal record stays the company's:
the workers' names and remarks on the stages, claims and hand-backs, work records, QC
samples, decisions and defects, reworks, keyings and packaging. ``company_side`` says who
sees everything (an administrator, or any role but the archive room's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from dangan.domain import workflow as wf
from dangan.domain.records import WorkBatchInfo
from dangan.services.history import (
    MISSING_PAGES_ACCEPTED,
    PAGES_DIFFER_ACCEPTED,
    HistoryLine,
)
from dangan.web import security as sec

# events the archive room takes part in: shown whole (person, remarks)
THEIRS = frozenset({
    wf.EVENT_BORROW_LIST, wf.EVENT_BORROW_CONFIRM, wf.EVENT_BORROW_PROBLEM,
    wf.EVENT_BORROW_REMOVE, wf.EVENT_BORROW_CANCEL, wf.EVENT_RETURN_CONFIRM,
    wf.EVENT_BINDING_AGREED, wf.EVENT_TRIAL_APPROVED})
# the stages both sides sign (借卷, 还卷): their sign-offs are shown whole
THEIR_STAGES = frozenset({wf.BORROW, wf.RETURN})
# decisions agreed with the client, shown with their reason, not the worker's name
AGREED = frozenset({MISSING_PAGES_ACCEPTED, PAGES_DIFFER_ACCEPTED})
# the line's progress: what was done and when, without who or their remarks
PROGRESS = frozenset({wf.EVENT_SIGNOFF, wf.EVENT_SPLIT})


def company_side(account: sec.Account) -> bool:
    """Whether the account works for the company doing the line (an administrator, or any
    role but the client's archive room staff): only they see the company's internal record
    — which worker is responsible for a defect (责任人), QC and rework, names and remarks."""
    return account.is_admin or bool(account.roles - {wf.ARCHIVE_STAFF})


def _as_client_sees(line: HistoryLine, seen: dict[int, HistoryLine]) -> HistoryLine | None:
    if line.kind == wf.EVENT_CORRECTION:  # as the event it corrects is seen, else not at all
        target = seen.get(line.corrects_id or 0)
        if target is None:
            return None
        return line if target.person else replace(line, person="", remarks="", data={})
    if line.kind in THEIRS or (line.kind == wf.EVENT_SIGNOFF and line.stage in THEIR_STAGES):
        return line
    if line.what in AGREED:
        return replace(line, person="", data={})
    if line.kind in PROGRESS:
        return replace(line, person="", remarks="", data={})
    return None


def history_for_client(history: Sequence[HistoryLine]) -> list[HistoryLine]:
    """A volume's history as the archive room reads it (see the module)."""
    seen: dict[int, HistoryLine] = {}
    for line in history:
        shown = _as_client_sees(line, seen)
        if shown is not None:
            seen[line.id] = shown
    return list(seen.values())


def batch_for_client(info: WorkBatchInfo) -> WorkBatchInfo:
    """A work batch as the archive room reads it: who holds it is not said; each stage's
    sign-off with its time, its signer and remarks only for the stages both sides sign."""
    return replace(info, holder="", signatures=[
        s if s.stage in THEIR_STAGES else replace(s, person="", remarks="")
        for s in info.signatures])
