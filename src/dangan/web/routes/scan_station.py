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
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from dangan.domain import workflow as wf
from dangan.errors import ConflictError, InputError, NotFoundError, StateError
from dangan.i18n import t
from dangan.intake.check import (
    CheckReport,
    VolumeResult,
    duplicate_defects,
    identical_defects,
    inspect_all,
    inspect_files,
    page_defects,
)
from dangan.intake.content import PageInfo
from dangan.intake.renumber import page_identity
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


# A page file's check is kept by the file's identity, size and mtime: a GET, a removal (the
# files after it are renamed, not rewritten) or an ingest re-reads only the files that
# changed; the cross-page findings (duplicates, copies of ingested pages, the volume list) are
# worked out again each time from the kept results, so they follow the project as it stands.
INLINE_PAGES = 8  # at most this many pages to read: the station shows the findings at once
MAX_KEPT = 200_000
KEPT_FOLDERS = 8  # the duplicate search's findings, kept for the last few sets of files
FileKey = tuple[int, int, int, int]


class _Kept:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.infos: OrderedDict[FileKey, PageInfo] = OrderedDict()
        self.duplicates: dict[tuple[Any, ...], tuple[dict[str, list[Any]], dict[str, int]]] = {}

    def keep_duplicates(self, files: tuple[Any, ...],
                        found: tuple[dict[str, list[Any]], dict[str, int]]) -> None:
        with self.lock:
            while len(self.duplicates) >= KEPT_FOLDERS:
                self.duplicates.pop(next(iter(self.duplicates)))
            self.duplicates[files] = found

    def get(self, key: FileKey | None) -> PageInfo | None:
        if key is None:
            return None
        with self.lock:
            info = self.infos.get(key)
            if info is not None:
                self.infos.move_to_end(key)
            return info

    def put(self, key: FileKey | None, info: PageInfo) -> None:
        if key is None:
            return
        with self.lock:
            self.infos[key] = info
            while len(self.infos) > MAX_KEPT:
                self.infos.popitem(last=False)


def _kept(request: Request) -> _Kept:
    kept = getattr(request.app.state, "scan_checks", None)
    if kept is None:
        kept = request.app.state.scan_checks = _Kept()
    return kept


def _file_key(path: str) -> FileKey | None:
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _report(request: Request, ctx: ProjectContext, root: Path,
            wait: bool = True) -> CheckReport | None:
    """The check of the scan root (the CLI ``check``'s steps), reading only the page files
    not read before as they stand; ``wait=False``: None when more than ``INLINE_PAGES`` would
    have to be read (the page then loads the findings by themselves)."""
    if not root.exists() or not root.is_dir():
        raise NotFoundError("intake.check.root_missing", path=root)
    options = scan_lookup.check_options(ctx, workers=1)
    listing = Walker(options.rules, options.scan.format, options.expected_pages).walk(str(root))
    volumes = [VolumeResult(v) for v in listing.volumes]
    kept = _kept(request)
    jobs = [(vol, entry, _file_key(entry.path)) for vol in volumes for entry in vol.folder.pages]
    found = {i: kept.get(key) for i, (_v, _e, key) in enumerate(jobs)}
    todo = [i for i, info in found.items() if info is None]
    if not wait and len(todo) > INLINE_PAGES:
        return None
    read = inspect_all([jobs[i][1].path for i in todo], 1, options.full_decode)
    for i, fresh in zip(todo, read, strict=True):
        found[i] = fresh
        kept.put(jobs[i][2], fresh)
    for i, (vol, entry, _key) in enumerate(jobs):
        info = found[i]
        assert info is not None
        vol.infos[entry.name] = info
        rel = f"{vol.folder.rel}/{entry.name}" if vol.folder.rel else entry.name
        vol.folder.defects.extend(page_defects(entry, rel, vol.folder.archive_code, info,
                                               options.scan))
    # the search for sheets scanned twice depends on the files alone: kept for the same files
    files = tuple((v.folder.label, v.folder.rel, e.name, e.page_no, key) for v, e, key in jobs)
    known = kept.duplicates.get(files) if None not in (j[2] for j in jobs) else None
    if known is None:
        before = {id(v): len(v.folder.defects) for v in volumes}
        sheets = duplicate_defects(volumes, options.rules)
        found_dups = {v.folder.rel: v.folder.defects[before[id(v)]:] for v in volumes}
        kept.keep_duplicates(files, (found_dups, sheets))
    else:
        found_dups, sheets = known
        for vol in volumes:
            vol.folder.defects.extend(found_dups.get(vol.folder.rel, []))
    identical_defects(volumes, options.rules, sheets, options.stored)
    return CheckReport(listing.root, volumes, listing.defects)


def _offending(report: CheckReport) -> list[dict[str, Any]]:
    out = []
    for vol in report.volumes:
        folder = vol.folder
        own = f"{folder.rel}/" if folder.rel not in ("", ".") else ""
        files = {p.name for p in folder.pages}
        defects = []
        for d in vol.defects:
            # the file a finding is about: a page file of this folder, named by its path
            file = d.path[len(own):] if d.path.startswith(own) else None
            file = file if file and "/" not in file and file in files else None
            name = file if d.page is not None else None
            defects.append({"message": d.message, "code": d.code, "error": d.is_error,
                            "page": d.page, "file": file, "name": name,
                            "seen": page_identity(folder.path, name) if name else ""})
        top = folder.rel.split("/", 1)[0] if folder.rel not in ("", ".") else folder.name
        out.append({"label": folder.label, "rel": folder.rel, "top": top,
                    "sub": folder.rel.split("/", 1)[1] if "/" in folder.rel else "",
                    "pages": len(folder.pages), "defects": defects,
                    "errors": sum(1 for d in vol.defects if d.is_error)})
    return out


def _station(request: Request, ctx: ProjectContext, account: sec.Account, root: Path,
             report: CheckReport | None, status_code: int = 200, **extra: Any) -> Response:
    """The station; ``report`` None: the findings load by themselves (``/scan-station/findings``)."""
    return render(request, "scan/station.html", status_code=status_code, root=str(root),
                  pending=report is None,
                  volumes=_offending(report) if report is not None else [],
                  other=[d.message for d in report.other_defects] if report is not None else [],
                  runs=runs.recent(ctx, KIND, person=account.name, limit=3), **extra)


@router.get("/scan-station")
def station(request: Request, ctx: Ctx, account: ScanAccount) -> Response:
    root = scan_root(request, ctx)
    try:
        report = _report(request, ctx, root, wait=False)
    except NotFoundError as exc:  # no scan folder yet: the station says so (not a 404)
        return _station(request, ctx, account, root, CheckReport(str(root), [], []),
                        missing=exc)
    return _station(request, ctx, account, root, report)


@router.get("/scan-station/findings")
def findings(request: Request, ctx: Ctx, account: ScanAccount) -> Response:
    """The check's findings alone (what the station loads when pages were still to be read)."""
    root = scan_root(request, ctx)
    try:
        report = _report(request, ctx, root)
    except NotFoundError as exc:
        return render(request, "scan/_findings.html", volumes=[], other=[], missing=exc)
    assert report is not None
    return render(request, "scan/_findings.html", volumes=_offending(report),
                  other=[d.message for d in report.other_defects])


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
    checked = await act(request, account, lambda _actor: _report(request, ctx, root))
    assert checked is not None
    report = checked
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
                      sub: Annotated[str, Form(max_length=600)] = "",
                      seen: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Remove a rescan or an extra page and close the gap (journalled, crash-safe). ``seen``:
    the page file as the station showed it (``page_identity``): the same click again is
    done already; a page that is no longer the one shown (another window removed or
    inserted pages) is refused."""
    vdir = _volume_dir(request, ctx, top, sub)
    page = _child(vdir, name).name
    # the service checks the actor's scan claim of the volume's batch before anything moves
    done = await act(request, account, lambda actor: renumber.renumber_volume(
        vdir, rules=ctx.rules, remove=[page], close_gaps=True, ctx=ctx, actor=actor,
        seen={page: seen} if seen else None))
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
    if len(data) > MAX_UPLOAD:
        raise InputError("retouch_fix.too_large", limit=f"{MAX_UPLOAD // (1024 * 1024)} MB")
    if suffix not in (".jpg", ".jpeg", ".tif", ".tiff", ".png"):
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
