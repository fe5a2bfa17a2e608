"""Lists of loops for people: mine, my team's, one loop with its history (for /loops, App Home, digests).

Renderers take loops with their feedback already loaded (``with_feedback``): one query for a
whole list, never one per line.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.loops.cards import STATUS_LABELS, customer_label, score_label
from bot.loops.outcomes import OUTCOMES
from bot.loops.sla import breached
from bot.mrkdwn import escape, mention_user, slack_date
from models.account import loops_at_risk
from models.feedback import Feedback, feedback_by_id
from models.loop import (
    Loop,
    count_open_loops,
    count_resolved_since,
    get_loop,
    list_loop_events,
    list_open_loops,
)
from models.team import Team, list_teams

SHOWN = 15
# A loop with its feedback, as the renderers below take them.
LoadedLoop = tuple[Loop, Feedback]


def with_feedback(session: Session, loops: list[Loop]) -> list[LoadedLoop]:
    """Each loop with its feedback, loaded in one query."""
    feedback = feedback_by_id(session=session, ids=[loop.feedback_id for loop in loops])
    return [(loop, feedback[loop.feedback_id]) for loop in loops]


def card_url(channel_id: str, ts: str) -> str:
    """A card's permalink built from channel and ts (Slack redirects /archives links into the workspace)."""
    return f"https://slack.com/archives/{channel_id}/p{ts.replace('.', '')}"


def card_link(loop: Loop) -> str:
    if not loop.card_ts:
        return "card not posted yet"
    return f"<{card_url(loop.channel_id, loop.card_ts)}|open card>"


def loop_line(loop: Loop, feedback: Feedback, now: datetime, *, flag: str | None = None) -> str:
    parts = [
        f"*#{loop.id}* {score_label(feedback)} · {escape(customer_label(feedback))}",
        STATUS_LABELS.get(loop.status, loop.status),
    ]
    if loop.owner_id:
        parts.append(f"{mention_user(loop.owner_id)}")
    if flag:
        parts.append(flag)
    if breached(loop, now):
        parts.append(":rotating_light: overdue")
    due = loop.ack_due_at if loop.status == "new" else loop.resolve_due_at
    if due:
        parts.append(f"due {slack_date(due)}")
    parts.append(card_link(loop))
    return " · ".join(parts)


def lines(loops: list[LoadedLoop], now: datetime, *, empty: str, flags: dict[int, str] | None = None) -> list[str]:
    if not loops:
        return [empty]
    flags = flags or {}
    shown = [f"• {loop_line(loop, feedback, now, flag=flags.get(loop.id))}" for loop, feedback in loops[:SHOWN]]
    if len(loops) > SHOWN:
        shown.append(f"…and {len(loops) - SHOWN} more")
    return shown


def my_teams(session: Session, *, workspace_id: str, user_id: str) -> list[Team]:
    """Teams the person leads (Loopkeeper knows leads, not every member)."""
    return [t for t in list_teams(session=session, workspace_id=workspace_id) if user_id in t.leads]


def mine(session: Session, *, workspace_id: str, user_id: str, now: datetime) -> str:
    loops = list_open_loops(session=session, workspace_id=workspace_id, owner_id=user_id, limit=200)
    return "\n".join(
        [
            f"*Your open loops* ({len(loops)})",
            *shown_lines(session, loops, now, empty="_None — nothing is waiting on you._"),
        ]
    )


def open_loops(session: Session, *, workspace_id: str, team: Team | None, now: datetime) -> str:
    team_ids = [team.id] if team else None
    loops = list_open_loops(session=session, workspace_id=workspace_id, team_ids=team_ids, limit=500)
    title = f"*Open loops of {team.name}*" if team else "*Open loops*"
    unowned = [loop for loop in loops if not loop.owner_id]
    overdue = [loop for loop in loops if breached(loop, now)]
    # A customer who scheduled a cancellation is the most urgent save: their loops come first.
    at_risk = loops_at_risk(session=session, workspace_id=workspace_id, team_ids=team_ids)
    cancelling = f", {len(at_risk)} cancelling" if at_risk else ""
    head = f"{title} ({len(loops)}; {len(unowned)} unowned, {len(overdue)} overdue{cancelling})"
    ordered = at_risk + [loop for loop in overdue if loop not in at_risk]
    ordered += [loop for loop in loops if loop not in ordered]
    flags = {loop.id: ":rotating_light: cancellation scheduled" for loop in at_risk}
    return "\n".join([head, *shown_lines(session, ordered, now, empty="_All clear._", flags=flags)])


def shown_lines(
    session: Session, loops: list[Loop], now: datetime, *, empty: str, flags: dict[int, str] | None = None
) -> list[str]:
    """``lines`` for a list of loops, loading the feedback of only the ones shown."""
    shown = with_feedback(session, loops[:SHOWN])
    out = lines(shown, now, empty=empty, flags=flags)
    if len(loops) > SHOWN:
        out.append(f"…and {len(loops) - SHOWN} more")
    return out


def show(session: Session, *, workspace_id: str, loop_id: int, now: datetime) -> str | None:
    loop = get_loop(session=session, workspace_id=workspace_id, loop_id=loop_id)
    if loop is None:
        return None
    [(loop, feedback)] = with_feedback(session, [loop])
    out = [loop_line(loop, feedback, now)]
    if feedback.comment:
        out.append("> " + escape(feedback.comment[:500]).replace("\n", "\n> "))
    if loop.outcome:
        out.append(
            f"Outcome: *{OUTCOMES.get(loop.outcome, loop.outcome)}*"
            + (f" — {escape(loop.resolution_note)}" if loop.resolution_note else "")
        )
    out.append("*History*")
    for event in list_loop_events(session=session, loop_id=loop.id):
        actor = "Loopkeeper" if event.actor == "loopkeeper" else f"{mention_user(event.actor)}"
        out.append(f"• {slack_date(event.at)} {event.kind.replace('_', ' ')} by {actor} ({event.via})")
    return "\n".join(out)


def home_numbers(session: Session, *, workspace_id: str, now: datetime) -> dict[str, int]:
    week_start = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "open": count_open_loops(session=session, workspace_id=workspace_id),
        "overdue": count_open_loops(session=session, workspace_id=workspace_id, overdue_at=now),
        "closed this week": count_resolved_since(session=session, workspace_id=workspace_id, since=week_start),
    }
