"""A team's own endpoint for Loopkeeper's hooks: a real HTTP server on loopback that verifies every signature
(as the README tells receivers to) and answers as it is scripted to: 2xx, an error status, or too slowly."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bot.intake.signatures import BadSignature, verify_generic


class HookReceiver:
    """Records verified events in arrival order; ``script`` decides each answer: a status, or ``"slow"``."""

    def __init__(self) -> None:
        self.secret: str | None = None
        self.events: list[dict[str, Any]] = []
        self.refused: list[str] = []  # why a request's signature did not verify
        self.attempts = 0
        self.script: list[int | str] = []  # answers for the next requests, then ``then``
        self.then: int | str = 200
        self.slow_seconds = 2.0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                answer = receiver._answer(body, dict(self.headers.items()))
                if answer == "slow":
                    time.sleep(receiver.slow_seconds)
                    answer = 200
                self.send_response(int(answer))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/loopkeeper"

    def start(self) -> HookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _answer(self, body: bytes, headers: dict[str, str]) -> int | str:
        with self._lock:
            self.attempts += 1
            answer = self.script.pop(0) if self.script else self.then
            try:
                verify_generic(
                    self.secret or "",
                    signature=headers.get("X-Loopkeeper-Signature"),
                    timestamp=headers.get("X-Loopkeeper-Timestamp"),
                    body=body,
                )
            except BadSignature as exc:
                self.refused.append(str(exc))
                return 401
            if answer in (200, 202, 204, "slow"):
                event = json.loads(body)
                if event["id"] not in {e["id"] for e in self.events}:  # a retried delivery is the same event
                    self.events.append(event)
            return answer

    def wait_for(self, ready: Callable[[list[dict]], bool], timeout: float = 30) -> list[dict]:
        """Wait until ``ready(events)``; returns the events (a copy)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                events = list(self.events)
            if ready(events):
                return events
            time.sleep(0.02)
        raise TimeoutError(f"receiver has {len(self.events)} events, {len(self.refused)} refused: {self.refused[:3]}")

    def types(self, loop_id: int | None = None) -> list[str]:
        with self._lock:
            return [
                e["type"] for e in self.events if loop_id is None or (e["data"].get("loop") or {}).get("id") == loop_id
            ]
