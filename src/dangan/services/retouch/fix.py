"""Use case: a retoucher settles one page by hand — accepts the retouched page as it is, or
replaces it with a hand-fixed file.

A replacement is a new version in 已修图 (a new name, its SHA-256 and size recorded on the
page's retouched ``StoredFile`` row); the earlier version's file stays where it was and the
master in 已扫描 is never written. Both acts are recorded as a ``retouch_record`` event with
the previous and new checksums, signed by the actor, who must hold the batch's retouch claim
(the volume not yet signed for 修图) or an open rework of the volume. Either settles the page's
open retouch warnings — ``needs_review`` among them, which hold the volume's sign-off
(``hold``) — accepted as ``waived``, replaced as ``fixed`` (QC verifies it), each with who and
why; errors stay open for QC's rework.
"""

from __future__ import annotations

import io
import posixpath
from dataclasses import dataclass
from datetime import datetime

from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.db.models import Defect, Page, Rework, StageEvent, StoredFile, Volume, WorkBatch
from dangan.domain import workflow as wf
from dangan.errors import ConflictError, InputError, NotFoundError, StateError
from dangan.i18n import t
from dangan.services import engine
from dangan.services import workflow_state as ws
from dangan.services.engine import Actor
from dangan.services.project import ProjectContext
from dangan.services.retouch.hold import HeldPage, held_in_session
from dangan.storage.areas import Area
from dangan.storage.checksum import sha256_bytes

MAX_BYTES = 200 * 1024 * 1024
MAX_PIXELS = 400_000_000
FORMATS = {"JPEG": ".jpg", "TIFF": ".tif", "PNG": ".png"}


@dataclass(frozen=True)
class FixResult:
    archive_code: str
    page_no: int
    path: str
    sha256: str
    previous_sha256: str
    version: int
    settled: int = 0  # the page's open retouch warnings settled by the replacement


def _may_retouch(session: Session, actor: Actor, volume: Volume) -> None:
    """The retouch claim of the volume's batch, or an open rework of the volume, is needed."""
    engine.require_role(actor, wf.RETOUCH)
    rework = session.scalar(select(Rework.id).where(
        Rework.volume_id == volume.id, Rework.status == "open", Rework.stage == wf.RETOUCH,
        Rework.assignee_id == actor.worker_id).limit(1))
    if rework is not None:
        return
    batch = session.get(WorkBatch, volume.work_batch_id) if volume.work_batch_id else None
    # a volume signed for 修图 already is changed only through a rework, never quietly
    if batch is None or batch.stage != wf.RETOUCH or volume.stage != wf.RETOUCH:
        raise StateError("retouch_fix.not_at_retouch", volume=volume.archive_code)
    engine.require_claimant(session, batch, wf.RETOUCH, actor)


def _page(session: Session, project_id: int, archive_code: str,
          page_no: int) -> tuple[Volume, Page]:
    volume = ws.volume_by_code(session, project_id, archive_code)
    page = session.scalar(select(Page).where(Page.volume_id == volume.id,
                                             Page.page_no == page_no))
    if page is None:
        raise NotFoundError("retouch_fix.no_page", volume=archive_code, page=page_no)
    return volume, page


def _check_image(data: bytes) -> str:
    """The file's format suffix, after a full decode check (refuses broken and huge files)."""
    if not data:
        raise InputError("retouch_fix.bad_file", detail=t("retouch.unreadable.empty_file"))
    if len(data) > MAX_BYTES:
        raise InputError("retouch_fix.too_large", limit=f"{MAX_BYTES // (1024 * 1024)} MB")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.size[0] * img.size[1] > MAX_PIXELS:
                raise InputError("retouch_fix.too_many_pixels", width=img.size[0],
                                 height=img.size[1], limit=MAX_PIXELS // 1_000_000)
            fmt = img.format or ""
            img.load()
    except InputError:
        raise
    except Exception as exc:  # Pillow raises many kinds for a hostile file
        kind = "truncated" if "truncat" in str(exc).lower() else "not_an_image"
        raise InputError("retouch_fix.bad_file", detail=t(f"retouch.unreadable.{kind}")) from None
    if fmt not in FORMATS:
        raise InputError("retouch_fix.bad_file", detail=fmt or "?")
    return FORMATS[fmt]


def _event(session: Session, ctx: ProjectContext, actor: Actor, volume: Volume,
           data: dict[str, object], at: datetime) -> None:
    session.add(StageEvent(project_id=ctx.project_id, kind=wf.EVENT_RETOUCH_RECORD,
                           stage=wf.RETOUCH, volume_id=volume.id,
                           work_batch_id=volume.work_batch_id, worker_id=actor.worker_id,
                           person=actor.name, at=at, data=data))


def replace_page(ctx: ProjectContext, actor: Actor, archive_code: str, page_no: int,
                 data: bytes) -> FixResult:
    """Record ``data`` (a hand-fixed image) as the page's new retouched version."""
    suffix = _check_image(data)
    with ctx.transaction() as session:
        volume, page = _page(session, ctx.project_id, archive_code, page_no)
        _may_retouch(session, actor, volume)
        master = session.scalar(select(StoredFile).where(
            StoredFile.page_id == page.id, StoredFile.area == Area.SCANNED.key))
        current = session.scalar(select(StoredFile.sha256).where(
            StoredFile.page_id == page.id, StoredFile.area == Area.RETOUCHED.key))
        if current and current == sha256_bytes(data):
            # the page as it is: no fix, and no way to settle a finding or close a rework
            raise ConflictError("retouch_fix.unchanged", volume=archive_code, page=page_no)
        # beside the retouched pages, mirroring the master's folder (never in 已扫描)
        folder = posixpath.basename(posixpath.dirname(master.path)) if master else \
            (volume.folder_name or archive_code)
        stem = posixpath.splitext(posixpath.basename(master.path))[0] if master else \
            f"{page_no:04d}"
        version = 1 + (session.scalar(select(func.count()).select_from(StageEvent).where(
            StageEvent.volume_id == volume.id, StageEvent.kind == wf.EVENT_RETOUCH_RECORD,
            StageEvent.data["hand_fixed_page"].as_integer() == page_no)) or 0)
    rel = f"{Area.RETOUCHED.value}/{folder}/{stem}.fix{version}{suffix}"
    digest = ctx.storage.write_bytes(rel, data)  # a new name: no version is overwritten
    if digest != sha256_bytes(data):
        raise StateError("retouch_fix.write_mismatch", path=rel)
    at = ws.now()
    with ctx.transaction() as session:
        volume, page = _page(session, ctx.project_id, archive_code, page_no)
        _may_retouch(session, actor, volume)
        row = session.scalar(select(StoredFile).where(
            StoredFile.page_id == page.id, StoredFile.area == Area.RETOUCHED.key))
        previous = {"path": row.path, "sha256": row.sha256} if row else {}
        if row is None:
            row = StoredFile(project_id=ctx.project_id, volume_id=volume.id, page_id=page.id,
                             area=Area.RETOUCHED.key, kind="page", path=rel, sha256="", size=0)
            session.add(row)
        row.path, row.sha256, row.size, row.recorded_at, row.verified_at = \
            rel, digest, len(data), at, at
        page.metrics = {**(page.metrics or {}),
                        "hand_fixed": {"by": actor.name, "at": at.isoformat(), "version": version}}
        settled = _settle_warnings(session, volume, page_no, "fixed", {
            "reason": "hand_fixed", "by": actor.name, "version": version}, at)
        _event(session, ctx, actor, volume, {"hand_fixed_page": page_no, "version": version,
                                             "path": rel, "sha256": digest,
                                             "previous": previous, "settled": settled}, at)
        return FixResult(archive_code, page_no, rel, digest, str(previous.get("sha256", "")),
                         version, settled)


def _settle_warnings(session: Session, volume: Volume, page_no: int, status: str,
                     resolution: dict[str, object], at: datetime) -> int:
    """The page's open retouch warnings (``needs_review`` among them) settled as ``status``
    with why; errors stay open (QC sends them back as rework). A finding under an open
    rework is left to the rework. Returns how many were settled."""
    in_rework = set(session.scalars(select(Rework.defect_id).where(
        Rework.volume_id == volume.id, Rework.status == "open",
        Rework.defect_id.is_not(None))))
    settled = 0
    for defect in session.scalars(select(Defect).where(
            Defect.volume_id == volume.id, Defect.page_no == page_no,
            Defect.source == "retouch", Defect.status == "open",
            Defect.severity == "warning")):
        if defect.id in in_rework:
            continue
        defect.status = status
        defect.resolved_at = at
        defect.data = {**(defect.data or {}), "resolution": resolution}
        settled += 1
    return settled


def accept_pages(ctx: ProjectContext, actor: Actor, archive_code: str, page_nos: list[int],
                 reason: str = "") -> dict[int, int]:
    """The retoucher looked at each page and accepts it as it is: its open retouch warnings
    (``needs_review`` among them) are waived, with who and ``reason`` kept on each finding and
    in the page's retouch record (errors stay open until fixed). All pages or none. Returns
    page -> the warnings waived."""
    at = ws.now()
    reason = reason.strip()
    out: dict[int, int] = {}
    with ctx.transaction() as session:
        for page_no in dict.fromkeys(page_nos):
            volume, page = _page(session, ctx.project_id, archive_code, page_no)
            _may_retouch(session, actor, volume)
            waived = _settle_warnings(session, volume, page_no, "waived", {
                "reason": "accepted", "by": actor.name, "remarks": reason}, at)
            page.metrics = {**(page.metrics or {}),
                            "accepted": {"by": actor.name, "at": at.isoformat(),
                                         "remarks": reason}}
            _event(session, ctx, actor, volume, {"accepted_page": page_no, "waived": waived,
                                                 "remarks": reason}, at)
            out[page_no] = waived
    return out


def accept_page(ctx: ProjectContext, actor: Actor, archive_code: str, page_no: int,
                reason: str = "") -> int:
    """One page accepted (``accept_pages``). Returns the number of warnings waived."""
    return accept_pages(ctx, actor, archive_code, [page_no], reason)[page_no]


def still_held(ctx: ProjectContext, archive_code: str) -> list[HeldPage]:
    """The volume's pages still waiting for a person (none once each was accepted or
    replaced; then a retouch run signs it)."""
    with ctx.transaction() as session:
        volume = ws.volume_by_code(session, ctx.project_id, archive_code)
        return held_in_session(session, [volume.id], at_retouch_only=True).get(archive_code, [])
