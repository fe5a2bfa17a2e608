"""Teams that own feedback, and the ordered routes that send feedback to them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Index, Numeric, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlmodel import Column, Field, Session, SQLModel, col, delete, func, select

from models.base import UTCDateTime, primary_key, utcnow


class Team(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("workspace_id", "name", name="uq_team_workspace_name"),)

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32, index=True)
    name: str = Field(max_length=80)
    channel_id: str = Field(max_length=32)
    leads: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    timezone: str = Field(default="UTC", max_length=64)
    # Business hours, e.g. {"days": "mon-fri", "start": "09:00", "end": "17:00"}; None means around the clock.
    hours: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    sla_ack_minutes: int | None = Field(default=None)
    sla_close_minutes: int | None = Field(default=None)
    thread_log: bool = Field(
        default=True,
        sa_column_kwargs={"server_default": sa_true()},
        description="a short thread reply on the card per change",
    )
    leads_only_moves: bool = Field(
        default=False,
        sa_column_kwargs={"server_default": sa_false()},
        description="only leads may move or reopen this team's loops",
    )
    digest_schedule: str = Field(
        default="weekly mon 09:00", max_length=100, sa_column_kwargs={"server_default": "weekly mon 09:00"}
    )
    personal_digests: bool | None = Field(
        default=None, description="DM each owner their open loops with the digest; None: on for weekly digests"
    )
    notify_owner_above: Decimal | None = Field(
        default=None,
        sa_column=Column(Numeric(14, 2), nullable=True),
        description="a detractor from an account with at least this ARR tells the account's owner; None: off",
    )
    mask_emails: bool = Field(
        default=False,
        sa_column_kwargs={"server_default": sa_false()},
        description="customers' emails show as d•••@acme.io in this team's channel",
    )
    spikes: bool = Field(
        default=True,
        sa_column_kwargs={"server_default": sa_true()},
        description="a spike of detractors in this team's loops posts one alert to its channel",
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Route(SQLModel, table=True):
    __table_args__ = (Index("ix_route_workspace_position", "workspace_id", "position"),)

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    position: int
    team_id: int = Field(foreign_key="team.id")
    matchers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    continue_matching: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


def list_teams(*, session: Session, workspace_id: str) -> list[Team]:
    """Every team of a workspace, by name."""
    return list(session.exec(select(Team).where(col(Team.workspace_id) == workspace_id).order_by(col(Team.name))))


def team_channels(*, session: Session, workspace_id: str) -> list[tuple[str, str]]:
    """(name, channel id) of every team, by name; only these columns, so a schema behind the code still reads."""
    query = select(Team.name, Team.channel_id).where(col(Team.workspace_id) == workspace_id).order_by(col(Team.name))
    return [(name, channel) for name, channel in session.exec(query)]


def get_team_by_name(*, session: Session, workspace_id: str, name: str) -> Team | None:
    """The team called ``name`` in the workspace, if any."""
    return session.exec(select(Team).where(col(Team.workspace_id) == workspace_id, col(Team.name) == name)).first()


def list_routes(*, session: Session, workspace_id: str) -> list[Route]:
    """The workspace's routes in evaluation order."""
    return list(
        session.exec(
            select(Route).where(col(Route.workspace_id) == workspace_id).order_by(col(Route.position), col(Route.id))
        )
    )


def get_team(*, session: Session, team_id: int | None) -> Team | None:
    """The team with this id (None for a loop that went to the default channel)."""
    return session.get(Team, team_id) if team_id is not None else None


def list_all_teams(*, session: Session) -> list[Team]:
    """Every team of every workspace, by id (the digest scheduler checks them all)."""
    return list(session.exec(select(Team).order_by(col(Team.id))))


def delete_routes(*, session: Session, workspace_id: str, team_id: int | None = None) -> int:
    """Remove the workspace's routes (only one team's, with ``team_id``); returns how many."""
    query = select(func.count()).select_from(Route).where(col(Route.workspace_id) == workspace_id)
    removal = delete(Route).where(col(Route.workspace_id) == workspace_id)
    if team_id is not None:
        query, removal = query.where(col(Route.team_id) == team_id), removal.where(col(Route.team_id) == team_id)
    count = session.exec(query).one()
    session.exec(removal)
    return int(count)
