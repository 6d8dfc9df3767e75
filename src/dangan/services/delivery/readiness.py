"""What must hold before a handover leaves, beyond the link check: no defect of a delivered
volume still open (its rework not yet done and re-inspected), and no delivered package older
than what it holds: its volume's retouched pages or its catalogue changed after the package
was built (``stale_packages``).

A defect recorded in error is withdrawn by the project manager (``services.defects``, recorded
with the reason): that is the recorded way past the first refusal. The second is met by
building the volume's package again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.db.models import Defect, StageEvent, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.errors import StateError
from dangan.i18n import defect_label, t
from dangan.services.delivery.package_digest import (
    catalogue_digest,
    latest_catalogue_events,
    pages_digest,
    recorded_items,
    recorded_pages,
    seen_catalogue_event,
)
from dangan.services.project import ProjectContext
from dangan.storage import Area

if TYPE_CHECKING:
    from dangan.services.delivery.packaging import VolumeSource

MAX_NAMED = 20


def check_ready(ctx: ProjectContext, archive_codes: Sequence[str]) -> None:
    """Refuse a handover of these volumes while one of their defects is open
    (``handover.open_defects``) or one of their packages is stale (``handover.stale_package``:
    older than their latest retouch or catalogue change)."""
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
    package is stale: what its files hold is no longer what is recorded — its retouched pages
    were recorded again (a retouch run, a hand-fixed page), or its catalogue imported again (an
    index rework, a correction), after a form's last packaging, and changed what that form's
    files carry (``package_digest``). The one rule the handover, the link check, rework
    sign-off, re-inspection, a QC pass and the package desk apply; mended by building the
    volume's package again.

    Cheap for the package desk: the volumes to compare are found from grouped queries (the
    latest retouch time, the latest catalogue import) against each form's last package
    event; only those are compared, from light rows read in bulk (a package recorded before
    its event kept what it holds: by its whole request)."""
    if not ids:
        return []
    last = _last_packages(session, ids)
    retouched = _latest(session, ids, wf.EVENT_RETOUCH_RECORD, skip_accepted=True)
    for volume_id, at in session.execute(select(
            StoredFile.volume_id, func.max(StoredFile.recorded_at)).where(
            StoredFile.volume_id.in_(list(ids)), StoredFile.area == Area.RETOUCHED.key)
            .group_by(StoredFile.volume_id)).all():
        if volume_id is not None and at is not None and (
                volume_id not in retouched or at > retouched[volume_id]):
            retouched[volume_id] = at
    # a form packaged before the latest retouch, or before the latest catalogue import
    by_pages = {v for v, at in retouched.items()
                if v in last and any(at > p.at for p in last[v].values())}
    catalogued = latest_catalogue_events(session, ctx.project_id, list(last))
    compare = by_pages | {v for v, forms in last.items() if v in catalogued and any(
        catalogued[v] > seen_catalogue_event(p.event_id, p.data) for p in forms.values())}
    if not compare:
        return []
    old = {v for v in compare if any(not p.holds for p in last[v].values())}
    items = recorded_items(session, compare - old)
    pages = recorded_pages(session, by_pages - old)
    stale = {v for v in compare - old if not items.get(v) or any(
        p.data["catalogue"] != catalogue_digest(items[v], form)
        or (v in by_pages and p.data["pages"] != pages_digest(pages.get(v, {}).items()))
        for form, p in last[v].items())}
    if old:
        from dangan.services.delivery.packaging import load_sources

        sources = {s.volume_id: s for s in load_sources(session, ctx.project_id, None,
                                                       volume_ids=sorted(old))}
        stale |= {v for v in old if not _same_request(ctx, sources.get(v), last[v])}
    return sorted(ids[v] for v in stale)


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


def _same_request(ctx: ProjectContext, src: VolumeSource | None,
                  last: dict[str, _Packaged]) -> bool:
    """A package recorded before its event kept what it holds: current when its recorded
    request is what packaging would ask for now (the pages, every item field, the naming and
    resolution), under some form option."""
    from dangan.services.delivery.packaging import _request_digest

    if src is None or not last:
        return False
    return all(str(p.data.get("request", "")) in {
        _request_digest(ctx, src, form, {"ocr": ocr, "tiff_single": single})
        for ocr in (False, True) for single in (False, True)} for form, p in last.items())


@dataclass(frozen=True)
class _Packaged:
    """A volume's last package event of one form."""

    event_id: int
    at: datetime
    data: dict[str, Any]

    @property
    def holds(self) -> bool:
        """Whether it recorded what its files hold (``package_digest``)."""
        return "catalogue" in self.data and "pages" in self.data


def _last_packages(session: Session, ids: dict[int, str]) -> dict[int, dict[str, _Packaged]]:
    """Each volume's last package event of each form."""
    last: dict[int, dict[str, _Packaged]] = {}
    for event_id, volume_id, at, data in session.execute(select(
            StageEvent.id, StageEvent.volume_id, StageEvent.at, StageEvent.data).where(
            StageEvent.volume_id.in_(list(ids)), StageEvent.kind == wf.EVENT_PACKAGE)
            .order_by(StageEvent.id)).all():
        if volume_id is not None:
            form = str((data or {}).get("form", ""))
            last.setdefault(volume_id, {})[form] = _Packaged(event_id, at, data or {})
    return last


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
