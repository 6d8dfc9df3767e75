"""Page images for the browser: the viewer, a volume's page list, previews and thumbnails.

Every served file is found from database records (volume id + page number + version), never
from a path the browser gives; the bytes are cached derivatives (``dangan.storage.derivatives``)
with ``ETag`` = the source file's recorded SHA-256 and ``Cache-Control: private``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

from dangan.db.models import Page, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.errors import InputError, NotFoundError
from dangan.services.project import ProjectContext
from dangan.storage import derivatives as dv
from dangan.storage.areas import Area, Storage
from dangan.web import security as sec
from dangan.web.deps import Ctx, require_role
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
# the roles that look at page images (and the administrator)
IMAGE_ROLES = (wf.SCAN_OPERATOR, wf.RETOUCHER, wf.INDEXER, wf.QC_INSPECTOR,
               wf.PROJECT_MANAGER, sec.ADMIN)
ImageAccount = Annotated[sec.Account, Depends(require_role(*IMAGE_ROLES))]
VERSIONS = ("current", "master", "retouched")
CACHE_CONTROL = "private, max-age=0, must-revalidate"


@dataclass(frozen=True)
class PageRow:
    page_no: int
    width: int | None
    height: int | None
    sha256: str  # of the current version (retouched if there is one, else the master)
    retouched: bool
    metrics: dict[str, Any]


@dataclass(frozen=True)
class VolumeHead:
    id: int
    archive_code: str
    title: str
    stage: str
    page_count: int


def volume_head(session: Session, project_id: int, volume_id: int) -> VolumeHead:
    vol = session.get(Volume, volume_id)
    if vol is None or vol.project_id != project_id:
        raise NotFoundError("web_images.no_volume", volume=volume_id)
    return VolumeHead(vol.id, vol.archive_code, vol.title, vol.stage, vol.page_count or 0)


def volume_id_of(session: Session, project_id: int, archive_code: str) -> int:
    found = session.scalar(select(Volume.id).where(Volume.project_id == project_id,
                                                   Volume.archive_code == archive_code))
    if found is None:
        raise NotFoundError("web_images.no_volume", volume=archive_code)
    return int(found)


def page_rows(session: Session, volume_id: int) -> list[PageRow]:
    files: dict[int, dict[str, str]] = {}
    for page_id, area, sha in session.execute(
            select(StoredFile.page_id, StoredFile.area, StoredFile.sha256).where(
                StoredFile.volume_id == volume_id, StoredFile.kind == "page",
                StoredFile.area.in_((Area.SCANNED.key, Area.RETOUCHED.key)))):
        if page_id is not None and sha:
            files.setdefault(page_id, {})[area] = sha
    rows = []
    for page in session.scalars(select(Page).where(Page.volume_id == volume_id)
                                .order_by(Page.page_no)):
        got = files.get(page.id, {})
        current = got.get(Area.RETOUCHED.key) or got.get(Area.SCANNED.key)
        if current:
            rows.append(PageRow(page.page_no, page.width, page.height, current,
                                Area.RETOUCHED.key in got, dict(page.metrics or {})))
    return rows


def page_file(session: Session, project_id: int, volume_id: int, page_no: int,
              version: str) -> tuple[str, str]:
    """(path relative to the storage root, recorded SHA-256) of one page's file."""
    volume_head(session, project_id, volume_id)
    areas = {"master": [Area.SCANNED.key], "retouched": [Area.RETOUCHED.key],
             "current": [Area.RETOUCHED.key, Area.SCANNED.key]}[version]
    found = {area: (path, sha) for area, path, sha in session.execute(
        select(StoredFile.area, StoredFile.path, StoredFile.sha256)
        .join(Page, Page.id == StoredFile.page_id)
        .where(Page.volume_id == volume_id, Page.page_no == page_no,
               StoredFile.kind == "page", StoredFile.area.in_(areas)))}
    for area in areas:
        if area in found and found[area][1]:
            return found[area]
    raise NotFoundError("web_images.no_page", volume=volume_id, page=page_no)


def _cache(request: Request, ctx: ProjectContext) -> Storage:
    cache: Storage | None = getattr(request.app.state, "derivative_cache", None)
    if cache is None:
        cache = request.app.state.derivative_cache = dv.cache_storage(ctx.home)
    return cache


@router.get("/pages/{volume_id}/{page_no}/{kind}.jpg")
def page_image(request: Request, ctx: Ctx, account: ImageAccount, volume_id: int,
               page_no: int, kind: str, v: str = "current") -> Response:
    if kind not in dv.SIDES:
        raise InputError("web_images.bad_kind", kind=kind[:20])
    if v not in VERSIONS:
        raise InputError("web_images.bad_version", version=v[:20],
                         choices=", ".join(VERSIONS))
    with ctx.transaction() as session:
        rel, sha = page_file(session, ctx.project_id, volume_id, page_no, v)
    # the ETag is known from the record alone: a revalidation never touches the image
    tag = f'"{sha}-{kind}"'
    headers = {"ETag": tag, "Cache-Control": CACHE_CONTROL}
    if tag in [s.strip() for s in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    made = dv.derivative(_cache(request, ctx), ctx.storage, rel, sha, kind)
    if made.placeholder:
        headers = {"ETag": f'"{made.etag}"', "Cache-Control": "private, no-store"}
    return Response(made.data, media_type="image/jpeg", headers=headers)


@router.get("/pages/{volume_id}.json")
def page_list(ctx: Ctx, account: ImageAccount, volume_id: int) -> Response:
    with ctx.transaction() as session:
        head = volume_head(session, ctx.project_id, volume_id)
        rows = page_rows(session, volume_id)
    return JSONResponse({"volume": head.archive_code, "id": head.id, "pages": [
        {"no": r.page_no, "width": r.width, "height": r.height, "retouched": r.retouched,
         "preview": f"/pages/{volume_id}/{r.page_no}/preview.jpg",
         "thumb": f"/pages/{volume_id}/{r.page_no}/thumb.jpg"} for r in rows]},
        headers={"Cache-Control": "private, no-store"})


@router.get("/viewer/{volume_id}")
def viewer_page(request: Request, ctx: Ctx, account: ImageAccount, volume_id: int,
                page: int = 1) -> Response:
    with ctx.transaction() as session:
        head = volume_head(session, ctx.project_id, volume_id)
        rows = page_rows(session, volume_id)
    return render(request, "viewer/viewer.html", volume=head, pages=rows, start=page)


@router.get("/viewer")
def viewer_by_code(request: Request, ctx: Ctx, account: ImageAccount, code: str) -> Response:
    with ctx.transaction() as session:
        volume_id = volume_id_of(session, ctx.project_id, code[:200])
    return Response(status_code=303, headers={"Location": f"/viewer/{volume_id}"})
