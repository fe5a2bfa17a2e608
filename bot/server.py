"""Serving the ASGI app with uvicorn, in the foreground or on a background thread."""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import time
from types import FrameType

import uvicorn
from starlette.types import ASGIApp


class BackgroundServer:
    """Uvicorn on a thread, bound before it starts so port 0 gives a usable ephemeral port."""

    def __init__(self, asgi_app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0):
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # As uvicorn does for sockets it binds itself; accepted connections inherit it. Without it
        # a response with a body waits ~40 ms for the client's delayed ACK (Nagle).
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(asgi_app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="loopkeeper-http", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("HTTP server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()


class _GracefulServer(uvicorn.Server):
    # uvicorn re-raises SIGTERM/SIGINT after shutting down, which would kill the
    # process before the caller stops its workers; we handle the signals instead.
    @contextlib.contextmanager
    def capture_signals(self):
        previous = {sig: signal.signal(sig, self._request_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _request_exit(self, signum: int, frame: FrameType | None) -> None:
        self.should_exit = True


def serve_forever(asgi_app: ASGIApp, *, host: str, port: int) -> None:
    """Serve until SIGINT/SIGTERM, then return so the caller can shut down cleanly."""
    config = uvicorn.Config(asgi_app, host=host, port=port, log_level="info", lifespan="off", access_log=False)
    _GracefulServer(config).run()
