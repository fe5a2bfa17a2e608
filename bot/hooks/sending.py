"""Sending an event to a hook: drawn when sent (the hook's URL and secret, the feedback as stored now), signed
with our generic scheme, POSTed with a short timeout by the delivery worker, outside any transaction.

The worker is handed ``render_hook_event`` as the renderer of ``hook_event`` rows and a ``HookSender`` as the sender
of ``hook.post`` (by the composition root). What comes back decides the row: 2xx sent; 408, 429, 5xx, a timeout or
a dropped connection retried with backoff (in doubt: receivers dedupe by the event's ``id``); any other answer, or
too many attempts, parks it with one notice to the admins. Neither the secret nor the body is ever logged.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta

import httpx
from sqlmodel import Session

from bot.delivery.outcomes import MAX_RETRY_AFTER_SECONDS, Outcome, backoff
from bot.hooks.payloads import card_url, feedback_data
from bot.signing import generic_webhook_headers
from models.feedback import Feedback
from models.hook import Hook
from models.loop import Loop
from models.outbox import PARKED, PENDING, SENT, OutboxItem

DEFAULT_TIMEOUT_SECONDS = 5.0
# With backoff doubling up to 5 minutes, about an hour and a quarter of a receiver being down before it is parked.
MAX_ATTEMPTS = 20
RETRIED_STATUSES = frozenset({408, 429})
USER_AGENT = "Loopkeeper-Hooks/1"


def render_hook_event(session: Session, item: OutboxItem, now: datetime) -> dict | None:
    """The URL, secret and signed body of a hook row; None (cancelled) when the hook was removed meanwhile."""
    hook = session.get(Hook, item.payload.get("_hook_id"))
    if hook is None or hook.workspace_id != item.workspace_id:
        return None
    event = json.loads(json.dumps(item.payload["_event"]))  # a copy: the row's snapshot stays as it was
    loop = session.get(Loop, item.loop_id) if item.loop_id is not None else None
    if loop is not None and "loop" in event["data"]:
        event["data"]["loop"]["card_url"] = card_url(loop)
        feedback = session.get(Feedback, loop.feedback_id)
        event["data"]["feedback"] = feedback_data(feedback) if feedback is not None else None
    body = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
    return {"url": hook.url, "secret": hook.secret, "body": body}


class HookSender:
    """POSTs a rendered hook row and judges the answer; one per worker (its HTTP client is shared by threads)."""

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT_SECONDS, max_attempts: int = MAX_ATTEMPTS):
        self.max_attempts = max_attempts
        self.client = httpx.Client(timeout=timeout, follow_redirects=False, headers={"User-Agent": USER_AGENT})

    def __call__(self, item: OutboxItem, args: dict, now: datetime) -> Outcome:
        body: bytes = args["body"]
        headers = generic_webhook_headers(args["secret"], body)
        headers["X-Loopkeeper-Event"] = str(item.payload.get("_event", {}).get("type", ""))
        try:
            response = self.client.post(args["url"], content=body, headers=headers)
        except httpx.TimeoutException:
            return self.retry(item, "timeout", now)
        except httpx.TransportError as exc:  # refused, reset, DNS: the receiver may come back
            return self.retry(item, f"connection failed ({type(exc).__name__})", now)
        return judge(item, response.status_code, response.headers.get("retry-after"), now, self.max_attempts)

    def retry(self, item: OutboxItem, error: str, now: datetime) -> Outcome:
        return retry_or_park(item, error, now + backoff(item.attempts), now, self.max_attempts, hold=True)

    def close(self) -> None:
        self.client.close()


def judge(item: OutboxItem, status: int, retry_after: str | None, now: datetime, max_attempts: int) -> Outcome:
    """What an HTTP status means for the row (pure): sent, retried when, or parked why."""
    if 200 <= status < 300:
        return Outcome(SENT, response={})
    error = f"http {status}"
    if status == 429 and retry_after and retry_after.strip().isdigit():
        wait = min(MAX_RETRY_AFTER_SECONDS, max(1, int(retry_after.strip())))
        return retry_or_park(item, error, now + timedelta(seconds=wait), now, max_attempts, hold=True)
    if status in RETRIED_STATUSES or status >= 500:
        return retry_or_park(item, error, now + backoff(item.attempts), now, max_attempts)
    if 300 <= status < 400:
        return Outcome(PARKED, f"{error}: redirects are not followed; give the hook its final URL")
    return Outcome(PARKED, error)


def retry_or_park(
    item: OutboxItem, error: str, retry_at: datetime, now: datetime, max_attempts: int, *, hold: bool = False
) -> Outcome:
    """Retry at ``retry_at``, unless this was the last attempt allowed: then it is parked for a person.

    ``hold``: the receiver is down or asked us to wait (a timeout, no connection, 429), so until then the whole
    hook is held back (``retry_after``) and its other events wait without using up attempts, instead of each
    meeting the same timeout in turn. A 5xx is the answer to this event only: the others still go."""
    if item.attempts >= max_attempts:
        return Outcome(PARKED, f"gave up after {item.attempts} attempts ({error})")
    wait = max(1, math.ceil((retry_at - now).total_seconds())) if hold else None
    return Outcome(PENDING, error, retry_at, in_doubt=True, retry_after=wait)
