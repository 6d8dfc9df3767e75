"""A defect recorded by QC (质检 or 验收): who may record it, the same finding refused twice, the
stage (and person) it belongs to, and its rework opened at once or by the verdict."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.db.models import Defect, Item, Page, QCInspection, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.errors import ConflictError, InputError, StateError
from dangan.i18n import catalogue, defect_label, t
from dangan.services import engine
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext
from dangan.services.rework import open_rework_in_session

# A defect of the original paper (cause ``original``, 原卷错误) is recorded with this status:
# not open work, so it opens no rework, fails no sample and blocks no rebinding or return.
ORIGINAL_STATUS = "noted"
# Stages whose work is done on the paper itself (整理, 扫描, 装订): a defect of one found on a
# volume already back in the archive room (验收 after the return) is recorded and its rework
# opened, but the rework can only be done once the volume is borrowed again.
PAPER_STAGES = frozenset({wf.BORROW, wf.SORT, wf.SCAN, wf.REBIND})


@dataclass(frozen=True)
class DefectResult:
    id: int
    archive_code: str
    code: str
    stage: str
    responsible: str
    inspection_id: int | None
    rework_id: int | None
    # recorded on a volume already returned to the archive room (验收): its rework of a stage
    # done on the paper (``needs_paper``) waits until the volume is borrowed again
    returned: bool = False
    needs_paper: bool = False

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def defect_code_of(text: str) -> str:
    """A defect type as typed: its code (``skew``) or its name in either language (偏斜,
    Skewed page) — the code; anything else as it was typed (refused as unknown)."""
    typed = text.strip()
    if typed in wf.DEFECT_STAGE:
        return typed
    wanted = typed.casefold()
    for code in wf.DEFECT_STAGE:
        names = catalogue().get(f"defect.{code}.label") or catalogue().get(f"defect.{code}")
        if names is None or "{" in names[0]:
            continue
        # "倒页/方向错": either half; "错页（顺序错）": with or without the bracket
        said = {n.strip().casefold() for name in names
                for n in (name, *name.split("/"), re.split(r"[（(]", name)[0])}
        if wanted in said:
            return code
    return typed


def record_defect(ctx: ProjectContext, actor: Actor, archive_code: str, code: str, *,
                  page_no: int | None = None, item_seq: int | None = None, message: str = "",
                  stage: str | None = None, severity: str = "error", cause: str = "worker",
                  box: tuple[int, int, int, int] | None = None) -> DefectResult:
    """Record an error on a page or item; it belongs to the stage (and person) it arose in.

    Only a QC inspector (holding the QC level's claim while the batch is at QC) or the
    project manager records one (``may_record``); the same kind on the same place while the
    first is still open is refused as a duplicate, and so is a stage nobody signed for the
    volume (no one to send it back to). Found by the inspector of an open inspection it joins
    that inspection (rework follows the verdict); otherwise it goes back as rework at once.

    A volume already returned to the archive room (验收, the client's acceptance) takes a
    defect too, from a QC inspector or the project manager — its batch is past QC, so no claim
    applies. Its rework opens at once to the worker responsible; one of a stage done on the
    paper (``PAPER_STAGES``) waits for the volume to be borrowed again (``needs_paper``).
    """
    graph = ws.graph_for(ctx.config)
    code = defect_code_of(code)
    if stage is None and wf.defect_stage(code, graph) is None:
        raise InputError("qc.unknown_defect", code=code, choices="、".join(
            f"{c}（{defect_label(c)}）" for c in wf.DEFECT_STAGE))
    if severity not in ("error", "warning"):
        raise InputError("qc.bad_severity", severity=severity)
    if cause not in ("worker", "original"):
        raise InputError("qc.bad_cause", cause=cause)
    if box is not None and (len(box) != 4 or min(box) < 0 or box[2] < 1 or box[3] < 1):
        raise InputError("qc.bad_box", box=",".join(str(v) for v in box))
    origin = stage or wf.defect_stage(code, graph)
    if origin is None or origin not in graph:
        raise InputError("qc.defect_stage_unknown", code=code, stage=origin or "")
    with ctx.transaction() as session:
        volume = ws.volume_by_code(session, ctx.project_id, archive_code)
        if volume.work_batch_id is None:
            raise StateError("qc.volume_not_on_line", code=archive_code)
        returned = volume.stage == wf.DONE
        if page_no is not None:
            _check_page(session, volume, page_no)
        item_id = None
        if item_seq is not None:
            item_id = session.scalar(select(Item.id).where(Item.volume_id == volume.id,
                                                           Item.seq == item_seq))
            if item_id is None:
                raise InputError("qc.item_not_found", code=archive_code, seq=item_seq)
        may_record(session, actor, volume)
        _refuse_duplicate(session, volume, page_no, item_id, code, severity, cause)
        responsible = ws.responsible_for(session, volume, origin)
        if responsible is None and cause != "original":
            # nobody signed that stage for this volume: nobody to send the rework to or charge
            raise StateError("qc.defect_stage_not_signed", code=archive_code,
                             stage=t(f"stage.{origin}"), defect=code)
        inspection = open_inspection(session, volume.work_batch_id)
        holder = ws.open_claim(session, volume.work_batch_id, wf.QC_INSPECTOR)
        in_qc = (inspection is not None and holder is not None
                 and holder.worker_id == actor.worker_id)
        defect = Defect(project_id=ctx.project_id, volume_id=volume.id,
                        work_batch_id=volume.work_batch_id, page_no=page_no, item_id=item_id,
                        code=code, severity=severity, source="qc" if in_qc else "line",
                        stage=origin, responsible_id=responsible,
                        found_by_id=actor.worker_id,
                        inspection_id=inspection.id if in_qc and inspection else None,
                        message=message, cause=cause,
                        # 原卷错误: the paper's own fault is recorded, never reworked or charged
                        status=ORIGINAL_STATUS if cause == "original" else "open",
                        data={"item_seq": item_seq, "params": _defect_params(
                            archive_code, page_no, item_seq, message),
                              **({"box": [int(v) for v in box]} if box else {})})
        session.add(defect)
        session.flush()
        ws.add_event(session, ctx.project_id, wf.EVENT_DEFECT, actor.name, stage=origin,
                     worker_id=actor.worker_id, volume_id=volume.id, work_batch_id=volume.work_batch_id,
                     remarks=message, data={"defect_id": defect.id, "code": code,
                                            "page_no": page_no, "item_seq": item_seq})
        rework_id = None
        if not in_qc and severity == "error" and cause != "original":
            rework_id = open_rework_in_session(session, ctx.project_id, defect, actor.name,
                                              graph=graph).id
        return DefectResult(defect.id, archive_code, code, origin,
                            ws.worker_name(session, defect.responsible_id),
                            defect.inspection_id, rework_id, returned,
                            returned and rework_id is not None and origin in PAPER_STAGES)


def may_record(session: Session, actor: Actor, volume: Volume) -> None:
    """Who may record a defect: the project manager, or a QC inspector — who, while the
    volume's batch is at a QC level, must hold that level's claim of the batch (the engine's
    ``require_claimant``, as for the sample, the verdict and re-inspection). Past QC (at
    rebinding, or the volume returned: 验收) no QC claim applies: any QC inspector records."""
    if wf.PROJECT_MANAGER in actor.roles:
        return
    if wf.QC_INSPECTOR not in actor.roles:
        held = "/".join(t(f"role.{r}") for r in sorted(actor.roles)) or "-"
        raise StateError("qc.record_not_inspector", name=actor.name, roles=held,
                         role=t(f"role.{wf.QC_INSPECTOR}"),
                         manager=t(f"role.{wf.PROJECT_MANAGER}"))
    batch = session.get(WorkBatch, volume.work_batch_id) if volume.work_batch_id else None
    if batch is not None and batch.stage in wf.QC_LEVELS:
        engine.require_claimant(session, batch, batch.stage, actor)


# a defect still being dealt with: its rework open, or done and awaiting re-inspection
STILL_OPEN = ("open", "fixed")


def _refuse_duplicate(session: Session, volume: Volume, page_no: int | None,
                      item_id: int | None, code: str, severity: str, cause: str) -> None:
    """The same kind of defect on the same page (item, or volume) while the first is still
    open is the same finding: recorded twice it would be reworked and charged twice."""
    if cause == "original":
        return
    first = session.scalar(select(Defect).where(
        Defect.volume_id == volume.id, Defect.code == code, Defect.severity == severity,
        Defect.cause != "original", Defect.status.in_(STILL_OPEN),
        Defect.page_no.is_(None) if page_no is None else Defect.page_no == page_no,
        Defect.item_id.is_(None) if item_id is None else Defect.item_id == item_id)
        .order_by(Defect.id).limit(1))
    if first is not None:
        place = t("qc.sample_unit.page", key=page_no) if page_no is not None else \
            t("qc.sample_unit.item", key=(first.data or {}).get("item_seq")) \
            if item_id is not None else t("qc.sample_unit.volume")
        raise ConflictError("qc.defect_duplicate", id=first.id, code=volume.archive_code,
                            place=place, defect=code,
                            status=t(f"qc.defect_status.{first.status}"))


def _defect_params(archive_code: str, page_no: int | None, item_seq: int | None,
                   message: str) -> dict[str, Any]:
    """What the defect's text is rendered from when read (``defect.<code>``)."""
    return {"path": "", "volume": archive_code, "page": "" if page_no is None else page_no,
            "item": "" if item_seq is None else item_seq, "note": message}


def open_inspection(session: Session, batch_id: int) -> QCInspection | None:
    return session.scalar(select(QCInspection).where(QCInspection.work_batch_id == batch_id,
                                                     QCInspection.decision.is_(None)))


def _check_page(session: Session, volume: Volume, page_no: int) -> None:
    """A defect's page must be one of the volume's pages: those ingested, or numbered by the
    sorter (a missing page is one numbered but not scanned); unknown when neither is there."""
    from dangan.services.sorting import pages_numbered

    ingested = session.scalar(select(func.max(Page.page_no)).where(Page.volume_id == volume.id))
    pages = max(int(ingested or 0), volume.page_count or 0,
                pages_numbered(session, volume.id) or 0)
    if page_no < 1 or (pages and page_no > pages):
        raise InputError("qc.page_out_of_range", code=volume.archive_code, page=page_no,
                         pages=pages or "?")
