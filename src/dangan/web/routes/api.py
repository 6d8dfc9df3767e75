"""JSON API ``/api/v1``: my tasks, progress, claim / hand back / sign off.

Authenticated by a per-account token (``Authorization: Bearer …``, made on the 用户与岗位
page) or by the browser session (then with the ``X-CSRF-Token`` header). Errors are the
``DanganError`` JSON body with its HTTP status.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from dangan.services import engine
from dangan.services.progress import batch_progress, overdue, stage_progress
from dangan.web.deps import Ctx, CurrentAccount, act, refuse_repeated_signoff, require_stage_role
from dangan.web.tasks import my_tasks

router = APIRouter(tags=["dangan"])


class ActionIn(BaseModel):
    remarks: str = Field("", max_length=2000)


class HandBackIn(ActionIn):
    # the reason to hand back leaving the holder's recorded, unsigned work (refused without)
    leave_work: str = Field("", max_length=2000)


class SignIn(ActionIn):
    # the recorded reason to sign 扫描 / 上传 without ingested pages / delivery files
    without_work: str = Field("", max_length=2000)
    # the stage the caller means to sign (the batch's current one when empty): a call sent
    # again once the first went through is then answered 409 workflow.already_signed
    stage: str = Field("", max_length=40)
    # the signer redid the work another worker recorded and left unsigned on the volumes
    redone: bool = False


@router.get("/me")
def me(account: CurrentAccount) -> dict[str, Any]:
    return {"name": account.name, "login": account.login, "roles": sorted(account.roles),
            "admin": account.is_admin}


@router.get("/tasks")
def tasks(ctx: Ctx, account: CurrentAccount) -> dict[str, object]:
    return my_tasks(ctx, account).to_dict()


@router.get("/progress")
def progress(ctx: Ctx, account: CurrentAccount) -> dict[str, object]:
    return {"stages": [p.to_dict() for p in stage_progress(ctx)],
            "batches": [{"stage": s, "status": st, "count": n} for s, st, n in batch_progress(ctx)],
            "overdue": [o.to_dict() for o in overdue(ctx)]}


@router.post("/batches/{code}/claim")
async def claim(request: Request, ctx: Ctx, account: CurrentAccount, code: str,
                body: ActionIn | None = None) -> dict[str, object]:
    await require_stage_role(request, account, code)
    remarks = body.remarks if body else ""
    result = await act(request, account,
                       lambda actor: engine.claim(ctx, actor, code, remarks=remarks))
    return result.to_dict()


@router.post("/batches/{code}/hand-back")
async def hand_back(request: Request, ctx: Ctx, account: CurrentAccount, code: str,
                    body: HandBackIn | None = None) -> dict[str, object]:
    await require_stage_role(request, account, code)
    remarks = body.remarks if body else ""
    leave_work = body.leave_work if body else ""
    await act(request, account, lambda actor: engine.hand_back(ctx, actor, code, remarks=remarks,
                                                                leave_work=leave_work))
    return {"batch": code, "handed_back": True}


@router.post("/batches/{code}/sign")
async def sign(request: Request, ctx: Ctx, account: CurrentAccount, code: str,
               body: SignIn | None = None) -> dict[str, object]:
    """Sign the batch's stage (``stage``, else its current one). A call sent again once the
    first went through (a retry after a lost answer) is answered 409
    ``workflow.already_signed`` — who signed which stage and when — before the role check
    of the stage the batch has moved on to (usually another role's)."""
    stage = body.stage.strip() if body else ""
    await refuse_repeated_signoff(request, account, code, stage)
    await require_stage_role(request, account, code)
    remarks = body.remarks if body else ""
    waiver = body.without_work if body else ""
    redone = body.redone if body else False
    result = await act(request, account,
                       lambda actor: engine.sign(ctx, actor, code, stage or None,
                                                 remarks=remarks, waive_reason=waiver,
                                                 redone=redone))
    return result.to_dict()
