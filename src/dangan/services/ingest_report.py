"""What ingest says, per volume: its report (``IngestReport``, one ``VolumeIngest`` a volume),
what a rerun found and did for a volume already recorded, and — when an error stops a run —
the volume it stopped at read back from the database (recorded and/or signed by this run for
good, so the operator is told, not left to guess).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from dangan.db.models import StageEvent, StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.domain.defects import Defect
from dangan.i18n import t
from dangan.intake.check import CheckReport
from dangan.intake.walk import printable
from dangan.services.actors import Actor
from dangan.services.ingest_markers import SCANNED_KEY
from dangan.services.project import ProjectContext


@dataclass
class VolumeIngest:
    volume: str
    state: str  # ingested / unchanged / refused / conflict
    pages: int = 0
    bytes: int = 0
    defects: list[Defect] = field(default_factory=list)
    message: str = ""
    signed: bool = False  # the scan stage signed by the operator (by this run)
    key: str = ""  # why it was refused or left unsigned (catalogue key), if it was
    finished: bool = False  # a rerun wrote what an interrupted run left (sheet, receipt)
    noted: list[str] = field(default_factory=list)  # problems a rerun added to the record
    known: list[str] = field(default_factory=list)  # problems given again, already recorded


@dataclass
class IngestReport:
    volumes: list[VolumeIngest] = field(default_factory=list)
    check: CheckReport | None = None
    # The volume (archive code or folder) an error stopped the run at; the volumes before it
    # stay in ``volumes`` as they were done (ingested, signed), so the caller can say so.
    stopped_at: str = ""

    def count(self, state: str) -> int:
        return sum(1 for v in self.volumes if v.state == state)


def last_event(ctx: ProjectContext) -> int:
    with ctx.transaction() as session:
        return int(session.scalar(select(func.max(StageEvent.id))) or 0)


def read_back(ctx: ProjectContext, actor: Actor, code: str | None,
              mark: int) -> VolumeIngest | None:
    """The volume a run stopped at, as the database holds it: recorded (pages and scan
    record) and/or signed at the scan stage by this run (events after ``mark``, by ``actor``)
    — a stop after those commits (the storage gone while its tracking sheet was written)
    leaves them for good. None when this run recorded and signed nothing of it, or when the
    database cannot say (the stop's own error is what matters then)."""
    if not code:
        return None
    try:
        with ctx.transaction() as session:
            volume = session.scalar(select(Volume).where(Volume.project_id == ctx.project_id,
                                                         Volume.archive_code == code))
            if volume is None:
                return None
            kinds = set(session.scalars(select(StageEvent.kind).where(
                StageEvent.volume_id == volume.id, StageEvent.id > mark,
                StageEvent.stage == wf.SCAN, StageEvent.person == actor.name,
                StageEvent.kind.in_((wf.EVENT_SCAN_RECORD, wf.EVENT_SIGNOFF)))))
            pages, size = session.execute(select(func.count(StoredFile.id),
                                                 func.coalesce(func.sum(StoredFile.size), 0))
                                          .where(StoredFile.volume_id == volume.id,
                                                 StoredFile.area == SCANNED_KEY,
                                                 StoredFile.kind == "page")).one()
    except Exception:  # the database gone too: the stop's error says why
        return None
    recorded, signed = wf.EVENT_SCAN_RECORD in kinds, wf.EVENT_SIGNOFF in kinds
    if not (recorded or signed):
        return None
    said = [t("intake.ingest.done", volume=code, pages=pages, size=human(int(size)))
            if recorded else t("intake.ingest.stopped_recorded_before", volume=code)]
    if signed:
        said.append(t("intake.ingest.signed", worker=actor.name))
    said.append("  " + t("intake.ingest.stopped_unfinished", volume=code))
    return VolumeIngest(code, "ingested" if recorded else "unchanged", int(pages), int(size),
                        message="\n".join(said), signed=signed,
                        key="intake.ingest.stopped_unfinished")


def say_rerun(result: VolumeIngest, actor: Actor, event_id: int | None = None) -> None:
    """What a rerun did for an already ingested volume, first in the message."""
    if result.signed:
        key = "intake.ingest.rerun_signed_finished" if result.finished \
            else "intake.ingest.rerun_signed"
    elif result.finished:
        key = "intake.ingest.rerun_finished"
    elif result.noted:
        key = "intake.ingest.rerun_noted"
    else:
        key = "intake.ingest.unchanged"
    rest = result.message.split("\n", 1)[1:]  # the lines _sign added (how to sign), if any
    said = [t(key, volume=result.volume, worker=actor.name)]
    if result.noted:
        said.append("  " + t("intake.ingest.problems_noted", event=event_id, worker=actor.name,
                             problems="；".join(result.noted)))
    if result.known:
        said.append("  " + t("intake.ingest.problems_known", problems="；".join(result.known)))
    result.message = "\n".join([*said, *rest])


def compare_recorded(ctx: ProjectContext, code: str, base: str, pages: Sequence[Any],
                     recorded: dict[str, StoredFile]) -> VolumeIngest:
    from dangan.storage import sha256_file

    wanted = {f"{base}/{p.name}": p for p in pages}
    details: list[str] = []
    for rel in sorted(set(wanted) | set(recorded)):
        name = rel.rsplit("/", 1)[-1]
        if rel not in wanted:
            details.append(t("intake.ingest.gone_from_folder", name=name))
        elif rel not in recorded:
            details.append(t("intake.ingest.not_ingested", name=name))
        else:
            sha = sha256_file(wanted[rel].path)
            if sha != recorded[rel].sha256:
                details.append(t("intake.ingest.conflict", volume=code, path=rel,
                                 source=printable(wanted[rel].path), old=recorded[rel].sha256[:12],
                                 new=sha[:12]))
    if details:
        return conflict(code, details)
    return VolumeIngest(code, "unchanged", len(pages),
                        message=t("intake.ingest.unchanged", volume=code))


def conflict(code: str, details: list[str]) -> VolumeIngest:
    v = VolumeIngest(code, "conflict", message=t("intake.ingest.conflict_pages", volume=code,
                                                 detail=len(details)))
    v.message += "\n" + "\n".join(f"  - {d}" for d in details)
    return v


def human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{size} B"
        value /= 1024
    return f"{size} B"

