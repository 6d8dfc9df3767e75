"""整理 / 装订 records: the sorter's record per volume (unbinding notes, pages numbered,
photos of special bindings), the binding method agreed and the trial volumes approved by the
archive-room lead, and the binder's rebind sign-off.

Photos go through the storage layer into 过程记录 (content-addressed names, SHA-256 checked
after writing) and are named in the sort record; every record is a service call.
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from dangan.db.models import StageEvent, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.errors import InputError
from dangan.i18n import t
from dangan.services import engine, rebind
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext
from dangan.storage.areas import Area
from dangan.web import security as sec
from dangan.web.deps import Ctx, act, require_role, require_stage_role
from dangan.web.routes.auth import set_flash
from dangan.web.templating import render

router = APIRouter(include_in_schema=False, prefix="/records")
READERS = (wf.SORTER, wf.BINDER, wf.ARCHIVE_STAFF, wf.PROJECT_MANAGER, wf.QC_INSPECTOR)
Reader = Annotated[sec.Account, Depends(require_role(*READERS))]
Sorter = Annotated[sec.Account, Depends(require_role(wf.SORTER))]
Lead = Annotated[sec.Account, Depends(require_role(wf.ARCHIVE_STAFF))]
Binder = Annotated[sec.Account, Depends(require_role(wf.BINDER))]
Text = Annotated[str, Form(max_length=2000)]
PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif"}
MAX_PHOTO = 20 * 1024 * 1024
MAX_PHOTOS = 20
PHOTO_DIR = "整理照片"


def _to(path: str, message: str) -> Response:
    response = RedirectResponse(path, status_code=303)
    set_flash(response, message)
    return response


def sort_rows(ctx: ProjectContext, code: str) -> list[dict[str, object]]:
    """The batch's volumes with their latest sort record (empty when none yet)."""
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, code)
        rows: list[dict[str, object]] = []
        for v in session.scalars(select(Volume).where(Volume.work_batch_id == batch.id)
                                 .order_by(Volume.id)):
            data = session.scalar(select(StageEvent.data).where(
                StageEvent.volume_id == v.id, StageEvent.kind == wf.EVENT_SORT_RECORD)
                .order_by(StageEvent.id.desc()).limit(1))
            rows.append({"archive_code": v.archive_code, "title": v.title,
                         "expected_pages": v.expected_pages, "record": data})
        return rows


@router.get("/sort/{code}")
def sort_page(request: Request, ctx: Ctx, account: Reader, code: str) -> Response:
    from dangan.services.batches import work_batch_info

    return render(request, "records/sort.html", batch=work_batch_info(ctx, code),
                  rows=sort_rows(ctx, code), is_sorter=account.has(wf.SORTER))


def _safe_part(text: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", text)[:120] or "_"


def store_photos(ctx: ProjectContext, archive_code: str,
                 photos: list[tuple[bytes, str]]) -> list[str]:
    """Write each photo to 过程记录/整理照片/<volume>/<sha256 prefix><suffix>; the checksum
    returned by the storage layer must equal the one computed from the upload."""
    stored: list[str] = []
    for data, suffix in photos:
        digest = hashlib.sha256(data).hexdigest()
        rel = f"{Area.RECORDS.value}/{PHOTO_DIR}/{_safe_part(archive_code)}/{digest[:16]}{suffix}"
        written = ctx.storage.write_bytes(rel, data)
        if written != digest:
            raise InputError("records.photo_checksum", name=rel)
        stored.append(f"{rel}#sha256={digest}")
    return stored


async def _read_photos(files: list[UploadFile]) -> list[tuple[bytes, str]]:
    picked = [f for f in files if f.filename]
    if len(picked) > MAX_PHOTOS:
        raise InputError("records.too_many_photos", max=MAX_PHOTOS)
    out: list[tuple[bytes, str]] = []
    for f in picked:
        suffix = PHOTO_TYPES.get(f.content_type or "")
        if suffix is None:
            raise InputError("records.photo_type", name=f.filename or "",
                             types=", ".join(PHOTO_TYPES))
        data = await f.read(MAX_PHOTO + 1)
        if len(data) > MAX_PHOTO or not data:
            raise InputError("records.photo_size", name=f.filename or "",
                             max=MAX_PHOTO // (1024 * 1024))
        out.append((data, suffix))
    return out


@router.post("/sort/{code}/{archive_code:path}")
async def record_sort(request: Request, ctx: Ctx, account: Sorter, code: str,
                      archive_code: str,
                      pages_numbered: Annotated[int, Form(ge=1, le=100_000)],
                      unbind_notes: Text = "", remarks: Text = "",
                      photos: Annotated[list[UploadFile] | None, Form()] = None) -> Response:
    await require_stage_role(request, account, code)
    uploads = await _read_photos(photos or [])

    def work(actor: Actor) -> int:
        _check_in_batch(ctx, code, archive_code, actor)
        stored = store_photos(ctx, archive_code, uploads) if uploads else []
        return rebind.record_sorting(ctx, actor, archive_code, pages_numbered,
                                     unbind_notes=unbind_notes, photos=stored, remarks=remarks)

    await act(request, account, work)
    return _to(f"/records/sort/{quote(code, safe='')}",
               t("records.sort.saved", code=archive_code, pages=pages_numbered,
                 photos=len(uploads)))


def _check_in_batch(ctx: ProjectContext, code: str, archive_code: str, actor: Actor) -> None:
    """The volume is in this batch and the actor holds its sort claim (checked again by the
    service); before any photo is written."""
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, code)
        volume = ws.volume_by_code(session, ctx.project_id, archive_code)
        if volume.work_batch_id != batch.id:
            raise InputError("records.not_in_batch", code=archive_code, batch=code)
        engine.require_claimant(session, batch, wf.SORT, actor)


def rebind_batches(ctx: ProjectContext) -> list[str]:
    with ctx.transaction() as session:
        return list(session.scalars(select(WorkBatch.code).where(
            WorkBatch.project_id == ctx.project_id, WorkBatch.stage == wf.REBIND)
            .order_by(WorkBatch.code)))


@router.get("/binding")
def binding_page(request: Request, ctx: Ctx, account: Reader) -> Response:
    return render(request, "records/binding.html", agreement=rebind.agreement(ctx),
                  methods=rebind.BINDING_METHODS, alignments=rebind.ALIGNMENTS,
                  batches=rebind_batches(ctx), is_lead=account.has(wf.ARCHIVE_STAFF),
                  is_binder=account.has(wf.BINDER))


@router.post("/binding")
async def agree(request: Request, ctx: Ctx, account: Lead,
                method: Annotated[str, Form(max_length=40)],
                alignment: Annotated[str, Form(max_length=40)] = "bottom_left",
                punch_allowed: Annotated[bool, Form()] = False,
                trial_codes: Annotated[str, Form(max_length=20_000)] = "",
                remarks: Text = "") -> Response:
    """The archive-room lead signs the method: the signer is the signed-in account."""
    codes = [c.strip() for c in re.split(r"[\s,，、]+", trial_codes) if c.strip()]
    await act(request, account, lambda _actor: rebind.agree_binding(
        ctx, method, account.name, alignment=alignment, punch_allowed=punch_allowed,
        trial_codes=codes, remarks=remarks))
    return _to("/records/binding", t("records.binding.agreed", method=t(f"records.method.{method}")))


@router.post("/binding/trial")
async def approve(request: Request, ctx: Ctx, account: Lead, remarks: Text = "") -> Response:
    await act(request, account, lambda _actor: rebind.approve_trial(ctx, account.name, remarks))
    return _to("/records/binding", t("records.binding.trial_approved"))


@router.post("/rebind/{code}")
async def rebind_sign(request: Request, ctx: Ctx, account: Binder, code: str,
                      codes: Annotated[list[str] | None, Form()] = None,
                      remarks: Text = "", accept_missing: Text = "") -> Response:
    """The binder signs the rebinding of the batch (all volumes, or the ticked ones);
    ``accept_missing`` (as ``rebind sign --accept-missing``): why volumes with fewer pages
    ingested than the sorter numbered are rebound anyway, recorded per volume."""
    await require_stage_role(request, account, code)
    result = await act(request, account, lambda actor: rebind.rebind(
        ctx, actor, code, codes or [], remarks, accept_missing=accept_missing.strip()))
    return _to("/records/binding", t("records.rebind.signed", code=code,
                                     volumes=result.volumes))
