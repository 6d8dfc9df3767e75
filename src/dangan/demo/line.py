"""The demo's orchestration: drive one borrow batch through the whole line with the services.

``run_line`` is what ``dangan demo`` calls: borrow (both sides sign) → split into work
batches → for each batch every work stage of the project's graph (claim, do, sign) → QC with
sampling (rework goes back to whoever made the error, then re-inspection) → rebinding (method
agreed, trial volume approved first) → return in borrow order with the shelving rule.
Each person is resolved to an ``Actor`` once; every stage is claimed first (claiming only when
asked for), its work is recorded by the stage's service, which has the engine sign what it
may; whatever is left at the stage (a volume refused at intake, its problems recorded as
defects for QC's automatic step) is then signed through the engine.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dangan.db.models import Defect, Volume
from dangan.domain import workflow as wf
from dangan.errors import DanganError
from dangan.i18n import join, t
from dangan.services import (
    batches,
    borrow,
    claims,
    qc,
    rebind,
    returns,
    rework,
    signoff,
    sorting,
    workers,
)
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor, resolve_actor
from dangan.services.project import ProjectContext

SHELVING_RULE = "面对档案柜，整体从右至左，每列柜内从上到下竖直摆放"


def _quiet(_line: str) -> None:
    return None


def run_line(ctx: ProjectContext, scan_root: Path, workers_by_role: Mapping[str, str], *,
             say: Callable[[str], None] = _quiet, archive_codes: list[str] | None = None,
             inject_defect: bool = True, catalogue: Path | None = None) -> dict[str, Any]:
    """Borrow the given (default: all registered) volumes as one batch and take it to return.

    ``catalogue``: the indexers' workbook; with it the index stage imports it and the upload
    stage packages the delivery form. Without it upload is signed with a recorded waiver, but
    标引 is never signed without the volumes' catalogue: the line stops there, refused
    (``index.catalogue_not_imported``).
    """
    graph = ws.graph_for(ctx.config)
    people = dict(workers_by_role)
    staff = people.pop(wf.ARCHIVE_STAFF, "档案室经手人")
    for role, name in people.items():
        workers.add_worker(ctx, name, [role])
    clerk = resolve_actor(ctx, people[wf.BORROW_CLERK])
    summary: dict[str, Any] = {"stages": {}, "reworks": 0, "qc": []}
    info = borrow.create_borrow_batch(ctx, clerk, archive_codes or (),
                                      next_count=None if archive_codes else 10**9)
    borrow.confirm_borrow(ctx, clerk, info.no, staff)
    say(t("borrow.created", no=info.no, count=info.volume_count))
    made = batches.split_borrow_batch(ctx, clerk, info.no)
    say(t("batch.split_done", no=info.no, count=len(made)))
    summary.update(borrow_no=info.no, volumes=info.volume_count,
                   work_batches=[b.code for b in made])
    injected = False
    for batch in made:
        for stage in graph.work_stages:
            if stage in wf.QC_LEVELS:
                result = _inspect(ctx, batch.code, stage, people, summary,
                                  inject=inject_defect and not injected)
                summary["qc"].append(result)
                say(t("workflow.line.qc", batch=batch.code, stage=t(f"stage.{stage}"),
                      inspections=result["inspections"], reworks=summary["reworks"]))
                injected = True
            elif stage == wf.REBIND:
                _rebind(ctx, batch.code, resolve_actor(ctx, people[wf.BINDER]), staff)
                summary["stages"][stage] = "workflow"
            else:
                said = len(summary.get("review_accepted", {}))
                _do_stage(ctx, batch.code, stage, people, scan_root, summary, catalogue)
                for code, pages in list(summary.get("review_accepted", {}).items())[said:]:
                    say(t("workflow.line.review_said", volume=code, pages=join(pages)))
            say(t("workflow.advanced", batch=batch.code, stage=t(f"stage.{graph.next(stage)}")))
    ordered = [r.archive_code for r in borrow.borrow_batch_info(ctx, info.no).rows]
    back = returns.return_batch(ctx, clerk, info.no, staff, handed=ordered, counted=len(ordered),
                                shelving_rule=SHELVING_RULE)
    say(t("return.done", no=back.no, count=back.volume_count, clerk=back.return_clerk,
          staff=back.return_archive_staff,
          at=back.returned_at.strftime("%Y-%m-%d %H:%M") if back.returned_at else ""))
    summary["returned"] = back.volume_count
    return summary


def _do_stage(ctx: ProjectContext, code: str, stage: str, people: Mapping[str, str],
              scan_root: Path, summary: dict[str, Any], catalogue: Path | None = None) -> None:
    name = people[wf.STAGE_ROLE[stage]] if wf.STAGE_ROLE[stage] in people else people[wf.INDEXER]
    person = resolve_actor(ctx, name)
    claims.claim(ctx, person, code, stage)
    volumes = _volumes(ctx, code)
    if stage == wf.SORT:
        for archive_code, pages in volumes:
            sorting.record_sorting(ctx, person, archive_code, pages or 40,
                                  unbind_notes="拆除订书钉，无特殊装订")
        summary["stages"][stage] = "workflow"
    elif stage == wf.SCAN and scan_root.is_dir() and _has("dangan.services.intake"):
        _ingest(ctx, scan_root, person, [c for c, _p in volumes])
        summary["stages"][stage] = "intake.ingest"
    elif stage == wf.RETOUCH and _has("dangan.services.retouch.project") and _scanned(ctx, code):
        _retouch(ctx, code, person, summary)
        summary["stages"][stage] = "retouch_project.run"
    elif stage == wf.INDEX and catalogue is not None and _has("dangan.services.indexing"):
        indexing = importlib.import_module("dangan.services.indexing")
        indexing.import_catalogue(ctx, person, [catalogue])
        summary["stages"][stage] = "indexing.import_catalogue"
    elif stage == wf.UPLOAD and catalogue is not None and _has("dangan.services.delivery.packaging"):
        packaging = importlib.import_module("dangan.services.delivery.packaging")
        for form in ctx.config.delivery.forms:
            packaging.package(ctx, person, form)
        summary["stages"][stage] = "packaging.package"
    else:
        summary["stages"].setdefault(stage, "signoff-only")
    # volumes the stage's own service signed already moved on; the rest (a refused or failed
    # volume, its problems recorded as defects for QC's automatic step) are signed here
    if batches.work_batch_info(ctx, code).stage == stage:
        how = summary["stages"][stage]
        waiver = ("" if stage not in (wf.SCAN, wf.UPLOAD) else
                  t("workflow.line.refused_at_intake") if how == "intake.ingest" else
                  t("workflow.line.signed_by_line"))
        signoff.sign_off(ctx, person, code, stage, remarks=_remarks(how), without_work=waiver)


def _remarks(how: str) -> str:
    return "" if how != "signoff-only" else t("workflow.line.signed_by_line")


def _scanned(ctx: ProjectContext, code: str) -> bool:
    from dangan.db.models import StoredFile

    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, code)
        return session.scalar(select(StoredFile.id).join(Volume, Volume.id == StoredFile.volume_id)
                              .where(Volume.work_batch_id == batch.id).limit(1)) is not None


def _retouch(ctx: ProjectContext, code: str, person: Actor,
             summary: dict[str, Any] | None = None) -> None:
    """The retouch engine over the batch's 已扫描 pages (in this process); it records its
    defects and signs the volumes it was sure of. A volume with pages it was not sure of
    (``needs_review``) is held: the demo's retoucher settles each such page through the
    desk's service (accepted, with a remark that they looked at it), then runs retouch again,
    which signs what is recorded — nothing is signed unseen."""
    retouch_project = importlib.import_module("dangan.services.retouch.project")
    fix = importlib.import_module("dangan.services.retouch.fix")
    executors = importlib.import_module("dangan.compute.executors")
    executor = executors.InProcessExecutor()
    try:
        held = retouch_project.run(ctx, executor, batch=code, actor=person).held
        for archive_code, pages in held.items():
            fix.accept_pages(ctx, person, archive_code, [p.page_no for p in pages],
                             t("workflow.line.review_accepted"))
        if held:
            retouch_project.run(ctx, executor, batch=code, actor=person)
            if summary is not None:
                accepted = summary.setdefault("review_accepted", {})
                accepted.update({c: [p.page_no for p in ps] for c, ps in held.items()})
    finally:
        executor.close()


def _ingest(ctx: ProjectContext, scan_root: Path, person: Actor, codes: list[str]) -> None:
    """Intake's verified ingest (the engine signs what it recorded); a refused volume's
    problems are recorded as defects, which QC's automatic step sends back, and the caller
    signs it as scanned."""
    intake = importlib.import_module("dangan.services.intake")
    check = intake.check_scan_root(scan_root, intake.check_options(ctx, workers=1))
    check.volumes = [v for v in check.volumes if v.folder.archive_code in codes]
    check.other_defects = []
    report = intake.ingest(ctx, person, scan_root, report=check)
    refused: dict[str, list[Any]] = {}
    for vol in report.volumes:
        if vol.state in ("refused", "conflict") and vol.volume in codes:
            refused[vol.volume] = list(vol.defects)
    ingested = {v.volume for v in report.volumes}
    for code in codes:
        if code not in ingested:  # no folder for it under the scan root
            refused[code] = []
    if not refused:
        return
    with ctx.transaction() as session:
        for code, defects in refused.items():
            volume = ws.volume_by_code(session, ctx.project_id, code)
            for d in defects or [None]:
                session.add(Defect(project_id=ctx.project_id, volume_id=volume.id,
                                   work_batch_id=volume.work_batch_id,
                                   page_no=getattr(d, "page", None),
                                   code=getattr(d, "code", "missed_scan"), severity="error",
                                   source="check", stage=wf.SCAN,
                                   message=getattr(d, "message", ""),
                                   data={"params": dict(getattr(d, "params", {}) or {})}))


def _inspect(ctx: ProjectContext, code: str, stage: str, people: Mapping[str, str],
             summary: dict[str, Any], inject: bool) -> dict[str, Any]:
    inspector = resolve_actor(ctx, people[wf.QC_INSPECTOR])
    for _attempt in range(wf.MAX_QC_ATTEMPTS + 1):
        claims.claim(ctx, inspector, code, stage)
        sample = qc.draw_sample(ctx, inspector, code, seed=20260101)
        if sample.inspection_id is None:  # automatic-check defects went back first
            summary["reworks"] += _finish_rework(ctx, code)
            continue
        if inject:
            unit = sample.units[0]
            qc.record_defect(ctx, inspector, unit["archive_code"], "skew",
                             page_no=unit["key"] if unit["unit"] == "page" else None,
                             message="抽检发现第一页偏斜")
            inject = False
        verdict = qc.decide(ctx, inspector, code)
        if verdict.batch_advanced:
            return {"batch": code, "stage": stage, "passed": True, "rate": verdict.rate,
                    "inspections": _attempt + 1}
        summary["reworks"] += _finish_rework(ctx, code)
    raise DanganError("qc.too_many_rounds", code=code, rounds=wf.MAX_QC_ATTEMPTS)


def _finish_rework(ctx: ProjectContext, code: str) -> int:
    items = rework.list_rework(ctx, batch=code)
    for item in items:
        worker = item.assignee or _any_worker(ctx, item.stage)
        if item.stage == wf.RETOUCH:
            _retouch_again(ctx, resolve_actor(ctx, worker), item.archive_code, item.page_no)
            # the volume's delivery is built again from the corrected page while the rework
            # is open (a package older than the volume's retouch is refused at handover)
            if _packaged(ctx, item.archive_code):  # a line run without a catalogue packs none
                packager = resolve_actor(ctx, _any_worker(ctx, wf.UPLOAD))
                packaging = importlib.import_module("dangan.services.delivery.packaging")
                for form in ctx.config.delivery.forms:
                    packaging.package(ctx, packager, form, item.archive_code)
        rework.complete_rework(ctx, resolve_actor(ctx, worker), item.id, "已返工更正")
    return len(items)


def _packaged(ctx: ProjectContext, archive_code: str) -> bool:
    """Whether the volume's delivery was built (files stored in 已上传)."""
    from dangan.db.models import StoredFile
    from dangan.storage import Area

    with ctx.transaction() as session:
        return session.scalar(select(StoredFile.id).join(Volume, Volume.id == StoredFile.volume_id)
                              .where(Volume.archive_code == archive_code,
                                     StoredFile.area == Area.UPLOADED.key).limit(1)) is not None


def _retouch_again(ctx: ProjectContext, worker: Actor, archive_code: str,
                   page_no: int | None) -> None:
    """The retoucher's correction of a reworked page (QC found it skewed), recorded as a
    hand-fixed version of it: the retouched page turned back by a quarter of a degree, the
    corner the turn uncovers in paper white."""
    from dangan.db.models import Page, StoredFile
    from dangan.services.retouch.fix import replace_page
    from dangan.storage import Area

    with ctx.transaction() as session:
        row = session.execute(select(Page.page_no, StoredFile.path).join(
            StoredFile, StoredFile.page_id == Page.id).join(Volume, Volume.id == Page.volume_id)
            .where(Volume.archive_code == archive_code, StoredFile.area == Area.RETOUCHED.key,
                   *([Page.page_no == page_no] if page_no is not None else []))
            .order_by(Page.page_no).limit(1)).first()
    if row is not None:
        replace_page(ctx, worker, archive_code, int(row[0]),
                     _turned(ctx.storage.read_bytes(row[1]), 0.25))


def _turned(data: bytes, degrees: float) -> bytes:
    """A page image turned by ``degrees`` (counter-clockwise) about its centre, same size."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        fill = 255 if img.mode == "L" else (255,) * len(img.getbands())
        turned = img.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=fill)
        out = io.BytesIO()
        turned.save(out, format=img.format or "JPEG", quality=90,
                    dpi=img.info.get("dpi", (200, 200)))
    return out.getvalue()


def _any_worker(ctx: ProjectContext, stage: str) -> str:
    for info in workers.list_workers(ctx):
        if wf.STAGE_ALLOWED_ROLES[stage] & set(info.roles):
            return info.name
    raise DanganError("workflow.worker_not_found", name=t(f"stage.{stage}"))


def _rebind(ctx: ProjectContext, code: str, binder: Actor, lead: str) -> None:
    claims.claim(ctx, binder, code, wf.REBIND)
    volumes = [c for c, _p in _volumes(ctx, code)]
    if rebind.agreement(ctx) is None:
        rebind.agree_binding(ctx, "thread", lead, trial_codes=volumes[:1],
                             remarks="三点一线，左下角对齐，不裁切")
        rebind.rebind(ctx, binder, code, volumes[:1], "试装")
        rebind.approve_trial(ctx, lead)
    rebind.rebind(ctx, binder, code)


def _volumes(ctx: ProjectContext, code: str) -> list[tuple[str, int | None]]:
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, code)
        rows = session.execute(select(Volume.archive_code, Volume.expected_pages).where(
            Volume.work_batch_id == batch.id).order_by(Volume.id)).all()
        return [(c, p) for c, p in rows]


def _has(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ModuleNotFoundError:
        return False
    return True
