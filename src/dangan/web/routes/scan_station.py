"""扫描站: the check report of the volume folders under the configured scan root, with
thumbnails of the offending pages, and ingest with its progress — signed by the signed-in
operator (``services.intake.ingest`` as the account's worker, one volume at a time).

The scan root is ``DANGAN_SCAN_ROOT`` (default: ``scan-inbox`` in the project home). A folder
or file named by the browser is only used when it is one of the names listed under that root
(no path is ever built from what the browser sends). An ingest's progress and outcome are kept
in the database (``web.runs``): a restarted server still lists them, and an ingest whose
server stopped shows as failed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from dangan.domain import workflow as wf
from dangan.errors import ConflictError, InputError, NotFoundError, StateError
from dangan.i18n import t
from dangan.intake.check import CheckReport, inspect_files
from dangan.intake.walk import Walker
from dangan.services import claims, intake, renumber, scan_lookup
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext
from dangan.storage import derivatives as dv
from dangan.web import runs
from dangan.web import security as sec
from dangan.web.deps import Ctx, act, actor_of, require_role
from dangan.web.errors import wants_json
from dangan.web.routes.auth import set_flash
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
ScanAccount = Annotated[sec.Account, Depends(require_role(wf.SCAN_OPERATOR))]
MAX_UPLOAD = 200 * 1024 * 1024


def scan_root(request: Request, ctx: ProjectContext) -> Path:
    given = getattr(request.app.state, "scan_root", None) or os.environ.get("DANGAN_SCAN_ROOT")
    return Path(given) if given else ctx.home / "scan-inbox"


def _child(root: Path, name: str) -> Path:
    """``name`` as one of the entries listed in ``root`` (else 404): never a built path."""
    try:
        listed = {e.name: e for e in os.scandir(root)}
    except OSError:
        raise NotFoundError("intake.check.root_missing", path=str(root)) from None
    entry = listed.get(name)
    if entry is None or entry.is_symlink():
        raise NotFoundError("web_images.scan.no_entry", name=name[:200])
    return Path(entry.path)


KIND = "ingest"


def _report(ctx: ProjectContext, root: Path) -> CheckReport:
    return intake.check_scan_root(root, scan_lookup.check_options(ctx, workers=1))


def _offending(report: CheckReport) -> list[dict[str, Any]]:
    out = []
    for vol in report.volumes:
        folder = vol.folder
        names = {p.page_no: p.name for p in folder.pages}
        defects = [{"message": d.message, "code": d.code, "error": d.is_error, "page": d.page,
                    "name": names.get(d.page) if d.page is not None else None}
                   for d in vol.defects]
        top = folder.rel.split("/", 1)[0] if folder.rel not in ("", ".") else folder.name
        out.append({"label": folder.label, "rel": folder.rel, "top": top,
                    "sub": folder.rel.split("/", 1)[1] if "/" in folder.rel else "",
                    "pages": len(folder.pages), "defects": defects,
                    "errors": sum(1 for d in vol.defects if d.is_error)})
    return out


def _station(request: Request, ctx: ProjectContext, account: sec.Account, root: Path,
             report: CheckReport, status_code: int = 200, **extra: Any) -> Response:
    return render(request, "scan/station.html", status_code=status_code, root=str(root),
                  volumes=_offending(report), other=[d.message for d in report.other_defects],
                  runs=runs.recent(ctx, KIND, person=account.name, limit=3), **extra)


@router.get("/scan-station")
def station(request: Request, ctx: Ctx, account: ScanAccount) -> Response:
    root = scan_root(request, ctx)
    try:
        report = _report(ctx, root)
    except NotFoundError as exc:  # no scan folder yet: the station says so (not a 404)
        return _station(request, ctx, account, root, CheckReport(str(root), [], []),
                        missing=exc)
    return _station(request, ctx, account, root, report)


@router.get("/scan-station/thumb/{top}/{name}")
def thumb(request: Request, ctx: Ctx, account: ScanAccount, top: str, name: str,
          sub: str = "") -> Response:
    """A thumbnail of a page file in a volume folder, found by listing (never by path)."""
    path = _child(_volume_dir(request, ctx, top, sub), name)
    try:
        data = dv.make_derivative(path.read_bytes(), dv.SIDES["thumb"], dv.QUALITY["thumb"])
    except Exception:  # a corrupt page is what the station is for: show a placeholder
        data = dv.placeholder(dv.SIDES["thumb"])
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


def _work(ctx: ProjectContext, actor: Actor, root: Path, report: CheckReport,
          problems: dict[str, list[str]]) -> Callable[[runs.Progress], str]:
    """Volume by volume, each with only the problems assigned to it (as ``CODE=TEXT``)."""
    def work(progress: runs.Progress) -> str:
        for vol in report.volumes:
            one = CheckReport(report.root, [vol], [])
            code = vol.folder.archive_code or ""
            own = [f"{code}={text}" for text in problems.get(code, [])] if code else []
            result = intake.ingest(ctx, actor, root, own, report=one)
            for v in result.volumes:
                progress.line(f"{v.volume}: {v.message or v.state}")
            progress.step()
        return ""

    return work


@router.post("/scan-station/ingest")
async def ingest(request: Request, ctx: Ctx, account: ScanAccount,
                 problems: Annotated[str, Form(max_length=4000)] = "") -> Response:
    root = scan_root(request, ctx)
    report = await act(request, account, lambda _actor: _report(ctx, root))
    actor = actor_of(ctx, account)
    lines = [ln.strip() for ln in problems.splitlines() if ln.strip()]
    codes = [v.folder.archive_code for v in report.volumes if v.folder.archive_code]
    try:  # over the whole report, before anything runs: a refused problem ingests nothing
        assigned = intake.assign_problems(ctx.rules, report, lines)
    except InputError as exc:
        return _station(request, ctx, account, root, report, status_code=exc.http_status,
                        error=exc, problems=problems)
    try:  # the operator holds the scan claim of every batch ingested (the service's check)
        await act(request, account,
                  lambda who: claims.require_volume_claims(ctx, who, codes, wf.SCAN))
    except (StateError, ConflictError) as exc:
        if wants_json(request):
            raise
        return _station(request, ctx, account, root, report, status_code=exc.http_status,
                        error=exc, problems=problems)
    run = runs.start(ctx, KIND, str(root), account.name, account.worker_id,
                     len(report.volumes), _work(ctx, actor, root, report, assigned))
    assert run is not None  # not exclusive: always started
    response = RedirectResponse("/scan-station", status_code=303)
    set_flash(response, t("web_images.scan.started", count=run.total))
    return response


@router.get("/scan-station/runs/{run_id}")
def ingest_progress(request: Request, ctx: Ctx, account: ScanAccount, run_id: str) -> Response:
    run = runs.get(ctx, run_id, KIND)
    if run is None:
        raise NotFoundError("web_images.scan.no_run", id=run_id[:40])
    return render(request, "scan/_run.html", run=run)


def _volume_dir(request: Request, ctx: ProjectContext, top: str, sub: str) -> Path:
    folder = _child(scan_root(request, ctx), top)
    for part in [p for p in sub.split("/") if p]:
        folder = _child(folder, part)
    return folder


@router.post("/scan-station/remove")
async def remove_page(request: Request, ctx: Ctx, account: ScanAccount,
                      top: Annotated[str, Form(max_length=300)],
                      name: Annotated[str, Form(max_length=300)],
                      sub: Annotated[str, Form(max_length=600)] = "") -> Response:
    """Remove a rescan or an extra page and close the gap (journalled, crash-safe)."""
    vdir = _volume_dir(request, ctx, top, sub)
    page = _child(vdir, name).name
    # the service checks the actor's scan claim of the volume's batch before anything moves
    done = await act(request, account, lambda actor: renumber.renumber_volume(
        vdir, rules=ctx.rules, remove=[page], close_gaps=True, ctx=ctx, actor=actor))
    response = RedirectResponse("/scan-station", status_code=303)
    if done.state == "already_applied":  # the same removal from another tab: count the folder
        set_flash(response, t("web_images.scan.already_removed", volume=vdir.name,
                              pages=_page_count(ctx, vdir)))
    else:
        set_flash(response, t("web_images.scan.renumbered", volume=vdir.name, pages=done.pages))
    return response


def _page_count(ctx: ProjectContext, vdir: Path) -> int:
    """The pages in the volume folder as it stands (what the check would count)."""
    return len(Walker(ctx.rules, "jpg").volume(str(vdir), "", vdir.name, list(os.scandir(vdir)),
                                               str(vdir)).pages)


@router.post("/scan-station/insert")
async def insert_page(request: Request, ctx: Ctx, account: ScanAccount,
                      top: Annotated[str, Form(max_length=300)],
                      before: Annotated[str, Form(max_length=300)],
                      file: Annotated[UploadFile, File()],
                      sub: Annotated[str, Form(max_length=600)] = "") -> Response:
    """Insert a missed page before the page ``before`` (a name or number) and renumber."""
    vdir = _volume_dir(request, ctx, top, sub)
    data = await file.read(MAX_UPLOAD + 1)
    suffix = Path(file.filename or "page.jpg").suffix.lower()
    if suffix not in (".jpg", ".jpeg", ".tif", ".tiff", ".png") or len(data) > MAX_UPLOAD:
        raise InputError("retouch_fix.bad_file", detail=suffix or "?")
    with tempfile.TemporaryDirectory(prefix="dangan-insert-") as tmp:
        source = Path(tmp) / f"inserted{suffix}"
        source.write_bytes(data)
        info = (await run_in_threadpool(inspect_files, [str(source)]))[0]
        if not info.ok:  # said with the uploaded file's name, never the server's temp path
            raise InputError("intake.renumber.bad_source",
                             path=Path(file.filename or "").name or "?",
                             reason=t(f"intake.reason.{info.reason}", **info.reason_params))
        done = await act(request, account, lambda actor: renumber.renumber_volume(
            vdir, rules=ctx.rules, insert_before=before.strip(), files=[source], ctx=ctx,
            actor=actor))
    response = RedirectResponse("/scan-station", status_code=303)
    if done.state == "already_applied":  # the same insert from another tab: count the folder
        set_flash(response, t("web_images.scan.already_inserted", volume=vdir.name,
                              pages=_page_count(ctx, vdir)))
    else:
        set_flash(response, t("web_images.scan.renumbered", volume=vdir.name, pages=done.pages))
    return response
