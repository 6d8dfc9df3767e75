"""进度: volumes and pages per stage, work batches per stage and status, overdue borrowing."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from dangan.services.progress import batch_progress, overdue, stage_progress
from dangan.services.volumes import page_differences
from dangan.web.deps import Ctx, CurrentAccount
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/progress")
def progress_page(request: Request, ctx: Ctx, account: CurrentAccount) -> Response:
    """With the scanned volumes whose pages differ from the register, as ``dangan status``
    says them (the project manager settles them with the client before the return)."""
    return render(request, "progress.html", stages=stage_progress(ctx),
                  batches=batch_progress(ctx), overdue=overdue(ctx),
                  page_differs=page_differences(ctx))
