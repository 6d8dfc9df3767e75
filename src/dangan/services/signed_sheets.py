"""After a sign-off: the tracking sheets (电子档案信息跟踪表) of the signed volumes are rebuilt,
so each shows every stage's signature so far. The rebuild runs after the sign-off's commit:
a failure there leaves the sign-off recorded, and says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from dangan.db.models import Volume
from dangan.i18n import join, t
from dangan.services.actors import Actor
from dangan.services.project import ProjectContext


def with_sheet(volumes: Sequence[Volume]) -> list[int]:
    """The signed volumes that have a tracking sheet (ingested: a scan folder and pages)."""
    return [v.id for v in volumes if v.folder_name and v.page_count is not None]


def after_signoff(ctx: ProjectContext, volume_ids: Sequence[int]) -> None:
    """Rebuild the tracking sheets of the signed volumes that have a scan folder."""
    if not volume_ids:
        return
    from dangan.export.tracking_sheet import write_tracking_sheets

    write_tracking_sheets(ctx, volume_ids)


def signed_sheets_left(stage: str, actor: Actor, signed: Sequence[str]) -> str:
    """The line saying the stage is signed for ``signed`` (in the database), the sheets not."""
    shown = [*signed[:10], "…"] if len(signed) > 10 else list(signed)
    return t("storage.signed_sheets_left", stage=t(f"stage.{stage}"), worker=actor.name,
             count=len(signed), codes=join(shown))
