"""A post that may have landed before a crash or timeout: stamped with its outbox id, and looked for before it is
sent again (at-least-once becomes once wherever the bot can read the channel's history)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk import WebClient

from bot.delivery.outcomes import Outcome, classify
from bot.delivery.rate_limits import RateLimiter, rate_key
from bot.delivery.uploads import has_file
from bot.ids import MESSAGE_METADATA_EVENT
from models.outbox import PARKED, PENDING, SENT, OutboxItem

log = logging.getLogger(__name__)


def stamped_metadata(item: OutboxItem, metadata: dict | None) -> dict:
    """The post's Slack message metadata, carrying the outbox id a re-send looks for."""
    metadata = dict(metadata or {"event_type": MESSAGE_METADATA_EVENT, "event_payload": {}})
    metadata["event_payload"] = {**metadata.get("event_payload", {}), "outbox_id": item.id}
    return metadata


def find_posted(
    client: WebClient, limiter: RateLimiter, item: OutboxItem, args: dict, *, now: datetime
) -> Outcome | None:
    """Before re-sending a post that may have landed, look for it in the channel by its metadata (a file by its
    name, which carries the outbox id).

    Returns SENT when it is there, None to send it, or a retry when the lookup failed for a
    passing reason (we do not guess). Without the history scopes (or for DMs, whose channel id
    we do not know) the post is sent again: at-least-once.
    """
    channel = args.get("channel", "")
    if channel[:1] not in "CGD":
        return None
    key = rate_key(item.workspace_id, "conversations.history", {})
    if not limiter.acquire(key, timeout=1.0):
        return Outcome(PENDING, item.last_error, now + timedelta(seconds=1), counted=False, in_doubt=True)
    created = item.created_at.timestamp() - 60
    try:
        if args.get("thread_ts"):
            response = client.conversations_replies(
                channel=channel, ts=args["thread_ts"], limit=200, include_all_metadata=True
            )
        else:
            response = client.conversations_history(
                channel=channel, oldest=f"{created:.6f}", limit=200, include_all_metadata=True
            )
    except Exception as exc:
        outcome = classify(exc, attempts=item.attempts, now=now)
        if outcome.state == PARKED:  # no access to the history: send again, at-least-once
            log.warning("cannot check %s for outbox item %s (%s); sending again", channel, item.id, outcome.error)
            return None
        if outcome.retry_after is not None:
            limiter.hold(key, outcome.retry_after)
        return Outcome(PENDING, f"checking history: {outcome.error}", outcome.retry_at, in_doubt=True)
    for message in response.get("messages") or []:
        payload = (message.get("metadata") or {}).get("event_payload") or {}
        if payload.get("outbox_id") == item.id or has_file(message, args.get("filename")):
            log.info("outbox item %s was already posted as %s; not posting again", item.id, message.get("ts"))
            return Outcome(SENT, response={"channel": channel, "ts": message.get("ts")}, error="deduplicated")
    return None
