"""Digests that were sent: one row per team and period, so a digest goes out exactly once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint, func
from sqlmodel import Column, Field, Session, SQLModel, col, select

from models.base import UTCDateTime, primary_key, utcnow


class DigestRun(SQLModel, table=True):
    __tablename__ = "digest_run"
    __table_args__ = (UniqueConstraint("team_id", "period_start", name="uq_digest_team_period"),)

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    team_id: int = Field(foreign_key="team.id")
    period_start: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    period_end: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    late: bool = Field(default=False)
    sent_by: str = Field(max_length=32, description="scheduler, or the user who asked for it")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


def count_digest_runs(*, session: Session) -> dict[bool, int]:
    """Digest runs so far, by whether they were late."""
    return {
        bool(late): int(n)
        for late, n in session.exec(select(col(DigestRun.late), func.count()).group_by(col(DigestRun.late)))
    }


def digest_was_sent(*, session: Session, team_id: int, period_start: datetime) -> bool:
    """Whether the team's digest for the period starting then is recorded as sent."""
    return (
        session.exec(
            select(col(DigestRun.id)).where(
                col(DigestRun.team_id) == team_id, col(DigestRun.period_start) == period_start
            )
        ).first()
        is not None
    )
