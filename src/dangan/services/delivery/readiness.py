"""What must hold before a handover leaves, beyond the link check: no defect of a delivered
volume still open (its rework not yet done and re-inspected), and no delivered package older
than its volume's latest retouch (the pages changed after the package was built).

A defect recorded in error is withdrawn by the project manager (``services.defects``, recorded
with the reason): that is the recorded way past the first refusal. The second is met by
building the volume's package again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.db.models import Defect, StageEvent, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.i18n import defect_label, t
from dangan.services.project import ProjectContext
from dangan.storage import Area

MAX_NAMED = 20


def check_ready(ctx: ProjectContext, archive_codes: Sequence[str]) -> None:
    """Refuse a handover of these volumes while one of their defects is open
    (``handover.open_defects``) or one of their packages is older than their latest retouch
    (``handover.stale_package``)."""
    with ctx.transaction() as session:
        ids = dict(session.execute(select(Volume.id, Volume.archive_code).where(
            Volume.project_id == ctx.project_id,
            Volume.archive_code.in_(list(archive_codes)))).all())
        _refuse_open_defects(session, ids)
        _refuse_stale_packages(ctx, session, ids)


def _refuse_open_defects(session: Session, ids: dict[int, str]) -> None:
    """Each open defect named; one of a stage done on the paper, on a volume already back in
    the archive room (found at acceptance), says its rework waits for the paper."""
    from dangan.services.qc import PAPER_STAGES

    returned = set(session.scalars(select(Volume.id).where(
        Volume.id.in_(list(ids)), Volume.stage == wf.DONE)))
    rows = session.execute(select(Defect).where(
        Defect.volume_id.in_(list(ids)), Defect.severity == "error",
        Defect.cause != "original", Defect.status.in_(("open", "fixed")))
        .order_by(Defect.volume_id, Defect.page_no, Defect.id)).scalars().all()
    if not rows:
        return
    lines = [t("handover.open_defect_line_paper" if d.volume_id in returned
               and d.stage in PAPER_STAGES else "handover.open_defect_line",
               id=d.id, code=ids[d.volume_id or 0],
               page=d.page_no if d.page_no is not None else "-", defect=defect_label(d.code),
               status=t(f"qc.defect_status.{d.status}")) for d in rows]
    raise StateError("handover.open_defects", count=len(rows),
                     ids="、".join(f"#{d.id}" for d in rows[:MAX_NAMED]), details=lines)


def _refuse_stale_packages(ctx: ProjectContext, session: Session, ids: dict[int, str]) -> None:
    stale = stale_packages(ctx, session, ids)
    if stale:
        raise StateError("handover.stale_package", count=len(stale),
                         codes="、".join(stale[:MAX_NAMED]), first=stale[0], details=stale)


def stale_packages(ctx: ProjectContext, session: Session, ids: dict[int, str]) -> list[str]:
    """The archive codes (sorted) among ``ids`` (volume id → archive code) whose delivery
    package is stale: their retouched pages were recorded (a retouch run, a hand-fixed page)
    after the package was last built, and changed (the package's recorded request is not what
    packaging would ask for now) — the package delivers the pages as they were before. The one
    rule the handover, the link check, rework sign-off and re-inspection apply; mended by
    building the volume's package again."""
    if not ids:
        return []
    packaged = _latest(session, ids, wf.EVENT_PACKAGE)
    retouched = _latest(session, ids, wf.EVENT_RETOUCH_RECORD, skip_accepted=True)
    for volume_id, at in session.execute(select(
            StoredFile.volume_id, func.max(StoredFile.recorded_at)).where(
            StoredFile.volume_id.in_(list(ids)), StoredFile.area == Area.RETOUCHED.key)
            .group_by(StoredFile.volume_id)).all():
        if volume_id is not None and at is not None and (
                volume_id not in retouched or at > retouched[volume_id]):
            retouched[volume_id] = at
    return sorted(ids[v] for v, at in retouched.items()
                  if v in packaged and at > packaged[v] and not _still_current(ctx, session, v))


def stale_volume(ctx: ProjectContext, session: Session, volume_id: int | None) -> str | None:
    """The volume's archive code when its package is stale (``stale_packages``), else None."""
    if volume_id is None:
        return None
    code = session.scalar(select(Volume.archive_code).where(Volume.id == volume_id))
    if code is None:
        return None
    return next(iter(stale_packages(ctx, session, {volume_id: code})), None)


def project_stale_packages(ctx: ProjectContext) -> list[str]:
    """Every volume of the project whose package is stale (``stale_packages``)."""
    with ctx.transaction() as session:
        ids = dict(session.execute(select(Volume.id, Volume.archive_code).where(
            Volume.project_id == ctx.project_id,
            Volume.id.in_(select(StageEvent.volume_id).where(
                StageEvent.kind == wf.EVENT_PACKAGE)))).all())
        return stale_packages(ctx, session, ids)


def _still_current(ctx: ProjectContext, session: Session, volume_id: int) -> bool:
    """Whether the volume's last package of each form was built from the pages and catalogue
    as they are now (a retouch that wrote the same pages again changes nothing delivered):
    its recorded request is what packaging would ask for now, under some form option."""
    from dangan.services.delivery.packaging import _request_digest, load_sources

    last: dict[str, str] = {}
    for data in session.scalars(select(StageEvent.data).where(
            StageEvent.volume_id == volume_id, StageEvent.kind == wf.EVENT_PACKAGE)
            .order_by(StageEvent.id.desc())):
        form = str((data or {}).get("form", ""))
        last.setdefault(form, str((data or {}).get("request", "")))
    code = session.scalar(select(Volume.archive_code).where(Volume.id == volume_id))
    sources = load_sources(session, ctx.project_id, code)
    if not sources or not last:
        return False
    return all(request in {_request_digest(ctx, sources[0], form,
                                           {"ocr": ocr, "tiff_single": single})
                           for ocr in (False, True) for single in (False, True)}
               for form, request in last.items())


def _latest(session: Session, ids: dict[int, str], kind: str,
            skip_accepted: bool = False) -> dict[int, datetime]:
    out: dict[int, datetime] = {}
    for volume_id, at, data in session.execute(select(
            StageEvent.volume_id, StageEvent.at, StageEvent.data).where(
            StageEvent.volume_id.in_(list(ids)), StageEvent.kind == kind)).all():
        if skip_accepted and "accepted_page" in (data or {}):
            continue  # a page accepted as it is: nothing new delivered
        if volume_id is not None and (volume_id not in out or at > out[volume_id]):
            out[volume_id] = at
    return out
