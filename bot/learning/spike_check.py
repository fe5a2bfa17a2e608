"""The hourly spike check: each team's touchpoints, products and themes, last 24 h against the 28 days before.

Counting is two grouped queries (touchpoints and products in one pass, themes in another; read-only, no lock
held); then one short write transaction moves
each key's alert state with a compare-and-set (so two checks never alert twice) and queues the alerts. A key
alerts when its spike starts and not again until a check finds it calm. When one spike shows under several keys
(a billing touchpoint spike is also its product's), the team gets one alert: a key whose loops the team was
already alerted about in this check is marked alerting without another message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.delivery.outbox import enqueue_spike_alert
from bot.insight.spikes import is_spike, next_state, spike_p_value
from bot.insight.words import common_words
from models.db import new_session, transaction
from models.spike import (
    DIMENSIONS,
    SpikeAlert,
    alerting_states,
    facet_counts,
    get_spike_state,
    loops_in_window,
    set_alerting,
    theme_counts,
)
from models.team import Team, list_all_teams, list_teams
from models.theme import Theme

log = logging.getLogger(__name__)
WINDOW = timedelta(days=1)
BASELINE_DAYS = 28


@dataclass(frozen=True)
class Spike:
    """A key counted far above its usual rate in the last day."""

    team_id: int
    dimension: str
    value: str
    count: int
    baseline_per_day: float
    p_value: float

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.team_id, self.dimension, self.value)


def find_spikes(engine: Engine, *, workspace_id: str, now: datetime) -> list[Spike]:
    """Every key spiking now, strongest first (smallest p, then touchpoint before product before theme)."""
    recent, since = now - WINDOW, now - WINDOW - timedelta(days=BASELINE_DAYS)
    counts: dict[tuple[int, str, str], list[int]] = {}  # key → [in the last day, in all 29 days]
    with new_session(engine, read_only=True) as session:
        for team_id, touchpoint, product, count, total in facet_counts(
            session=session, workspace_id=workspace_id, since=since, recent=recent, until=now
        ):
            for dimension, value in (("touchpoint", touchpoint), ("product", product)):
                if value is not None:
                    tally = counts.setdefault((team_id, dimension, value), [0, 0])
                    tally[0], tally[1] = tally[0] + count, tally[1] + total
        for team_id, theme_id, count, total in theme_counts(
            session=session, workspace_id=workspace_id, since=since, recent=recent, until=now
        ):
            counts[(team_id, "theme", str(theme_id))] = [count, total]
    spikes = []
    for (team_id, dimension, value), (count, total) in counts.items():
        baseline = (total - count) / BASELINE_DAYS
        if is_spike(count, baseline):
            spikes.append(Spike(team_id, dimension, value, count, baseline, spike_p_value(count, baseline)))
    return sorted(spikes, key=lambda s: (s.p_value, DIMENSIONS.index(s.dimension), s.value))


def check_spikes(engine: Engine, *, now: datetime) -> int:
    """Check every workspace with teams; returns how many alerts were queued."""
    workspaces = sorted({team.workspace_id for team in _teams(engine)})
    return sum(check_workspace(engine, workspace_id=workspace_id, now=now) for workspace_id in workspaces)


def check_workspace(engine: Engine, *, workspace_id: str, now: datetime) -> int:
    """One workspace's check: alert-once states moved, alerts queued; returns how many alerts were queued."""
    spikes = find_spikes(engine, workspace_id=workspace_id, now=now)
    spiking = {spike.key for spike in spikes}
    queued = 0
    with transaction(engine) as session:
        teams = {team.id: team for team in list_teams(session=session, workspace_id=workspace_id)}
        for state in alerting_states(session=session, workspace_id=workspace_id):
            if (state.team_id, state.dimension, state.value) not in spiking:
                set_alerting(session=session, state_id=state.id, alerting=False, at=now)  # calm: may alert again
        alerted: dict[int, set[int]] = {}  # team → loops it was alerted about in this check
        for spike in spikes:
            team = teams.get(spike.team_id)
            if team is None or not team.spikes:
                continue
            state = get_spike_state(
                session=session,
                workspace_id=workspace_id,
                team_id=spike.team_id,
                dimension=spike.dimension,
                value=spike.value,
            )
            if not next_state(state.alerting, True).send_alert:
                continue
            if not set_alerting(session=session, state_id=state.id, alerting=True, at=now):
                continue  # another check flipped it first
            rows = loops_in_window(
                session=session,
                workspace_id=workspace_id,
                team_id=spike.team_id,
                dimension=spike.dimension,
                value=spike.value,
                start=now - WINDOW,
                until=now,
            )
            loop_ids = sorted({loop.id for loop, _ in rows})
            told = alerted.setdefault(team.id, set())
            if loop_ids and set(loop_ids) <= told:
                continue  # the same spike under another key: already alerted
            told.update(loop_ids)
            alert = SpikeAlert(
                workspace_id=workspace_id,
                team_id=team.id,
                channel_id=team.channel_id,
                dimension=spike.dimension,
                value=spike.value,
                label=_label(session, spike),
                count=spike.count,
                baseline_per_day=spike.baseline_per_day,
                p_value=spike.p_value,
                words=[word for word, _ in common_words(feedback.comment for _, feedback in rows)],
                loop_ids=loop_ids,
                window_end=now,
                created_at=now,
            )
            session.add(alert)
            session.flush()
            enqueue_spike_alert(session, workspace_id=workspace_id, alert_id=alert.id, channel_id=team.channel_id)
            queued += 1
    if queued:
        log.info("queued %d spike alert(s)", queued)
    return queued


def _label(session: Session, spike: Spike) -> str:
    if spike.dimension == "theme":
        theme = session.get(Theme, int(spike.value))
        return f"theme “{theme.name}”" if theme is not None else f"theme #{spike.value}"
    return f"{spike.dimension} {spike.value}"


def _teams(engine: Engine) -> list[Team]:
    with new_session(engine, read_only=True) as session:
        return list_all_teams(session=session)
