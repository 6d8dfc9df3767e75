"""小批次: the work batch page, its downloads, and claim / hand back / sign off.

Every action goes through the workflow engine with the signed-in account's worker as the
actor; no form field names a person. The stage's roles are checked first (403, recorded),
then the engine checks claim, stage and guards as for every other edge.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from dangan.errors import DanganError, InputError, NotFoundError
from dangan.i18n import join, t
from dangan.services import engine, signoff
from dangan.services.batches import work_batch_info
from dangan.services.left_work import LEFT_WORK, LEFT_WORK_REASON
from dangan.services.project import ProjectContext
from dangan.services.signed_sheets import SHEETS_NOT_REBUILT
from dangan.services.workflow_state import graph_for
from dangan.web import security as sec
from dangan.web.client_view import batch_for_client, company_side
from dangan.web.deps import Ctx, CurrentAccount, act, require_stage_role, retried_signoff_page
from dangan.web.errors import said_on_the_web, wants_json
from dangan.web.queries import batch_volumes, batch_with_volumes, sign_choices
from dangan.web.routes.auth import set_flash
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
# a sign-off refused for want of work done on a form of its own: the refusal links there
REMEDIES = {"sort.record_missing": ("/records/sort/{code}", "records.sort.open")}
Remarks = Annotated[str, Form(max_length=2000)]
ArchiveCodes = Annotated[list[str], Form(max_length=200)]


def _back(request: Request, code: str) -> str:
    return "/tasks" if request.headers.get("referer", "").endswith("/tasks") \
        else f"/batches/{quote(code, safe='')}"


def _done(request: Request, code: str, message: str) -> Response:
    response = RedirectResponse(_back(request, code), status_code=303)
    set_flash(response, message)
    return response


@router.get("/batches/{code}")
def batch_page(request: Request, ctx: Ctx, account: CurrentAccount, code: str) -> Response:
    return _page(request, ctx, account, code)


def _page(request: Request, ctx: ProjectContext, account: sec.Account, code: str,
          error: DanganError | None = None, **extra: Any) -> Response:
    """The batch page; with ``error``, a refused action shown on it, with its status."""
    from dangan.services.volumes import page_differences

    info, volumes = batch_with_volumes(ctx, code)
    client_view = not company_side(account)
    if client_view:  # the client's archive room: no worker's name or remark
        info = batch_for_client(info)
    may_work = bool(account.roles & _stage_roles(info.stage))
    choices = (sign_choices(ctx, code, account.worker_id)
               if may_work and info.holder == account.name else [])
    return render(request, "batch.html", status_code=error.http_status if error else 200,
                  error=said_on_the_web(error) if error else None, batch=info,
                  volumes=volumes, page_differs=page_differences(ctx, info.id),
                  may_work=may_work, sign_choices=choices, client_view=client_view, **{"ticked": None, **extra})


def _stage_roles(stage: str) -> frozenset[str]:
    from dangan.domain import workflow as wf

    return wf.STAGE_ALLOWED_ROLES.get(stage, frozenset())


@router.post("/batches/{code}/claim")
async def claim(request: Request, ctx: Ctx, account: CurrentAccount, code: str,
                remarks: Remarks = "") -> Response:
    await require_stage_role(request, account, code)
    result = await act(request, account,
                       lambda actor: engine.claim(ctx, actor, code, remarks=remarks))
    return _done(request, code, t("web.tasks.claimed", code=result.batch,
                                  stage=t(f"stage.{result.stage}")))


@router.post("/batches/{code}/hand-back")
async def hand_back(request: Request, ctx: Ctx, account: CurrentAccount, code: str,
                    remarks: Remarks = "", leave_work: Remarks = "") -> Response:
    """Hand the batch back; ``leave_work``: the reason to leave the holder's unsigned work
    (refused without one, naming the volumes to sign first)."""
    await require_stage_role(request, account, code)
    left = await act(request, account, lambda actor: engine.hand_back(
        ctx, actor, code, remarks=remarks, leave_work=leave_work))
    if not left:
        return _done(request, code, t("web.tasks.handed_back", code=code))
    volumes = left[LEFT_WORK]
    return _done(request, code, t("web.tasks.handed_back_left_work", code=code,
                                  count=len(volumes), volumes=join(volumes),
                                  reason=left[LEFT_WORK_REASON]))


@router.post("/batches/{code}/sign")
async def sign(request: Request, ctx: Ctx, account: CurrentAccount, code: str,
               remarks: Remarks = "", without_work: Remarks = "",
               stage: Remarks = "", redone: Annotated[bool, Form()] = False,
               volume: ArchiveCodes | None = None,
               volumes_listed: Annotated[bool, Form()] = False) -> Response:
    """Sign the batch's stage; ``without_work`` is the recorded reason for signing 扫描 or 上传
    for volumes lacking their pages or delivery files (refused otherwise). ``stage``: the
    stage the page showed (its form sends it), so a form sent again once the first went
    through is told apart: that stage was already signed, by whom and when. ``redone``:
    the signer redid the work another worker left unsigned on the volumes. ``volume``: the
    volumes ticked on the batch page's form (``volumes_listed``: the form offered them), as
    ``dangan signoff --volume``: a worker signs the volumes whose work is theirs; every
    volume at the stage ticked (or a form without the list) signs the whole batch."""
    # before the role check: the batch moved on, the next stage may be another role's
    if again := await retried_signoff_page(
            request, account, code, stage, lambda exc: _page(request, ctx, account, code, exc)):
        return again
    await require_stage_role(request, account, code)
    try:
        codes = _ticked(ctx, account, code, volume or [], volumes_listed)
        result = await act(request, account, lambda actor: signoff.sign_off(
            ctx, actor, code, stage.strip() or None, remarks=remarks, archive_codes=codes,
            without_work=without_work, redone=redone))
    except DanganError as exc:
        if exc.key == SHEETS_NOT_REBUILT and not wants_json(request):
            return _done(request, code, exc.message)  # signed: the batch page, with the notice
        if wants_json(request):
            raise
        # the batch page again: the refusal (the way to the form that does the missing
        # work, when there is one), the remarks typed kept
        remedy = REMEDIES.get(exc.key)
        links = ({"remedy_url": remedy[0].format(code=quote(code, safe="")),
                  "remedy_label": t(remedy[1])} if remedy else {})
        return _page(request, ctx, account, code, exc, typed_remarks=remarks,
                     ticked=set(volume or []) if volumes_listed else None, **links)
    return _done(request, code, t("web.tasks.signed", code=result.batch,
                                  stage=t(f"stage.{result.stage}"), volumes=result.volumes))


def _ticked(ctx: ProjectContext, account: sec.Account, code: str, ticked: list[str],
            listed: bool) -> list[str]:
    """The archive codes to sign: none (the whole batch) for a form without the list or with
    every volume at the stage ticked; a list with none ticked is refused."""
    codes = list(dict.fromkeys(c.strip() for c in ticked if c.strip()))
    if not listed:
        return []
    if not codes:
        raise InputError("web.batch.no_volume_ticked", code=code)
    offered = {c.archive_code for c in sign_choices(ctx, code, account.worker_id)}
    return [] if set(codes) == offered else codes


def card_pdf(ctx: ProjectContext, code: str) -> bytes:
    from dangan.export.responsibility_card import write_responsibility_card

    info = work_batch_info(ctx, code)
    with tempfile.TemporaryDirectory(prefix="dangan-card-") as tmp:
        path = write_responsibility_card(info, list(graph_for(ctx.config).work_stages),
                                         Path(tmp) / "card.pdf", ctx.config.project.name)
        return path.read_bytes()


def sheets_zip(ctx: ProjectContext, code: str) -> bytes:
    from dangan.export.tracking_sheet import sheet_rel

    buf = io.BytesIO()
    found = 0
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for volume in batch_volumes(ctx, code):
            if not volume.folder_name:
                continue
            rel = sheet_rel(volume.folder_name, volume.archive_code)
            if ctx.storage.exists(rel):
                archive.writestr(rel.rsplit("/", 1)[-1], ctx.storage.read_bytes(rel))
                found += 1
    if not found:
        raise NotFoundError("web.batch.no_sheets", code=code)
    return buf.getvalue()


def _download(data: bytes, media: str, filename: str) -> Response:
    return Response(data, media_type=media, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


@router.get("/batches/{code}/card.pdf")
def card(ctx: Ctx, account: CurrentAccount, code: str) -> Response:
    return _download(card_pdf(ctx, code), "application/pdf", f"{code}-责任跟踪卡.pdf")


@router.get("/batches/{code}/sheets.zip")
def sheets(ctx: Ctx, account: CurrentAccount, code: str) -> Response:
    return _download(sheets_zip(ctx, code), "application/zip", f"{code}-跟踪表.zip")
