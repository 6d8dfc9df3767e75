"""案卷: search by archive code or title; the full history of one volume, and its defects —
which the project manager may withdraw (撤销) when one was recorded in error."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select
from starlette.responses import Response

from dangan.db.models import Defect, Volume
from dangan.domain import workflow as wf
from dangan.i18n import catalogue, t
from dangan.services import workflow_state as ws
from dangan.services.defects import WITHDRAWABLE, waive_defect
from dangan.services.history import HistoryLine, volume_history
from dangan.services.project import ProjectContext
from dangan.services.retouch import defect_words
from dangan.services.rework import defect_text
from dangan.web import security as sec
from dangan.web.client_view import company_side, history_for_client
from dangan.web.deps import Ctx, CurrentAccount, act, require_role
from dangan.web.queries import search_volumes
from dangan.web.routes.auth import back_with_flash
from dangan.web.routes.qc_desk import defect_label
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
ManagerAccount = Annotated[sec.Account, Depends(require_role(wf.PROJECT_MANAGER))]


@router.get("/volumes")
def volumes_page(request: Request, ctx: Ctx, account: CurrentAccount, q: str = "") -> Response:
    rows, total = search_volumes(ctx, q[:200])
    return render(request, "volumes.html", q=q, rows=rows, total=total)


@router.get("/volumes/{code:path}")  # an archive code may hold any character
def volume_page(request: Request, ctx: Ctx, account: CurrentAccount, code: str) -> Response:
    workers = company_side(account)
    history = volume_history(ctx, code)
    if not workers:  # the client's archive room: their events and the stages' progress
        history = history_for_client(history)
    return render(request, "volume.html", code=code, history=history, client_view=not workers,
                  labels={h.id: (kind_label(h), _label("history.scope", h.scope))
                          for h in history},
                  defects=volume_defects(ctx, code, workers=workers),
                  show_responsible=workers,
                  may_waive=wf.PROJECT_MANAGER in account.roles)


@router.post("/defects/{defect_id}/waive")
async def defect_waive(request: Request, ctx: Ctx, account: ManagerAccount, defect_id: int,
                       reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """撤销: the project manager withdraws a defect recorded in error, with the reason — the
    service ``waive_defect``, as ``dangan qc waive`` (409 ``qc.waive_not_open`` for one no
    longer open, 422 ``qc.waive_needs_reason`` without a reason)."""
    done = await act(request, account, lambda actor: waive_defect(ctx, actor, defect_id, reason))
    return back_with_flash(f"/volumes/{quote(done.archive_code, safe='')}",
                           t("volume_defects.waived", id=done.id, defect=defect_label(done.code),
                             reworks="、".join(f"#{i}" for i in done.reworks) or "-"))


def volume_defects(ctx: ProjectContext, code: str, *, workers: bool = True
                   ) -> list[dict[str, Any]]:
    """Every defect of the volume, oldest first, in words; whether it may still be withdrawn;
    who withdrew it, when and why. ``workers``: with the worker responsible (the company's
    side only: ``company_side``)."""
    with ctx.transaction() as session:
        volume_id = session.scalar(select(Volume.id).where(
            Volume.project_id == ctx.project_id, Volume.archive_code == code))
        if volume_id is None:
            return []
        out = []
        for d in session.scalars(select(Defect).where(Defect.volume_id == volume_id)
                                 .order_by(Defect.id)):
            withdrawn = (d.data or {}).get("withdrawn")
            out.append({
                "id": d.id, "page": d.page_no, "label": defect_label(d.code),
                "stage": d.stage or "", "severity": d.severity,
                "responsible": "" if d.cause == "original" or not workers
                else ws.worker_name(session, d.responsible_id),
                "status": _label("qc.defect_status", d.status), "message": _defect_words(d),
                "withdrawn": t("volume_defects.withdrawn", by=withdrawn.get("by", ""),
                               at=str(withdrawn.get("at", ""))[:16].replace("T", " "),
                               reason=withdrawn.get("reason", ""))
                if isinstance(withdrawn, dict) else "",
                "waivable": d.status in WITHDRAWABLE and d.cause != "original"})
        return out


def _defect_words(defect: Defect) -> str:
    """A defect's text for the page: a retouch finding in words from its code and recorded
    measurement (not the measurement's raw code), any other as ``defect_text`` says it."""
    detail = (defect.data or {}).get("detail")
    if defect.source == "retouch" and isinstance(detail, str):
        return defect_words(defect.code, detail)
    return defect_text(defect)


def _label(prefix: str, value: str) -> str:
    key = f"{prefix}.{value}"
    return t(key) if key in catalogue() else value


def kind_label(line: HistoryLine) -> str:
    """The event's kind in words, as ``dangan history`` prints it (a correction names the
    event it corrects)."""
    kind = _label("workflow.event", line.what or line.kind)
    return f"{kind} → #{line.corrects_id}" if line.corrects_id else kind
