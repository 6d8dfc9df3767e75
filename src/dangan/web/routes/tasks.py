"""我的任务: the batches waiting for my roles, the ones I hold, my reworks (返工, each with
the marked page and box); the scanner field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from dangan.errors import DanganError
from dangan.i18n import t
from dangan.services import engine
from dangan.services.engine import Actor
from dangan.web.deps import Ctx, CurrentAccount, act, require_stage_role
from dangan.web.queries import scan_target
from dangan.web.routes.auth import set_flash
from dangan.web.routes.qc_desk import defect_label
from dangan.web.tasks import code_from_scan, my_tasks
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/tasks")
def tasks_page(request: Request, ctx: Ctx, account: CurrentAccount) -> Response:
    return render(request, "tasks.html", tasks=my_tasks(ctx, account),
                  defect_label=defect_label)


@router.post("/tasks/sign")
async def sign_selected(request: Request, ctx: Ctx, account: CurrentAccount,
                        codes: Annotated[list[str] | None, Form()] = None,
                        remarks: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Bulk sign-off of held batches, one engine call (one transaction) per batch; a batch the
    engine or the role check refuses is reported (and recorded) and the others go on."""
    signed: list[str] = []
    refused: list[str] = []
    def signer(code: str) -> Callable[[Actor], engine.SignoffResult]:
        return lambda actor: engine.sign(ctx, actor, code, remarks=remarks)

    for code in dict.fromkeys(codes or []):
        try:
            await require_stage_role(request, account, code)
            await act(request, account, signer(code))
            signed.append(code)
        except DanganError as exc:
            refused.append(f"{code}（{exc.message}）")
    parts = [t("web.tasks.bulk_signed", count=len(signed), codes="、".join(signed))] \
        if signed else []
    if refused:
        parts.append(t("web.tasks.bulk_unsigned", lines="；".join(refused)))
    response = RedirectResponse("/tasks", status_code=303)
    set_flash(response, " ".join(parts) or t("web.tasks.none_selected"))
    return response


@router.get("/scan")
def scan(ctx: Ctx, code: str, account: CurrentAccount) -> Response:
    """A USB scanner types the card's code (or a volume's archive code) and Enter into the
    focused field: open the batch."""
    return RedirectResponse(scan_target(ctx, code_from_scan(code)), status_code=303)
