"""The stand-in's HTTP side: Web API calls (JSON or form-encoded, token in the header or the form),
``response_url`` posts, answered with what ``SlackStandIn.handle`` decides, and files' raw bytes POSTed to the
upload URLs it hands out."""

from __future__ import annotations

import contextlib
import json
import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlparse

if TYPE_CHECKING:
    from bot.demo.standin import SlackStandIn


def make_handler(standin: SlackStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # keep test and demo output clean
            return

        def do_POST(self):
            parsed = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if parsed.path.startswith("/upload/"):  # a file's raw bytes, to the URL files.getUploadURLExternal gave
                return self._send_text(*standin.receive_upload(parsed.path, raw))
            args: dict[str, Any] = dict(parse_qsl(parsed.query))
            content_type = self.headers.get("Content-Type", "")
            if raw and content_type.startswith("application/json"):
                args.update(json.loads(raw))
            elif raw:
                args.update(parse_qsl(raw.decode()))
            if parsed.path.startswith("/response/"):
                standin.record_response_url(parsed.path, args)
                return self._send(200, {"ok": True}, {})
            if not parsed.path.startswith("/api/"):
                return self._send(404, {"ok": False, "error": "unknown_path"}, {})
            auth = self.headers.get("Authorization", "")
            token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else args.pop("token", None)
            status, body, headers, delay = standin.handle(parsed.path[len("/api/") :], args, token)
            if delay:
                time.sleep(delay)
            standin.wait_at_gate(parsed.path[len("/api/") :])
            self._send(status, body, headers)

        do_GET = do_POST

        def _send_text(self, status: int, text: str) -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

        def _send(self, status: int, body: dict, headers: dict[str, str]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            # the client may have given up (e.g. its timeout); Slack would not notice either
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

    return Handler
