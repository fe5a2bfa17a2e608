"""Detractor spikes: each key's alert state (so a spike alerts once) and the alerts sent, with their counts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import JSON, Float, UniqueConstraint, and_, case, func, update
from sqlalchemy import select as select_columns
from sqlmodel import Column, Field, Session, SQLModel, col, select

from models.base import UTCDateTime, primary_key, utcnow
from models.feedback import Feedback
from models.loop import Loop
from models.theme import Theme, ThemeLink

DIMENSIONS = ("touchpoint", "product", "theme")


class SpikeState(SQLModel, table=True):
    """Whether a team's touchpoint, product or theme is spiking: alerting stays true until a calm check."""

    __tablename__ = "spike_state"
    __table_args__ = (UniqueConstraint("workspace_id", "team_id", "dimension", "value", name="uq_spike_state_key"),)

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    team_id: int = Field(foreign_key="team.id")
    dimension: str = Field(max_length=12, description="touchpoint, product or theme")
    value: str = Field(max_length=120, description="the touchpoint or product; the theme's id")
    alerting: bool = Field(default=False)
    checked_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class SpikeAlert(SQLModel, table=True):
    """One alert sent to a team's channel: what spiked, by how much, its loops, and the theme it became."""

    __tablename__ = "spike_alert"

    id: int = primary_key()
    workspace_id: str = Field(foreign_key="workspace.id", max_length=32)
    team_id: int = Field(foreign_key="team.id", index=True)
    channel_id: str = Field(max_length=32)
    dimension: str = Field(max_length=12)
    value: str = Field(max_length=120)
    label: str = Field(max_length=200, description="what spiked, as people read it (a theme's name)")
    count: int
    baseline_per_day: float = Field(sa_column=Column(Float, nullable=False))
    p_value: float = Field(sa_column=Column(Float, nullable=False))
    words: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    loop_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    window_end: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ts: str | None = Field(default=None, max_length=32)
    theme_id: int | None = Field(default=None, foreign_key="theme.id")
    elevated_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


def _bad_since(workspace_id: str, since: datetime, until: datetime) -> tuple:
    return (
        col(Feedback.workspace_id) == workspace_id,
        col(Feedback.category).in_(("detractor", "negative")),
        col(Feedback.received_at) >= since,
        col(Feedback.received_at) < until,
    )


def _recent_count(recent: datetime, until: datetime):  # type: ignore[no-untyped-def]
    return func.sum(case((and_(col(Feedback.received_at) >= recent, col(Feedback.received_at) < until), 1), else_=0))


def facet_counts(
    *, session: Session, workspace_id: str, since: datetime, recent: datetime, until: datetime
) -> list[tuple[int, str | None, str | None, int, int]]:
    """(team id, touchpoint, product, detractors since ``recent``, detractors since ``since``) of the detractors
    and negative ratings received in [since, until), by the team whose loop each is in: one grouped query, read
    from the feedback's spike index and the loops' primary key (both dimensions at once: one pass, not two)."""
    team, touchpoint, product = Loop.__table__.c.team_id, col(Feedback.touchpoint), col(Feedback.product)  # type: ignore[attr-defined]
    query = (
        select_columns(team, touchpoint, product, _recent_count(recent, until), func.count())
        .select_from(Feedback)
        .join(Loop, col(Loop.id) == col(Feedback.loop_id))
        .where(*_bad_since(workspace_id, since, until), team.is_not(None))
        .group_by(team, touchpoint, product)
    )
    return [(int(t), tp, p, int(r or 0), int(n)) for t, tp, p, r, n in session.execute(query)]


def theme_counts(
    *, session: Session, workspace_id: str, since: datetime, recent: datetime, until: datetime
) -> list[tuple[int, int, int, int]]:
    """(owner team id, theme id, detractors since ``recent``, since ``since``) of the loops linked to themes (not
    merged ones): one grouped query."""
    owner, theme = col(Theme.owner_team_id), col(Theme.id)
    query = (
        select_columns(owner, theme, _recent_count(recent, until), func.count())
        .select_from(Feedback)
        .join(ThemeLink, col(ThemeLink.loop_id) == col(Feedback.loop_id))
        .join(Theme, theme == col(ThemeLink.theme_id))
        .where(*_bad_since(workspace_id, since, until), col(Theme.status) != "merged")
        .group_by(owner, theme)
    )
    return [(int(t), int(k), int(r or 0), int(n)) for t, k, r, n in session.execute(query)]


def loops_in_window(
    *, session: Session, workspace_id: str, team_id: int, dimension: str, value: str, start: datetime, until: datetime
) -> list[tuple[Loop, Feedback]]:
    """The team's loops whose detractors or negative ratings of this key were received in [start, until)."""
    query = (
        select(Loop, Feedback)
        .join(Feedback, col(Feedback.loop_id) == col(Loop.id))
        .where(
            col(Feedback.workspace_id) == workspace_id,
            col(Feedback.category).in_(("detractor", "negative")),
            col(Feedback.received_at) >= start,
            col(Feedback.received_at) < until,
        )
    )
    if dimension == "theme":
        query = query.join(ThemeLink, col(ThemeLink.loop_id) == col(Loop.id)).where(
            col(ThemeLink.theme_id) == int(value)
        )
    else:
        query = query.where(col(Loop.team_id) == team_id, col(getattr(Feedback, dimension)) == value)
    return [(loop, feedback) for loop, feedback in session.exec(query.order_by(col(Loop.id)))]


def alerting_states(*, session: Session, workspace_id: str) -> list[SpikeState]:
    """The keys alerting since their spike began."""
    query = select(SpikeState).where(col(SpikeState.workspace_id) == workspace_id, col(SpikeState.alerting))
    return list(session.exec(query))


def get_spike_state(*, session: Session, workspace_id: str, team_id: int, dimension: str, value: str) -> SpikeState:
    """The key's state, created (not alerting) if it has none yet."""
    found = session.exec(
        select(SpikeState).where(
            col(SpikeState.workspace_id) == workspace_id,
            col(SpikeState.team_id) == team_id,
            col(SpikeState.dimension) == dimension,
            col(SpikeState.value) == value,
        )
    ).first()
    if found is None:
        found = SpikeState(workspace_id=workspace_id, team_id=team_id, dimension=dimension, value=value)
        session.add(found)
        session.flush()
    return found


def set_alerting(*, session: Session, state_id: int, alerting: bool, at: datetime) -> bool:
    """Flip a key's state, only if it is not so already (one of two concurrent checks wins); whether it flipped."""
    result = session.execute(
        update(SpikeState)
        .where(col(SpikeState.id) == state_id, col(SpikeState.alerting) == (not alerting))
        .values(alerting=alerting, checked_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0)) == 1


def claim_spike_theme(*, session: Session, alert_id: int, theme_id: int, by: str) -> bool:
    """Record the theme an alert became, only if it has none yet (a second click loses)."""
    result = session.execute(
        update(SpikeAlert)
        .where(col(SpikeAlert.id) == alert_id, col(SpikeAlert.theme_id).is_(None))
        .values(theme_id=theme_id, elevated_by=by)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0)) == 1


def get_spike_alert(*, session: Session, workspace_id: str, alert_id: int) -> SpikeAlert | None:
    alert = session.get(SpikeAlert, alert_id)
    return alert if alert is not None and alert.workspace_id == workspace_id else None


def spike_alerts_of_loops(*, session: Session, workspace_id: str, loop_ids: Iterable[int]) -> list[SpikeAlert]:
    """The workspace's spike alerts that name any of these loops, oldest first (a few alerts a week: read whole)."""
    wanted = set(loop_ids)
    query = select(SpikeAlert).where(col(SpikeAlert.workspace_id) == workspace_id).order_by(col(SpikeAlert.id))
    return [alert for alert in session.exec(query) if wanted & set(alert.loop_ids or ())]
