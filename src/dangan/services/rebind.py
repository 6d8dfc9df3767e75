"""装订: rebinding after QC. The method is agreed and signed by the archive-room lead, trial
volumes are approved before the rest, and a volume with an open defect or a missing page is
refused. (整理, the sorting record before scanning, is ``dangan.services.sorting``.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.db.models import (
    BINDING_AGREEMENT_LOCK,
    BindingAgreement,
    BorrowBatch,
    BorrowRegisterEntry,
    Page,
    StageEvent,
    Volume,
    WorkBatch,
)
from dangan.domain import workflow as wf
from dangan.domain.page_check import PageCheck
from dangan.errors import InputError, StateError
from dangan.i18n import catalogue, join, t
from dangan.services import actors, engine
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor, SignoffResult
from dangan.services.project import ProjectContext
from dangan.services.signed_sheets import rebuild_signed, sheet_volumes

BINDING_METHODS = ("thread", "glue_tube", "sewing")
ALIGNMENTS = ("bottom_left", "bottom_right")


@dataclass(frozen=True)
class AgreementInfo:
    id: int
    method: str
    alignment: str
    punch_allowed: bool
    agreed_by: str
    agreed_at: datetime
    trial_codes: list[str]
    trial_approved_by: str
    trial_approved_at: datetime | None
    remarks: str
    version: int = 1
    replace_reason: str = ""  # why this version replaced the one before
    already_approved: bool = False  # approve_trial again: the first approval kept

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def binding_method(given: str) -> str:
    """A binding method by its code (``thread``) or its name in either language (线装,
    "线装（三点一线）", "Thread"); an unknown one is refused, naming the choices."""
    wanted = given.strip().casefold()
    for code in BINDING_METHODS:
        names = {code}
        for label in catalogue().get(f"rebind.method.{code}", ()):
            names |= {label.casefold(), re.split(r"[（(]", label)[0].strip().casefold()}
        if wanted in names:
            return code
    choices = ", ".join(f"{c}（{t(f'rebind.method.{c}')}）" for c in BINDING_METHODS)
    raise InputError("rebind.bad_method", method=given, choices=choices)


def agree_binding(ctx: ProjectContext, method: str, agreed_by: str, *,
                  alignment: str = "bottom_left", punch_allowed: bool = False,
                  trial_codes: Sequence[str] = (), remarks: str = "",
                  replace_reason: str = "") -> AgreementInfo:
    """The binding method and requirements, signed by the archive-room lead.

    The trial volumes must be out of the archive room (on a confirmed borrow batch, not
    returned): a volume still on its shelf cannot be rebound as the trial. An agreement is
    never overwritten: while one stands a second is refused unless ``replace_reason`` says why
    it changes; it is then recorded as the next version (who, when, why), the earlier kept in
    the records, and its trial volumes must be rebound and approved again."""
    method = binding_method(method)
    if alignment not in ALIGNMENTS:
        raise InputError("rebind.bad_alignment", alignment=alignment,
                         choices=", ".join(ALIGNMENTS))
    if not agreed_by.strip():
        raise InputError("rebind.lead_required")
    if not trial_codes:
        raise InputError("rebind.trial_required")
    with ctx.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":  # one agreement at a time
            session.execute(select(func.pg_advisory_xact_lock(BINDING_AGREEMENT_LOCK,
                                                              ctx.project_id)))
        agreed_by = actors.archive_side(session, ctx.project_id, agreed_by)
        trial = [ws.volume_by_code(session, ctx.project_id, c) for c in trial_codes]
        if shelved := _not_out(session, trial):
            raise StateError("rebind.trial_not_out", codes=join(shelved), details=shelved)
        standing = current_agreement(session, ctx.project_id)
        if standing is not None and not replace_reason.strip():
            raise StateError("rebind.agreement_exists", version=_version(session, standing),
                             method=t(f"rebind.method.{standing.method}"),
                             by=standing.agreed_by, at=_when(standing.agreed_at))
        row = BindingAgreement(project_id=ctx.project_id, method=method, alignment=alignment,
                               punch_allowed=punch_allowed, agreed_by=agreed_by.strip(),
                               trial_volume_ids=[v.id for v in trial], remarks=remarks)
        session.add(row)
        session.flush()
        data: dict[str, object] = {
            "agreement_id": row.id, "method": method, "alignment": alignment,
            "punch_allowed": punch_allowed, "trial_codes": [v.archive_code for v in trial],
            "version": _version(session, row)}
        if standing is not None:
            data |= {"replaces": standing.id, "replace_reason": replace_reason.strip()}
        ws.add_event(session, ctx.project_id, wf.EVENT_BINDING_AGREED, row.agreed_by,
                     stage=wf.REBIND, remarks=remarks, data=data)
        return _agreement_info(session, row)


def _not_out(session: Session, volumes: Sequence[Volume]) -> list[str]:
    """The archive codes of volumes not out of the archive room: on no confirmed borrow batch,
    or returned (the batch, or the volume alone)."""
    out = set(session.scalars(select(BorrowRegisterEntry.volume_id)
                              .join(BorrowBatch, BorrowBatch.id == BorrowRegisterEntry.borrow_batch_id)
                              .where(BorrowRegisterEntry.volume_id.in_([v.id for v in volumes]),
                                     BorrowBatch.status == wf.BORROW_OUT,
                                     BorrowRegisterEntry.returned_at.is_(None))))
    return [v.archive_code for v in volumes if v.id not in out]


def _version(session: Session, row: BindingAgreement) -> int:
    return int(session.scalar(select(func.count(BindingAgreement.id)).where(
        BindingAgreement.project_id == row.project_id, BindingAgreement.id <= row.id)) or 1)


def _when(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M}" if at else ""  # as workflow.already_signed says it


def approve_trial(ctx: ProjectContext, approved_by: str, remarks: str = "",
                  agreement_id: int | None = None) -> AgreementInfo:
    """The archive-room lead approves the trial volumes; the rest may now be rebound.

    Approving again is no new record: the first approval (who, when) is kept and returned
    with ``already_approved``. ``agreement_id``: the agreement the approver was shown (a form
    opened before the method was changed is refused, not applied to the new version)."""
    with ctx.transaction() as session:
        row = current_agreement(session, ctx.project_id)
        if row is None:
            raise StateError("rebind.no_agreement")
        if agreement_id is not None and agreement_id != row.id:
            raise StateError("rebind.agreement_changed", version=_version(session, row),
                             by=row.agreed_by, at=_when(row.agreed_at))
        approver = actors.archive_side(session, ctx.project_id, approved_by)  # first: a
        # person who may not approve is refused, approved already or not
        if row.trial_approved_at is not None:
            return replace(_agreement_info(session, row), already_approved=True)
        unbound = session.scalars(select(Volume.archive_code).where(
            Volume.id.in_(row.trial_volume_ids),
            Volume.stage.in_([s for s in ws.graph_for(ctx.config).stages
                              if not ws.graph_for(ctx.config).passed(s, wf.REBIND)]))).all()
        if unbound:
            raise StateError("rebind.trial_not_bound", details=list(unbound))
        row.trial_approved_by = approver
        row.trial_approved_at = ws.now()
        ws.add_event(session, ctx.project_id, wf.EVENT_TRIAL_APPROVED, row.trial_approved_by,
                     stage=wf.REBIND, remarks=remarks, data={"agreement_id": row.id})
        return _agreement_info(session, row)


def agreements(ctx: ProjectContext) -> list[AgreementInfo]:
    """Every binding agreement of the project, the first version first (the last stands)."""
    with ctx.transaction() as session:
        return [_agreement_info(session, row) for row in session.scalars(
            select(BindingAgreement).where(BindingAgreement.project_id == ctx.project_id)
            .order_by(BindingAgreement.id))]


def agreement(ctx: ProjectContext) -> AgreementInfo | None:
    with ctx.transaction() as session:
        row = current_agreement(session, ctx.project_id)
        return None if row is None else _agreement_info(session, row)


def rebind(ctx: ProjectContext, actor: Actor, batch_code: str,
           archive_codes: Sequence[str] = (), remarks: str = "",
           accept_missing: str = "") -> SignoffResult:
    """Rebind volumes of a batch (all, or the listed ones) and sign the card.

    ``accept_missing``: the reason for rebinding volumes with fewer ingested pages than the
    sorter numbered (e.g. the page is missing from the original); the decision is recorded
    for each such volume (reason, binder, time) in the same transaction as the sign-off."""
    if not accept_missing:
        return engine.sign(ctx, actor, batch_code, wf.REBIND, remarks, archive_codes)
    graph = ws.graph_for(ctx.config)
    at = ws.now()
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, batch_code, lock=True)
        volumes, short = _record_shortfall(session, ctx.project_id, actor, batch,
                                           archive_codes, accept_missing, at)
        advanced, signed = engine.sign_in_session(
            session, ctx.project_id, graph, batch, wf.REBIND, actor,
            volumes if archive_codes else None, remarks, at)
        sheets = sheet_volumes(signed)
        result = SignoffResult(batch.code, wf.REBIND, actor.name, at, len(signed), advanced,
                               graph.next(wf.REBIND), accepted_missing=tuple(short))
    rebuild_signed(ctx, wf.REBIND, actor, sheets)  # committed: a failure says it is recorded
    return result


def accept_missing_pages(ctx: ProjectContext, actor: Actor, batch_code: str,
                         archive_codes: Sequence[str] = (), reason: str = "") -> list[str]:
    """Record, without signing, why volumes of a batch at 装订 with fewer ingested pages than
    the sorter numbered may be rebound (the binder holding the batch's claim; reason, person
    and time kept). Returns the codes recorded."""
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, batch_code, lock=True)
        engine.require_role(actor, wf.REBIND)
        engine.require_claimant(session, batch, wf.REBIND, actor)
        return _record_shortfall(session, ctx.project_id, actor, batch, archive_codes,
                                 reason, ws.now())[1]


def rebound_already(ctx: ProjectContext, batch_code: str,
                    archive_codes: Sequence[str] = ()) -> bool:
    """Whether the rebinding of the batch (or of the listed volumes) is signed: none of them
    is still at 装订 — a reason given now is recorded afterwards (``record_page_reasons``)."""
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, batch_code)
        stmt = select(Volume.stage).where(Volume.work_batch_id == batch.id)
        if archive_codes:
            stmt = stmt.where(Volume.archive_code.in_([c.strip() for c in archive_codes]))
        stages = set(session.scalars(stmt))
        graph = ws.graph_for(ctx.config)
        return bool(stages) and all(graph.passed(s, wf.REBIND) for s in stages)


def record_page_reasons(ctx: ProjectContext, actor: Actor, batch_code: str,
                        archive_codes: Sequence[str] = (), reason: str = "") -> list[str]:
    """Record afterwards why volumes were rebound though their pages differ (from the
    register, or fewer ingested than numbered) when no reason was recorded at the rebinding
    (rebindings signed before the reason was required): for the volumes of the batch
    (listed, else all) rebound and waiting for the return, by a binder or the project
    manager; nothing is signed again. Each is recorded as the rebinding's decision is
    (reason, person, time; ``after_rebind``), which the return then finds. Returns the codes
    recorded; a listed volume not rebound and waiting for the return is refused, and so is a
    batch with no such volume lacking its reason."""
    if not reason.strip():
        raise InputError("rebind.reason_blank")
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, batch_code, lock=True)
        engine.require_any_role(actor, frozenset({wf.BINDER, wf.PROJECT_MANAGER}))
        if archive_codes:
            volumes = [ws.volume_by_code(session, ctx.project_id, c) for c in archive_codes]
            for v in volumes:
                if v.work_batch_id != batch.id or v.stage != wf.RETURN:
                    raise StateError("rebind.reason_not_rebound", code=v.archive_code,
                                     batch=batch.code)
        else:
            volumes = list(session.scalars(select(Volume).where(
                Volume.work_batch_id == batch.id, Volume.stage == wf.RETURN)
                .order_by(Volume.id)))
        checks = page_checks(session, volumes)
        lacking = [v for v in volumes if checks[v.id].differs and not checks[v.id].reason]
        if not lacking:
            raise StateError("rebind.reason_nothing", batch=batch.code)
        at = ws.now()
        for v in lacking:
            check = checks[v.id]
            ws.add_event(session, ctx.project_id, wf.EVENT_WORK_WAIVED, actor.name,
                         stage=wf.REBIND, worker_id=actor.worker_id, volume_id=v.id,
                         work_batch_id=batch.id, remarks=reason.strip(), at=at,
                         data={"missing_pages": check.short, "numbered": check.numbered,
                               "scanned": check.scanned, "registered": check.registered,
                               "register_differs": check.register_differs,
                               "after_rebind": True})
        return [v.archive_code for v in lacking]


def _record_shortfall(session: Session, project_id: int, actor: Actor, batch: WorkBatch,
                      archive_codes: Sequence[str], reason: str, at: datetime
                      ) -> tuple[list[Volume], list[str]]:
    """The decision for each volume of the batch (listed, else all at 装订) whose pages differ
    — fewer ingested than the sorter numbered, or counted pages not those registered: the
    volumes to sign, and the archive codes of those rebound so."""
    if not reason.strip():
        raise InputError("rebind.reason_blank")
    volumes = ([ws.volume_by_code(session, project_id, c) for c in archive_codes]
               if archive_codes else list(session.scalars(select(Volume).where(
                   Volume.work_batch_id == batch.id, Volume.stage == wf.REBIND)
                   .order_by(Volume.id))))
    short: list[str] = []
    checks = page_checks(session, volumes)
    for v in volumes:
        check = checks[v.id]
        if not check.differs or v.work_batch_id != batch.id or v.stage != wf.REBIND:
            continue  # agreeing pages; or refused by the sign-off
        short.append(v.archive_code)
        ws.add_event(session, project_id, wf.EVENT_WORK_WAIVED, actor.name, stage=wf.REBIND,
                     worker_id=actor.worker_id, volume_id=v.id, work_batch_id=batch.id,
                     remarks=reason.strip(),
                     data={"missing_pages": check.short, "numbered": check.numbered,
                           "scanned": check.scanned, "registered": check.registered,
                           "register_differs": check.register_differs}, at=at)
    session.flush()
    return volumes, short


def page_checks(session: Session, volumes: Sequence[Volume]) -> dict[int, PageCheck]:
    """Per volume id: pages registered, numbered by the sorter (latest record), ingested, and
    the latest reason recorded at 装订 for rebinding it though they differ."""
    ids = [v.id for v in volumes]
    if not ids:
        return {}
    scanned = {vid: int(n) for vid, n in session.execute(
        select(Page.volume_id, func.count(Page.id)).where(Page.volume_id.in_(ids))
        .group_by(Page.volume_id))}
    numbered: dict[int, int] = {}
    waived: dict[int, StageEvent] = {}
    for ev in session.scalars(select(StageEvent).where(
            StageEvent.volume_id.in_(ids),
            ((StageEvent.kind == wf.EVENT_SORT_RECORD)
             | ((StageEvent.kind == wf.EVENT_WORK_WAIVED) & (StageEvent.stage == wf.REBIND))))
            .order_by(StageEvent.at, StageEvent.id)):
        assert ev.volume_id is not None
        if ev.kind == wf.EVENT_SORT_RECORD:
            numbered[ev.volume_id] = int((ev.data or {}).get("pages_numbered") or 0)
        else:
            waived[ev.volume_id] = ev  # the latest decision
    out: dict[int, PageCheck] = {}
    for v in volumes:
        decision = waived.get(v.id)
        out[v.id] = PageCheck(v.archive_code, v.expected_pages, numbered.get(v.id),
                              scanned.get(v.id, 0),
                              reason=decision.remarks if decision else "",
                              by=decision.person if decision else "",
                              at=decision.at if decision else None)
    return out


def borrow_page_checks(ctx: ProjectContext, borrow_no: int) -> dict[str, PageCheck]:
    """The page checks of a borrow batch's volumes, by archive code (the return list)."""
    with ctx.transaction() as session:
        volumes = list(session.scalars(
            select(Volume).join(BorrowRegisterEntry, BorrowRegisterEntry.volume_id == Volume.id)
            .join(BorrowBatch, BorrowBatch.id == BorrowRegisterEntry.borrow_batch_id)
            .where(BorrowBatch.project_id == ctx.project_id, BorrowBatch.no == borrow_no)))
        return {c.archive_code: c for c in page_checks(session, volumes).values()}


def current_agreement(session: Session, project_id: int) -> BindingAgreement | None:
    return session.scalar(select(BindingAgreement).where(
        BindingAgreement.project_id == project_id).order_by(BindingAgreement.id.desc()).limit(1))


def rebind_problems(session: Session, project_id: int, volumes: Sequence[Volume]) -> None:
    """The engine's rebind guard: agreement, trial first, no open defect, no missing page,
    every volume on the borrow register."""
    row = current_agreement(session, project_id)
    if row is None:
        raise StateError("rebind.no_agreement")
    if row.trial_approved_at is None:
        outside = [v.archive_code for v in volumes if v.id not in set(row.trial_volume_ids)]
        if outside:
            trial = session.scalars(select(Volume.archive_code).where(
                Volume.id.in_(list(row.trial_volume_ids))).order_by(Volume.archive_code))
            raise StateError("rebind.trial_first", count=len(outside), trial=join(list(trial)),
                             details=outside[:20])
    problems: list[tuple[str, str]] = []  # (as the command line says it, as the web form)
    for defect in ws.blocking_defects(session, [v.id for v in volumes]):
        code = next(v.archive_code for v in volumes if v.id == defect.volume_id)
        line = t("rebind.open_defect", code=code, defect=t(f"defect.{defect.code}"),
                 page=defect.page_no or "-")
        problems.append((line, line))
    ids = [v.id for v in volumes]
    # pages ingested (a volume signed through 扫描 without its work has none) against the
    # pages the sorter numbered, and the pages counted against the register (the client's
    # list), unless the binder recorded why it is rebound so (accept_missing)
    for check in page_checks(session, volumes).values():
        if check.reason:
            continue
        if check.short:
            params = {"code": check.archive_code, "numbered": check.numbered,
                      "scanned": check.scanned}
            problems.append((t("rebind.missing_page", **params),
                             t("rebind.missing_page_web", **params)))
        elif check.register_differs:
            problems.append((t("rebind.register_differs", code=check.archive_code,
                               words=check.words()),
                             t("rebind.register_differs_web", code=check.archive_code,
                               words=check.words())))
    registered = set(session.scalars(select(BorrowRegisterEntry.volume_id).where(
        BorrowRegisterEntry.volume_id.in_(ids))))
    for v in volumes:
        if v.id not in registered:
            line = t("rebind.not_in_register", code=v.archive_code)
            problems.append((line, line))
    if problems:
        raise RebindRefused("rebind.refused", count=len(problems),
                            details=[cli for cli, _web in problems],
                            web_details=[web for _cli, web in problems])


class RebindRefused(StateError):
    """The rebind guard's refusal; ``web_details``: its lines as the web form says them (the
    reason field named, not the command-line option)."""

    def __init__(self, key: str, /, *, details: Sequence[str] = (),
                 web_details: Sequence[str] = (), **params: object) -> None:
        super().__init__(key, details=details, **params)
        web = list(web_details)  # cut as the details are, with the same line saying how many
        self.web_details = (web if len(web) <= len(self.details)
                            else [*web[:len(self.details) - 1], self.details[-1]])


def _agreement_info(session: Session, row: BindingAgreement) -> AgreementInfo:
    codes = list(session.scalars(select(Volume.archive_code).where(
        Volume.id.in_(row.trial_volume_ids)).order_by(Volume.id)))
    reason = ""
    for data in session.scalars(select(StageEvent.data).where(
            StageEvent.project_id == row.project_id,
            StageEvent.kind == wf.EVENT_BINDING_AGREED).order_by(StageEvent.id.desc())):
        if (data or {}).get("agreement_id") == row.id:
            reason = str(data.get("replace_reason") or "")
            break
    return AgreementInfo(row.id, row.method, row.alignment, row.punch_allowed, row.agreed_by,
                         row.agreed_at, codes, row.trial_approved_by or "",
                         row.trial_approved_at, row.remarks, version=_version(session, row),
                         replace_reason=reason)
