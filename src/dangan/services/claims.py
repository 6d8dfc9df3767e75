"""领取: a worker claims a work batch for a stage, or hands it back.

One work batch is never held by two people of the same role (the seed's rule). The partial
unique index on claim (work_batch_id, role) WHERE released_at IS NULL decides races: of two
simultaneous claims exactly one commits, the other is refused with ConflictError.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError as SAIntegrityError

from dangan.domain import workflow as wf
from dangan.errors import ConflictError, StateError
from dangan.i18n import t
from dangan.services import workflow_state as ws
from dangan.services.project import ProjectContext


@dataclass(frozen=True)
class ClaimInfo:
    id: int
    batch: str
    stage: str
    role: str
    worker: str
    claimed_at: datetime

    def to_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def claim(ctx: ProjectContext, batch_code: str, worker: str, stage: str | None = None,
          remarks: str = "") -> ClaimInfo:
    graph = ws.graph_for(ctx.config)
    try:
        with ctx.transaction() as session:
            batch = ws.work_batch_by_code(session, ctx.project_id, batch_code)
            wanted = stage or batch.stage
            person = ws.worker_by_name(session, ctx.project_id, worker)
            row = ws.claim_in_session(session, ctx.project_id, graph, batch, wanted, person,
                                      remarks=remarks)
            return ClaimInfo(row.id, batch.code, row.stage, row.role, person.name, row.claimed_at)
    except ConflictError:
        raise
    except Exception as exc:
        if _is_unique_violation(exc):
            raise ConflictError("workflow.claim_race", code=batch_code) from None
        raise


def _is_unique_violation(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, SAIntegrityError):
            return True
        seen = seen.__cause__
    return False


def hand_back(ctx: ProjectContext, batch_code: str, worker: str, remarks: str = "") -> None:
    """Give a claimed batch back (ill, moved to other work); the next person may claim it."""
    with ctx.transaction() as session:
        batch = ws.work_batch_by_code(session, ctx.project_id, batch_code)
        person = ws.worker_by_name(session, ctx.project_id, worker)
        if batch.stage not in wf.STAGE_ROLE:
            raise StateError("workflow.not_claimed", code=batch.code, stage=t(f"stage.{batch.stage}"))
        held = ws.require_claimant(session, batch, batch.stage, person)
        ws.release_claim(session, ctx.project_id, held, "handed_back", person.name,
                         remarks=remarks)
        if batch.status == wf.CLAIMED:
            batch.status = wf.WAITING
