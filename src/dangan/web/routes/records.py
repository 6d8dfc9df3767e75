"""整理 / 装订 records: the sorter's record per volume (unbinding notes, pages numbered,
photos of special bindings), the binding method agreed and the trial volumes approved by the
archive-room lead, and the binder's rebind sign-off.

Photos go through the service the CLI uses (``sorting.record_sorting``): each is checked to be
an image, then stored in 过程记录 (content-addressed names, SHA-256 checked after writing) and
named in the sort record.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from dangan.db.models import StageEvent, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.errors import DanganError, InputError
from dangan.i18n import join, t
from dangan.services import engine, rebind, sorting
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext
from dangan.services.signed_sheets import SHEETS_NOT_REBUILT
from dangan.web import security as sec
from dangan.web.deps import Ctx, act, require_role, require_stage_role, retried_signoff_page
from dangan.web.errors import wants_json
from dangan.web.routes.auth import set_flash
from dangan.web.templating import render

router = APIRouter(include_in_schema=False, prefix="/records")
READERS = (wf.SORTER, wf.BINDER, wf.ARCHIVE_STAFF, wf.PROJECT_MANAGER, wf.QC_INSPECTOR)
Reader = Annotated[sec.Account, Depends(require_role(*READERS))]
Sorter = Annotated[sec.Account, Depends(require_role(wf.SORTER))]
Lead = Annotated[sec.Account, Depends(require_role(wf.ARCHIVE_STAFF))]
Binder = Annotated[sec.Account, Depends(require_role(wf.BINDER))]
Text = Annotated[str, Form(max_length=2000)]
MAX_PHOTO = 20 * 1024 * 1024
MAX_PHOTOS = 20
MAX_TEXT = 2000  # the notes and remarks of a sort record
MAX_PAGES = 100_000
MAX_TYPED = 200_000  # what a form field may bring back to be shown again (then refused)
Typed = Annotated[str, Form(max_length=MAX_TYPED)]


def _to(path: str, message: str) -> Response:
    response = RedirectResponse(path, status_code=303)
    set_flash(response, message)
    return response


def sort_rows(ctx: ProjectContext, code: str) -> list[dict[str, object]]:
    """The batch's volumes with their sort record in force (``record``: its data, empty when
    none yet; ``record_id``), the earlier records it corrects (``history``, newest first) and
    the warning when the pages numbered differ from the registered count (``page_differs``)."""
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, code)
        rows: list[dict[str, object]] = []
        for v in session.scalars(select(Volume).where(Volume.work_batch_id == batch.id)
                                 .order_by(Volume.id)):
            events = list(session.scalars(select(StageEvent).where(
                StageEvent.volume_id == v.id, StageEvent.kind == wf.EVENT_SORT_RECORD)
                .order_by(StageEvent.at.desc(), StageEvent.id.desc())))
            data = dict(events[0].data or {}) if events else None
            rows.append({"archive_code": v.archive_code, "title": v.title,
                         "expected_pages": v.expected_pages, "record": data,
                         "record_id": events[0].id if events else None,
                         "remarks": events[0].remarks if events else "",
                         "photos": [{"ref": ref, "name": _photo_name(str(ref))}
                                    for ref in (data or {}).get("special_binding_photos") or []],
                         "page_differs": sorting.page_differs(data, v.expected_pages),
                         "history": [{"at": e.at, "person": e.person, "remarks": e.remarks,
                                      "data": dict(e.data or {})} for e in events[1:]]})
        return rows


def _photo_name(ref: str) -> str:
    """A stored photo as the page names it: its file name in 过程记录/整理照片."""
    return ref.split("#", 1)[0].rsplit("/", 1)[-1]


@router.get("/sort/{code}")
def sort_page(request: Request, ctx: Ctx, account: Reader, code: str) -> Response:
    from dangan.services.batches import work_batch_info

    return render(request, "records/sort.html", batch=work_batch_info(ctx, code),
                  rows=sort_rows(ctx, code), is_sorter=account.has(wf.SORTER))


async def _read_photos(files: list[UploadFile]) -> list[tuple[str, bytes]]:
    """The uploads as (the file's name, its bytes); whether each is an image is the service's
    check (``sorting.read_photo``, as ``sort record --photo``), not the browser's content type."""
    picked = [f for f in files if f.filename]
    if len(picked) > MAX_PHOTOS:
        raise InputError("records.too_many_photos", max=MAX_PHOTOS)
    out: list[tuple[str, bytes]] = []
    for f in picked:
        data = await f.read(MAX_PHOTO + 1)
        if len(data) > MAX_PHOTO or not data:
            raise InputError("records.photo_size", name=f.filename or "",
                             max=MAX_PHOTO // (1024 * 1024))
        out.append((f.filename or "", data))
    return out


def _record_with_photos(ctx: ProjectContext, actor: Actor, archive_code: str,
                        uploads: list[tuple[str, bytes]], pages_numbered: int,
                        unbind_notes: str, remarks: str, *, remove_photos: list[str],
                        based_on: int | None) -> int:
    """Hand the uploads to ``sorting.record_sorting`` as files (the CLI's path: each is checked
    to be a JPEG/PNG/TIFF image, then stored with its SHA-256); a refusal names the uploaded
    file, not the temporary copy."""
    with tempfile.TemporaryDirectory(prefix="dangan-photo-") as tmp:
        names: dict[str, str] = {}
        for i, (name, data) in enumerate(uploads):
            path = Path(tmp) / f"{i}{Path(name).suffix[:10]}"
            path.write_bytes(data)
            names[str(path)] = name
        try:
            return sorting.record_sorting(
                ctx, actor, archive_code, pages_numbered, unbind_notes=unbind_notes,
                remarks=remarks, photo_files=list(names), remove_photos=remove_photos,
                based_on=based_on,
                # a form filled from the record: its notes box emptied is the notes cleared
                clear_notes=based_on is not None and not unbind_notes.strip())
        except InputError as exc:
            if exc.params.get("path") in names:
                exc.params["path"] = names[exc.params["path"]]
            raise


def _form_refusal(pages_numbered: str, unbind_notes: str, remarks: str
                  ) -> tuple[int, tuple[str, InputError] | None]:
    """The page count as a number, or the field refused and why (the form is shown again
    with what was typed, the reason beside the field — not the bare error page)."""
    for name, value in (("unbind_notes", unbind_notes), ("remarks", remarks)):
        if len(value) > MAX_TEXT:
            label = t("records.sort.notes") if name == "unbind_notes" else t("web.tasks.remarks")
            return 0, (name, InputError("web.invalid.string_too_long", field=label,
                                        max_length=MAX_TEXT))
    label = t("records.sort.pages")
    if not pages_numbered.strip():
        return 0, ("pages_numbered", InputError("web.invalid.missing", field=label))
    try:
        pages = int(pages_numbered.strip())
    except ValueError:
        return 0, ("pages_numbered", InputError("web.invalid.int", field=label))
    if pages < 1:
        return 0, ("pages_numbered", InputError("sort.bad_page_count", value=pages))
    if pages > MAX_PAGES:
        return 0, ("pages_numbered", InputError("web.invalid.less_than_equal", field=label,
                                                le=MAX_PAGES))
    return pages, None


@router.post("/sort/{code}/{archive_code:path}")
async def record_sort(request: Request, ctx: Ctx, account: Sorter, code: str,
                      archive_code: str,
                      pages_numbered: Annotated[str, Form(max_length=MAX_TYPED)] = "",
                      unbind_notes: Typed = "", remarks: Typed = "",
                      record_id: Annotated[int | None, Form()] = None,
                      remove_photos: Annotated[list[str] | None, Form()] = None,
                      photos: Annotated[list[UploadFile] | None, Form()] = None) -> Response:
    """Save a volume's sort record, or correct it. The form is filled from the record in
    force and sends its id (``record_id``): then an emptied notes box clears the notes and
    the photos ticked are removed (``remove_photos``); a form without it (an older page)
    never clears or removes anything (``sorting.record_sorting``'s rule)."""
    await require_stage_role(request, account, code)
    typed: dict[str, Any] = {"archive_code": archive_code, "pages_numbered": pages_numbered,
                             "unbind_notes": unbind_notes, "remarks": remarks,
                             "remove_photos": remove_photos or [], "field": ""}
    pages, refused = _form_refusal(pages_numbered, unbind_notes, remarks)
    try:
        if refused is not None:
            typed["field"], exc = refused
            raise exc
        uploads = await _read_photos(photos or [])

        def work(actor: Actor) -> int:
            _check_in_batch(ctx, code, archive_code, actor)
            return _record_with_photos(ctx, actor, archive_code, uploads, pages, unbind_notes,
                                       remarks, remove_photos=remove_photos or [],
                                       based_on=record_id)

        await act(request, account, work)
    except DanganError as exc:
        if wants_json(request):
            raise
        if exc.key.startswith("sort.photo") or exc.key.startswith("records.photo"):
            typed["field"] = typed["field"] or "photos"
        from dangan.services.batches import work_batch_info  # as sort_page

        # the form again with what was typed and why (a photo must be chosen again)
        return render(request, "records/sort.html", status_code=exc.http_status,
                      batch=work_batch_info(ctx, code), rows=sort_rows(ctx, code),
                      is_sorter=account.has(wf.SORTER), typed=typed, error=exc)
    with ctx.transaction() as session:
        volume = ws.volume_by_code(session, ctx.project_id, archive_code)
        saved = sorting.latest_sort_record(session, volume.id)
        data = dict(saved.data or {}) if saved is not None else {}
        registered = volume.expected_pages
    said = t("records.sort.saved", code=archive_code, pages=pages,
             photos=len(data.get("special_binding_photos") or []))
    if warning := sorting.page_differs(data, registered):
        said = f"{said} {warning}"
    return _to(f"/records/sort/{quote(code, safe='')}", said)


def _check_in_batch(ctx: ProjectContext, code: str, archive_code: str, actor: Actor) -> None:
    """The volume is in this batch and the actor holds its sort claim (checked again by the
    service); before any photo is read."""
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, code)
        volume = ws.volume_by_code(session, ctx.project_id, archive_code)
        if volume.work_batch_id != batch.id:
            raise InputError("records.not_in_batch", code=archive_code, batch=code)
        engine.require_claimant(session, batch, wf.SORT, actor)


def _trial_unbound(session: Session, ctx: ProjectContext, trial_ids: Sequence[int]) -> set[int]:
    """The trial volumes not rebound yet (the test ``rebind.approve_trial`` makes)."""
    graph = ws.graph_for(ctx.config)
    return set(session.scalars(select(Volume.id).where(
        Volume.id.in_(list(trial_ids)),
        Volume.stage.in_([s for s in graph.stages if not graph.passed(s, wf.REBIND)]))))


def rebind_batches(ctx: ProjectContext) -> list[dict[str, object]]:
    """The batches at 装订: who holds each, and which trial volumes (of the current agreement)
    still to be rebound are in it."""
    with ctx.transaction() as session:
        row = rebind.current_agreement(session, ctx.project_id)
        trial = _trial_unbound(session, ctx, row.trial_volume_ids) if row is not None else set()
        out: list[dict[str, object]] = []
        for batch in session.scalars(select(WorkBatch).where(
                WorkBatch.project_id == ctx.project_id, WorkBatch.stage == wf.REBIND)
                .order_by(WorkBatch.code)):
            holder = ws.open_claim(session, batch.id, wf.STAGE_ROLE[wf.REBIND])
            out.append({"code": batch.code, "status": batch.status,
                        "holder_id": holder.worker_id if holder else None,
                        "holder": ws.worker_name(session, holder.worker_id) if holder else "",
                        "trial": list(session.scalars(select(Volume.archive_code).where(
                            Volume.work_batch_id == batch.id, Volume.id.in_(trial))
                            .order_by(Volume.id)))})
        return out


def trial_places(ctx: ProjectContext) -> str:
    """Where each trial volume of the current agreement still to be rebound is (its work
    batch and stage), as one line of text; empty without an agreement or once all are
    rebound."""
    with ctx.transaction() as session:
        row = rebind.current_agreement(session, ctx.project_id)
        if row is None:
            return ""
        unbound = _trial_unbound(session, ctx, row.trial_volume_ids)
        return join([t("records.rebind.trial_at", code=code, batch=batch or "—",
                       stage=t(f"stage.{stage}"))
                     for code, batch, stage in session.execute(
                         select(Volume.archive_code, WorkBatch.code, Volume.stage)
                         .outerjoin(WorkBatch, WorkBatch.id == Volume.work_batch_id)
                         .where(Volume.id.in_(unbound)).order_by(Volume.id))])


def _binding(ctx: ProjectContext, account: sec.Account) -> dict[str, Any]:
    versions = rebind.agreements(ctx)
    return {"agreement": versions[-1] if versions else None, "earlier": versions[:-1],
            "methods": rebind.BINDING_METHODS,
            "alignments": rebind.ALIGNMENTS, "batches": rebind_batches(ctx),
            "places": trial_places(ctx), "is_lead": account.has(wf.ARCHIVE_STAFF),
            "is_binder": account.has(wf.BINDER)}


# refusals whose catalogue text names a command-line option: said on this page by its field
WEB_WORDED = {"rebind.no_agreement": "rebind.no_agreement_web",
              "rebind.trial_required": "rebind.trial_required_web",
              "rebind.lead_required": "rebind.lead_required_web"}


def _web_worded(exc: DanganError) -> DanganError:
    """A refusal said for the binding page: the field or button named, not the command line
    (``rebind sign --accept-missing`` is the reason field; the CLI keeps its own words)."""
    if isinstance(exc, rebind.RebindRefused):
        exc.details = exc.web_details
    if exc.key in WEB_WORDED:
        worded = type(exc)(WEB_WORDED[exc.key], details=exc.details, **exc.params)
        worded.__cause__ = exc
        return worded
    return exc


@router.get("/binding")
def binding_page(request: Request, ctx: Ctx, account: Reader) -> Response:
    return render(request, "records/binding.html", **_binding(ctx, account))


@router.post("/binding")
async def agree(request: Request, ctx: Ctx, account: Lead,
                method: Annotated[str, Form(max_length=40)],
                alignment: Annotated[str, Form(max_length=40)] = "bottom_left",
                punch_allowed: Annotated[bool, Form()] = False,
                trial_codes: Annotated[str, Form(max_length=20_000)] = "",
                remarks: Text = "", replace_reason: Text = "") -> Response:
    """The archive-room lead signs the method: the signer is the signed-in account. While a
    method stands, a new one needs ``replace_reason`` and is recorded as its next version."""
    codes = [c.strip() for c in re.split(r"[\s,，、]+", trial_codes) if c.strip()]
    try:
        await act(request, account, lambda _actor: rebind.agree_binding(
            ctx, method, account.name, alignment=alignment, punch_allowed=punch_allowed,
            trial_codes=codes, remarks=remarks, replace_reason=replace_reason))
    except DanganError as exc:
        if wants_json(request):
            raise
        typed = {"method": method, "alignment": alignment, "punch_allowed": punch_allowed,
                 "trial_codes": trial_codes, "remarks": remarks,
                 "replace_reason": replace_reason}
        return render(request, "records/binding.html", status_code=exc.http_status,
                      typed=typed, error=_web_worded(exc), **_binding(ctx, account))
    return _to("/records/binding", t("records.binding.agreed", method=t(f"rebind.method.{method}")))


@router.post("/binding/trial")
async def approve(request: Request, ctx: Ctx, account: Lead, remarks: Text = "",
                  agreement_id: Annotated[int | None, Form()] = None) -> Response:
    """试装订验收 of the agreement the page showed (``agreement_id``). Sent again (a second
    tab) it is told when and by whom it was approved; the first approval stays the record."""
    try:
        info = await act(request, account, lambda _actor: rebind.approve_trial(
            ctx, account.name, remarks, agreement_id=agreement_id))
    except DanganError as exc:
        if wants_json(request):
            raise
        return render(request, "records/binding.html", status_code=exc.http_status,
                      error=_web_worded(exc), approve_typed={"remarks": remarks},
                      **_binding(ctx, account))
    if info.already_approved:
        return _to("/records/binding", t("rebind.trial_already_approved",
                                         at=_when(info.trial_approved_at),
                                         by=info.trial_approved_by))
    return _to("/records/binding", t("records.binding.trial_approved"))


def _when(at: Any) -> str:
    return f"{at:%Y-%m-%d %H:%M}" if at else ""


@router.post("/rebind/{code}/claim")
async def rebind_claim(request: Request, ctx: Ctx, account: Binder, code: str) -> Response:
    """领取 from the binding page (the card is signed by whoever holds the claim)."""
    await require_stage_role(request, account, code)
    result = await act(request, account, lambda actor: engine.claim(ctx, actor, code))
    return _to("/records/binding", t("web.tasks.claimed", code=result.batch,
                                     stage=t(f"stage.{result.stage}")))


@router.post("/rebind/{code}")
async def rebind_sign(request: Request, ctx: Ctx, account: Binder, code: str,
                      codes: Annotated[list[str] | None, Form()] = None,
                      remarks: Text = "", accept_missing: Text = "") -> Response:
    """The binder signs the rebinding of the batch (all volumes, or the ticked ones);
    ``accept_missing`` (as ``rebind sign --accept-missing``): why volumes with fewer pages
    ingested than the sorter numbered are rebound anyway, recorded per volume. The form
    sent again once the batch was signed is told so (409 ``workflow.already_signed``), not
    refused for the 还卷 role the batch now waits for."""
    if again := await retried_signoff_page(
            request, account, code, wf.REBIND,
            lambda exc: render(request, "records/binding.html", status_code=exc.http_status,
                               error=exc, **_binding(ctx, account))):
        return again
    await require_stage_role(request, account, code)
    try:
        result = await act(request, account, lambda actor: rebind.rebind(
            ctx, actor, code, codes or [], remarks, accept_missing=accept_missing.strip()))
    except DanganError as exc:
        if wants_json(request):
            raise
        if exc.key == SHEETS_NOT_REBUILT:
            return _to("/records/binding", exc.message)  # signed: the notice, not a refusal
        exc = _web_worded(exc)
        # refused: the page again, the reason and what was typed kept in the batch's form
        typed = {"batch": code, "remarks": remarks, "accept_missing": accept_missing,
                 "codes": codes or []}
        return render(request, "records/binding.html", status_code=exc.http_status,
                      error=exc, rebind_typed=typed, **_binding(ctx, account))
    return _to("/records/binding", t("records.rebind.signed", code=code,
                                     volumes=result.volumes))
