"""领取: a worker claims a work batch for a stage, or hands it back.

One work batch is never held by two people of the same role (the seed's rule). The partial
unique index on claim (work_batch_id, role) WHERE released_at IS NULL decides races: of two
simultaneous claims exactly one commits, the other is refused with ConflictError. The
engine (``services.engine``) does the work; this module is the stage-area entry point.
"""

from __future__ import annotations

from dangan.services.engine import ClaimInfo, claim, hand_back

__all__ = ["ClaimInfo", "claim", "hand_back"]
