"""借还卷: the borrow and return desk.

The borrow clerk (or the project manager) picks volumes from the client's list (search or
the next N), lists them on a borrow batch, and both sides confirm: the archive-room person
signs in a second time on the same screen (their password checked, throttled and audited
like a login; the confirmation is recorded under their name). Problems with the paper are
noted on the spot; the return is checked in borrow order and by count against the register.
A volume back in the archive room whose rework needs the paper is offered apart on the same
form (再借), listed by the same service call.
Every change is a call of the borrow / returns / batches services as the signed-in worker.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import or_, select
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from dangan.db.models import StageEvent, Volume, Worker, WorkerRole
from dangan.domain import workflow as wf
from dangan.domain.borrow_notes import later_notes
from dangan.errors import DanganError, StateError
from dangan.export.borrow_register import fmt_time
from dangan.i18n import t
from dangan.services import batches, borrow, reborrow, returns
from dangan.services import workflow_state as ws
from dangan.services.project import ProjectContext
from dangan.web import security as sec
from dangan.web.deps import Ctx, act, now, require_role
from dangan.web.errors import wants_json
from dangan.web.routes.auth import set_flash
from dangan.web.templating import render

router = APIRouter(include_in_schema=False, prefix="/borrow")
DESK_ROLES = (wf.BORROW_CLERK, wf.PROJECT_MANAGER, wf.ARCHIVE_STAFF)
Viewer = Annotated[sec.Account, Depends(require_role(*DESK_ROLES))]
Planner = Annotated[sec.Account, Depends(require_role(wf.BORROW_CLERK, wf.PROJECT_MANAGER))]
Clerk = Annotated[sec.Account, Depends(require_role(wf.BORROW_CLERK))]
Archive = Annotated[sec.Account, Depends(require_role(wf.ARCHIVE_STAFF))]
OWN_ACCOUNT_MINUTES = 30
Text = Annotated[str, Form(max_length=2000)]
PICK_LIMIT = 200
EVENT_COSIGN = "web_cosign"


def _to(path: str, message: str) -> Response:
    response = RedirectResponse(path, status_code=303)
    set_flash(response, message)
    return response


def available_volumes(ctx: ProjectContext, q: str, limit: int = PICK_LIMIT) -> list[Volume]:
    """Volumes of the client's list not yet borrowed, in list order, matching ``q``."""
    with ctx.transaction() as session:
        stmt = select(Volume).where(Volume.project_id == ctx.project_id,
                                    Volume.stage == wf.REGISTERED,
                                    Volume.borrow_batch_id.is_(None))
        if q.strip():
            like = f"%{q.strip()}%"
            stmt = stmt.where(or_(Volume.archive_code.like(like), Volume.title.like(like)))
        rows = list(session.scalars(stmt.order_by(Volume.list_row, Volume.id).limit(limit)))
        session.expunge_all()
        return rows


def reborrow_volumes(ctx: ProjectContext, limit: int = PICK_LIMIT) -> list[reborrow.Candidate]:
    """Volumes back in the archive room whose open rework needs the paper (再借): picked on
    the same form, listed by the same service call, on a borrow batch of their own."""
    with ctx.transaction() as session:
        return reborrow.candidates(session, ctx.project_id, limit)


@router.get("")
def desk(request: Request, ctx: Ctx, account: Viewer, q: str = "",
         overdue: bool = False) -> Response:
    return render(request, "borrow/desk.html", q=q, overdue=overdue,
                  batches=borrow.list_borrow_batches(ctx, overdue_only=overdue),
                  volumes=available_volumes(ctx, q), again=reborrow_volumes(ctx),
                  may_plan=account.has(wf.BORROW_CLERK) or account.has(wf.PROJECT_MANAGER))


@router.post("")
async def create(request: Request, ctx: Ctx, account: Planner,
                 codes: Annotated[list[str] | None, Form()] = None,
                 next_count: Annotated[int | None, Form(ge=1, le=10_000)] = None,
                 remarks: Text = "") -> Response:
    picked = list(dict.fromkeys(c.strip() for c in codes or [] if c.strip()))
    try:
        info = await act(request, account, lambda actor: borrow.create_borrow_batch(
            ctx, actor, picked, next_count=None if picked else (next_count or None),
            remarks=remarks))
    except DanganError as exc:
        if wants_json(request):
            raise
        # the desk again with the volumes ticked, the count and remarks typed, and why
        typed = {"codes": picked, "next_count": next_count or "", "remarks": remarks}
        return render(request, "borrow/desk.html", status_code=exc.http_status, q="",
                      overdue=False, batches=borrow.list_borrow_batches(ctx),
                      volumes=available_volumes(ctx, ""), again=reborrow_volumes(ctx),
                      may_plan=True, typed=typed, error=exc)
    return _to(f"/borrow/{info.no}", t("desk.borrow.created", no=info.no,
                                       count=info.volume_count))


@router.get("/{no}")
def batch_page(request: Request, ctx: Ctx, account: Viewer, no: int) -> Response:
    return _batch_page(request, ctx, account, no)


# the forms the batch page shows in each status (a refusal is shown beside its form)
FORMS_SHOWN = {wf.BORROW_PLANNED: {"problem", "confirm", "remove", "cancel"},
               wf.BORROW_OUT: {"problem", "return"}}


def _batch_page(request: Request, ctx: ProjectContext, account: sec.Account, no: int,
                refused: DanganError | None = None, form: str = "",
                typed: dict[str, object] | None = None) -> Response:
    """The batch page; after a refusal, with the refusal beside the form ``form`` and what
    the user typed in it (``typed``, never a password), answered with the refusal's status."""
    info = borrow.borrow_batch_info(ctx, no)
    if refused is not None and form not in FORMS_SHOWN.get(info.status, set()):
        form = "signed"  # the form is not on the page (the batch moved on): above all
    problems = returns.check_return(ctx, no) if info.status == wf.BORROW_OUT else []
    pending = None  # the archive room's confirmation with its own account, still to be used
    action = {wf.BORROW_PLANNED: "borrow", wf.BORROW_OUT: "return"}.get(info.status)
    if action is not None:
        window = timedelta(minutes=OWN_ACCOUNT_MINUTES)
        found = own_account_confirmed(ctx, no, action, now(request) - window)
        if found is not None:
            pending = t(f"desk.cosign.confirmed_{action}", person=found[0],
                        at=fmt_time(found[1]), until=fmt_time(found[1] + window))
    return render(request, "borrow/batch.html", b=info, return_problems=problems,
                  archive_confirmed=pending, removed=[
                      t("borrow.removed_line", code=r.archive_code, title=r.title,
                        reason=r.reason, person=r.person, at=fmt_time(r.at))
                      for r in info.removed if r.archive_code],
                  cancelled=next((t("borrow.cancelled_line", reason=r.reason, person=r.person,
                                    at=fmt_time(r.at)) for r in info.removed
                                  if not r.archive_code), ""),
                  later={r.archive_code: [t("borrow.later_note", at=fmt_time(n.at),
                                            person=n.person, text=n.text)
                                          for n in later_notes(r)] for r in info.rows},
                  status_code=refused.http_status if refused else 200,
                  work_batches=batches.list_work_batches(ctx, borrow_no=no),
                  is_clerk=account.has(wf.BORROW_CLERK),
                  is_archive=account.has(wf.ARCHIVE_STAFF),
                  may_plan=account.has(wf.BORROW_CLERK) or account.has(wf.PROJECT_MANAGER),
                  refused=refused, refused_form=form, typed=typed or {})


def check_cosigner(ctx: ProjectContext, request: Request, login: str, password: str,
                   by: sec.Account, no: int | None = None, stage: str = wf.BORROW) -> str:
    """The archive-room person's second sign-in on this screen: throttled and audited like
    a login; returns their worker name. No session is opened for them. The signed-in clerk's
    own login (an account holding both roles) is refused as the borrow service refuses it:
    one person never signs both sides (``borrow.same_person_both_sides``)."""
    at = now(request)
    web = ctx.config.web
    with ctx.transaction() as session:
        failures, last = sec.recent_failures(session, ctx.project_id, login,
                                             at - timedelta(minutes=web.lock_minutes))
        wait, locked = sec.throttle_wait(failures, last, at, web.lock_after, web.lock_minutes)
        if wait:
            raise sec.LoginThrottled("web.login.locked", login=login, minutes=web.lock_minutes,
                                     count=failures) if locked \
                else sec.LoginThrottled("web.login.throttled", seconds=wait)
        worker = session.scalar(select(Worker).where(Worker.project_id == ctx.project_id,
                                                     Worker.login == login))
        ok = sec.verify_password(worker.password_hash if worker else None, password)
        if not ok or worker is None or not worker.active:
            sec.audit(session, ctx.project_id, sec.EVENT_LOGIN_FAILED, login, at=at,
                      worker_id=worker.id if worker else None,
                      data={"login": login, "cosign_for": by.name, "path": request.url.path})
            failed: str | None = "web.login.failed"
        elif not session.scalar(select(WorkerRole.id).where(
                WorkerRole.worker_id == worker.id, WorkerRole.role == wf.ARCHIVE_STAFF)):
            failed = "desk.cosign.not_archive_staff"
        elif worker.id == by.worker_id:
            raise StateError("borrow.same_person_both_sides", name=worker.name, no=no or "-",
                             stage=t(f"stage.{stage}"))
        else:
            sec.audit(session, ctx.project_id, EVENT_COSIGN, worker.name, worker_id=worker.id,
                      at=at, data={"login": login, "with": by.name, "path": request.url.path})
            return worker.name
    if failed == "web.login.failed":
        raise sec.AccessDenied("desk.cosign.failed", login=login)
    raise sec.AccessDenied("desk.cosign.not_archive_staff", login=login)


async def _cosigner(request: Request, ctx: ProjectContext, account: sec.Account, login: str,
                    password: str, no: int, stage: str) -> str:
    try:
        return await run_in_threadpool(check_cosigner, ctx, request, login.strip(), password,
                                       account, no, stage)
    except DanganError as exc:
        from dangan.web.deps import record_refusal

        await run_in_threadpool(record_refusal, ctx, account, request.url.path, exc.key,
                                now(request), exc.params)
        raise


def own_account_confirmation(ctx: ProjectContext, no: int, action: str,
                             since: datetime) -> str | None:
    """The archive-room person who confirmed this batch's borrowing / return with their own
    account (``/borrow/{no}/archive-confirm``) since ``since``, if anyone did."""
    found = own_account_confirmed(ctx, no, action, since)
    return found[0] if found else None


def own_account_confirmed(ctx: ProjectContext, no: int, action: str,
                          since: datetime) -> tuple[str, datetime] | None:
    """``own_account_confirmation``'s person, and when they confirmed. A confirmation of the
    borrowing given before a volume was taken off the batch confirmed another list: it no
    longer holds (the archive room confirms again)."""
    with ctx.transaction() as session:
        row = session.execute(select(StageEvent.id, StageEvent.person, StageEvent.worker_id,
                                     StageEvent.at).where(
            StageEvent.project_id == ctx.project_id, StageEvent.kind == EVENT_COSIGN,
            StageEvent.data["borrow_no"].as_string() == str(no),
            StageEvent.data["action"].as_string() == action, StageEvent.at >= since)
            .order_by(StageEvent.id.desc()).limit(1)).first()
        if row is None:
            return None
        batch = ws.borrow_batch_by_no(session, ctx.project_id, no)
        if session.scalar(select(StageEvent.id).where(
                StageEvent.borrow_batch_id == batch.id,
                StageEvent.kind == wf.EVENT_BORROW_REMOVE, StageEvent.id > row.id).limit(1)):
            return None
        still = session.scalar(select(WorkerRole.id).join(Worker, Worker.id == WorkerRole.worker_id)
                               .where(WorkerRole.worker_id == row.worker_id,
                                      WorkerRole.role == wf.ARCHIVE_STAFF, Worker.active))
        return (row.person, row.at) if still else None


async def _other_side(request: Request, ctx: ProjectContext, account: sec.Account, no: int,
                      action: str, login: str, password: str) -> str:
    """The archive-room side: a second sign-in typed on this screen, else a confirmation
    made with their own account within ``OWN_ACCOUNT_MINUTES``."""
    if login.strip():
        return await _cosigner(request, ctx, account, login, password, no,
                               wf.BORROW if action == "borrow" else wf.RETURN)
    since = now(request) - timedelta(minutes=OWN_ACCOUNT_MINUTES)
    staff = await run_in_threadpool(own_account_confirmation, ctx, no, action, since)
    if staff is None:
        from dangan.web.deps import record_refusal

        await run_in_threadpool(record_refusal, ctx, account, request.url.path,
                                "desk.cosign.missing", now(request), {"no": no})
        raise sec.AccessDenied("desk.cosign.missing", no=no)
    return staff


@router.post("/{no}/archive-confirm")
def archive_confirm(request: Request, ctx: Ctx, account: Archive, no: int,
                    action: Annotated[str, Form(max_length=10)] = "borrow") -> Response:
    """The archive-room person confirms with their own account (recorded in the audit trail);
    the clerk's confirmation then completes the borrowing or the return."""
    info = borrow.borrow_batch_info(ctx, no)
    wanted = wf.BORROW_PLANNED if action == "borrow" else wf.BORROW_OUT
    if action not in ("borrow", "return") or info.status != wanted:
        raise StateError("desk.cosign.wrong_state", no=no)
    with ctx.transaction() as session:
        sec.audit(session, ctx.project_id, EVENT_COSIGN, account.name,
                  worker_id=account.worker_id, at=now(request),
                  data={"borrow_no": str(no), "action": action, "own_account": True})
    return _to(f"/borrow/{no}", t("desk.cosign.own_done", no=no))


REPEATED = "desk.borrow.already_signed"


def signed_already(ctx: ProjectContext, no: int, stage: str) -> None:
    """The borrowing / return of batch ``no`` asked again once it was signed (a form sent
    twice, a browser's retry, a second tab): who signed it and when (409), before the
    archive-room side is asked for again."""
    wanted = wf.BORROW_PLANNED if stage == wf.BORROW else wf.BORROW_OUT
    with ctx.transaction() as session:
        batch = ws.borrow_batch_by_no(session, ctx.project_id, no)
        if batch.status == wanted:
            return
        last = session.execute(select(StageEvent.person, StageEvent.at).where(
            StageEvent.borrow_batch_id == batch.id, StageEvent.kind == wf.EVENT_SIGNOFF,
            StageEvent.stage == stage).order_by(StageEvent.id.desc()).limit(1)).first()
    if last is not None:  # else not signed: the service says why it cannot be
        raise StateError(REPEATED, no=no, stage=t(f"stage.{stage}"), person=last[0],
                         at=f"{last[1]:%Y-%m-%d %H:%M}")


async def _refuse_repeated(request: Request, ctx: ProjectContext, account: sec.Account,
                           no: int, stage: str) -> None:
    await act(request, account, lambda _actor: signed_already(ctx, no, stage))


def _where(exc: DanganError, form: str) -> str:
    """Which form a refusal is shown beside ("signed": above all, the form being gone)."""
    return "signed" if exc.key == REPEATED else form


@router.post("/{no}/confirm")
async def confirm(request: Request, ctx: Ctx, account: Clerk, no: int,
                  archive_login: Annotated[str, Form(max_length=100)] = "",
                  archive_password: Annotated[str, Form(max_length=1000)] = "",
                  remarks: Text = "") -> Response:
    try:
        await _refuse_repeated(request, ctx, account, no, wf.BORROW)
        staff = await _other_side(request, ctx, account, no, "borrow", archive_login,
                                  archive_password)
        await act(request, account, lambda actor: borrow.confirm_borrow(
            ctx, actor, no, staff, at=now(request), remarks=remarks))
    except DanganError as exc:  # shown beside the form, what was typed kept (no password)
        return _batch_page(request, ctx, account, no, exc, _where(exc, "confirm"), {
            "archive_login": archive_login.strip(), "remarks": remarks})
    return _to(f"/borrow/{no}", t("desk.borrow.confirmed", no=no, staff=staff))


@router.post("/{no}/problem")
async def problem(request: Request, ctx: Ctx, account: Viewer, no: int,
                  archive_code: Annotated[str, Form(max_length=200)],
                  problem: Text) -> Response:
    code = archive_code.strip()
    try:
        row = await act(request, account, lambda actor: borrow.note_problem(ctx, actor, no, code,
                                                                           problem))
    except DanganError as exc:
        return _batch_page(request, ctx, account, no, exc, "problem", {
            "archive_code": code, "problem": problem})
    notes = later_notes(row)
    if notes and notes[-1].text == problem.strip():  # both sides had signed: kept apart
        return _to(f"/borrow/{no}", t("borrow.problem_noted_later", code=code, text=notes[-1].text,
                                      at=fmt_time(notes[-1].at), person=notes[-1].person))
    return _to(f"/borrow/{no}", t("desk.borrow.problem_noted", code=code))


@router.post("/{no}/remove")
async def remove(request: Request, ctx: Ctx, account: Planner, no: int,
                 archive_code: Annotated[str, Form(max_length=200)],
                 reason: Text = "") -> Response:
    """A volume not found on the shelf taken off the batch before it is confirmed."""
    code = archive_code.strip()
    try:
        await act(request, account, lambda actor: borrow.remove_from_borrow(
            ctx, actor, no, code, reason, at=now(request)))
    except DanganError as exc:
        return _batch_page(request, ctx, account, no, exc, "remove", {
            "remove_code": code, "remove_reason": reason})
    return _to(f"/borrow/{no}", t("borrow.removed", no=no, code=code, reason=reason.strip()))


@router.post("/{no}/cancel")
async def cancel(request: Request, ctx: Ctx, account: Planner, no: int,
                 reason: Text = "") -> Response:
    """The whole batch cancelled before it is confirmed: its volumes are not borrowed."""
    try:
        count = await act(request, account, lambda actor: borrow.cancel_borrow_batch(
            ctx, actor, no, reason, at=now(request)))
    except DanganError as exc:
        return _batch_page(request, ctx, account, no, exc, "cancel", {"cancel_reason": reason})
    return _to(f"/borrow/{no}", t("borrow.cancelled", no=no, reason=reason.strip(),
                                  count=count))


@router.post("/{no}/split")
async def split(request: Request, ctx: Ctx, account: Planner, no: int,
                pages_per_batch: Annotated[int | None, Form(ge=1, le=1_000_000)] = None,
                half_day: Annotated[bool, Form()] = False) -> Response:
    made = await act(request, account, lambda actor: batches.split_borrow_batch(
        ctx, actor, no, pages_per_batch=pages_per_batch, half_day=half_day))
    return _to(f"/borrow/{no}", t("desk.borrow.split", no=no, count=len(made)))


@router.post("/{no}/return")
async def return_(request: Request, ctx: Ctx, account: Clerk, no: int,
                  counted: Annotated[int, Form(ge=0, le=1_000_000)],
                  archive_login: Annotated[str, Form(max_length=100)] = "",
                  archive_password: Annotated[str, Form(max_length=1000)] = "",
                  handed: Annotated[str, Form(max_length=200_000)] = "",
                  shelving_rule: Text = "", remarks: Text = "") -> Response:
    """The hand-over: the count, and (when scanned or typed) the codes in the order handed."""
    order = [line.strip() for line in handed.splitlines() if line.strip()] or None
    try:
        await _refuse_repeated(request, ctx, account, no, wf.RETURN)
        staff = await _other_side(request, ctx, account, no, "return", archive_login,
                                  archive_password)
        await act(request, account, lambda actor: returns.return_batch(
            ctx, actor, no, staff, handed=order, counted=counted, shelving_rule=shelving_rule,
            at=now(request), remarks=remarks))
    except DanganError as exc:  # shown beside the form, what was typed kept (no password)
        return _batch_page(request, ctx, account, no, exc, _where(exc, "return"), {
            "counted": counted, "handed": handed, "shelving_rule": shelving_rule,
            "archive_login": archive_login.strip(), "remarks": remarks})
    return _to(f"/borrow/{no}", t("desk.return.done", no=no, staff=staff))


def export_file(ctx: ProjectContext, no: int, kind: str, suffix: str) -> bytes:
    from dangan.export.borrow_register import write_borrow_register
    from dangan.export.return_list import write_return_list

    info = borrow.borrow_batch_info(ctx, no)
    with tempfile.TemporaryDirectory(prefix="dangan-desk-") as tmp:
        out, name = Path(tmp) / f"out.{suffix}", ctx.config.project.name
        if kind == "register":
            return write_borrow_register(info, out, name).read_bytes()
        from dangan.services.rebind import borrow_page_checks  # registered vs actual pages

        return write_return_list(info, out, name, borrow_page_checks(ctx, no)).read_bytes()


MEDIA = {"pdf": "application/pdf",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
NAMES = {"register": "借卷详情登记表", "return-list": "还卷清单"}


@router.get("/{no}/{kind}.{suffix}")
async def download(ctx: Ctx, account: Viewer, no: int, kind: str, suffix: str) -> Response:
    if kind not in NAMES or suffix not in MEDIA:
        from dangan.errors import NotFoundError

        raise NotFoundError("web.not_found", path=f"/borrow/{no}/{kind}.{suffix}")
    data = await run_in_threadpool(export_file, ctx, no, kind, suffix)
    filename = f"{NAMES[kind]}-{no}.{suffix}"
    return Response(data, media_type=MEDIA[suffix], headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})
