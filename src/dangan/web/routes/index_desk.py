"""著录台: the volume record (卷宗信息) and the 卷内目录 grid beside the page viewer.

The fields and required fields are the project's (``[catalogue]`` in dangan.toml); every
keystroke may ask ``/index/{id}/check`` (htmx) for the domain validator's verdict on the grid
as typed (gaps, overlaps, beyond the last page, dates, 件数/页数). Saving writes the grid as the
catalogue workbook and imports it through the indexing service, which validates it again,
keeps a copy in 制作目录 and signs the index stage when the batch is held.

With ``[catalogue] double_keying = true`` (一稿双录) a volume without an accepted catalogue
is keyed twice: the desk submits the signed-in indexer's keying (``services.indexing.keying``)
and shows only that indexer's own keying, never the other one; a third indexer resolves the
differences field by field on ``/index/{id}/resolve`` (each shown character by character),
and only a complete resolution is imported as the catalogue.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from dangan.db.models import Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.domain.catalogue import Catalogue, RawEntry, half_width, validate_catalogue
from dangan.domain.catalogue_fields import ENTRY_LABELS, RECORD_LABELS, label
from dangan.domain.keying import Difference
from dangan.errors import ConflictError, DanganError, SpreadsheetError, StateError
from dangan.export.catalogue_xlsx import VolumeCatalogue, write_catalogue_workbook
from dangan.i18n import t
from dangan.io.catalogue import HALF_WIDTH_FIELDS
from dangan.services import indexing
from dangan.services.indexing import keying
from dangan.services.project import ProjectContext
from dangan.web import security as sec
from dangan.web.deps import Ctx, act, actor_of, require_role
from dangan.web.errors import wants_json
from dangan.web.routes.auth import set_flash
from dangan.web.routes.pages import page_rows, volume_head
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
IndexAccount = Annotated[sec.Account, Depends(require_role(wf.INDEXER))]
MAX_ROWS = 2000


def _typed(field: str, value: str) -> str:
    """A typed value as the imports read a cell: numbers, dates and page numbers with
    full-width digits and punctuation as ASCII (the one rule, ``half_width``)."""
    return (half_width(value) if field in HALF_WIDTH_FIELDS else value).strip()


def _grid(form: FormData, fields: tuple[str, ...]) -> list[dict[str, str]]:
    """The typed rows: one list of values per field (``e.<field>``), blank rows dropped."""
    columns = {f: [str(v)[:2000] for v in form.getlist(f"e.{f}")][:MAX_ROWS] for f in fields}
    n = max((len(v) for v in columns.values()), default=0)
    rows = [{f: _typed(f, columns[f][i] if i < len(columns[f]) else "") for f in fields}
            for i in range(n)]
    return [r for r in rows if any(r.values())]


def _record(form: FormData, fields: tuple[str, ...], archive_code: str) -> dict[str, str]:
    values = {f: _typed(f, str(form.get(f"r.{f}") or ""))[:2000] for f in fields}
    values["archive_code"] = archive_code  # the volume's own: never typed over
    return values


def check(ctx: ProjectContext, volume_id: int, record: dict[str, str],
          rows: list[dict[str, str]]) -> Catalogue:
    schema = indexing.schema_of(ctx)
    with ctx.transaction() as session:
        head = volume_head(session, ctx.project_id, volume_id)
        count = indexing.image_counts(session, [volume_id]).get(volume_id)
    return validate_catalogue(head.archive_code, RawEntry(record, 0),  # located as seen
                              tuple(RawEntry(r, i + 1) for i, r in enumerate(rows)), schema,
                              count, desk=True)


def _typed_problems(record: dict[str, str], rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """What no workbook or database takes (a control character, a value too long), located by
    row and field: said by the check as by the save, which never writes it to a workbook."""
    return [{"is_error": True, "code": "sheets.cell_problem", "message": line}
            for line in keying.typed_value_problems(record, rows)]


def _recorded(ctx: ProjectContext, volume_id: int) -> tuple[dict[str, Any], list[dict[str, str]]]:
    with ctx.transaction() as session:
        head = volume_head(session, ctx.project_id, volume_id)
        _vols, entries, records = indexing.load_catalogues(session, ctx.project_id,
                                                           [head.archive_code])
    return records.get(volume_id, {}), entries.get(volume_id, [])


def _labels(schema: Any) -> dict[str, Any]:
    return {"record_labels": {f: label(RECORD_LABELS, f) for f in schema.record_fields},
            "entry_labels": {f: label(ENTRY_LABELS, f) for f in schema.entry_fields}}


@router.get("/index/{volume_id}")
def index_page(request: Request, ctx: Ctx, account: IndexAccount, volume_id: int,
               page: int = 1) -> Response:
    schema = indexing.schema_of(ctx)
    with ctx.transaction() as session:
        head = volume_head(session, ctx.project_id, volume_id)
        rows = page_rows(session, volume_id)
    double: dict[str, Any] | None = None
    st = keying.state(ctx, volume_id) if keying.enabled(ctx) else None
    if st is not None and st.state != keying.ACCEPTED:
        if st.state == keying.BOTH and account.worker_id not in st.keyers():
            return RedirectResponse(f"/index/{volume_id}/resolve", status_code=303)
        own = st.own(account.worker_id)  # the only keying this indexer may see
        record: dict[str, Any] = dict(own.record) if own else {}
        entries = own.entries if own else []
        double = {"round": own.round if own else (2 if st.first else 1),
                  "locked": st.state == keying.BOTH, "submitted": own is not None}
    else:
        record, entries = _recorded(ctx, volume_id)
    return render(request, "index/desk.html", volume=head, pages=rows, start=page,
                  record=record, entries=entries or [{}], schema=schema, double=double,
                  problems=None, **_labels(schema))


@router.post("/index/{volume_id}/check")
async def index_check(request: Request, ctx: Ctx, account: IndexAccount,
                      volume_id: int) -> Response:
    schema = indexing.schema_of(ctx)
    form = await request.form()
    with ctx.transaction() as session:
        code = volume_head(session, ctx.project_id, volume_id).archive_code
    record, rows = _record(form, schema.record_fields, code), _grid(form, schema.entry_fields)
    cat = check(ctx, volume_id, record, rows)
    return render(request, "index/_problems.html",
                  problems=[*_typed_problems(record, rows), *cat.defects])


@router.post("/index/{volume_id}/save")
async def index_save(request: Request, ctx: Ctx, account: IndexAccount,
                     volume_id: int) -> Response:
    schema = indexing.schema_of(ctx)
    form = await request.form()
    with ctx.transaction() as session:
        code = volume_head(session, ctx.project_id, volume_id).archive_code
    await act(request, account, lambda _actor: keying.require_direct_entry(ctx, volume_id))
    record = _record(form, schema.record_fields, code)
    rows = _grid(form, schema.entry_fields)
    correction = str(form.get("correction") or "")[:2000]
    try:  # the service's rule: at 著录 the batch's index claim, once indexed a correction
        await act(request, account,
                  lambda actor: indexing.require_desk_entry(ctx, actor, volume_id))
    except (StateError, ConflictError) as exc:
        if wants_json(request):
            raise
        return _desk_again(request, ctx, volume_id, record, rows,
                           [{"is_error": True, "code": exc.key, "message": exc.message}],
                           status=exc.http_status)
    checked = await run_in_threadpool(check, ctx, volume_id, record, rows)
    typed = _typed_problems(record, rows)
    if typed or not checked.ok:  # said on the desk, every typed row kept; no workbook written
        if wants_json(request):
            errors = [p["message"] for p in typed] + [d.message for d in checked.defects
                                                      if d.is_error]
            raise SpreadsheetError("index.desk_refused", count=len(errors), details=errors)
        return _desk_again(request, ctx, volume_id, record, rows, [*typed, *checked.defects])
    try:
        with tempfile.TemporaryDirectory(prefix="dangan-index-") as tmp:
            path = Path(tmp) / f"catalogue-{volume_id}.xlsx"
            with path.open("wb") as out:
                write_catalogue_workbook(out, schema, [VolumeCatalogue(code, record, rows)])
            result = await act(request, account, lambda actor: indexing.import_catalogue(
                ctx, actor, [path], replace=True, correction=correction,
                blank_keeps=False))  # the form is the whole record: a cleared field is cleared
    except DanganError as exc:
        if wants_json(request):
            raise
        return _desk_again(request, ctx, volume_id, record, rows,
                           [{"is_error": True, "code": exc.key, "message": line}
                            for line in (exc.message, *exc.details)],  # each one located
                           status=exc.http_status)
    response = RedirectResponse(f"/index/{volume_id}", status_code=303)
    set_flash(response, t("web_images.index.saved", items=result.items,
                          signed=len(result.signed)))
    return response


def _desk_again(request: Request, ctx: ProjectContext, volume_id: int, record: dict[str, str],
                rows: list[dict[str, str]], problems: list[Any], status: int = 422) -> Response:
    """The desk re-rendered with what was typed (record and every row) and why it was not
    saved, instead of an error page that drops the grid."""
    schema = indexing.schema_of(ctx)
    with ctx.transaction() as session:
        head = volume_head(session, ctx.project_id, volume_id)
        pages = page_rows(session, volume_id)
    return render(request, "index/desk.html", status_code=status, volume=head, pages=pages,
                  start=1, record=record, entries=rows or [{}], schema=schema, double=None,
                  problems=problems, **_labels(schema))


@router.post("/index/{volume_id}/keying")
async def index_keying(request: Request, ctx: Ctx, account: IndexAccount,
                       volume_id: int) -> Response:
    """一稿双录: submit the signed-in indexer's own keying (round 1 or 2)."""
    schema = indexing.schema_of(ctx)
    form = await request.form()
    with ctx.transaction() as session:
        code = volume_head(session, ctx.project_id, volume_id).archive_code
    record = _record(form, schema.record_fields, code)
    rows = _grid(form, schema.entry_fields)
    saved = await act(request, account, lambda actor: keying.save_keying(
        ctx, actor, volume_id, record, rows))
    if saved.accepted is not None:
        message = t("web_images.keying.agreed", items=saved.accepted.items,
                    signed=len(saved.accepted.signed))
    elif saved.round == 2:
        message = t("web_images.keying.second_in", count=len(saved.differences))
    else:
        message = t("web_images.keying.first_in")
    response = RedirectResponse(f"/index/{volume_id}", status_code=303)
    set_flash(response, message)
    return response


def _marked(d: Difference) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]]]:
    """The two texts as runs of (differs, text) from the character-level edit script."""
    first = [(tag != "equal", a) for tag, a, _b in d.ops if a]
    second = [(tag != "equal", b) for tag, _a, b in d.ops if b]
    return first, second


@router.get("/index/{volume_id}/resolve")
def index_resolve_page(request: Request, ctx: Ctx, account: IndexAccount, volume_id: int,
                       page: int = 1) -> Response:
    """The differences of the two keyings for a third indexer (refused to either keyer)."""
    st, diffs = keying.differences(ctx, actor_of(ctx, account), volume_id)
    schema = indexing.schema_of(ctx)
    labels = _labels(schema)
    with ctx.transaction() as session:
        head = volume_head(session, ctx.project_id, volume_id)
        rows = page_rows(session, volume_id)
    items = []
    for d in diffs:
        first, second = _marked(d)
        where = t("web_images.index.record") if d.where == "record" else \
            t("web_images.keying.entry", seq=d.seq)
        names = labels["record_labels"] if d.where == "record" else labels["entry_labels"]
        items.append({"key": keying.diff_key(d), "where": where, "seq": d.seq,
                      "field": names.get(d.field, d.field), "first": first, "second": second,
                      "first_text": d.first, "second_text": d.second})
    start = page
    for d in diffs:  # the viewer opens at the first page of the first differing item
        entry = st.first.entries[d.seq - 1] if st.first and d.seq and \
            d.seq <= len(st.first.entries) else {}
        if str(entry.get("page_start", "")).isdigit():
            start = int(entry["page_start"])
            break
    return render(request, "index/resolve.html", volume=head, pages=rows, start=start,
                  diffs=items, agreed_rows=max(len(st.first.entries) if st.first else 0,
                                               len(st.second.entries) if st.second else 0))


@router.post("/index/{volume_id}/resolve")
async def index_resolve(request: Request, ctx: Ctx, account: IndexAccount,
                        volume_id: int) -> Response:
    form = await request.form()
    choices = {str(k)[2:]: str(v) for k, v in form.multi_items()
               if str(k).startswith("c.")}
    own = {str(k)[2:]: str(v)[:2000] for k, v in form.multi_items() if str(k).startswith("o.")}
    result = await act(request, account, lambda actor: keying.resolve(
        ctx, actor, volume_id, choices, own))
    response = RedirectResponse(f"/index/{volume_id}", status_code=303)
    set_flash(response, t("web_images.keying.resolved", items=result.items,
                          signed=len(result.signed)))
    return response


@router.get("/index")
def index_home(request: Request, ctx: Ctx, account: IndexAccount) -> Response:
    with ctx.transaction() as session:
        rows = session.execute(
            select(Volume.id, Volume.archive_code, Volume.title, WorkBatch.code)
            .join(WorkBatch, WorkBatch.id == Volume.work_batch_id)
            .where(Volume.project_id == ctx.project_id, WorkBatch.stage == wf.INDEX)
            .order_by(WorkBatch.id, Volume.id)).all()
    states = keying.states(ctx, [r[0] for r in rows]) if keying.enabled(ctx) else {}
    return render(request, "index/home.html", rows=rows, states=states)
