"""Intake channels: messages other apps post there become feedback loops."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.intake.ingest import IngestResult, IntakePolicy, ingest_in_transaction
from bot.intake.slack_alerts import parse_alert
from models.db import new_session, transaction
from models.intake_channel import get_intake_channel
from models.slack_event import claim_slack_event

# Message subtypes that are alerts (or an alert edited in place); joins, topics, deletions are not.
ALERT_SUBTYPES = (None, "bot_message", "message_changed")


def ingest_channel_message(
    engine: Engine,
    *,
    workspace_id: str,
    event_id: str,
    event: dict[str, Any],
    own_ids: set[str],
    policy: IntakePolicy,
    now: datetime,
) -> IngestResult | None:
    """Turn a message event in an intake channel into feedback, once per Slack event id.

    The event id is recorded in the same transaction as the feedback, so a
    retry after a failure is processed again and a retry after success is not.
    Returns None when the message is not an alert to read (or was processed).
    """
    if event.get("subtype") not in ALERT_SUBTYPES:
        return None
    channel_id = event.get("channel") or ""
    message = event.get("message") if event.get("subtype") == "message_changed" else event
    if not isinstance(message, dict) or own_ids & {message.get("bot_id"), message.get("user")}:
        return None  # never read our own cards back
    if message.get("thread_ts") and message.get("thread_ts") != message.get("ts"):
        return None  # replies in a thread are conversation, not new alerts
    with new_session(engine, read_only=True) as reader:
        intake = get_intake_channel(session=reader, workspace_id=workspace_id, channel_id=channel_id)
    if intake is None:
        return None
    feedback = parse_alert(message, channel_id=channel_id, source=intake.source)
    try:
        with transaction(engine) as session:
            if not claim_slack_event(session=session, workspace_id=workspace_id, event_id=event_id):
                return None
            return ingest_in_transaction(session, workspace_id=workspace_id, feedback=feedback, policy=policy, now=now)
    except IntegrityError:
        return None  # the same alert raced in through another delivery; that one stored it
