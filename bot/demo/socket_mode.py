"""The stand-in's Socket Mode side: a WebSocket server on loopback speaking Slack's Socket Mode protocol.

``SlackStandIn``'s ``apps.connections.open`` hands out single-use URLs to it. Every connection gets
Slack's ``hello``; a test pushes envelopes, reads the acks the client sends back, and can ask the
client to refresh (``disconnect``), end a connection with a close frame, or drop it. An ``events_api``
envelope that is not acked in time is redelivered the way Slack retries events. Tests and demos only.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlparse

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from bot.demo import socket_mode_messages as messages
from bot.demo.waiting import wait_until

# Bounds how long ending a connection waits for the client's side of the closing handshake
# (slack_sdk's builtin client closes the socket instead of answering with a close frame).
CLOSE_TIMEOUT = 2.0


class NotConnected(RuntimeError):
    """No client is connected: Slack would tell the user the app did not respond."""


@dataclass
class Ack:
    """What the client sent back for an envelope: its ``envelope_id`` and an optional response ``payload``."""

    envelope_id: str
    payload: dict[str, Any] | None
    link: int
    at: float  # time.monotonic()


@dataclass
class Delivery:
    """One envelope as sent; a redelivery is a new Delivery with a new envelope_id and ``retry_of`` set."""

    envelope: dict[str, Any]
    link: int | None  # None: no connection took it (for an event, Slack counts that as a failed delivery)
    at: float
    retry_of: str | None = None
    ack: Ack | None = None
    retried: bool = False

    @property
    def envelope_id(self) -> str:
        return self.envelope["envelope_id"]

    @property
    def retry_attempt(self) -> int | None:
        return self.envelope.get("retry_attempt")


@dataclass
class Link:
    """One WebSocket connection, numbered from 1 in the order clients connected."""

    id: int
    ticket: str
    connection: ServerConnection
    opened_at: float
    ready: bool = False  # its hello has been sent, so envelopes may follow
    closed_at: float | None = None
    spare: socket.socket | None = None  # a dropped link's last socket reference


class SocketModeStandIn:
    """Started on the first ``open_connection``; ``stop()`` ends every connection with a close frame."""

    def __init__(
        self,
        *,
        app_token: str = "xapp-1-A0LOOPKEEP-1-standin",
        app_id: str = "A0LOOPKEEP",
        ack_timeout: float = 3.0,
        retry_delays: tuple[float, ...] = (0.0, 60.0, 300.0),
    ):
        self.app_token = app_token
        self.app_id = app_id
        # Slack counts an event as failed when no ack comes within 3 seconds, then retries it
        # nearly at once, after a minute and after five minutes; then it gives up.
        self.ack_timeout = ack_timeout
        self.retry_delays = retry_delays
        self.links: list[Link] = []
        self.deliveries: list[Delivery] = []
        self.acks: list[Ack] = []
        self.notices: list[tuple[int, dict[str, Any]]] = []  # hello and disconnect messages, by link
        self.unexpected: list[tuple[int, Any]] = []  # client messages that were not acks
        self._tickets: set[str] = set()
        self._changed = threading.Condition(threading.RLock())
        self._server: Server | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> SocketModeStandIn:
        with self._changed:
            if self._server is not None:
                return self
            self._stopping.clear()
            self._server = serve(
                self._serve_link,
                "127.0.0.1",
                0,
                process_request=self._check_ticket,
                compression=None,
                close_timeout=CLOSE_TIMEOUT,
            )
            self._threads = [
                threading.Thread(target=self._server.serve_forever, name="socket-mode-standin", daemon=True),
                threading.Thread(target=self._redeliver_forever, name="socket-mode-retries", daemon=True),
            ]
            for thread in self._threads:
                thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()
        self.close(code=1001)
        self._server.shutdown()
        for thread in self._threads:
            thread.join(timeout=5)
        self._server = None

    @property
    def port(self) -> int:
        """The loopback port the server listens on, once started."""
        if self._server is None:
            raise RuntimeError("the Socket Mode stand-in is not started")
        return self._server.socket.getsockname()[1]

    # -- apps.connections.open ---------------------------------------------
    def open_connection(self, token: str | None) -> dict[str, Any]:
        """Answer ``apps.connections.open``: a new single-use WebSocket URL, for the app-level token only."""
        if not token:
            return {"ok": False, "error": "not_authed"}
        if not token.startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}  # e.g. the bot token
        if token != self.app_token:
            return {"ok": False, "error": "invalid_auth"}
        self.start()
        ticket = str(uuid.uuid4())
        with self._changed:
            self._tickets.add(ticket)
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"}

    # -- inspection ----------------------------------------------------------
    @property
    def open_links(self) -> list[Link]:
        with self._changed:
            return [link for link in self.links if link.closed_at is None]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Block until ``predicate()`` is truthy (re-checked on every change); return its value."""
        return wait_until(self._changed, predicate, timeout=timeout, what="the Socket Mode stand-in")

    def wait_for_links(self, count: int = 1, timeout: float = 10.0) -> list[Link]:
        """Wait until ``count`` connections are open and greeted; return them."""

        def greeted() -> list[Link] | None:
            ready = [link for link in self.open_links if link.ready]
            return ready if len(ready) >= count else None

        return self.wait_for(greeted, timeout)

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> Ack:
        return self.wait_for(lambda: next((a for a in self.acks if a.envelope_id == envelope_id), None), timeout)

    def retries_of(self, delivery: Delivery) -> list[Delivery]:
        """The redeliveries of an event, in order (each retry of a retry included)."""
        with self._changed:
            chain, wanted = [], {delivery.envelope_id}
            for candidate in self.deliveries:
                if candidate.retry_of in wanted:
                    chain.append(candidate)
                    wanted.add(candidate.envelope_id)
            return chain

    # -- pushing envelopes ---------------------------------------------------
    def push_event(self, payload: dict[str, Any]) -> Delivery:
        """Deliver an Events API ``event_callback`` body; redelivered until acked, as Slack retries."""
        return self._deliver(messages.envelope(messages.EVENTS_API, payload, accepts_response_payload=False))

    def push_interactive(self, payload: dict[str, Any], *, accepts_response_payload: bool = True) -> Delivery:
        """Deliver an interactivity payload (block_actions, view_submission, shortcut, ...)."""
        return self._deliver(
            messages.envelope(messages.INTERACTIVE, payload, accepts_response_payload=accepts_response_payload)
        )

    def push_slash_command(self, fields: dict[str, str]) -> Delivery:
        """Deliver a slash command: its form fields as a dict of strings."""
        return self._deliver(messages.envelope(messages.SLASH_COMMANDS, fields, accepts_response_payload=True))

    def _deliver(self, envelope: dict[str, Any], *, retry_of: str | None = None) -> Delivery:
        with self._changed:
            # Slack may use any of an app's connections; the newest open one keeps tests deterministic.
            link = next((lnk for lnk in reversed(self.links) if lnk.ready and lnk.closed_at is None), None)
            if link is None and envelope["type"] != messages.EVENTS_API:
                raise NotConnected(f"no Socket Mode connection to deliver a {envelope['type']} envelope to")
            delivery = Delivery(envelope, link.id if link else None, time.monotonic(), retry_of=retry_of)
            self.deliveries.append(delivery)
            self._changed.notify_all()
        if link is not None and not self._send(link, envelope):
            with self._changed:
                delivery.link = None  # the connection closed under it: lost in flight, as on Slack
        return delivery

    def _redeliver_forever(self) -> None:
        while not self._stopping.is_set():
            with self._changed:
                now, due = time.monotonic(), []
                wake_at = now + 1.0
                for delivery in self.deliveries:
                    retry_at = self._retry_at(delivery)
                    if retry_at is not None and retry_at <= now:
                        delivery.retried = True
                        due.append(delivery)
                    elif retry_at is not None:
                        wake_at = min(wake_at, retry_at)
                if not due:
                    self._changed.wait(max(0.0, wake_at - now))
            for delivery in due:
                attempt = _attempt(delivery)
                self._deliver(
                    messages.envelope(
                        messages.EVENTS_API,
                        delivery.envelope["payload"],
                        accepts_response_payload=False,
                        retry_attempt=attempt + 1,
                        retry_reason="timeout",
                    ),
                    retry_of=delivery.envelope_id,
                )

    def _retry_at(self, delivery: Delivery) -> float | None:
        """When an unacked event is due again, or None if it needs no retry (acked, retried, or out of retries)."""
        if delivery.envelope["type"] != messages.EVENTS_API or delivery.ack is not None or delivery.retried:
            return None
        attempt = _attempt(delivery)
        if attempt >= len(self.retry_delays):
            return None
        return delivery.at + self.ack_timeout + self.retry_delays[attempt]

    # -- ending connections ----------------------------------------------------
    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Send Slack's ``disconnect`` notice on every open connection; the client should open a new one."""
        for link in self.open_links:
            self._send(link, messages.disconnect(reason), notice=True)

    def close(self, *, code: int = 1000, reason: str = "") -> None:
        """End every open connection with a close frame (Slack sends code 1000 with an empty reason)."""
        for link in self.open_links:
            link.connection.close(code, reason)

    def drop(self) -> None:
        """Cut every open connection with a TCP reset and no close frame, as when a server or proxy dies."""
        for link in self.open_links:
            try:
                link.spare = link.connection.socket.dup()
            except OSError:
                continue  # already closed
            # Linger 0 makes the last close send a reset. The link's own socket object is closed first so
            # websockets cannot send a FIN; shutting the spare's read side wakes its reader, and the spare,
            # the last reference, is closed once the link is over (closing it now could hide the wake-up).
            link.spare.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            link.connection.socket.close()
            link.spare.shutdown(socket.SHUT_RD)

    # -- the server side of a link ---------------------------------------------
    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        """Accept a handshake only for a ticket apps.connections.open gave out and nobody used yet."""
        with self._changed:
            ticket = _ticket(request.path)
            if ticket in self._tickets:
                self._tickets.discard(ticket)
                return None
        return connection.respond(HTTPStatus.UNAUTHORIZED, "unknown or used ticket\n")

    def _serve_link(self, connection: ServerConnection) -> None:
        request = connection.request
        if request is None:  # websockets calls the handler only after a handshake, which sets it
            raise RuntimeError("a Socket Mode link without its opening handshake")
        with self._changed:
            link = Link(len(self.links) + 1, _ticket(request.path), connection, time.monotonic())
            self.links.append(link)
            hello = messages.hello(app_id=self.app_id, num_connections=len(self.open_links))
        if self._send(link, hello, notice=True):
            with self._changed:
                link.ready = True
                self._changed.notify_all()
        try:
            for raw in connection:
                self._receive(link, raw)
        except ConnectionClosed:
            pass  # ended without a proper closing handshake (a drop, or a client that just closed its socket)
        finally:
            if link.spare is not None:
                link.spare.close()
            with self._changed:
                link.closed_at = time.monotonic()
                self._changed.notify_all()

    def _send(self, link: Link, message: dict[str, Any], *, notice: bool = False) -> bool:
        if notice:  # recorded first, so a test that saw the client get it finds it here too
            with self._changed:
                self.notices.append((link.id, message))
                self._changed.notify_all()
        try:
            link.connection.send(json.dumps(message))
        except ConnectionClosed:
            if notice:
                with self._changed:
                    self.notices.remove((link.id, message))
            return False
        return True

    def _receive(self, link: Link, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            message = None
        with self._changed:
            if not isinstance(message, dict) or not message.get("envelope_id"):
                self.unexpected.append((link.id, raw))  # Slack ignores these too
            else:
                ack = Ack(message["envelope_id"], message.get("payload"), link.id, time.monotonic())
                self.acks.append(ack)
                delivery = next((d for d in self.deliveries if d.envelope_id == ack.envelope_id), None)
                if delivery is not None and delivery.ack is None:
                    delivery.ack = ack
            self._changed.notify_all()


def _attempt(delivery: Delivery) -> int:
    """An event's retry_attempt: every events_api envelope carries one (0 on the first delivery)."""
    attempt = delivery.retry_attempt
    if attempt is None:
        raise ValueError(f"envelope {delivery.envelope_id} is not an events_api envelope")
    return attempt


def _ticket(path: str) -> str:
    return (parse_qs(urlparse(path).query).get("ticket") or [""])[0]
