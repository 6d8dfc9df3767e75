"""修图台: per-page flags from the recorded metrics, before/after in two synchronised viewers,
accept a page or replace it with a hand-fixed file (``services.retouch.fix``), and the retouch
of a batch run in the background with its progress polled by htmx.

A run lives in a thread of the server (it goes on when the browser closes) and runs through
the project's executor; its progress and outcome are kept in the database (``web.runs``), so a
restarted server still shows it, and a run whose server stopped shows as failed, as does a
run that failed (with its message).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from sqlalchemy import select
from starlette.responses import Response

from dangan.compute.executors import Executor, PoolExecutor
from dangan.db.models import Defect, Page, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.errors import DanganError, NotFoundError
from dangan.i18n import catalogue, t
from dangan.services import engine
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext
from dangan.services.retouch import failure_error
from dangan.services.retouch import fix as retouch_fix
from dangan.services.retouch import project as retouch_project
from dangan.storage.areas import Area
from dangan.web import runs
from dangan.web import security as sec
from dangan.web.deps import Ctx, act, actor_of, claimed_or_page, require_role, retried_signoff_page
from dangan.web.queries import batch_stage, batches_at
from dangan.web.routes.auth import back_with_flash as _back
from dangan.web.routes.pages import page_rows, volume_head
from dangan.web.tasks import open_reworks
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
RetouchAccount = Annotated[sec.Account, Depends(require_role(wf.RETOUCHER))]
MAX_UPLOAD = retouch_fix.MAX_BYTES


def make_executor() -> Executor:
    """The executor of a run started from the browser (one worker process: a shared server)."""
    return PoolExecutor(1)


KIND = "retouch"


def _label(key: str, fallback: str, **params: Any) -> str:
    return t(key, **params) if key in catalogue() else fallback


def _flags(page: Page, defects: list[Defect]) -> list[str]:
    """What the desk shows for a page, in the reader's language: review reasons and the
    checks' findings."""
    m = (page.metrics or {}).get("retouch") or {}
    flags: list[str] = [_label(f"retouch.review.{r}", str(r)) for r in (m.get("review") or [])]
    if abs(float(m.get("skew_before_deg") or 0)) >= 0.3:
        flags.append(t("web_images.retouch.flag.skew", deg=f"{float(m['skew_before_deg']):.1f}"))
    if int(m.get("rotation") or 0) == 180:
        flags.append(t("retouch.defect.upside_down"))
    if m.get("holes_filled"):
        flags.append(t("web_images.retouch.flag.holes", count=m["holes_filled"]))
    if page.blank:
        flags.append(t("retouch.defect.blank_page"))
    flags.extend(_label(f"retouch.defect.{d.code}", d.code) for d in defects)
    return list(dict.fromkeys(flags))


def batch_pages(ctx: ProjectContext, code: str) -> list[dict[str, Any]]:
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, code)
        out = []
        for vol in session.scalars(select(Volume).where(Volume.work_batch_id == batch.id)
                                   .order_by(Volume.id)):
            defects = list(session.scalars(select(Defect).where(
                Defect.volume_id == vol.id, Defect.source == "retouch",
                Defect.status == "open")))
            by_page: dict[int | None, list[Defect]] = {}
            for d in defects:
                by_page.setdefault(d.page_no, []).append(d)
            pages = [{"no": p.page_no, "flags": _flags(p, by_page.get(p.page_no, [])),
                      "holes": ((p.metrics or {}).get("retouch") or {}).get("hole_boxes") or [],
                      "accepted": "accepted" in (p.metrics or {}),
                      "fixed": "hand_fixed" in (p.metrics or {})}
                     for p in session.scalars(select(Page).where(Page.volume_id == vol.id)
                                              .order_by(Page.page_no))]
            out.append({"id": vol.id, "code": vol.archive_code, "pages": pages,
                        "flagged": sum(1 for p in pages if p["flags"])})
        return out


def _url(code: str) -> str:
    return f"/retouch/{quote(code, safe='')}"


@router.get("/retouch")
def retouch_home(request: Request, ctx: Ctx, account: RetouchAccount) -> Response:
    with ctx.transaction() as session:
        reworks = [r for r in open_reworks(session, ctx.project_id, account.worker_id)
                   if r.stage == wf.RETOUCH and r.batch and r.volume_id]
    return render(request, "retouch/home.html", batches=batches_at(ctx, wf.RETOUCH),
                  reworks=reworks)


@router.post("/retouch/{code}/claim")
async def retouch_claim(request: Request, ctx: Ctx, account: RetouchAccount,
                        code: str) -> Response:
    """领取 from the desk's list; the engine checks the stage and that nobody holds it."""
    await act(request, account, lambda actor: engine.claim(ctx, actor, code))
    return _back(_url(code), t("web_images.qc.claimed", code=code))


@router.get("/retouch/runs/{run_id}")
def run_progress(request: Request, ctx: Ctx, account: RetouchAccount, run_id: str) -> Response:
    run = runs.get(ctx, run_id, KIND)
    if run is None:
        raise NotFoundError("web_images.retouch.no_run", id=run_id[:40])
    return render(request, "retouch/_run.html", run=run)


@router.get("/retouch/{code}")
def retouch_batch(request: Request, ctx: Ctx, account: RetouchAccount, code: str) -> Response:
    return _batch_page(request, ctx, code)


def _batch_page(request: Request, ctx: ProjectContext, code: str,
                error: DanganError | None = None) -> Response:
    latest = runs.recent(ctx, KIND, subject=code, limit=1)
    return render(request, "retouch/batch.html", status_code=error.http_status if error else 200,
                  error=error, code=code, stage=batch_stage(ctx, code),
                  volumes=batch_pages(ctx, code), run=latest[-1] if latest else None)


def _work(ctx: ProjectContext, actor: Actor, code: str, total: int,
          ) -> Callable[[runs.Progress], str]:
    def work(progress: runs.Progress) -> str:
        executor = make_executor()
        try:
            summary = retouch_project.run(ctx, executor, batch=code, actor=actor,
                                          progress=lambda _report: progress.step())
        finally:
            executor.close()
        progress.set_done(total)
        failed = failure_error(summary, project=True)
        if failed is not None:  # what was done is recorded and signed; the run failed
            raise failed
        done = t("web_images.retouch.run_done", pages=len(summary.pages),
                 signed=len(summary.signed))
        return f"{done} {summary.resumed()}".strip()  # a rerun says what it kept

    return work


def _pages_to_do(ctx: ProjectContext, code: str) -> int:
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, code)
        return len(session.scalars(select(StoredFile.id).join(
            Volume, Volume.id == StoredFile.volume_id).where(
            Volume.work_batch_id == batch.id, StoredFile.area == Area.SCANNED.key,
            StoredFile.kind == "page")).all())


@router.post("/retouch/{code}/run")
async def start_run(request: Request, ctx: Ctx, account: RetouchAccount, code: str,
                    stage: Annotated[str, Form(max_length=40)] = "") -> Response:
    """Start the batch's retouch run; ``stage``: the stage the page showed. The form sent
    again once the run signed 修图 and the batch moved on is told so (409
    ``workflow.already_signed``, the page shown again), and nothing is run."""
    if stage.strip() and (again := await retried_signoff_page(
            request, account, code, stage, lambda exc: _batch_page(request, ctx, code, exc))):
        return again
    if refused := await claimed_or_page(request, account, code, wf.RETOUCH,
                                        lambda exc: _batch_page(request, ctx, code, exc)):
        return refused  # nothing run: the desk's work needs the stage's claim
    actor = actor_of(ctx, account)
    total = _pages_to_do(ctx, code)
    run = runs.start(ctx, KIND, code, account.name, account.worker_id, total,
                     _work(ctx, actor, code, total), exclusive=True)
    if run is None:
        return _back(_url(code), t("web_images.retouch.already_running", code=code))
    return _back(_url(code), t("web_images.retouch.started", code=code, pages=run.total))


def _volume_in_batch(ctx: ProjectContext, code: str, volume_id: int) -> str:
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, code)
        vol = session.get(Volume, volume_id)
        if vol is None or vol.work_batch_id != batch.id:
            raise NotFoundError("web_images.no_volume", volume=volume_id)
        return vol.archive_code


@router.get("/retouch/{code}/volume/{volume_id}")
def compare(request: Request, ctx: Ctx, account: RetouchAccount, code: str, volume_id: int,
            page: int = 1) -> Response:
    _volume_in_batch(ctx, code, volume_id)
    with ctx.transaction() as session:
        head = volume_head(session, ctx.project_id, volume_id)
        rows = page_rows(session, volume_id)
    flags = {p["no"]: p for v in batch_pages(ctx, code) if v["id"] == volume_id
             for p in v["pages"]}
    return render(request, "retouch/compare.html", code=code, volume=head, pages=rows,
                  start=page, flags=flags)


@router.post("/retouch/{code}/volume/{volume_id}/accept")
async def accept(request: Request, ctx: Ctx, account: RetouchAccount, code: str,
                 volume_id: int, page_no: Annotated[int, Form()]) -> Response:
    archive_code = _volume_in_batch(ctx, code, volume_id)
    waived = await act(request, account, lambda actor: retouch_fix.accept_page(
        ctx, actor, archive_code, page_no))
    return _back(f"{_url(code)}/volume/{volume_id}?page={page_no}",
                 t("web_images.retouch.accepted", page=page_no, waived=waived))


@router.post("/retouch/{code}/volume/{volume_id}/replace")
async def replace(request: Request, ctx: Ctx, account: RetouchAccount, code: str,
                  volume_id: int, page_no: Annotated[int, Form()],
                  file: Annotated[UploadFile, File()]) -> Response:
    archive_code = _volume_in_batch(ctx, code, volume_id)
    data = await file.read(MAX_UPLOAD + 1)
    fixed = await act(request, account, lambda actor: retouch_fix.replace_page(
        ctx, actor, archive_code, page_no, data))
    return _back(f"{_url(code)}/volume/{volume_id}?page={page_no}",
                 t("web_images.retouch.replaced", page=page_no, version=fixed.version,
                   sha=fixed.sha256[:12]))
