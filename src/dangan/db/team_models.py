"""Teams (班组) and the indexes the manager's desk and the web pages read by.

A team has a name and a leader; a worker belongs to at most one team (``team_member`` is
keyed by the worker). Membership is current, not historical: a report per team counts the
work of the team's members as they are now.

The indexes on existing tables live here beside the tables they serve (same metadata):
- ``ix_stage_event_first``: a stage's sign-offs per volume in time order, so "the first
  sign-off of each volume at a stage" is read from the index alone (burn-up, throughput);
- ``ix_stage_event_signoff_volume``: per volume and stage, its sign-offs and waivers read from
  the index ("signed before?" when the engine marks a first sign-off, a waived stage for the
  reports).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dangan.db.models import Base, StageEvent, Timestamp, utcnow


class Team(Base):
    """班组: a name and a leader (a worker of the project)."""

    __tablename__ = "team"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    __table_args__ = (UniqueConstraint("project_id", "name"),)


class TeamMember(Base):
    """A worker's team: one row per worker at most (the primary key is the worker)."""

    __tablename__ = "team_member"
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    since: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)


Index("ix_stage_event_first", StageEvent.project_id, StageEvent.kind, StageEvent.stage,
      StageEvent.volume_id, StageEvent.at)
Index("ix_stage_event_signoff_volume", StageEvent.volume_id, StageEvent.stage, StageEvent.kind,
      StageEvent.id)
