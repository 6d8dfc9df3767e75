"""The project's defects as a list a person can work through: which volume, which page, what
(in words, as recorded), found by which check or inspector, and where it stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from dangan.db.models import Defect, Volume
from dangan.errors import NotFoundError
from dangan.services.project import ProjectContext

OPEN = "open"


@dataclass(frozen=True)
class DefectRow:
    volume: str  # archive code ("" for a defect of no volume)
    page: int | None
    code: str
    severity: str  # error / warning
    source: str  # check / retouch / link / qc / borrow
    stage: str | None
    status: str  # open / fixed / verified / waived / noted
    message: str
    found_at: datetime


def _words(defect: Defect) -> str:
    """A retouch finding in the reader's language, from its code and recorded detail (also for
    one stored before findings were stored in words); any other as recorded."""
    detail = (defect.data or {}).get("detail")
    if defect.source == "retouch" and isinstance(detail, str):
        from dangan.services.retouch import defect_words

        return defect_words(defect.code, detail)
    return defect.message


def list_defects(ctx: ProjectContext, *, volume: str | None = None,
                 include_closed: bool = False) -> list[DefectRow]:
    """Defects of the project (of one volume when ``volume`` names its archive code), open
    ones only unless ``include_closed``, in volume and page order, errors before warnings."""
    with ctx.transaction() as session:
        query = (select(Defect, Volume.archive_code)
                 .outerjoin(Volume, Volume.id == Defect.volume_id)
                 .where(Defect.project_id == ctx.project_id))
        if volume is not None:
            found = session.scalar(select(Volume.id).where(
                Volume.project_id == ctx.project_id, Volume.archive_code == volume))
            if found is None:
                raise NotFoundError("workflow.volume_not_found", code=volume)
            query = query.where(Defect.volume_id == found)
        if not include_closed:
            query = query.where(Defect.status == OPEN)
        rows = [DefectRow(code or "", d.page_no, d.code, d.severity, d.source, d.stage,
                          d.status, _words(d), d.found_at)
                for d, code in session.execute(query).all()]
    return sorted(rows, key=lambda r: (r.volume, r.page if r.page is not None else -1,
                                       r.severity != "error", r.found_at))
