"""Slack's rate limits, kept on our side so we rarely meet a 429 and never send before a Retry-After.

``chat.postMessage`` is limited per channel (about one message a second with short bursts); other
methods per workspace by tier. Each outbox item carries its rate key (``rate_key``), so the worker
can claim only items whose key has room and one busy channel never holds back the others.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

PER_CHANNEL_METHODS = frozenset({"chat.postMessage"})
# Slack's documented tiers, in calls per minute (https://api.slack.com/apis/rate-limits).
TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
METHOD_TIERS = {
    "chat.update": 3,
    "chat.delete": 3,
    "conversations.join": 3,
    "conversations.history": 3,
    "conversations.replies": 3,
    "conversations.info": 3,
    "chat.postEphemeral": 4,
    "views.publish": 4,
    "views.open": 4,
    "views.update": 4,
    "users.info": 4,
    "chat.getPermalink": 4,
    "hook.post": 4,  # not Slack: an outgoing webhook, limited per hook like a tier 4 method
}
DEFAULT_TIER = 3


def rate_key(workspace_id: str, method: str, payload: dict) -> str:
    """The bucket an API call counts against: the channel for posts, the method otherwise."""
    if method in PER_CHANNEL_METHODS:
        return f"{workspace_id}:{method}:{payload.get('channel', '')}"[:120]
    return f"{workspace_id}:{method}"


@dataclass
class Bucket:
    rate: float  # tokens per second
    burst: float
    tokens: float
    updated: float
    blocked_until: float = 0.0  # Slack said Retry-After: nothing before this

    def refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait(self, now: float) -> float:
        """Seconds until one call may go out (0 when it may go now)."""
        self.refill(now)
        if now < self.blocked_until:
            return self.blocked_until - now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class RateLimiter:
    """Token buckets by rate key; thread-safe; one per process (replicas share Slack's limit, not ours)."""

    def __init__(
        self, *, post_per_second: float = 1.0, post_burst: int = 3, clock: Callable[[], float] = time.monotonic
    ):
        self.post_per_second = post_per_second
        self.post_burst = post_burst
        self.clock = clock
        self._buckets: dict[str, Bucket] = {}  # room taken when an item is claimed
        self._sent: dict[str, Bucket] = {}  # the same limits, filled when calls are made (see pace)
        self._lock = threading.Lock()

    def _bucket(self, key: str, now: float) -> Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            rate, burst = self._limits(key)
            bucket = self._buckets[key] = Bucket(rate, burst, burst, now)
        return bucket

    def _limits(self, key: str) -> tuple[float, int]:
        """(calls per second, burst) for a rate key."""
        method = key.split(":")[1] if key.count(":") >= 1 else key
        if method in PER_CHANNEL_METHODS:
            return self.post_per_second, self.post_burst
        per_minute = TIER_PER_MINUTE[METHOD_TIERS.get(method, DEFAULT_TIER)]
        return per_minute / 60, max(1, per_minute // 2)

    def room(self, key: str) -> int:
        """How many calls on ``key`` may go out now."""
        with self._lock:
            now = self.clock()
            bucket = self._bucket(key, now)
            bucket.refill(now)
            return 0 if now < bucket.blocked_until else int(bucket.tokens)

    def full_keys(self) -> set[str]:
        """Known keys with no room now (to leave out of a claim)."""
        with self._lock:
            now = self.clock()
            return {key for key, bucket in self._buckets.items() if bucket.wait(now) > 0}

    def acquire(self, key: str, *, timeout: float = 5.0) -> bool:
        """Take one call's room on ``key``, waiting up to ``timeout``; False if there was none in time."""
        deadline = self.clock() + timeout
        while True:
            with self._lock:
                now = self.clock()
                bucket = self._bucket(key, now)
                wait = bucket.wait(now)
                if wait == 0:
                    bucket.tokens -= 1
                    return True
            if now + wait > deadline:
                return False
            time.sleep(min(wait, 0.25))

    def pace(self, key: str, *, timeout: float = 2.0) -> None:
        """Just before a call on ``key`` is made: wait until Slack's bucket, as the calls themselves fill it, has
        room. Room is taken when an item is claimed, but the call may go out a little later than that (a history
        check, a busy machine); one late call then an on-time one would be closer than Slack allows."""
        deadline = self.clock() + timeout
        while True:
            with self._lock:
                now = self.clock()
                bucket = self._sent.get(key)
                if bucket is None:
                    rate, burst = self._limits(key)
                    bucket = self._sent[key] = Bucket(rate, burst, burst, now)
                wait = bucket.wait(now)
                if wait == 0 or now + wait > deadline:
                    bucket.tokens -= 1  # may go below zero: the call goes now, and the next waits longer
                    return
            time.sleep(min(wait, 0.25))

    def give_back(self, key: str) -> None:
        """Return the room taken for a call that was not made after all (up to the burst)."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is not None and self.clock() >= bucket.blocked_until:
                bucket.tokens = min(bucket.burst, bucket.tokens + 1)

    def hold(self, key: str, seconds: float) -> None:
        """Slack answered 429 with Retry-After: nothing on ``key`` for ``seconds``."""
        with self._lock:
            now = self.clock()
            bucket = self._bucket(key, now)
            bucket.blocked_until = max(bucket.blocked_until, now + seconds)
            bucket.tokens = 0

    def held_for(self, key: str) -> float:
        """Seconds left of a Retry-After on ``key`` (0 when none)."""
        with self._lock:
            bucket = self._buckets.get(key)
            return max(0.0, bucket.blocked_until - self.clock()) if bucket else 0.0

    def next_ready(self) -> float | None:
        """Seconds until the soonest held-back key has room again (None if none is held back)."""
        with self._lock:
            now = self.clock()
            waits = [w for w in (b.wait(now) for b in self._buckets.values()) if w > 0]
            return min(waits) if waits else None
