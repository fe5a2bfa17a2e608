"""Intake channels: messages other apps post there become feedback loops."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.intake.ingest import IngestResult, IntakePolicy, ingest_in_transaction
from bot.intake.slack_alerts import parse_alert
from bot.slack.ids import is_channel_id
from models.db import new_session, transaction
from models.intake_channel import get_intake_channel
from models.slack_event import claim_slack_event

# Message subtypes that are alerts (or an alert edited in place); joins, topics, deletions are not.
ALERT_SUBTYPES = (None, "bot_message", "message_changed")
_TS = re.compile(r"^\d{1,12}\.\d{1,9}$")  # a message's ts, e.g. 1732350000.000100


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
    subtype = event.get("subtype")
    if not (subtype is None or isinstance(subtype, str)) or subtype not in ALERT_SUBTYPES:
        return None
    channel_id = event.get("channel")
    message = event.get("message") if subtype == "message_changed" else event
    if not is_channel_id(channel_id) or not isinstance(message, dict):
        return None
    authors = {message.get("bot_id"), message.get("user")}
    if own_ids & {a for a in authors if isinstance(a, str)}:
        return None  # never read our own cards back
    ts, thread_ts = message.get("ts"), message.get("thread_ts")
    if not isinstance(ts, str) or not _TS.match(ts) or (thread_ts and thread_ts != ts):
        return None  # not a message Slack would send, or a reply in a thread (conversation, not an alert)
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
