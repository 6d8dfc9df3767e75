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
from dangan.i18n import join, t
from dangan.imaging.context import NEEDS_REVIEW
from dangan.services import engine
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext
from dangan.services.retouch import defect_words, failure_error
from dangan.services.retouch import fix as retouch_fix
from dangan.services.retouch import project as retouch_project
from dangan.services.retouch.hold import held_lines, next_stage_words, stage_after_retouch
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


def _corrections(page: Page) -> list[str]:
    """What the engine changed on the page, for information (a change made is no problem):
    the turn, the deskew (the tilt corrected, and what is left after it), holes filled."""
    m = (page.metrics or {}).get("retouch") or {}
    info: list[str] = []
    rotation = int(m.get("rotation") or 0) % 360
    if rotation:
        info.append(t("web_images.retouch.flag.turned", deg=rotation))
    before = float(m.get("skew_before_deg") or 0)
    if abs(before) >= 0.3 and m.get("skew_after_deg") is not None:
        info.append(t("web_images.retouch.flag.deskewed_residual", deg=f"{abs(before):.1f}",
                      after=f"{abs(float(m['skew_after_deg'])):.1f}"))
    elif abs(before) >= 0.3:
        info.append(t("web_images.retouch.flag.deskewed", deg=f"{abs(before):.1f}"))
    if m.get("holes_filled"):
        info.append(t("web_images.retouch.flag.holes", count=m["holes_filled"]))
    return info


def _findings(defects: list[Defect]) -> list[str]:
    """The page's open retouch findings, in the reader's words: what a person has to look at
    (a page the engine was not sure of, with why; an error; a warning)."""
    out = []
    for d in defects:
        detail = str((d.data or {}).get("detail", ""))
        words = defect_words(d.code, detail) if detail or not d.message else d.message
        out.append(t("web_images.retouch.flag.error", words=words) if d.severity == "error"
                   else words)
    return list(dict.fromkeys(out))


def _page_row(page: Page, defects: list[Defect]) -> dict[str, Any]:
    metrics = page.metrics or {}
    review = _findings(defects)
    info = _corrections(page)
    if page.blank and not any(d.code == "blank_page" for d in defects):
        info.append(t("retouch.defect.blank_page"))
    return {"no": page.page_no, "review": review, "info": info,
            "held": any(d.code == NEEDS_REVIEW for d in defects),
            "flags": [*review, *info],  # the compare page shows both, the review first
            "holes": (metrics.get("retouch") or {}).get("hole_boxes") or [],
            "accepted": "accepted" in metrics, "fixed": "hand_fixed" in metrics,
            "recorded": "retouch" in metrics or "hand_fixed" in metrics}


def batch_pages(ctx: ProjectContext, code: str) -> list[dict[str, Any]]:
    """Each volume of the batch with its pages: what needs a person (``review``; ``held``:
    a page the engine was not sure of, which holds the volume's sign-off) apart from what the
    engine did (``info``)."""
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, code)
        out = []
        for vol in session.scalars(select(Volume).where(Volume.work_batch_id == batch.id)
                                   .order_by(Volume.id)):
            by_page: dict[int | None, list[Defect]] = {}
            for d in session.scalars(select(Defect).where(
                    Defect.volume_id == vol.id, Defect.source == "retouch",
                    Defect.status == "open").order_by(Defect.id)):
                by_page.setdefault(d.page_no, []).append(d)
            pages = [_page_row(p, by_page.get(p.page_no, []))
                     for p in session.scalars(select(Page).where(Page.volume_id == vol.id)
                                              .order_by(Page.page_no))]
            out.append({"id": vol.id, "code": vol.archive_code, "pages": pages,
                        "stage": vol.stage,
                        "flagged": sum(1 for p in pages if p["review"]),
                        "held": [p["no"] for p in pages if p["held"]]
                        if vol.stage == wf.RETOUCH else [],
                        "informed": sum(1 for p in pages if p["info"] and not p["review"]),
                        "unsigned": vol.stage == wf.RETOUCH and bool(pages)
                        and all(p["recorded"] for p in pages)})
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
                  volumes=batch_pages(ctx, code), run=latest[-1] if latest else None,
                  next_stage=next_stage_words(stage_after_retouch(ctx.config)))


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
        said = f"{done} {summary.resumed()}".strip()  # a rerun says what it kept
        # the volumes held for a person: each with its pages and why, and what to do
        return "；".join([said, *held_lines(summary.held, next_stage=summary.next_stage)]
                        ) if summary.held else said

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
                 volume_id: int, page_no: Annotated[int, Form()],
                 reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    archive_code = _volume_in_batch(ctx, code, volume_id)
    waived = await act(request, account, lambda actor: retouch_fix.accept_page(
        ctx, actor, archive_code, page_no, reason))
    return _back(f"{_url(code)}/volume/{volume_id}?page={page_no}",
                 f"{t('web_images.retouch.accepted', page=page_no, waived=waived)} "
                 f"{_left(ctx, code, archive_code)}")


@router.post("/retouch/{code}/volume/{volume_id}/replace")
async def replace(request: Request, ctx: Ctx, account: RetouchAccount, code: str,
                  volume_id: int, page_no: Annotated[int, Form()],
                  file: Annotated[UploadFile, File()]) -> Response:
    archive_code = _volume_in_batch(ctx, code, volume_id)
    data = await file.read(MAX_UPLOAD + 1)
    fixed = await act(request, account, lambda actor: retouch_fix.replace_page(
        ctx, actor, archive_code, page_no, data))
    return _back(f"{_url(code)}/volume/{volume_id}?page={page_no}",
                 f"{t('web_images.retouch.replaced', page=page_no, version=fixed.version, sha=fixed.sha256[:12])} "
                 f"{_left(ctx, code, archive_code)}")


def _left(ctx: ProjectContext, code: str, archive_code: str) -> str:
    """After a page is settled: the volume's pages still waiting for a person, or that the
    run now signs it."""
    left = retouch_fix.still_held(ctx, archive_code)
    if left:
        return t("web_images.retouch.still_held", volume=archive_code, count=len(left),
                 pages=join(str(p.page_no) for p in left))
    return t("web_images.retouch.none_held", volume=archive_code, code=code)
