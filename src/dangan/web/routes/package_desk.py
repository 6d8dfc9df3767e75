"""上传台: package a work batch at 上传 into each configured delivery form, in the background.

The run goes volume by volume through ``services.delivery.packaging.package`` (every page's
SHA-256 verified, files recorded before they are published, a repeated request recognised),
so the upload stage is signed by the engine once every configured form of a volume is made and
the packager holds the batch. Like the retouch desk's runs, a packaging run lives in a thread
of the server, its progress and outcome are kept in the database (``web.runs``): it goes on
when the browser closes, and a failed run shows as failed with its message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import func, select
from starlette.responses import Response

from dangan.db.models import StoredFile, Volume
from dangan.domain import registry
from dangan.domain import workflow as wf
from dangan.errors import DanganError, InputError, NotFoundError
from dangan.i18n import t
from dangan.services import workflow_state as ws
from dangan.services.delivery import packaging, readiness
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext
from dangan.storage.areas import Area
from dangan.web import runs
from dangan.web import security as sec
from dangan.web.deps import (
    Ctx,
    act,
    actor_of,
    claimed_or_page,
    require_role,
    retried_signoff_page,
)
from dangan.web.queries import batch_stage, batches_at
from dangan.web.routes.auth import back_with_flash as _back
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
PackageAccount = Annotated[sec.Account, Depends(require_role(*sorted(wf.STAGE_ALLOWED_ROLES[wf.UPLOAD])))]
KIND = "package"


def _url(code: str) -> str:
    return f"/package/{quote(code, safe='')}"


def batch_forms(ctx: ProjectContext, code: str) -> list[dict[str, object]]:
    """Each volume of the batch with the configured forms it holds (delivered files counted)."""
    forms = list(ctx.config.delivery.forms)
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, code)
        volumes = list(session.execute(select(Volume.id, Volume.archive_code, Volume.stage).where(
            Volume.work_batch_id == batch.id).order_by(Volume.id)))
        counts: dict[tuple[int, str], int] = {}
        for vid, kind, n in session.execute(
                select(StoredFile.volume_id, StoredFile.kind, func.count()).where(
                    StoredFile.volume_id.in_([v.id for v in volumes]),
                    StoredFile.area == Area.UPLOADED.key).group_by(
                    StoredFile.volume_id, StoredFile.kind)):
            if vid is not None:
                counts[(vid, kind)] = n
    rows: list[dict[str, object]] = []
    for v in volumes:
        files = {f: sum(counts.get((v.id, k), 0) for k in registry.FORM_FILE_KINDS[f])
                 for f in forms}
        rows.append({"code": v.archive_code, "stage": v.stage, "files": files})
    return rows


@router.get("/package")
def package_home(request: Request, ctx: Ctx, account: PackageAccount) -> Response:
    return render(request, "package/home.html", batches=batches_at(ctx, wf.UPLOAD),
                  stale=readiness.project_stale_packages(ctx))


@router.post("/package/volume/{code}/correct")
async def correct_volume(request: Request, ctx: Ctx, account: PackageAccount, code: str,
                         reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Package again a volume whose delivery files are older than its retouched pages or
    catalogue (``readiness.stale_packages``): every
    configured form, the same service call as ``dangan package --volume CODE --correction
    REASON`` (the reason recorded in the volume's history; without one it is refused for a
    volume past 上传 with no open rework: ``package.volume_locked``)."""
    results = await act(request, account, lambda actor: packaging.package_forms(
        ctx, actor, volume=code, correction=reason.strip()))
    files = sum(r.files for r in results)
    return _back("/package", t("web_package.corrected", code=code, files=files))


@router.get("/package/runs/{run_id}")
def run_progress(request: Request, ctx: Ctx, account: PackageAccount, run_id: str) -> Response:
    run = runs.get(ctx, run_id, KIND)
    if run is None:
        raise NotFoundError("web_package.no_run", id=run_id[:40])
    if run.state == runs.RUNNING:
        return render(request, "package/_run.html", run=run)
    # ended: the volumes' table is read again after the run and swapped in out of band
    return render(request, "package/_run_final.html", run=run,
                  forms=list(ctx.config.delivery.forms), volumes=batch_forms(ctx, run.subject))


@router.get("/package/{code}")
def package_batch(request: Request, ctx: Ctx, account: PackageAccount, code: str) -> Response:
    return _batch_page(request, ctx, code)


def _batch_page(request: Request, ctx: ProjectContext, code: str,
                error: DanganError | None = None) -> Response:
    latest = runs.recent(ctx, KIND, subject=code, limit=1)  # first: the table is read after it
    return render(request, "package/batch.html", status_code=error.http_status if error else 200,
                  error=error, code=code, stage=batch_stage(ctx, code),
                  forms=list(ctx.config.delivery.forms), volumes=batch_forms(ctx, code),
                  run=latest[-1] if latest else None)


def _work(ctx: ProjectContext, actor: Actor, form: str, codes: list[str],
          ) -> Callable[[runs.Progress], str]:
    def work(progress: runs.Progress) -> str:
        signed: list[str] = []
        files = 0
        for code in codes:
            result = packaging.package(ctx, actor, form, code)
            files += result.files
            signed += result.signed
            progress.line(t("web_package.volume_done", code=code, files=result.files))
            for line in result.problems:
                progress.line(line)
            for lacking_code, lacking in result.waiting.items():
                progress.line(t("package.waiting_forms", code=lacking_code, forms=", ".join(lacking)))
            progress.step()
        return t("web_package.run_done", form=form, volumes=len(codes), files=files,
                 signed=len(signed))

    return work


@router.post("/package/{code}/run")
async def start_run(request: Request, ctx: Ctx, account: PackageAccount, code: str,
                    form: Annotated[str, Form(max_length=10)] = "",
                    stage: Annotated[str, Form(max_length=40)] = "") -> Response:
    """Package the batch into ``form``; ``stage``: the stage the page showed. The form sent
    again once 上传 was signed and the batch moved on is told so (409
    ``workflow.already_signed``, the page shown again), and nothing is run."""
    if stage.strip() and (again := await retried_signoff_page(
            request, account, code, stage, lambda exc: _batch_page(request, ctx, code, exc))):
        return again
    if refused := await claimed_or_page(request, account, code, wf.UPLOAD,
                                        lambda exc: _batch_page(request, ctx, code, exc)):
        return refused  # nothing run: the desk's work needs the stage's claim
    forms = list(ctx.config.delivery.forms)
    if form not in forms:
        raise InputError("web_package.unknown_form", form=form[:10], choices=", ".join(forms))
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, code)
        codes = list(session.scalars(select(Volume.archive_code).where(
            Volume.work_batch_id == batch.id).order_by(Volume.id)))
    actor = actor_of(ctx, account)
    run = runs.start(ctx, KIND, code, account.name, account.worker_id, len(codes),
                     _work(ctx, actor, form, codes), exclusive=True)
    if run is None:
        return _back(_url(code), t("web_package.already_running", code=code))
    return _back(_url(code), t("web_package.started", code=code, form=form, volumes=len(codes)))
