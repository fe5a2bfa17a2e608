"""A local stand-in for Slack's Web API: a real HTTP server on loopback.

The bot talks to it through slack_sdk's ``WebClient(base_url=...)`` exactly as
it talks to Slack. It keeps channels and messages, records every call, checks
the bot token and the limits Slack enforces on messages, and can answer with
rate limits, server errors or slow responses on demand. Used by the demo and
the tests; never in production.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from functools import cache
from http.server import ThreadingHTTPServer
from typing import Any

from bot.demo.socket_mode import SocketModeStandIn
from bot.demo.standin_files import FileMethods
from bot.demo.standin_http import make_handler
from bot.demo.standin_methods import WebApiMethods
from bot.demo.standin_records import Call, Channel, Fault
from bot.demo.waiting import wait_until
from bot.doctor.manifest import bot_scopes
from bot.errors import ConfigError

__all__ = ["Call", "Channel", "Fault", "SlackStandIn"]


class SlackStandIn(WebApiMethods, FileMethods):
    """Start with ``start()``; ``url`` is the base URL to give WebClient."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-standin-token",
        team_id: str = "T0LOOPKEEP",
        bot_user_id: str = "U0LOOPBOT",
        bot_id: str = "B0LOOPBOT",
        auto_create_channels: bool = True,
    ):
        self.bot_token = bot_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.auto_create_channels = auto_create_channels
        # The scopes Slack granted the token (sent as x-oauth-scopes); None: all slack/manifest.yml asks for.
        self.granted_scopes: set[str] | None = None
        self.channels: dict[str, Channel] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.calls: list[Call] = []
        self.files: dict[str, dict[str, Any]] = {}  # file id -> name, bytes, title, shares (files_upload_v2)
        self.faults: list[Fault] = []
        self.server_error_fraction = 0.0
        self.server_error_every: dict[str, int] = {}  # method -> n: every n-th call of it answers 500
        # Slow answers: the call is carried out, then the answer waits (past a client's timeout).
        self.slow_fraction = 0.0
        self.slow_seconds = 0.0
        self.method_delays: dict[str, float] = {}  # every answer of these methods waits this long
        # Held answers: a call of these methods is carried out, then its answer waits until the gate opens.
        self.method_gates: dict[str, threading.Event] = {}
        # Slack's limits: chat.postMessage per channel, other methods per workspace: (per second, burst).
        self.post_limit: tuple[float, int] | None = None
        self.method_limits: dict[str, tuple[float, int]] = {}
        self.early_calls: list[Call] = []  # calls made while a Retry-After we gave was still running
        self.limited_calls: list[Call] = []  # calls answered 429
        self._buckets: dict[str, list[float]] = {}  # key -> [tokens, updated, blocked_until]
        self.random = random.Random(7)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._last_ts = 0.0
        self._seq = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.socket_mode = SocketModeStandIn()  # its server starts on the first apps.connections.open

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> SlackStandIn:
        handler = make_handler(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="slack-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.socket_mode.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def address(self) -> str:
        """``host:port`` of the running server."""
        if self._server is None:
            raise RuntimeError("the stand-in is not started")
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}/api/"

    @property
    def response_url_base(self) -> str:
        return f"http://{self.address}/response/"

    # -- setup ---------------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        is_admin: bool = False,
        is_owner: bool = False,
        tz: str = "UTC",
        email: str | None = None,
    ) -> None:
        with self._lock:
            self.users[user_id] = {
                "id": user_id,
                "name": name,
                "real_name": name.title(),
                "profile": {"real_name": name.title(), **({"email": email} if email else {})},
                "is_admin": is_admin,
                "is_owner": is_owner,
                "is_bot": False,
                "tz": tz,
                "team_id": self.team_id,
            }

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    # -- inspection ----------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def messages(self, channel_id: str) -> list[dict[str, Any]]:
        """Top-level messages in a channel (thread replies are under ``replies``)."""
        with self._lock:
            channel = self.channels.get(channel_id)
            return [dict(m) for m in channel.messages] if channel else []

    def direct_messages(self, user_id: str) -> list[dict[str, Any]]:
        """Messages the app sent to ``user_id`` in its DM with them."""
        return self.messages("D" + user_id[1:])

    def replies(self, channel_id: str, ts: str) -> list[dict[str, Any]]:
        with self._lock:
            message = self._find(channel_id, ts)
            return list(message.get("replies", [])) if message else []

    def hold(self, *methods: str) -> threading.Event:
        """Hold every answer of ``methods`` until the returned gate is set (a Slack that is busy for as
        long as a test needs, without a clock in the test)."""
        gate = threading.Event()
        self.method_gates.update(dict.fromkeys(methods, gate))
        return gate

    def wait_at_gate(self, method: str) -> None:
        """Called by the HTTP layer before answering: wait while ``method`` is held (at most a minute)."""
        gate = self.method_gates.get(method)
        if gate is not None:
            gate.wait(60)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Block until ``predicate()`` is truthy (re-checked on each call); return its value."""
        return wait_until(self._changed, predicate, timeout=timeout, what="the stand-in")

    # -- the API -------------------------------------------------------------
    def handle(self, method: str, args: dict[str, Any], token: str | None) -> tuple[int, dict, dict[str, str], float]:
        """Answer one API call: (status, body, headers, delay)."""
        with self._lock:
            call = Call(method, args, time.time(), token)
            self.calls.append(call)
            self._changed.notify_all()
            limited = self._rate_limit(method, args, call)
            if limited is not None:
                self.limited_calls.append(call)
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(limited)}, 0.0
            fault = self._take_fault(method, args)
            if fault is not None:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                return fault.status, {"ok": False, "error": fault.error}, headers, fault.delay
            if self.server_error_fraction and self.random.random() < self.server_error_fraction:
                return 500, {"ok": False, "error": "internal_error"}, {}, 0.0
            every = self.server_error_every.get(method)
            if every and sum(c.method == method for c in self.calls) % every == 0:
                return 500, {"ok": False, "error": "internal_error"}, {}, 0.0
            if method == "apps.connections.open":  # the one method that takes the app-level token
                return 200, self._api_apps_connections_open(args, token), {}, 0.0
            if token != self.bot_token:
                return 200, {"ok": False, "error": "invalid_auth"}, {}, 0.0
            api = getattr(self, "_api_" + method.replace(".", "_"), None)
            if api is None:
                return 200, {"ok": False, "error": "unknown_method"}, {}, 0.0
            body = api(args)
            self._changed.notify_all()
            slow = self.slow_fraction and self.random.random() < self.slow_fraction
            # Like Slack, every answer to a bot token says which scopes the token has.
            headers = {"x-oauth-scopes": ",".join(sorted(self._scopes()))}
            return 200, body, headers, max(self.slow_seconds if slow else 0.0, self.method_delays.get(method, 0.0))

    def _scopes(self) -> set[str]:
        return self.granted_scopes if self.granted_scopes is not None else set(_manifest_scopes())

    def _rate_limit(self, method: str, args: dict[str, Any], call: Call) -> int | None:
        """Slack's token buckets: None if the call may go through, else the Retry-After in seconds."""
        if method == "chat.postMessage" and self.post_limit is not None:
            key, (rate, burst) = f"{method}:{args.get('channel')}", self.post_limit
        elif method in self.method_limits:
            key, (rate, burst) = method, self.method_limits[method]
        else:
            return None
        now = time.monotonic()
        tokens, updated, blocked_until = self._buckets.get(key, [burst, now, 0.0])
        tokens = min(burst, tokens + (now - updated) * rate)
        if now < blocked_until:
            self.early_calls.append(call)
        if tokens < 1:
            retry_after = max(1, math.ceil((1 - tokens) / rate))
            self._buckets[key] = [tokens, now, now + retry_after]
            return retry_after
        self._buckets[key] = [tokens - 1, now, blocked_until]
        return None

    def _take_fault(self, method: str, args: dict[str, Any]) -> Fault | None:
        for fault in self.faults:
            if fault.method == method and fault.times > 0 and fault.channel in (None, args.get("channel")):
                fault.times -= 1
                return fault
        return None


@cache
def _manifest_scopes() -> frozenset[str]:
    try:
        return bot_scopes()
    except ConfigError:  # installed without the source tree: the demo needs no scopes
        return frozenset()
