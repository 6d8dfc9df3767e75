"""Use cases of scan intake, called by the CLI (and later the web app).

check → renumber → ingest → fixity. Ingest is the scan stage's work: it refuses a volume with
error defects or one whose batch is not at the scan stage, copies it into 已扫描 verified by
SHA-256 (the next volume is copied while this one is recorded), records pages and checksums
in one transaction and writes the scan folder's receipt; then the workflow engine signs the
scan stage for the operator when they hold the batch's scan claim, and the tracking sheet is
written once, last. Without the claim the volume stays recorded and unsigned, and the report
says how to sign (``dangan claim`` then ``dangan signoff``); nothing is claimed on anyone's
behalf. A rerun says per volume what it did: nothing, finished an interrupted ingest, signed.

What ingest leaves beside the pages (the pending marker, the receipt) and finishing an
interrupted ingest are in ``services.ingest_markers``; the report, and what it says of a
rerun or of a stopped run, in ``services.ingest_report``.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from dangan.db.models import Page, StageEvent, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.domain.defects import BAD_PATH, make_defect
from dangan.domain.naming import NamingRules
from dangan.errors import (
    ConflictError,
    DefectsFound,
    InputError,
    NotFoundError,
    StateError,
    StorageError,
)
from dangan.export.tracking_sheet import write_tracking_sheet
from dangan.i18n import join, t
from dangan.intake import renumber as rn
from dangan.intake.check import CheckOptions, CheckReport, VolumeResult, run_check
from dangan.intake.locks import holds_project_lock
from dangan.intake.transfer import Checked, CopyAhead, Staged, stage_files
from dangan.intake.walk import printable
from dangan.services import claims, engine
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor
from dangan.services.ingest_markers import (
    SCANNED_KEY,
    finish_unfinished,
    pending_marker,
    remove_pending,
    unfinished,
    write_receipt,
)
from dangan.services.ingest_report import (
    IngestReport,
    VolumeIngest,
    compare_recorded,
    human,
    last_event,
    read_back,
    say_rerun,
)
from dangan.services.project import ProjectContext
from dangan.services.scan_lookup import check_options
from dangan.storage import Area

COPY_AHEAD = 2  # volumes copied ahead of the one being recorded (temporaries until their turn)


# --- check ---------------------------------------------------------------------------------
def check_scan_root(root: Path, options: CheckOptions) -> CheckReport:
    if not root.exists() or not root.is_dir():
        raise NotFoundError("intake.check.root_missing", path=root)
    return run_check(str(root), options)


# --- ingest --------------------------------------------------------------------------------
def read_problems(path: Path) -> list[str]:
    """A problems file: one problem per line (UTF-8; blank lines and # comments ignored)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("intake.ingest.problems_file", path=path, line=0, detail=str(exc)) from None
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


_PROBLEM_TAG = re.compile(r"\s*([^\s=＝]+)\s*[=＝]\s*(.*)", re.S)
_PROBLEM_LEAD = re.compile(r"\s*([^\s:：]+)[\s:：]+(.+)", re.S)


def split_problem(rules: NamingRules, text: str) -> tuple[str | None, str]:
    """``CODE=TEXT`` (``＝`` too; CODE a valid archive code or at least hyphenated like one),
    or a text opening with a valid archive code then a space or colon: (code, text).
    Otherwise (None, text)."""
    m = _PROBLEM_TAG.fullmatch(text)
    if m and (rules.archive_code.is_valid(m.group(1)) or "-" in m.group(1)):
        return m.group(1), m.group(2).strip()
    m = _PROBLEM_LEAD.fullmatch(text)
    if m and rules.archive_code.is_valid(m.group(1)):
        return m.group(1), m.group(2).strip()
    return None, text.strip()


def assign_problems(rules: NamingRules, report: CheckReport,
                    problems: Sequence[str]) -> dict[str, list[str]]:
    """Each problem goes to the one volume it names. A problem naming a volume that is not in
    this ingest is refused (InputError); one naming no volume goes to the only clean volume of
    the ingest, and is refused when there are several (nothing is ingested then)."""
    in_ingest = [v.folder.archive_code for v in report.volumes if v.folder.archive_code]
    clean = [v.folder.archive_code for v in report.volumes
             if v.folder.archive_code and not any(d.is_error for d in v.defects)]
    out: dict[str, list[str]] = {}
    for problem in problems:
        code, text = split_problem(rules, problem)
        if code is None:
            if len(clean) > 1:
                raise InputError("intake.problem_unnamed", problem=problem,
                                 volumes=join(clean))
            if not clean:
                continue  # no volume is recorded by this ingest
            code = clean[0]
        elif code not in in_ingest:
            raise InputError("intake.problem_unknown_volume", code=code, problem=problem,
                             volumes=join(in_ingest) or "-")
        if text:
            out.setdefault(code, []).append(text)
    return out


@holds_project_lock("ingest")  # one ingest per project at a time (exit 6 after a wait)
def ingest(ctx: ProjectContext, actor: Actor, root: Path, problems: Sequence[str] = (),
           workers: int = 0, report: CheckReport | None = None,
           into: IngestReport | None = None) -> IngestReport:
    """Check, then ingest every clean volume under ``root``; refuse the others with reasons.

    ``into``: the report to fill as the volumes are done (returned). When an error stops the
    run it is raised, and ``into`` still holds every volume done before it (each recorded and
    signed for good) and ``stopped_at``: what the caller tells the operator before the error."""
    engine.require_role(actor, wf.SCAN)
    if report is None:
        report = check_scan_root(root, check_options(ctx, workers=workers))
    by_volume = assign_problems(ctx.rules, report, problems)
    out = into if into is not None else IngestReport()
    out.check = report  # from here on an error stops the run among the volumes
    # The fresh volumes are copied (and made durable) on a thread, up to COPY_AHEAD of them
    # ahead of the one being recorded, signed and its sheet written (work that mostly waits
    # for the disk or holds the interpreter); each is still published in turn.
    mark = last_event(ctx)  # what this run records and signs comes after it
    ahead = CopyAhead(ctx.storage)
    plan = _CopyPlan(ctx, ahead, report.volumes)
    reached = 0  # the volume being worked on (an error in a copy ahead stops the run there)
    try:
        plan.top_up(0)
        for at, vol in enumerate(report.volumes):
            staged = ahead.take(vol) if ahead.has(vol) else None
            try:
                out.volumes.append(ingest_volume(
                    ctx, actor, vol, by_volume.get(vol.folder.archive_code or "", []),
                    staged=staged, next_copy=functools.partial(plan.top_up, at + 1)))
            except StateError as exc:
                out.volumes.append(VolumeIngest(vol.folder.archive_code or vol.folder.label,
                                                "refused", message=exc.message, key=exc.key))
            finally:
                if staged is not None:
                    staged.discard()  # unless its volume published it: nothing to remove
            reached = at + 1
            plan.top_up(at + 1)
    except BaseException as exc:  # an error, Ctrl-C: what was done before it is kept and reported
        if reached < len(report.volumes):
            folder = report.volumes[reached].folder
            out.stopped_at = folder.archive_code or folder.label
            done = read_back(ctx, actor, folder.archive_code, mark)
            if done is not None and all(v.volume != done.volume for v in out.volumes):
                out.volumes.append(done)  # recorded or signed for good before the stop
        if isinstance(exc, StorageError):
            ctx.storage.require_root()  # the root gone: say so, not the one file it broke
        if isinstance(exc, ConflictError) and reached < len(report.volumes):
            named = _name_source(exc, report.volumes[reached])
            if named is not None:
                raise named from exc
        raise
    finally:
        ahead.close()
    for d in report.other_defects:
        if d.is_error:
            out.volumes.append(VolumeIngest(d.path, "refused", defects=[d], message=d.message))
    return out


@dataclass
class _CopyPlan:
    """Which volumes are copied ahead (``CopyAhead``): each volume is looked at once, in
    order, when it comes within COPY_AHEAD of the one being recorded; the database is read
    once for all of them (``_unrecorded``)."""

    ctx: ProjectContext
    ahead: CopyAhead
    volumes: Sequence[VolumeResult]
    looked: int = 0  # the volumes before this one were looked at
    unrecorded: set[str] | None = None

    def top_up(self, at: int) -> None:
        """Start copying the fresh volumes among ``volumes[at : at + COPY_AHEAD]``."""
        self.looked = max(self.looked, at)
        while self.looked < min(at + COPY_AHEAD, len(self.volumes)):
            vol = self.volumes[self.looked]
            self.looked += 1
            if self._fresh(vol):
                code, base, files = _plan(vol)
                if self.ctx.storage.exists(base):
                    self.ctx.storage.remove_stale_temporaries(base)
                self.ahead.start(vol, files, code, [pending_marker(code, base)],
                                 _checked(vol))

    def _fresh(self, vol: VolumeResult) -> bool:
        """A clean volume at the scan stage with nothing recorded yet (its copy may start).
        Only a choice of what to copy early: ``ingest_volume`` checks again in its turn."""
        if not _clean(vol):
            return False
        if self.unrecorded is None:
            self.unrecorded = _unrecorded(self.ctx, [v.folder.archive_code or ""
                                                     for v in self.volumes if _clean(v)])
        return vol.folder.archive_code in self.unrecorded


def _name_source(exc: ConflictError, vol: VolumeResult) -> ConflictError | None:
    """A stored master that differs from the file the copy read (``intake.ingest.conflict``
    raised by the copy, which names only the stored path): the same error naming the file on
    the scan station too, so the operator knows which one is meant."""
    if exc.key != "intake.ingest.conflict" or "source" in exc.params:
        return None
    sources = {rel: source for source, rel in _plan(vol)[2]}
    source = sources.get(str(exc.params.get("path", "")))
    if source is None:
        return None
    return ConflictError(exc.key, details=exc.details, **exc.params, source=printable(source))


def _clean(vol: VolumeResult) -> bool:
    return vol.folder.archive_code is not None and not any(d.is_error for d in vol.defects) \
        and not os.path.exists(os.path.join(vol.folder.path, rn.JOURNAL))


def _unrecorded(ctx: ProjectContext, codes: Sequence[str], chunk: int = 500) -> set[str]:
    """The volumes among ``codes`` at the scan stage with nothing in 已扫描 recorded yet,
    read in one transaction."""
    out: set[str] = set()
    with ctx.transaction() as session:
        for i in range(0, len(codes), chunk):
            ids = {volume_id: code for volume_id, code in session.execute(
                select(Volume.id, Volume.archive_code).where(
                    Volume.project_id == ctx.project_id,
                    Volume.archive_code.in_(codes[i : i + chunk]), Volume.stage == wf.SCAN))}
            if not ids:
                continue
            stored = set(session.scalars(select(StoredFile.volume_id).where(
                StoredFile.volume_id.in_(list(ids)), StoredFile.area == SCANNED_KEY).distinct()))
            out.update(code for volume_id, code in ids.items() if volume_id not in stored)
    return out


def _plan(vol: VolumeResult) -> tuple[str, str, list[tuple[str, str]]]:
    base = f"{Area.SCANNED.value}/{vol.folder.name}"
    pages = sorted(vol.folder.pages, key=lambda p: p.page_no)
    return vol.folder.archive_code or "", base, [(p.path, f"{base}/{p.name}") for p in pages]


def _checked(vol: VolumeResult) -> dict[str, Checked]:
    """What the check read of each page file (by its path): the copy takes its SHA-256
    instead of hashing the file again while the file is as the check saw it."""
    out: dict[str, Checked] = {}
    for entry in vol.folder.pages:
        info = vol.infos.get(entry.name)
        if info is not None and info.sha256 and info.mtime_ns:
            out[entry.path] = Checked(info.sha256, info.size, info.mtime_ns)
    return out


def ingest_volume(ctx: ProjectContext, actor: Actor, vol: VolumeResult,
                  problems: Sequence[str] = (), *, staged: Staged | None = None,
                  next_copy: Callable[[], None] | None = None) -> VolumeIngest:
    """Record one clean volume (first), then have the engine sign its scan stage.

    ``staged``: its pages already copied ahead (``CopyAhead``); ``next_copy`` starts the
    next volumes' copies once this one's pages are published."""
    folder = vol.folder
    errors = [d for d in vol.defects if d.is_error]
    label = folder.label
    if os.path.exists(os.path.join(folder.path, rn.JOURNAL)):
        errors.append(make_defect(BAD_PATH, path=folder.rel or folder.name, volume=label,
                                  name=rn.JOURNAL, reason=t("intake.reason.renumber_pending")))
    if errors or folder.archive_code is None:
        return VolumeIngest(label, "refused", defects=errors,
                            message=t("intake.ingest.refused", volume=label, count=len(errors)))
    code = folder.archive_code
    with ctx.transaction() as session:
        volume = session.scalar(select(Volume).where(Volume.project_id == ctx.project_id,
                                                     Volume.archive_code == code))
        if volume is None:
            return VolumeIngest(code, "refused",
                                message=t("intake.ingest.no_volume_row", volume=code))
        volume_id, stage = volume.id, volume.stage
        try:  # never recorded under one operator while another holds the batch's scan
            claims.refuse_volume_other_holder(session, volume, wf.SCAN, actor)
        except ConflictError as exc:
            return VolumeIngest(code, "refused", message=exc.message, key=exc.key)
        recorded = {f.path: f for f in session.scalars(
            select(StoredFile).where(StoredFile.volume_id == volume_id,
                                     StoredFile.area == SCANNED_KEY, StoredFile.kind == "page"))}
    pages = sorted(folder.pages, key=lambda p: p.page_no)
    base = f"{Area.SCANNED.value}/{folder.name}"
    remarks = "；".join(problems)
    sign_data = {"pages": len(pages), "problems": list(problems)}
    if recorded:
        # a copy killed after every page was recorded (its rename done, a temporary left)
        ctx.storage.remove_stale_temporaries(base) if ctx.storage.exists(base) else None
        result = compare_recorded(ctx, code, base, pages, recorded)
        if result.state != "unchanged":
            return result
        event_id = _note_problems(ctx, actor, volume_id, problems, result)
        result.finished = unfinished(ctx, volume_id, folder, base)
        sheet_written = False
        if stage == wf.SCAN:  # recorded by an earlier run, never signed: sign it now
            sheet_written = _sign(ctx, actor, result, remarks, sign_data)
        if result.finished:
            finish_unfinished(ctx, volume_id, folder, base, recorded, sheet_written)
        elif result.noted and not sheet_written:
            write_tracking_sheet(ctx, volume_id)  # its 原卷错误 shows the problems now
        say_rerun(result, actor, event_id)
        return result
    if stage != wf.SCAN:
        raise StateError("intake.ingest.wrong_stage", volume=code, stage=t(f"stage.{stage}"),
                         scan=t("stage.scan"))
    if staged is None:
        ctx.storage.remove_stale_temporaries(base) if ctx.storage.exists(base) else None
        # The pending marker is published with the pages (one durability barrier) and stays
        # until the sheet and the receipt are written: a crash anywhere between the commit
        # below and its removal leaves the volume named by fixity and status, and the rerun
        # finishes it (signing first when it is still unsigned).
        staged = stage_files(ctx.storage, _plan(vol)[2], code, [pending_marker(code, base)],
                             checked=_checked(vol))
    moved = staged.commit()
    if next_copy is not None:
        next_copy()  # the next volumes copy while this one is recorded
    now = datetime.now(UTC)
    _record_scan(ctx, actor, vol, volume_id, pages, moved, problems, now)
    rn.crash_point("ingest.recorded")
    size = sum(tr.size for tr in moved)
    result = VolumeIngest(code, "ingested", len(pages), size,
                          message=t("intake.ingest.done", volume=code, pages=len(pages),
                                    size=human(size)))
    write_receipt(folder.path, code, [(tr.rel, tr.sha256) for tr in moved], actor.name, now)
    remove_pending(ctx, base)
    rn.crash_point("ingest.before_signoff")
    # The tracking sheet is written once, last, after everything it shows is known: the
    # sign-off rebuilds the sheets of the volumes it signs, so only an unsigned volume needs
    # it here. Until it exists the volume (still at the scan stage) is named unfinished by
    # fixity and status, and a rerun signs and writes it.
    if not _sign(ctx, actor, result, remarks, sign_data):
        write_tracking_sheet(ctx, volume_id)
    return result


def _note_problems(ctx: ProjectContext, actor: Actor, volume_id: int,
                   problems: Sequence[str], result: VolumeIngest) -> int | None:
    """Problems given to a rerun of an already recorded volume: recorded, by ``actor``, as a
    correction of the volume's scan record (events are append-only), each once — one the
    record or an earlier correction already holds is not recorded again. Returns the event id."""
    wanted = list(dict.fromkeys(p.strip() for p in problems if p.strip()))
    if not wanted:
        return None
    with ctx.transaction() as session:
        volume = session.get(Volume, volume_id)
        assert volume is not None
        record = session.scalar(select(StageEvent).where(
            StageEvent.volume_id == volume_id, StageEvent.kind == wf.EVENT_SCAN_RECORD)
            .order_by(StageEvent.id.desc()).limit(1))
        known = {str(p) for p in ((record.data or {}).get("problems", []) if record else [])}
        for ev in session.scalars(select(StageEvent).where(
                StageEvent.volume_id == volume_id, StageEvent.kind == wf.EVENT_CORRECTION,
                StageEvent.stage == wf.SCAN)):
            known.update(str(p) for p in (ev.data or {}).get("problems", []))
        result.known = [p for p in wanted if p in known]
        result.noted = [p for p in wanted if p not in known]
        if not result.noted:
            return None
        event = ws.add_event(session, ctx.project_id, wf.EVENT_CORRECTION, actor.name,
                             stage=wf.SCAN, worker_id=actor.worker_id, volume_id=volume_id,
                             work_batch_id=volume.work_batch_id,
                             remarks="；".join(result.noted),
                             data={"problems": result.noted},
                             corrects_id=record.id if record else None)
        session.flush()
        return int(event.id)


def _record_scan(ctx: ProjectContext, actor: Actor, vol: VolumeResult, volume_id: int,
                 pages: Sequence[Any], moved: Sequence[Any], problems: Sequence[str],
                 now: datetime) -> None:
    """One transaction: pages, checksums and the scan record (problems, warnings, source)."""
    folder = vol.folder
    with ctx.transaction() as session:
        volume = session.get(Volume, volume_id)
        assert volume is not None
        if session.scalar(select(StoredFile.id).where(StoredFile.volume_id == volume_id,
                                                      StoredFile.area == SCANNED_KEY).limit(1)):
            raise ConflictError("intake.ingest.concurrent", volume=volume.archive_code)
        # Two multi-row INSERTs (ORM bulk mode, no unit of work per row); the page ids come
        # back in the order the rows were given.
        page_ids = session.scalars(
            insert(Page).returning(Page.id, sort_by_parameter_order=True),
            [_page_row(volume_id, entry, vol.infos.get(entry.name)) for entry in pages]
        ).all() if pages else []
        if moved:
            session.execute(insert(StoredFile), [
                {"project_id": ctx.project_id, "volume_id": volume_id, "page_id": page_id,
                 "area": SCANNED_KEY, "path": tr.rel, "kind": "page", "sha256": tr.sha256,
                 "size": tr.size, "recorded_at": now, "verified_at": now}
                for page_id, tr in zip(page_ids, moved, strict=True)])
        volume.page_count = len(pages)
        volume.folder_name = folder.name
        warnings = [{"code": d.code, "params": _plain(d.params)}
                    for d in vol.defects if not d.is_error]
        session.add(StageEvent(project_id=ctx.project_id, kind=wf.EVENT_SCAN_RECORD,
                               stage=wf.SCAN, volume_id=volume_id,
                               work_batch_id=volume.work_batch_id, worker_id=actor.worker_id,
                               person=actor.name, at=now, remarks="；".join(problems),
                               data={"pages": len(pages), "problems": list(problems),
                                     "warnings": warnings, "source": folder.path}))


def _page_row(volume_id: int, entry: Any, info: Any) -> dict[str, Any]:
    """A Page row's values from the check's look inside the file (``info``, when it had one)."""
    return {"volume_id": volume_id, "page_no": entry.page_no,
            "width": info.width if info else None, "height": info.height if info else None,
            "dpi": round(info.dpi) if info and info.dpi else None,
            "colour_mode": info.colour_mode if info else None,
            "format": info.fmt if info else entry.ext.lower(),
            "blank": bool(info and info.blank),
            "metrics": {"ink": info.ink} if info else {}}


def _plain(params: Any) -> dict[str, Any]:
    return {k: v if isinstance(v, (str, int, float, bool)) or v is None else str(v)
            for k, v in dict(params).items()}


def _sign(ctx: ProjectContext, actor: Actor, result: VolumeIngest, remarks: str,
          data: dict[str, Any]) -> bool:
    """Have the engine sign the scan stage; True when it did (its sign-off rebuilt the sheet)."""
    outcome = engine.sign_recorded(ctx, actor, [result.volume], wf.SCAN, remarks, data)
    result.signed = bool(outcome.signed)
    if result.signed and result.state == "ingested":
        result.message += "\n" + t("intake.ingest.signed", worker=actor.name)
    if outcome.unsigned:
        result.key = outcome.unsigned[0][1]
        result.message += "\n" + "\n".join(f"  - {m}" for m in outcome.messages())
    return result.signed and not outcome.unsigned


def refuse_if_errors(report: CheckReport) -> None:
    errors = [d for d in report.defects if d.is_error]
    if errors:
        raise DefectsFound("error.defects_found", count=len(errors))
