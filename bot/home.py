"""The App Home tab: what is open in the workspace, at a glance."""

from __future__ import annotations

from slack_sdk.models.blocks import ContextBlock, HeaderBlock, MarkdownTextObject, PlainTextObject, SectionBlock
from slack_sdk.models.views import View
from sqlmodel import Session

from bot.cards import STATUS_LABELS
from bot.outbox import enqueue_home_view
from models.loop import count_loops
from models.slack_event import claim_slack_event


def render_home(session: Session, *, workspace_id: str) -> dict:
    """The Home tab view: open loops by status and how to work them."""
    counts = {status: count_loops(session=session, workspace_id=workspace_id, statuses=(status,))
              for status in ("new", "acknowledged", "in_progress")}
    total = sum(counts.values())
    lines = [f"*{total}* open loop{'s' if total != 1 else ''}"]
    lines += [f"• {STATUS_LABELS[status]}: *{count}*" for status, count in counts.items()]
    view = View(type="home", blocks=[
        HeaderBlock(text=PlainTextObject(text="Loopkeeper")),
        SectionBlock(text=MarkdownTextObject(text="\n".join(lines))),
        ContextBlock(elements=[MarkdownTextObject(
            text="Each card in your team channel is a customer waiting to hear back. "
                 "Acknowledge it, take ownership, and resolve it once you have closed the loop. "
                 "Type `/loops help` for commands.")]),
    ])
    return view.to_dict()


def publish_home(session: Session, *, workspace_id: str, user_id: str, event_id: str) -> bool:
    """Queue ``user_id``'s Home tab, once per Slack event; False if this event was handled before."""
    if not claim_slack_event(session=session, workspace_id=workspace_id, event_id=event_id):
        session.rollback()
        return False
    enqueue_home_view(session, workspace_id=workspace_id, user_id=user_id,
                      view=render_home(session, workspace_id=workspace_id))
    session.commit()
    return True
