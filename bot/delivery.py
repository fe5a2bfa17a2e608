"""The delivery worker: sends outbox items to Slack, in order per card, retrying what can be retried."""

from __future__ import annotations

import logging
import random
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine

from models.base import utcnow
from models.db import new_session
from models.loop import Loop
from models.outbox import (
    PARKED,
    PENDING,
    SENT,
    OutboxItem,
    claim_outbox_items,
    next_outbox_due,
)

log = logging.getLogger(__name__)

# Errors that retrying cannot fix: the item is parked with the reason for a person to look at.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "not_authed", "account_inactive",
    "token_revoked", "token_expired", "missing_scope", "msg_too_long", "invalid_blocks", "invalid_blocks_format",
    "no_text", "invalid_arguments", "restricted_action", "message_not_found", "cant_update_message",
    "user_not_in_channel", "invalid_metadata_format", "invalid_metadata_schema", "team_access_not_granted",
})
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 300.0
MAX_RETRY_AFTER_SECONDS = 3600


@dataclass(frozen=True)
class Outcome:
    """What happened to one send: sent, retry at a time, or parked with a reason."""

    state: str
    error: str | None = None
    retry_at: datetime | None = None
    response: dict | None = None


def backoff(attempts: int, *, rng: random.Random = random) -> timedelta:
    """Exponential backoff with jitter: half the window fixed, half random."""
    window = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return timedelta(seconds=window / 2 + rng.uniform(0, window / 2))


def classify(exc: Exception, *, attempts: int, now: datetime) -> Outcome:
    """Turn a failed Slack call into retry-later or park, never a silent drop."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        error = (response.data or {}).get("error") if isinstance(response.data, dict) else None
        if response.status_code == 429 or error == "ratelimited":
            retry_after = _retry_after(response.headers)
            return Outcome(PENDING, "ratelimited", now + timedelta(seconds=retry_after))
        if error in PERMANENT_ERRORS:
            return Outcome(PARKED, error)
        return Outcome(PENDING, error or f"http {response.status_code}", now + backoff(attempts))
    if isinstance(exc, (URLError, TimeoutError, socket.timeout, ConnectionError, OSError)):
        return Outcome(PENDING, f"{type(exc).__name__}", now + backoff(attempts))
    raise exc


def _retry_after(headers: dict) -> int:
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list) else value
            if str(value).strip().isdigit():
                return min(MAX_RETRY_AFTER_SECONDS, max(1, int(str(value).strip())))
    return 1


class DeliveryWorker:
    """Claims outbox items with a lease and sends them; safe to run in several processes."""

    def __init__(self, engine: Engine, client: WebClient, *, clock: Callable[[], datetime] = utcnow,
                 poll_seconds: float = 1.0, lease: timedelta = timedelta(seconds=60), batch: int = 50):
        self.engine = engine
        self.client = client
        # Retries belong to the outbox (durable, ordered), not to the HTTP client.
        self.client.retry_handlers = []
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.lease = lease
        self.batch = batch
        self.worker_id = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="loopkeeper-delivery", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        """Look at the outbox now instead of at the next poll."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.run_once()
                self.last_error = None
            except Exception as exc:  # the worker must outlive a database blip; it logs and retries
                self.last_error = type(exc).__name__
                log.exception("delivery pass failed; retrying in %.1fs", self.poll_seconds)
                sent = 0
            if sent == 0:
                self._wake.wait(self._idle_wait())
                self._wake.clear()

    def _idle_wait(self) -> float:
        with new_session(self.engine, read_only=True) as session:
            due = next_outbox_due(session=session)
        if due is None:
            return self.poll_seconds
        if due.tzinfo is None:
            due = due.replace(tzinfo=self.clock().tzinfo)
        return max(0.01, min(self.poll_seconds, (due - self.clock()).total_seconds()))

    def run_once(self) -> int:
        """Claim and send one batch; returns how many items were attempted."""
        now = self.clock()
        with new_session(self.engine) as session:
            items = claim_outbox_items(session=session, worker_id=self.worker_id, now=now, lease=self.lease,
                                       limit=self.batch)
            session.commit()
        for item in items:
            self._deliver(item)
        return len(items)

    def _deliver(self, item: OutboxItem) -> None:
        args = dict(item.payload)
        if item.card_ref:
            with new_session(self.engine, read_only=True) as session:
                loop = session.get(Loop, item.loop_id)
                card_ts = loop.card_ts if loop is not None else None
            if card_ts is None:
                self._record(item, Outcome(PARKED, "card was never posted"))
                return
            args[item.card_ref] = card_ts
        try:
            response = self.client.api_call(api_method=item.method, json=args)
            outcome = Outcome(SENT, response=dict(response.data))
        except Exception as exc:  # classify() re-raises anything it does not understand
            outcome = classify(exc, attempts=item.attempts, now=self.clock())
        self._record(item, outcome)

    def _record(self, item: OutboxItem, outcome: Outcome) -> None:
        with new_session(self.engine) as session:
            row = session.get(OutboxItem, item.id)
            if row is None or row.claimed_by != self.worker_id or row.state != PENDING:
                session.rollback()
                return  # our lease expired and someone else took the item over
            row.state = outcome.state
            row.lease_until = None
            row.last_error = outcome.error
            if outcome.state == SENT:
                row.sent_at = self.clock()
                row.result = {k: outcome.response[k] for k in ("channel", "ts") if k in outcome.response}
                if item.kind == "card" and item.loop_id is not None:
                    loop = session.get(Loop, item.loop_id)
                    loop.card_ts = outcome.response.get("ts")
                    session.add(loop)
            elif outcome.state == PENDING:
                row.available_at = outcome.retry_at
                log.info("outbox item %s (%s) retry at %s: %s", row.id, row.method, outcome.retry_at, outcome.error)
            else:
                log.warning("outbox item %s (%s) parked: %s", row.id, row.method, outcome.error)
            session.add(row)
            session.commit()
