"""案卷: search by archive code or title; the full history of one volume."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from dangan.i18n import catalogue, t
from dangan.services.history import HistoryLine, volume_history
from dangan.web.deps import Ctx, CurrentAccount
from dangan.web.queries import search_volumes
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/volumes")
def volumes_page(request: Request, ctx: Ctx, account: CurrentAccount, q: str = "") -> Response:
    rows, total = search_volumes(ctx, q[:200])
    return render(request, "volumes.html", q=q, rows=rows, total=total)


@router.get("/volumes/{code:path}")  # an archive code may hold any character
def volume_page(request: Request, ctx: Ctx, account: CurrentAccount, code: str) -> Response:
    history = volume_history(ctx, code)
    return render(request, "volume.html", code=code, history=history,
                  labels={h.id: (kind_label(h), _label("history.scope", h.scope))
                          for h in history})


def _label(prefix: str, value: str) -> str:
    key = f"{prefix}.{value}"
    return t(key) if key in catalogue() else value


def kind_label(line: HistoryLine) -> str:
    """The event's kind in words, as ``dangan history`` prints it (a correction names the
    event it corrects)."""
    kind = _label("workflow.event", line.what or line.kind)
    return f"{kind} → #{line.corrects_id}" if line.corrects_id else kind
