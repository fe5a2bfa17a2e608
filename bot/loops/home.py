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
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.delivery.outbox import enqueue_home_view
from bot.loops import lists
from bot.loops.my_accounts import account_blocks
from bot.mrkdwn import truncate
from bot.slack.limits import HEADER_TEXT, SECTION_TEXT
from models.db import transaction
from models.loop import list_open_loops
from models.people import loops_joined
from models.slack_event import claim_slack_event


def render_home(session: Session, *, workspace_id: str, user_id: str, now: datetime) -> dict:
    """The Home tab for ``user_id``."""
    numbers = lists.home_numbers(session, workspace_id=workspace_id, now=now)
    mine = list_open_loops(session=session, workspace_id=workspace_id, owner_id=user_id, limit=100)
    teams = lists.my_teams(session, workspace_id=workspace_id, user_id=user_id)
    unowned = list_open_loops(
        session=session,
        workspace_id=workspace_id,
        unowned=True,
        limit=100,
        team_ids=[t.id for t in teams] if teams else None,
    )
    joined = loops_joined(session=session, workspace_id=workspace_id, user_id=user_id)
    team_title = f"Unowned loops of {', '.join(t.name for t in teams)}" if teams else "Unowned loops"

    def section(lines: list[str]) -> SectionBlock:
        return SectionBlock(text=MarkdownTextObject(text=truncate("\n".join(lines), SECTION_TEXT)))

    view = View(
        type="home",
        blocks=[
            HeaderBlock(text=PlainTextObject(text="Loopkeeper")),
            section(["  ·  ".join(f"*{count}* {label}" for label, count in numbers.items())]),
            DividerBlock(),
            HeaderBlock(text=PlainTextObject(text=f"My open loops ({len(mine)})")),
            section(lists.shown_lines(session, mine, now, empty="_Nothing is waiting on you._")),
            *(
                [
                    HeaderBlock(text=PlainTextObject(text=f"Loops I joined ({len(joined)})")),
                    section(lists.shown_lines(session, joined, now, empty="")),
                ]
                if joined
                else []
            ),
            *account_blocks(session, workspace_id=workspace_id, user_id=user_id, now=now),
            HeaderBlock(text=PlainTextObject(text=f"{team_title} ({len(unowned)})"[:HEADER_TEXT])),
            section(lists.shown_lines(session, unowned, now, empty="_Every open loop has an owner._")),
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="Each card is a customer waiting to hear back. Acknowledge it, take ownership, "
                        "and resolve it once you have closed the loop. `/loops help` lists the commands."
                    )
                ]
            ),
        ],
    )
    return view.to_dict()


def queue_home(session: Session, *, workspace_id: str, user_id: str) -> None:
    """Queue a refresh of ``user_id``'s Home tab in the current transaction.

    The view is rendered by the delivery worker just before it is published, so a click's
    transaction stays short and the tab shows the state at sending time; a refresh that is
    already waiting covers this one too.
    """
    enqueue_home_view(session, workspace_id=workspace_id, user_id=user_id)


def publish_home(engine: Engine, *, workspace_id: str, user_id: str, event_id: str) -> bool:
    """Queue ``user_id``'s Home tab, once per Slack event; False if this event was handled before."""
    with transaction(engine) as session:
        if not claim_slack_event(session=session, workspace_id=workspace_id, event_id=event_id):
            return False
        queue_home(session, workspace_id=workspace_id, user_id=user_id)
        return True
