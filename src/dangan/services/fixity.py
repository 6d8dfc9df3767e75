"""Use cases of verification: re-read every stored file against its recorded checksum
(``fixity``), and find the volumes whose ingest stopped before its tracking sheet and receipt
(``unfinished_ingests``, for ``status``; ``fixity`` names them too)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from dangan.db.models import StoredFile, Volume
from dangan.domain import workflow as wf
from dangan.errors import IntegrityError
from dangan.export.tracking_sheet import sheet_rel
from dangan.i18n import t
from dangan.imaging.files import TEMP_MARK
from dangan.services.delivery.packaging import PKG_TMP
from dangan.services.ingest_markers import PENDING, SCANNED_KEY, left_unfinished
from dangan.services.project import ProjectContext
from dangan.storage import Area
from dangan.storage.atomic import TMP_PREFIX


def unfinished_ingests(ctx: ProjectContext, everywhere: bool = False) -> list[str]:
    """Volumes with recorded scans whose ingest stopped before their tracking sheet and
    receipt were written (the pending marker is left, or the sheet is missing); two stat
    calls a volume. For ``status`` (``everywhere`` False) the volumes at 扫描 and at the stage
    after it: a run stopped after its sign-off leaves a volume there, and the next sign-off
    rewrites the sheet — so a project of 100,000 volumes is not stat'ed whole for a status.
    ``everywhere``: every ingested volume, as ``fixity`` looks at them."""
    query = _ingested_volumes(ctx)
    if not everywhere:
        stages = list(ctx.config.workflow.stages)
        near = stages[stages.index(wf.SCAN):stages.index(wf.SCAN) + 2] \
            if wf.SCAN in stages else [wf.SCAN]
        query = query.where(Volume.stage.in_(near))
    with ctx.transaction() as session:
        rows = session.execute(query).all()
    return [code for code, folder in rows if left_unfinished(ctx, code, str(folder))]


def _ingested_volumes(ctx: ProjectContext) -> Any:
    """(archive code, folder) of every volume with recorded scans, by archive code."""
    return select(Volume.archive_code, Volume.folder_name).where(
        Volume.project_id == ctx.project_id, Volume.folder_name.is_not(None),
        select(StoredFile.id).where(StoredFile.volume_id == Volume.id,
                                    StoredFile.area == SCANNED_KEY).exists()
    ).order_by(Volume.archive_code)


@dataclass
class FixityReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)  # files that differ or are missing
    # work left unfinished, named as such (an ingest before its sheet and receipt, a packaging
    # run before its rename, a copy's temporary files): no stored file differs, the rerun
    # finishes it
    unfinished: list[str] = field(default_factory=list)
    # stored files in an area of recorded files that the database does not record (a
    # database older than the storage: restored from an older backup beside newer files)
    unrecorded: list[str] = field(default_factory=list)


# The areas whose every file is a recorded stored file (a row with its checksum). The records
# area (sorting photos: their checksum is kept in the sort record) and the handover area are
# not: their files are accounted for elsewhere.
RECORDED_AREAS = (Area.SCANNED, Area.RETOUCHED, Area.CATALOGUE, Area.UPLOADED)
# dangan's own bookkeeping beside the recorded files, never a stored file of its own: an
# unfinished ingest's marker (named as such), a retouch worker's partial output, a packaging
# run's staged copy (named as unpublished when recorded); temporaries are skipped by the walk.
_BOOKKEEPING_PREFIXES = (PENDING, TEMP_MARK, PKG_TMP)


def unrecorded_files(ctx: ProjectContext, recorded: set[str], sheets: set[str],
                     area: str | None = None) -> list[str]:
    """Files in the recorded areas (or ``area`` alone) that no stored-file row names: the
    tracking sheets of the recorded volumes (``sheets``, rebuilt from the database) and
    dangan's bookkeeping aside. One listing of the storage, no file read."""
    out: list[str] = []
    for a in RECORDED_AREAS:
        if area and a.key != area:
            continue
        for rel in ctx.storage.walk_files(a.value):
            name = rel.rsplit("/", 1)[-1]
            if rel in recorded or rel in sheets or name.startswith(_BOOKKEEPING_PREFIXES):
                continue
            out.append(rel)
    return out


def leftover_temporaries(ctx: ProjectContext, area: str | None = None) -> list[str]:
    """The temporary files a write stopped midway left in the recorded areas (a copy killed
    during ``ingest``: ``.dangan-tmp-*`` beside the masters), one line per folder with their
    count and size. Never masters nor recorded; the rerun removes them (``ingest`` clears its
    volume folder's before it copies). One listing of each area, no file read."""
    out: list[str] = []
    for a in RECORDED_AREAS:
        if area and a.key != area:
            continue
        base = ctx.storage.path(a.value)
        if not ctx.storage.fs.exists(base):
            continue
        by_folder: dict[str, list[int]] = {}
        for full, info in sorted(ctx.storage.fs.find(base, detail=True).items()):
            if posixpath.basename(full).startswith(TMP_PREFIX):
                folder = posixpath.dirname(ctx.storage.relative(full))
                count_size = by_folder.setdefault(folder, [0, 0])
                count_size[0] += 1
                count_size[1] += int(info.get("size") or 0)
        key = "intake.fixity.temporaries_scanned" if a is Area.SCANNED \
            else "intake.fixity.temporaries"
        out += [t(key, folder=folder, count=count, mb=f"{size / 1e6:.1f}")
                for folder, (count, size) in by_folder.items()]
    return out


def fixity(ctx: ProjectContext, area: str | None = None) -> FixityReport:
    """Re-read every recorded file and compare with its checksum; raise IntegrityError if any differ."""
    with ctx.transaction() as session:
        q = select(StoredFile).where(StoredFile.project_id == ctx.project_id)
        if area:
            q = q.where(StoredFile.area == area)
        files = [(f.id, f.path, f.sha256, f.size) for f in session.scalars(q)]
        ingested = session.execute(_ingested_volumes(ctx)).all() \
            if area in (None, SCANNED_KEY) else []
    report = FixityReport()
    report.unrecorded = unrecorded_files(
        ctx, {rel for _id, rel, _sha, _size in files},
        {sheet_rel(str(folder), code) for code, folder in ingested}, area)
    for code, folder_name in ingested:  # an ingest that stopped before its sheet and receipt
        if left_unfinished(ctx, code, str(folder_name)):
            report.unfinished.append(t("faults.ingest_unfinished", volume=code))
    report.unfinished += leftover_temporaries(ctx, area)
    good: list[int] = []
    for fid, rel, sha, size in files:
        report.checked += 1
        if not ctx.storage.exists(rel):
            problem = t("intake.fixity.missing", path=rel)
        elif (actual_size := ctx.storage.size(rel)) != size:
            problem = t("intake.fixity.size", path=rel, expected=size, actual=actual_size)
        elif ctx.storage.sha256(rel) != sha:
            problem = t("intake.fixity.mismatch", path=rel)
        else:
            good.append(fid)
            continue
        unpublished = _unpublished(ctx, rel, sha)
        if unpublished:
            report.unfinished.append(unpublished)
        else:
            report.problems.append(problem)
    now = datetime.now(UTC)
    with ctx.transaction() as session:
        for fid in good if not ctx.read_only else ():  # a read-only check records nothing
            row = session.get(StoredFile, fid)
            if row is not None:
                row.verified_at = now
    # The files that differ or are missing are counted apart from the work left unfinished
    # (named as such in the details): an unfinished ingest is no changed file.
    counts = {"count": report.checked, "bad": len(report.problems),
              "unfinished": len(report.unfinished)}
    if report.unrecorded:  # said first: it explains files missing from the database
        raise IntegrityError(
            "intake.fixity.unrecorded", **counts, unrecorded=len(report.unrecorded),
            details=[t("intake.fixity.unrecorded_file", path=rel) for rel in report.unrecorded]
            + report.problems + report.unfinished)
    if report.problems:
        raise IntegrityError("intake.fixity.bad", **counts,
                             details=report.problems + report.unfinished)
    if report.unfinished:  # every file matches; exit 8 still: the storage is not complete
        raise IntegrityError("intake.fixity.unfinished", **counts, details=report.unfinished)
    return report


def _unpublished(ctx: ProjectContext, rel: str, sha: str) -> str | None:
    """A delivered file recorded by a packaging run that stopped before renaming it into
    place (its staged copy waits beside it): unfinished work, not a changed file."""
    if not rel.startswith(Area.UPLOADED.value + "/"):
        return None
    from dangan.services.delivery.packaging import staged_name

    staged = staged_name(rel, sha)
    if ctx.storage.exists(staged) and ctx.storage.sha256(staged) == sha:
        return t("faults.package_unpublished", path=rel)
    return None
