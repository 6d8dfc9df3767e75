"""我的任务: the batches waiting for my roles and the ones I hold; the scanner field."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from dangan.web.deps import Ctx, CurrentAccount
from dangan.web.tasks import code_from_scan, my_tasks
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/tasks")
def tasks_page(request: Request, ctx: Ctx, account: CurrentAccount) -> Response:
    return render(request, "tasks.html", tasks=my_tasks(ctx, account))


@router.get("/scan")
def scan(code: str, account: CurrentAccount) -> Response:
    """A USB scanner types the card's code and Enter into the focused field: open the batch."""
    return RedirectResponse(f"/batches/{quote(code_from_scan(code), safe='')}", status_code=303)
