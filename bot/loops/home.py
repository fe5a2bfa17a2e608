"""The App Home tab: my open loops, my team's unowned loops, and a few numbers."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import (
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View
from sqlmodel import Session

from bot.loops import lists as loop_lists
from bot.mrkdwn import truncate
from bot.delivery.outbox import enqueue_home_view
from models.db import new_session
from models.loop import list_open_loops
from models.slack_event import claim_slack_event

SECTION_LIMIT = 3000


def render_home(session: Session, *, workspace_id: str, user_id: str, now: datetime) -> dict:
    """The Home tab for ``user_id``."""
    numbers = loop_lists.home_numbers(session, workspace_id=workspace_id, now=now)
    mine = list_open_loops(session=session, workspace_id=workspace_id, owner_id=user_id, limit=100)
    teams = loop_lists.my_teams(session, workspace_id=workspace_id, user_id=user_id)
    unowned = list_open_loops(session=session, workspace_id=workspace_id, unowned=True, limit=100,
                              team_ids=[t.id for t in teams] if teams else None)
    team_title = (f"Unowned loops of {', '.join(t.name for t in teams)}" if teams else "Unowned loops")

    def section(lines: list[str]) -> SectionBlock:
        return SectionBlock(text=MarkdownTextObject(text=truncate("\n".join(lines), SECTION_LIMIT)))

    view = View(type="home", blocks=[
        HeaderBlock(text=PlainTextObject(text="Loopkeeper")),
        section(["  ·  ".join(f"*{count}* {label}" for label, count in numbers.items())]),
        DividerBlock(),
        HeaderBlock(text=PlainTextObject(text=f"My open loops ({len(mine)})")),
        section(loop_lists.lines(session, mine, now, empty="_Nothing is waiting on you._")),
        HeaderBlock(text=PlainTextObject(text=f"{team_title} ({len(unowned)})"[:150])),
        section(loop_lists.lines(session, unowned, now, empty="_Every open loop has an owner._")),
        ContextBlock(elements=[MarkdownTextObject(
            text="Each card is a customer waiting to hear back. Acknowledge it, take ownership, and resolve it "
                 "once you have closed the loop. `/loops help` lists the commands.")]),
    ])
    return view.to_dict()


def queue_home(session: Session, *, workspace_id: str, user_id: str, now: datetime) -> None:
    """Queue a refresh of ``user_id``'s Home tab in the current transaction.

    The view is rendered by the delivery worker just before it is published (``home_view``), so a
    click's transaction stays short and the tab shows the state at sending time; a refresh that is
    already waiting covers this one too.
    """
    enqueue_home_view(session, workspace_id=workspace_id, user_id=user_id)


def home_view(engine, *, workspace_id: str, user_id: str, now: datetime) -> dict:
    """The Home tab as it is now, read in its own read-only session (for the delivery worker)."""
    with new_session(engine, read_only=True) as session:
        return render_home(session, workspace_id=workspace_id, user_id=user_id, now=now)


def publish_home(session: Session, *, workspace_id: str, user_id: str, event_id: str, now: datetime) -> bool:
    """Queue ``user_id``'s Home tab, once per Slack event; False if this event was handled before."""
    if not claim_slack_event(session=session, workspace_id=workspace_id, event_id=event_id):
        session.rollback()
        return False
    queue_home(session, workspace_id=workspace_id, user_id=user_id, now=now)
    session.commit()
    return True
