"""After a sign-off: the tracking sheets (电子档案信息跟踪表) of the signed volumes are rebuilt,
so each shows every stage's signature so far. The rebuild runs after the sign-off's commit:
a failure there (the storage read-only, full or gone) leaves the sign-off recorded, and the
error says so — never that the sign-off failed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence

from dangan.db.models import Volume
from dangan.domain import workflow as wf
from dangan.errors import DanganError, StorageError
from dangan.i18n import join, t
from dangan.services.actors import Actor
from dangan.services.project import ProjectContext

# The sign-off is recorded, its volumes' sheets were not rebuilt (exit 11, HTTP 503): told
# apart by this key at the edge (the web shows it as a notice, not as a refusal).
SHEETS_NOT_REBUILT = "workflow.signed_sheets_not_rebuilt"


def with_sheet(volumes: Sequence[Volume]) -> list[int]:
    """The signed volumes that have a tracking sheet (ingested: a scan folder and pages)."""
    return [v.id for v in volumes if v.folder_name and v.page_count is not None]


def sheet_volumes(volumes: Sequence[Volume]) -> list[tuple[int, str]]:
    """(id, archive code) of the signed volumes that have a tracking sheet."""
    ids = set(with_sheet(volumes))
    return [(v.id, v.archive_code) for v in volumes if v.id in ids]


def after_signoff(ctx: ProjectContext, volume_ids: Sequence[int]) -> None:
    """Rebuild the tracking sheets of the signed volumes that have a scan folder."""
    if not volume_ids:
        return
    from dangan.export.tracking_sheet import write_tracking_sheets

    write_tracking_sheets(ctx, volume_ids)


def rebuild_signed(ctx: ProjectContext, stage: str, actor: Actor,
                   volumes: Sequence[tuple[int, str]]) -> None:
    """``after_signoff`` once ``actor``'s sign-off of ``stage`` is committed, for ``volumes``
    (``sheet_volumes``). A failure is raised as ``StorageError(SHEETS_NOT_REBUILT)``: the
    sign-off is recorded (no need to sign again), which sheets could not be rebuilt, where
    and why, and how they will be."""
    try:
        after_signoff(ctx, [volume_id for volume_id, _code in volumes])
    except (DanganError, OSError) as exc:
        raise sheets_not_rebuilt(ctx, stage, actor, [code for _id, code in volumes],
                                 exc) from exc


def sheets_not_rebuilt(ctx: ProjectContext, stage: str, actor: Actor, codes: Sequence[str],
                       exc: BaseException) -> StorageError:
    """The error saying the sign-off is recorded and the sheets of ``codes`` are not rebuilt
    (``exc``: why); after 还卷, the last stage, no later sign-off rebuilds them: ``dangan
    sheets rebuild`` does (``sheet_rebuild``)."""
    place, cause = failure_place(ctx, exc)
    details = list(exc.details) if isinstance(exc, DanganError) else []
    shown = [*codes[:10], "…"] if len(codes) > 10 else list(codes)
    rebuild = ("workflow.signed_sheets_last" if stage == wf.RETURN
               else "workflow.signed_sheets_next")
    return StorageError(SHEETS_NOT_REBUILT, details=details, stage=t(f"stage.{stage}"),
                        worker=actor.name, count=len(codes), codes=join(shown), place=place,
                        cause=cause, rebuild=t(rebuild))


def failure_place(ctx: ProjectContext, exc: BaseException) -> tuple[str, str]:
    """(where, why) a sheet could not be written: the file or folder in the storage (the
    storage root when the error names none) and the cause."""
    if isinstance(exc, DanganError):
        place = str(exc.params.get("path") or "")
        cause = str(exc.params.get("detail") or exc.message)
    else:
        place = str(getattr(exc, "filename", None) or "")
        cause = str(getattr(exc, "strerror", None) or exc)
    if not place:
        place = str(ctx.storage.root)
    elif not os.path.isabs(place) and "://" not in place:
        with contextlib.suppress(DanganError):  # a path in the storage: where it is
            place = str(ctx.storage.path(place))
    return place, cause


def signed_sheets_left(stage: str, actor: Actor, signed: Sequence[str]) -> str:
    """The line saying the stage is signed for ``signed`` (in the database), the sheets not."""
    shown = [*signed[:10], "…"] if len(signed) > 10 else list(signed)
    return t("storage.signed_sheets_left", stage=t(f"stage.{stage}"), worker=actor.name,
             count=len(signed), codes=join(shown))
