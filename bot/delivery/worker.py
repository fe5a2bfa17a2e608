"""The delivery worker: sends outbox items to Slack, in order per card, retrying what can be retried."""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.delivery.notices import tell_admins_once
from bot.delivery.outbox import FILE_UPLOAD
from bot.delivery.outcomes import Outcome, backoff, classify, slack_error
from bot.delivery.posted import find_posted, stamped_metadata
from bot.delivery.rate_limits import RateLimiter, rate_key
from bot.delivery.uploads import upload_file
from bot.metrics import Metrics
from models.base import utcnow
from models.db import new_session, transaction
from models.loop import Loop
from models.outbox import (
    CANCELLED,
    PARKED,
    PENDING,
    SENT,
    OutboxItem,
    claim_outbox_items,
    next_outbox_due,
    sendable_outbox_items,
)

log = logging.getLogger(__name__)
# After a wake, the next pass waits at least this long, so a burst of new work costs one pass, not one each;
# it doubles each time a wake finds nothing to claim (e.g. every channel is rate limited), up to MAX_IDLE_SECONDS,
# and falls back to MIN_IDLE_SECONDS as soon as a pass claims something: an idle system answers a click at once.
MIN_IDLE_SECONDS = 0.005
MAX_IDLE_SECONDS = 0.2
# A call slower than this (a timeout in the making) no longer holds its channel: the chain hands back the items
# it has not started, and another chain of the channel may start (order across cards may change then).
SLOW_CALL_SECONDS = 1.0
# Renders an item's Slack arguments when it is sent (a card, a Home tab), from the state of now;
# None when there is nothing to show any more (the loop is gone, the card was never posted).
Renderer = Callable[[Session, OutboxItem, datetime], "dict | None"]
# Records where a post landed (a card's ts on its loop or theme), in the transaction that marks it sent.
PostedHook = Callable[[Session, OutboxItem, str], None]
# Sends a rendered item that is not a Slack call (an outgoing webhook's POST) and says what became of it.
Sender = Callable[[OutboxItem, dict, datetime], Outcome]


class DeliveryWorker:
    """Claims outbox items with a lease and sends them; safe to run in several processes.

    Items are claimed only while their rate key (the channel for posts, the method otherwise)
    has room, and sent by a small pool, so a slow or rate-limited channel never holds up the rest.
    """

    def __init__(
        self,
        engine: Engine,
        client: WebClient,
        *,
        clock: Callable[[], datetime] = utcnow,
        poll_seconds: float = 1.0,
        lease: timedelta = timedelta(seconds=60),
        batch: int = 50,
        limiter: RateLimiter | None = None,
        concurrency: int = 4,
        admins: tuple[str, ...] = (),
        metrics: Metrics | None = None,
        renderers: Mapping[str, Renderer] | None = None,
        on_posted: Mapping[str, PostedHook] | None = None,
        senders: Mapping[str, Sender] | None = None,
    ):
        self.engine = engine
        self.client = client
        # Retries belong to the outbox (durable, ordered), not to the HTTP client.
        self.client.retry_handlers = []
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.lease = lease
        self.batch = batch
        self.limiter = limiter or RateLimiter()
        self.concurrency = max(1, concurrency)
        self.admins = admins
        self.metrics = metrics or Metrics()
        self.renderers = dict(renderers or {})
        self.on_posted = dict(on_posted or {})
        self.senders = dict(senders or {})  # by method
        self.worker_id = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="loopkeeper-send")
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
        self._pool.shutdown(wait=False, cancel_futures=True)

    def wake(self) -> None:
        """Look at the outbox now instead of at the next poll."""
        self._wake.set()

    def _run(self) -> None:
        """Keep up to ``concurrency`` channels (rate keys) sending; claim more as each finishes."""
        in_flight: dict = {}  # future -> (rate key, when its chain started)
        gap = MIN_IDLE_SECONDS
        while not self._stop.is_set():
            claimed = 0
            free = self.concurrency - len(in_flight)
            if free > 0:
                try:
                    # One item per channel at a time: a slow call then holds only its own card, never a queue
                    # claimed behind it; the next goes as soon as it is answered (the pass is woken) or is slow.
                    chains = self._claim_chains(limit=self.batch, keys=free, busy=_busy_keys(in_flight), per_key=1)
                    self.last_error = None
                except Exception as exc:  # the worker must outlive a database blip; it logs and retries
                    self.last_error = type(exc).__name__
                    log.exception("claiming outbox items failed; retrying in %.1fs", self.poll_seconds)
                    chains = []
                for chain in chains:
                    future = self._pool.submit(self._deliver_chain, chain)
                    in_flight[future] = (chain[0].rate_key, time.monotonic())
                    future.add_done_callback(self._finished(in_flight))
                claimed = len(chains)
            gap = MIN_IDLE_SECONDS if claimed else min(MAX_IDLE_SECONDS, gap * 2)
            if claimed == 0 and free > 0:
                # Nothing to claim: sleep until something falls due, a held-back channel has room, a slow call
                # frees its channel, or a wake (new work, in this process) cuts it short, ``gap`` after this pass.
                wait = min(self._idle_wait(), _slow_in(in_flight))
                self._stop.wait(gap)
                self._wake.wait(max(0.0, wait - gap))
                self._wake.clear()
            elif len(in_flight) >= self.concurrency:
                self._wake.wait(min(self.poll_seconds, _slow_in(in_flight)))
                self._wake.clear()

    def _idle_wait(self) -> float:
        """After a pass that claimed nothing: until a retry falls due or a held-back channel has room.

        Items already due but not claimed are waiting for room (or for their card's earlier item):
        looking again before room comes would only scan the backlog for nothing.
        """
        with new_session(self.engine, read_only=True) as session:
            due = next_outbox_due(session=session)
        wait = self.poll_seconds
        if due is not None:
            if due.tzinfo is None:
                due = due.replace(tzinfo=self.clock().tzinfo)
            until_due = (due - self.clock()).total_seconds()
            if until_due > 0:
                wait = min(wait, until_due)
        room_in = self.limiter.next_ready()
        if room_in is not None:
            wait = min(wait, room_in)
        return max(MIN_IDLE_SECONDS, wait)

    def _finished(self, in_flight: dict) -> Callable[[Future], None]:
        """When a chain is done: its rate key is free again, and the loop looks for more work."""

        def done(future: Future) -> None:
            in_flight.pop(future, None)
            self._wake.set()

        return done

    def run_once(self) -> int:
        """Claim one batch that fits the rate limits, send it and wait; returns how many items were attempted."""
        chains = self._claim_chains(limit=self.batch, keys=self.batch)
        list(self._pool.map(self._deliver_chain, chains))
        return sum(len(chain) for chain in chains)

    def _claim_chains(
        self, *, limit: int, keys: int, busy: AbstractSet[str] = frozenset(), per_key: int | None = None
    ) -> list[list[OutboxItem]]:
        """Lease up to ``limit`` sendable items whose rate key has room now (taking that room), from at most
        ``keys`` rate keys not ``busy``, at most ``per_key`` of each; grouped by key in id order, so one channel's
        posts go out in order."""
        now = self.clock()
        with new_session(self.engine, read_only=True) as session:
            candidates = sendable_outbox_items(
                session=session, now=now, skip_rate_keys=self.limiter.full_keys() | set(busy), limit=max(limit * 4, 50)
            )
        chosen: list[int] = []
        taken: Counter[str] = Counter()
        full = set(busy)
        for item_id, key in candidates:
            if key in full or (key not in taken and len(taken) == keys) or taken[key] == per_key:
                continue
            # the call's room is taken now, so the next claim never counts it twice
            if self.limiter.acquire(key, timeout=0):
                chosen.append(item_id)
                taken[key] += 1
                if len(chosen) == limit:
                    break
            else:
                full.add(key)
        with transaction(self.engine) as session:
            items = claim_outbox_items(session=session, ids=chosen, worker_id=self.worker_id, now=now, lease=self.lease)
        chains: dict[str, list[OutboxItem]] = {}
        for item in items:
            chains.setdefault(item.rate_key, []).append(item)
        return list(chains.values())

    def _deliver_chain(self, items: list[OutboxItem]) -> None:
        """One rate key's items, in order; once Slack holds the key back, the rest wait for it (not an attempt).

        Once a call of the chain was slow (a timeout in the making), the items not started yet are handed back,
        due now and not counted as an attempt, so another chain sends them at Slack's pace rather than after it.
        """
        started = time.monotonic()
        for item in items:
            held = self.limiter.held_for(item.rate_key)
            if held > 0:
                self._hand_back(item, self.clock() + timedelta(seconds=held))
            elif time.monotonic() - started > SLOW_CALL_SECONDS:
                self._hand_back(item, self.clock())
            else:
                self._deliver(item)

    def _hand_back(self, item: OutboxItem, due: datetime) -> None:
        """Release an item claimed but not sent: its lease, its attempt and the rate room taken for it."""
        if item.rate_key:
            self.limiter.give_back(item.rate_key)
        self._record(item, Outcome(PENDING, item.last_error, due, counted=False))

    def _deliver(self, item: OutboxItem) -> None:
        called: list[bool] = []  # set once the call on the item's rate key is made
        try:
            outcome = self._send(item, called)
        except Exception:  # anything unforeseen: keep the item, try later, say why in the log
            log.exception("outbox item %s (%s) failed unexpectedly", item.id, item.method)
            outcome = Outcome(PENDING, "unexpected error", self.clock() + backoff(item.attempts), in_doubt=True)
        if not called and item.rate_key:
            self.limiter.give_back(item.rate_key)  # cancelled, parked, found posted, or its check failed
        self._record(item, outcome)

    def _send(self, item: OutboxItem, called: list[bool]) -> Outcome:
        # Keys starting with "_" are ours (what a renderer needs); Slack gets the rest.
        args = {key: value for key, value in item.payload.items() if not key.startswith("_")}
        renderer = self.renderers.get(item.kind)
        if renderer is not None:
            with new_session(self.engine, read_only=True) as session:
                rendered = renderer(session, item, self.clock())
            if rendered is None:
                return Outcome(CANCELLED, "nothing to show any more")
            args.update(rendered)
        sender = self.senders.get(item.method)
        if sender is not None:  # not Slack (an outgoing webhook): its sender posts and judges the answer
            called.append(True)
            outcome = sender(item, args, self.clock())
            if outcome.retry_after is not None:  # a failing receiver: the rest of its chain waits, uncounted
                self.limiter.hold(item.rate_key, outcome.retry_after)
            return outcome
        if item.card_ref:
            with new_session(self.engine, read_only=True) as session:
                loop = session.get(Loop, item.loop_id)
                card_ts = loop.card_ts if loop is not None else None
            if card_ts is None:
                return Outcome(PARKED, "card was never posted")
            args[item.card_ref] = card_ts
        if item.method == "chat.postMessage":
            args["metadata"] = stamped_metadata(item, args.get("metadata"))
        if item.in_doubt and item.method in ("chat.postMessage", FILE_UPLOAD):
            checked = find_posted(self.client, self.limiter, item, args, now=self.clock())
            if checked is not None:
                return checked
        key = item.rate_key or rate_key(item.workspace_id, item.method, args)  # its room was taken at claim
        self.limiter.pace(key)
        called.append(True)
        try:
            return Outcome(SENT, response=self._call(item, args))
        except SlackApiError as exc:
            if slack_error(exc) == "not_in_channel" and "channel" in args:
                return self._join_and_send(item, args)
            outcome = classify(exc, attempts=item.attempts, now=self.clock())
        except Exception as exc:  # classify() re-raises anything it does not understand
            outcome = classify(exc, attempts=item.attempts, now=self.clock())
        if outcome.retry_after is not None:
            self.limiter.hold(key, outcome.retry_after)
            self.metrics.rate_limited.inc(item.method)
        return outcome

    def _call(self, item: OutboxItem, args: dict) -> dict:
        """One write to Slack: a Web API call, or a file's upload and share (three calls, one outcome)."""
        if item.method == FILE_UPLOAD:
            return upload_file(self.client, args)
        return _data(self.client.api_call(api_method=item.method, json=args))

    def _join_and_send(self, item: OutboxItem, args: dict) -> Outcome:
        """``not_in_channel``: join the (public) channel once, then send again; park if either fails."""
        try:
            self.client.conversations_join(channel=args["channel"])
            log.info("joined channel %s to deliver outbox item %s", args["channel"], item.id)
            return Outcome(SENT, response=self._call(item, args))
        except SlackApiError as exc:
            if slack_error(exc) in (
                "method_not_supported_for_channel_type",
                "channel_not_found",
                "is_archived",
                "missing_scope",
                "not_in_channel",
            ):
                return Outcome(PARKED, "not_in_channel")
            return classify(exc, attempts=item.attempts, now=self.clock())
        except Exception as exc:
            return classify(exc, attempts=item.attempts, now=self.clock())

    def _record(self, item: OutboxItem, outcome: Outcome) -> None:
        result = (
            "deduplicated"
            if outcome.error == "deduplicated"
            else {SENT: "sent", PENDING: "retry", PARKED: "parked", CANCELLED: "cancelled"}[outcome.state]
        )
        if outcome.counted:
            self.metrics.deliveries.inc(item.method, result)
            if outcome.state == PENDING:
                self.metrics.retries.inc(outcome.error or "unknown")
        with transaction(self.engine) as session:
            row = session.get(OutboxItem, item.id)
            if row is None or row.claimed_by != self.worker_id or row.state != PENDING:
                return  # our lease expired and someone else took the item over
            row.state = outcome.state
            row.lease_until = None
            if not outcome.counted:
                row.attempts -= 1
            if outcome.state == SENT:
                response = outcome.response or {}
                row.last_error, row.in_doubt = None, False
                row.sent_at = self.clock()
                row.result = {k: response[k] for k in ("channel", "ts", "file") if k in response}
                posted = self.on_posted.get(item.kind)
                if posted is not None and isinstance(response.get("ts"), str):
                    posted(session, row, response["ts"])
            elif outcome.state == PENDING:
                row.last_error = outcome.error
                row.in_doubt = row.in_doubt or outcome.in_doubt
                row.available_at = outcome.retry_at or self.clock()
                if outcome.counted:
                    log.info("outbox item %s (%s) retry at %s: %s", row.id, row.method, outcome.retry_at, outcome.error)
            elif outcome.state == CANCELLED:
                row.last_error = outcome.error
            else:
                row.last_error = outcome.error
                log.warning("outbox item %s (%s) parked: %s", row.id, row.method, outcome.error)
                tell_admins_once(session, item=row, error=outcome.error or "unknown", env_admins=self.admins)
            session.add(row)
        if outcome.state == PARKED:
            self.wake()  # the admins' notice is in the outbox now


def _data(response: SlackResponse) -> dict:
    """A Web API answer's JSON body (every method we call answers JSON, never bytes)."""
    return dict(response.data) if isinstance(response.data, dict) else {}


def _busy_keys(in_flight: dict) -> set[str]:
    """Rate keys with a chain in flight that is not slow: their next items wait for it (order within a channel)."""
    now = time.monotonic()
    return {key for key, started in list(in_flight.values()) if now - started <= SLOW_CALL_SECONDS}


def _slow_in(in_flight: dict) -> float:
    """Seconds until the next chain in flight turns slow and frees its channel (inf when none will)."""
    now = time.monotonic()
    waits = [started + SLOW_CALL_SECONDS - now for _, started in list(in_flight.values())]
    return max(MIN_IDLE_SECONDS, min((w for w in waits if w > 0), default=float("inf")))
