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
from dangan.services.project import ProjectContext
from dangan.services.signed_sheets import SHEETS_NOT_REBUILT
from dangan.web import security as sec
from dangan.web.deps import Ctx, CurrentAccount, act, refuse_repeated_signoff, require_stage_role
from dangan.web.errors import said_on_the_web, wants_json
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


REPEATED = "workflow.already_signed"


@router.post("/tasks/sign")
async def sign_selected(request: Request, ctx: Ctx, account: CurrentAccount,
                        codes: Annotated[list[str] | None, Form()] = None,
                        remarks: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Bulk sign-off of held batches, one engine call (one transaction) per batch; a batch the
    engine or the role check refuses is reported (and recorded) and the others go on. Each
    row sends the stage it showed (``stage:<code>``), so a form sent again once the first
    went through (a double click, a retry, a second tab) is told as already signed — by
    whom, when — before the role check of the stage the batch has moved on to.

    When nothing was signed the refusal is the answer, with its status: the page again with
    the message (JSON: the error), 409 ``workflow.already_signed`` when every batch had
    been signed already, else the first other refusal's (403 for a role the account lacks),
    every batch's line in its details."""
    form = await request.form()
    signed: list[str] = []
    refused: list[tuple[str, DanganError]] = []
    notices: list[str] = []  # signed, its tracking sheets not rebuilt

    def signer(code: str, stage: str) -> Callable[[Actor], engine.SignoffResult]:
        return lambda actor: engine.sign(ctx, actor, code, stage or None, remarks=remarks)

    for code in dict.fromkeys(codes or []):
        stage = str(form.get(f"stage:{code}") or "").strip()[:40]
        try:
            await refuse_repeated_signoff(request, account, code, stage)
            await require_stage_role(request, account, code)
            await act(request, account, signer(code, stage))
            signed.append(code)
        except DanganError as exc:
            if exc.key == SHEETS_NOT_REBUILT:
                signed.append(code)
                notices.append(exc.message)
            else:
                refused.append((code, said_on_the_web(exc)))
    if refused and not signed:
        return _refused(request, ctx, account, refused)
    parts = [t("web.tasks.bulk_signed", count=len(signed), codes="、".join(signed))] \
        if signed else []
    repeated = [exc.message for _code, exc in refused if exc.key == REPEATED]
    others = [f"{code}（{exc.message}）" for code, exc in refused if exc.key != REPEATED]
    parts += notices + repeated
    if others:
        parts.append(t("web.tasks.bulk_unsigned", lines="；".join(others)))
    response = RedirectResponse("/tasks", status_code=303)
    set_flash(response, " ".join(parts) or t("web.tasks.none_selected"))
    return response


def _refused(request: Request, ctx: ProjectContext, account: sec.Account,
             refused: list[tuple[str, DanganError]]) -> Response:
    """Nothing signed: the first refusal other than "already signed" (else the first one),
    with every batch's reason as its details when there were several."""
    first = next((exc for _code, exc in refused if exc.key != REPEATED), refused[0][1])
    if len(refused) > 1:
        first = type(first)(first.key, details=[
            exc.message if exc.key == REPEATED else f"{code}（{exc.message}）"
            for code, exc in refused], **first.params)
    if wants_json(request):
        raise first
    return render(request, "tasks.html", status_code=first.http_status,
                  error=said_on_the_web(first),
                  tasks=my_tasks(ctx, account), defect_label=defect_label)


@router.get("/scan")
def scan(ctx: Ctx, code: str, account: CurrentAccount) -> Response:
    """A USB scanner types the card's code (or a volume's archive code) and Enter into the
    focused field: open the batch."""
    return RedirectResponse(scan_target(ctx, code_from_scan(code)), status_code=303)
