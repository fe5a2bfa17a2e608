"""A spike alert as the team's channel shows it (rendered when sent), and where its post landed."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ContextBlock, MarkdownTextObject, SectionBlock
from sqlmodel import Session

from bot.delivery.outbox import SPIKE_ALERT, SPIKE_ALERT_UPDATE
from bot.ids import SpikeAction
from bot.loops.lists import card_url
from bot.mrkdwn import escape, mention_user, slack_date, truncate
from bot.slack.limits import SECTION_TEXT
from models.learning_queries import loops_with_feedback
from models.outbox import OutboxItem
from models.spike import SpikeAlert

LINKED = 20  # loops linked by name in the alert; the rest are counted


def _alert(session: Session, item: OutboxItem) -> SpikeAlert | None:
    alert_id = item.payload.get("_spike_alert_id")
    return session.get(SpikeAlert, alert_id) if isinstance(alert_id, int) else None


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text, verbatim=True)


def render_spike_alert(alert: SpikeAlert, links: list[str]) -> dict:
    """The ``text`` and ``blocks`` of the alert: the count against the usual rate, the words, the loops, and the
    Elevate as theme button (or the theme it became)."""
    what = escape(alert.label)
    headline = (
        f":chart_with_upwards_trend: *Spike: {alert.count} detractors at {what}* "
        f"in the 24 h to {slack_date(alert.window_end)}"
    )
    usual = (
        f"Usually {alert.baseline_per_day:.1f} a day over the 28 days before "
        f"(a count this high by chance: p = {alert.p_value:.1e})"
    )
    blocks: list[Block] = [SectionBlock(text=_md(truncate(f"{headline}\n{usual}", SECTION_TEXT)))]
    if alert.words:
        words = ", ".join(f"`{escape(word)}`" for word in alert.words)
        blocks.append(SectionBlock(text=_md(truncate(f"*Most common words:* {words}", SECTION_TEXT))))
    if links:
        more = len(alert.loop_ids) - len(links)
        shown = ", ".join(links) + (f" and {more} more" if more > 0 else "")
        blocks.append(SectionBlock(text=_md(truncate(f"*Loops:* {shown}", SECTION_TEXT))))
    if alert.theme_id is not None:
        by = f" by {mention_user(alert.elevated_by)}" if alert.elevated_by else ""
        blocks.append(ContextBlock(elements=[_md(f":arrow_up: Elevated{by} to theme #{alert.theme_id}")]))
    else:
        button = ButtonElement(
            text="Elevate as theme", action_id=SpikeAction.ELEVATE, value=str(alert.id), style="primary"
        )
        blocks.append(ActionsBlock(block_id=f"spike_actions:{alert.id}", elements=[button]))
    text = (
        f"Spike: {alert.count} detractors at {escape(alert.label)} in 24 h (usually {alert.baseline_per_day:.1f} a day)"
    )
    return {"text": text, "blocks": [block.to_dict() for block in blocks]}


def spike_message(session: Session, item: OutboxItem, now: datetime) -> dict | None:
    """The alert's post or update as it stands now; None when there is nothing to show or change."""
    alert = _alert(session, item)
    if alert is None:
        return None
    rows = loops_with_feedback(session=session, workspace_id=alert.workspace_id, loop_ids=alert.loop_ids[:LINKED])
    links = [
        f"<{card_url(loop.channel_id, loop.card_ts)}|#{loop.id}>" if loop.card_ts else f"#{loop.id}"
        for loop, _ in sorted(rows, key=lambda row: row[0].id)
    ]
    message = render_spike_alert(alert, links)
    if item.kind == SPIKE_ALERT:
        return message
    if not alert.ts:
        return None  # the post has not gone out; it will show this state
    return {"channel": alert.channel_id, "ts": alert.ts, **message}


def record_spike_alert(session: Session, item: OutboxItem, ts: str) -> None:
    """The alert's post landed: its updates go there."""
    alert = _alert(session, item)
    if alert is not None:
        alert.ts = ts
        session.add(alert)


RENDERERS = {SPIKE_ALERT: spike_message, SPIKE_ALERT_UPDATE: spike_message}
ON_POSTED = {SPIKE_ALERT: record_spike_alert}
