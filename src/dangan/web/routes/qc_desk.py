"""质检台: the sample drawn by the recorded seed, the page viewer with the volume's catalogue
beside it, defects marked as rectangles on the page (type, cause, box in page pixels), the
verdict by the pass-rate rule, re-inspection of reworked items; and 返工 — the reworks of the
signed-in worker, each showing the marked page and box.

Every change goes through the services (``qc``, ``rework``, ``engine``) as the signed-in
account's worker; nothing here writes state its own way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from dangan.db.models import Defect, Item, QCInspection, Rework, StageEvent, Volume, WorkBatch
from dangan.domain import registry
from dangan.domain import workflow as wf
from dangan.errors import DanganError, InputError, NotFoundError
from dangan.i18n import defect_label, t
from dangan.services import engine, qc, rework
from dangan.services import workflow_state as ws
from dangan.services.delivery import readiness
from dangan.services.project import ProjectContext
from dangan.web import security as sec
from dangan.web.deps import Ctx, CurrentAccount, act, require_role, retried_signoff_page
from dangan.web.errors import wants_json
from dangan.web.routes.auth import set_flash
from dangan.web.routes.pages import page_rows, volume_head
from dangan.web.tasks import reworks_to_verify
from dangan.web.templating import render

router = APIRouter(include_in_schema=False)
QCAccount = Annotated[sec.Account, Depends(require_role(wf.QC_INSPECTOR))]
CAUSES = ("worker", "original")


def defect_choices() -> list[tuple[str, str]]:
    return [(c, defect_label(c)) for c in registry.QC_DEFECT_CODES]


@dataclass
class BatchDesk:
    code: str
    stage: str
    status: str
    holder: str
    inspection: dict[str, Any] | None
    holder_id: int | None = None
    sample: dict[int, list[int]] = field(default_factory=dict)  # volume id -> page/item keys
    volumes: dict[int, str] = field(default_factory=dict)
    defects: list[dict[str, Any]] = field(default_factory=list)
    to_verify: list[dict[str, Any]] = field(default_factory=list)
    inspected_by: set[int] = field(default_factory=set)  # signed an earlier QC level

    def actions(self, account: sec.Account) -> dict[str, bool]:
        """What this account may do here now: claim (the batch waits at a QC level this
        account works, and it did not sign an earlier level), draw / decide (it holds the
        claim) — no button the engine would refuse for the stage or the person."""
        at_qc = self.stage in wf.QC_LEVELS
        works = at_qc and bool(wf.STAGE_ALLOWED_ROLES.get(self.stage, frozenset())
                               & account.roles)
        mine = works and self.holder_id is not None and self.holder_id == account.worker_id
        open_ = bool(self.inspection and not self.inspection["decision"])
        return {"at_qc": at_qc,
                "claim": works and not self.holder and self.status == wf.WAITING
                and account.worker_id not in self.inspected_by,
                "draw": mine and not open_, "decide": mine and open_,
                "in_rework": at_qc and self.status == wf.IN_REWORK}


def _batch(session: Session, project_id: int, code: str) -> WorkBatch:
    return ws.work_batch_by_code(session, project_id, code)


def _defect_dict(session: Session, d: Defect) -> dict[str, Any]:
    data = d.data or {}
    return {"id": d.id, "code": d.code, "label": defect_label(d.code), "page": d.page_no,
            "volume_id": d.volume_id, "box": data.get("box"), "cause": d.cause,
            "status": d.status, "message": d.message, "stage": d.stage,
            # 原卷错误 are charged to nobody (as in the reports), whoever did the stage
            "responsible": "" if d.cause == "original"
            else ws.worker_name(session, d.responsible_id)}


def batch_desk(ctx: ProjectContext, code: str) -> BatchDesk:
    with ctx.transaction() as session:
        batch = _batch(session, ctx.project_id, code)
        holder = ws.open_claim(session, batch.id, wf.QC_INSPECTOR)
        inspection = session.scalar(select(QCInspection).where(
            QCInspection.work_batch_id == batch.id).order_by(QCInspection.round.desc()).limit(1))
        desk = BatchDesk(batch.code, batch.stage, batch.status,
                         ws.worker_name(session, holder.worker_id) if holder else "", None,
                         holder.worker_id if holder else None)
        desk.volumes = {vid: c for vid, c in session.execute(
            select(Volume.id, Volume.archive_code).where(Volume.work_batch_id == batch.id)
            .order_by(Volume.id))}
        if inspection is not None:
            desk.inspection = {"id": inspection.id, "round": inspection.round,
                               "seed": inspection.seed, "decision": inspection.decision,
                               "population": inspection.population,
                               "size": len(inspection.sample), "rate": inspection.pass_rate,
                               "unit": inspection.sample[0]["unit"] if inspection.sample else "",
                               "verdict": _verdict(session, batch.id, inspection.id,
                                                   inspection.sample[0]["unit"]
                                                   if inspection.sample else "volume"),
                               "voided": (_voided_codes(session, batch.id, inspection.id)
                                          if inspection.decision == qc.VOID else None)}
            for unit in inspection.sample:
                desk.sample.setdefault(int(unit["volume_id"]), []).append(int(unit["key"]))
            desk.defects = [_defect_dict(session, d) for d in session.scalars(
                select(Defect).where(Defect.inspection_id == inspection.id).order_by(Defect.id))]
        if batch.stage in wf.QC_LEVELS[1:]:
            desk.inspected_by = {w for w in session.scalars(select(StageEvent.worker_id).where(
                StageEvent.work_batch_id == batch.id, StageEvent.kind == wf.EVENT_SIGNOFF,
                StageEvent.volume_id.is_(None), StageEvent.stage.in_(wf.QC_LEVELS)))
                if w is not None}
        desk.to_verify = [{"id": r.id, "volume": desk.volumes.get(r.volume_id or 0, ""),
                           "reason": r.reason, "assignee": ws.worker_name(session, r.assignee_id)}
                          for r in session.scalars(select(Rework).where(
                              Rework.work_batch_id == batch.id, Rework.status == "done")
                              .order_by(Rework.id))]
        return desk


def _verdict(session: Session, batch_id: int, inspection_id: int,
             unit: str) -> dict[str, Any] | None:
    """The figures the service decided by (its decision event): the desk shows these, never
    its own count of the sample."""
    for data in session.scalars(select(StageEvent.data).where(
            StageEvent.work_batch_id == batch_id, StageEvent.kind == wf.EVENT_QC_DECISION)
            .order_by(StageEvent.id.desc())):
        if data and data.get("inspection_id") == inspection_id:
            if data.get("decision") == qc.VOID or "rate" not in data:
                return None  # voided (its catalogue changed after the draw): no figures
            # a verdict recorded before the sample and the units outside it were kept apart
            # names its whole count as drawn
            inspected = qc.inspected_words(int(data.get("sampled", data["inspected"])),
                                           int(data.get("outside", 0)),
                                           str(data.get("unit") or unit))
            return {"rate": f"{float(data['rate']):.1%}", "inspected": inspected,
                    "defective": data["defective"]}
    return None


def _voided_codes(session: Session, batch_id: int, inspection_id: int) -> list[str]:
    """The volumes whose catalogue changed after the draw of a voided inspection."""
    for data in session.scalars(select(StageEvent.data).where(
            StageEvent.work_batch_id == batch_id, StageEvent.kind == wf.EVENT_QC_DECISION)
            .order_by(StageEvent.id.desc())):
        if data and data.get("inspection_id") == inspection_id \
                and data.get("decision") == qc.VOID:
            return [str(c) for c in data.get("catalogue_changed") or []]
    return []


def qc_batches(ctx: ProjectContext) -> list[dict[str, Any]]:
    with ctx.transaction() as session:
        rows = session.scalars(select(WorkBatch).where(
            WorkBatch.project_id == ctx.project_id, WorkBatch.stage.in_(wf.QC_LEVELS))
            .order_by(WorkBatch.id)).all()
        out = []
        for b in rows:
            holder = ws.open_claim(session, b.id, wf.QC_INSPECTOR)
            out.append({"code": b.code, "stage": b.stage, "status": b.status,
                        "holder": ws.worker_name(session, holder.worker_id) if holder else ""})
        return out


def catalogue_rows(session: Session, volume_id: int) -> list[dict[str, Any]]:
    return [{"seq": i.seq, "doc_no": i.doc_no, "author": i.author, "title": i.title,
             "date": i.date, "start": i.page_start, "end": i.page_end}
            for i in session.scalars(select(Item).where(Item.volume_id == volume_id)
                                     .order_by(Item.seq))]


def _back(url: str, message: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    set_flash(response, message)
    return response


def _batch_url(code: str) -> str:
    return f"/qc/{quote(code, safe='')}"


@router.get("/qc")
def qc_home(request: Request, ctx: Ctx, account: QCAccount) -> Response:
    with ctx.transaction() as session:
        recheck = reworks_to_verify(session, ctx.project_id)
    return render(request, "qc/home.html", batches=qc_batches(ctx), recheck=recheck)


@router.get("/qc/{code}")
def qc_batch(request: Request, ctx: Ctx, account: QCAccount, code: str) -> Response:
    desk = batch_desk(ctx, code)
    return render(request, "qc/batch.html", desk=desk, can=desk.actions(account))


@router.post("/qc/{code}/claim")
async def qc_claim(request: Request, ctx: Ctx, account: QCAccount, code: str) -> Response:
    await act(request, account, lambda actor: engine.claim(ctx, actor, code))
    return _back(_batch_url(code), t("web_images.qc.claimed", code=code))


@router.post("/qc/{code}/sample")
async def qc_sample(request: Request, ctx: Ctx, account: QCAccount, code: str,
                    seed: Annotated[str, Form(max_length=20)] = "") -> Response:
    if seed.strip() and not seed.strip().isdigit():
        raise InputError("web_images.qc.bad_seed", seed=seed)
    given = int(seed) if seed.strip() else None
    drawn = await act(request, account,
                      lambda actor: qc.draw_sample(ctx, actor, code, seed=given))
    voided = (t("qc_desk.voided_now", codes="、".join(drawn.changed[:20])) + " "
              if drawn.voided is not None else "")
    if drawn.inspection_id is None:
        return _back(_batch_url(code),
                     voided + t("web_images.qc.sent_back", count=drawn.reworks) + " "
                     + t("qc.claim_released", code=drawn.batch,
                         stage=t(f"stage.{drawn.stage}")))
    return _back(_batch_url(code), voided + t("web_images.qc.drawn", size=len(drawn.units),
                                              seed=drawn.seed))


@router.post("/qc/{code}/decide")
async def qc_decide(request: Request, ctx: Ctx, account: QCAccount, code: str,
                    remarks: Annotated[str, Form(max_length=2000)] = "",
                    stage: Annotated[str, Form(max_length=40)] = "") -> Response:
    """The verdict; a pass signs the QC level (``stage``: the level the page showed). The
    form sent again once that level was signed is told so — by whom, when (409
    ``workflow.already_signed``, the desk shown again) — not that no sample is open."""
    def shown_again(exc: DanganError) -> Response:
        desk = batch_desk(ctx, code)
        return render(request, "qc/batch.html", status_code=exc.http_status, error=exc,
                      desk=desk, can=desk.actions(account))

    if again := await retried_signoff_page(request, account, code, stage, shown_again):
        return again
    try:
        verdict = await act(request, account,
                            lambda actor: qc.decide(ctx, actor, code, remarks))
    except DanganError as exc:  # refused (sample not finished, not claimed…): remark kept
        if wants_json(request) or isinstance(exc, NotFoundError):
            raise
        return _desk_refused(request, ctx, account, code, exc,
                             typed={"decide": True, "remarks": remarks})
    key = "web_images.qc.passed" if verdict.passed and verdict.batch_advanced else \
        "web_images.qc.failed"
    inspected = qc.inspected_words(verdict.sampled, verdict.outside, verdict.unit)
    released = (" " + t("qc.claim_released", code=verdict.batch,
                        stage=t(f"stage.{verdict.stage}"))) if verdict.claim_released else ""
    return _back(_batch_url(code), t(key, rate=f"{verdict.rate:.1%}",
                                     defective=verdict.defective, inspected=inspected)
                 + released)


def _desk_refused(request: Request, ctx: ProjectContext, account: sec.Account, code: str,
                  exc: DanganError, typed: dict[str, Any] | None = None) -> Response:
    """The batch's QC desk again, with a refused action's reason and its status; ``typed``:
    what the refused form held, shown in it again."""
    desk = batch_desk(ctx, code)
    return render(request, "qc/batch.html", status_code=exc.http_status, error=exc, desk=desk,
                  can=desk.actions(account), typed=typed or {})


@router.post("/qc/{code}/verify/{rework_id}")
async def qc_verify(request: Request, ctx: Ctx, account: QCAccount, code: str,
                    rework_id: int,
                    remarks: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """复检通过, with the inspector's remark (optional, kept in the volume's history). The
    service checks the QC claim of a batch at a QC level (409 ``workflow.not_claimed`` /
    ``workflow.claimed_by_other``; the rework stays done)."""
    try:
        await act(request, account,
                  lambda actor: rework.verify_rework(ctx, actor, rework_id, remarks.strip()))
    except DanganError as exc:  # refused (not reworked yet, not claimed…): the desk again
        if wants_json(request) or isinstance(exc, NotFoundError):
            raise
        return _desk_refused(request, ctx, account, code, exc,
                             typed={"verify_id": rework_id, "remarks": remarks})
    return _back(_batch_url(code), t("web_images.qc.verified", id=rework_id))


@router.post("/qc/{code}/reject/{rework_id}")
async def qc_reject(request: Request, ctx: Ctx, account: QCAccount, code: str, rework_id: int,
                    remarks: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """复检不通过: the same checks as 复检通过, the reason required; the rework goes back to
    the same stage and worker."""
    try:
        again = await act(request, account,
                          lambda actor: rework.reject_rework(ctx, actor, rework_id, remarks))
    except DanganError as exc:  # refused: the desk again, the reason typed kept in its form
        if wants_json(request) or isinstance(exc, NotFoundError):
            raise
        return _desk_refused(request, ctx, account, code, exc,
                             typed={"reject_id": rework_id, "remarks": remarks})
    return _back(_batch_url(code), t("web_images.qc.rejected", id=rework_id,
                                     assignee=again.assignee or "—"))


def _volume_in_batch(session: Session, project_id: int, code: str, volume_id: int) -> None:
    batch = _batch(session, project_id, code)
    vol = session.get(Volume, volume_id)
    if vol is None or vol.work_batch_id != batch.id:
        raise NotFoundError("web_images.no_volume", volume=volume_id)


@router.get("/qc/{code}/volume/{volume_id}")
def qc_volume(request: Request, ctx: Ctx, account: QCAccount, code: str, volume_id: int,
              page: int = 0) -> Response:
    return _volume_page(request, ctx, code, volume_id, page)


def _volume_page(request: Request, ctx: ProjectContext, code: str, volume_id: int, page: int,
                 status_code: int = 200, error: DanganError | None = None,
                 typed: dict[str, Any] | None = None) -> Response:
    """The volume at the QC desk; ``error``/``typed``: a refused defect form shown again on
    the page with what was typed."""
    desk = batch_desk(ctx, code)
    with ctx.transaction() as session:
        _volume_in_batch(session, ctx.project_id, code, volume_id)
        head = volume_head(session, ctx.project_id, volume_id)
        rows = page_rows(session, volume_id)
        items = catalogue_rows(session, volume_id)
    sample = desk.sample.get(volume_id, [])
    by_item = bool(desk.inspection and desk.inspection["unit"] == "item")
    spans = {i["seq"]: (i["start"], i["end"]) for i in items}
    sampled = [t("qc_desk.sample_item", seq=seq, start=spans[seq][0], end=spans[seq][1])
               if seq in spans else t("qc_desk.sample_item_bare", seq=seq)
               for seq in sample] if by_item else [str(p) for p in sample]
    start = page or (sample[0] if sample and desk.inspection and
                     desk.inspection["unit"] == "page" else
                     spans[sample[0]][0] if sample and by_item and sample[0] in spans else 1)
    boxes = [{"page": d["page"], "box": d["box"]} for d in desk.defects
             if d["volume_id"] == volume_id and d["box"]]
    return render(request, "qc/volume.html", status_code=status_code, desk=desk, volume=head,
                  pages=rows, start=start, items=items, sample=sample, boxes=boxes,
                  sample_words=sampled, sample_by_item=by_item,
                  choices=defect_choices(), error=error, typed=typed or {},
                  defects=[d for d in desk.defects if d["volume_id"] == volume_id])


def _web_worded(exc: DanganError) -> DanganError:
    """A refusal said for the web desk: a duplicate defect named by its label, and what to do
    said as the desk's buttons (no command line)."""
    if exc.key != "qc.defect_duplicate":
        return exc
    params = dict(exc.params)
    return type(exc)("qc_desk.defect_duplicate", **{
        **params, "defect": defect_label(str(params.get("defect", "")))})


def _box(x: str, y: str, w: str, h: str) -> tuple[int, int, int, int] | None:
    values = [v.strip() for v in (x, y, w, h)]
    if not any(values):
        return None
    try:
        box = tuple(round(float(v)) for v in values)
    except ValueError:
        raise InputError("qc.bad_box", box=",".join(values)) from None
    return (box[0], box[1], box[2], box[3])


@router.post("/qc/{code}/volume/{volume_id}/defect")
async def qc_defect(request: Request, ctx: Ctx, account: QCAccount, code: str, volume_id: int,
                    defect: Annotated[str, Form(max_length=40)],
                    page_no: Annotated[int, Form()],
                    cause: Annotated[str, Form(max_length=20)] = "worker",
                    message: Annotated[str, Form(max_length=2000)] = "",
                    box_x: Annotated[str, Form(max_length=12)] = "",
                    box_y: Annotated[str, Form(max_length=12)] = "",
                    box_w: Annotated[str, Form(max_length=12)] = "",
                    box_h: Annotated[str, Form(max_length=12)] = "") -> Response:
    if defect not in registry.QC_DEFECT_CODES:
        raise InputError("qc.unknown_defect", code=defect,
                         choices=", ".join(registry.QC_DEFECT_CODES))
    if cause not in CAUSES:
        raise InputError("qc.bad_cause", cause=cause)
    box = _box(box_x, box_y, box_w, box_h)
    desk = batch_desk(ctx, code)
    with ctx.transaction() as session:
        _volume_in_batch(session, ctx.project_id, code, volume_id)
        archive_code = volume_head(session, ctx.project_id, volume_id).archive_code
        item_seq = _item_of_page(session, desk, volume_id, page_no)
    try:
        found = await act(request, account, lambda actor: qc.record_defect(
            ctx, actor, archive_code, defect, page_no=page_no, item_seq=item_seq,
            message=message, cause=cause, box=box))
    except DanganError as exc:  # refused: the page again, with the refusal and what was typed
        if wants_json(request) or isinstance(exc, NotFoundError):
            raise
        typed = {"defect": defect, "cause": cause, "message": message, "box_x": box_x,
                 "box_y": box_y, "box_w": box_w, "box_h": box_h}
        return _volume_page(request, ctx, code, volume_id, page_no, exc.http_status,
                            _web_worded(exc), typed)
    if cause == "original":
        said = t("qc_desk.defect_recorded_original", label=defect_label(defect), page=page_no)
    else:
        said = t("web_images.qc.defect_recorded", label=defect_label(defect), page=page_no,
                 responsible=found.responsible or "—")
    return _back(f"{_batch_url(code)}/volume/{volume_id}?page={page_no}", said)


def _item_of_page(session: Session, desk: BatchDesk, volume_id: int, page_no: int) -> int | None:
    """When the sample is of items (件), the item the marked page belongs to — a sampled one
    first — so the defect counts against that unit of the sample and not as one more."""
    if not desk.inspection or desk.inspection["unit"] != "item":
        return None
    covering = [i["seq"] for i in catalogue_rows(session, volume_id)
                if i["start"] <= page_no <= i["end"]]
    sampled = [s for s in covering if s in desk.sample.get(volume_id, [])]
    return (sampled or covering or [None])[0]


# --- 返工: the signed-in worker's reworks, each with its marked page and box ---------------

def my_reworks(ctx: ProjectContext, worker_id: int | None,
               rework_id: int | None = None) -> list[dict[str, Any]]:
    with ctx.transaction() as session:
        stmt = select(Rework).where(Rework.project_id == ctx.project_id,
                                    Rework.assignee_id == worker_id)
        stmt = stmt.where(Rework.id == rework_id) if rework_id is not None else \
            stmt.where(Rework.status == "open")
        out = []
        for r in session.scalars(stmt.order_by(Rework.id)):
            d = session.get(Defect, r.defect_id) if r.defect_id else None
            vol = session.get(Volume, r.volume_id) if r.volume_id else None
            batch = session.get(WorkBatch, r.work_batch_id) if r.work_batch_id else None
            out.append({"id": r.id, "status": r.status, "reason": r.reason, "stage": r.stage,
                        "volume_id": r.volume_id, "archive_code": vol.archive_code if vol else "",
                        "batch": batch.code if batch else "",
                        "defect": _defect_dict(session, d) if d else None,
                        "found_by": ws.worker_name(session, d.found_by_id) if d else ""})
        return out


@router.get("/rework")
def rework_list(request: Request, ctx: Ctx, account: CurrentAccount) -> Response:
    return render(request, "qc/rework.html", reworks=my_reworks(ctx, account.worker_id))


@router.get("/rework/{rework_id}")
def rework_page(request: Request, ctx: Ctx, account: CurrentAccount, rework_id: int) -> Response:
    found = my_reworks(ctx, account.worker_id, rework_id)
    if not found or found[0]["volume_id"] is None:
        raise NotFoundError("rework.not_found", id=rework_id)
    item = found[0]
    with ctx.transaction() as session:
        head = volume_head(session, ctx.project_id, item["volume_id"])
        rows = page_rows(session, item["volume_id"])
        stale = readiness.stale_volume(ctx, session, item["volume_id"]) is not None
    d = item["defect"] or {}
    boxes = [{"page": d.get("page"), "box": d.get("box")}] if d.get("box") else []
    return render(request, "qc/rework_one.html", item=item, volume=head, pages=rows,
                  start=d.get("page") or 1, boxes=boxes, stale=stale)


@router.post("/rework/{rework_id}/done")
async def rework_done(request: Request, ctx: Ctx, account: CurrentAccount, rework_id: int,
                      remarks: Annotated[str, Form(max_length=2000)] = "") -> Response:
    await act(request, account,
              lambda actor: rework.complete_rework(ctx, actor, rework_id, remarks))
    return _back("/rework", t("web_images.rework.done", id=rework_id))

