"""What the benchmarks share: the real app on a temporary SQLite file, a Slack stand-in in its own process,
a light HTTP load generator in another, signed requests and statistics.

Slack's side and the clients run outside the process under test, as they do in production, so the server
being measured never shares its interpreter lock with them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import math
import multiprocessing
import os
import re
import secrets
import socket
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.managers import BaseManager
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.admin.config.apply import import_config
from bot.admin.config.parse import parse_config
from bot.app import Loopkeeper, prepare_database
from bot.demo.standin import SlackStandIn
from bot.intake.signatures import generic_webhook_headers
from bot.server import BackgroundServer
from bot.settings import Settings
from models.db import new_session

SPAWN = multiprocessing.get_context("spawn")  # never fork a process that runs server threads
TEAM_CHANNEL = "C0BENCHTEAM"
DEFAULT_CHANNEL = "C0BENCHDEFAULT"
# One team owns NPS feedback; the rest falls to the default channel.
BENCH_CONFIG = {
    "default_channel": DEFAULT_CHANNEL,
    "teams": [{"name": "support", "channel": TEAM_CHANNEL}],
    "routes": [{"team": "support", "match": ["scale=nps"]}],
}


# -- statistics ------------------------------------------------------------------
def percentile(values: list[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile (0 < p <= 100) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ratio_line(name: str, value: float, details: str) -> str:
    """The line every benchmark ends with."""
    return f"RATIO {name}: {value:.2f}x ({details})"


# -- requests --------------------------------------------------------------------
def http_request(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """One HTTP/1.1 POST on a keep-alive connection, as raw bytes."""
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: loopkeeper.bench",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def alert(i: int, *, run: str) -> dict:
    """A detractor from its own customer, so each alert opens its own loop and card."""
    return {
        "id": f"bench-{run}-{i}",
        "source": "bench",
        "score": i % 7,
        "scale": "nps",
        "comment": f"Bench alert {i}: the export timed out again and support never called back.",
        "customer": {
            "id": f"cus-{run}-{i}",
            "email": f"customer{i}@{run}.example.org",
            "name": f"Customer {i}",
            "account": f"Account {i % 500}",
            "segment": "mid-market",
            "arr": 1000 * (i % 200),
        },
        "touchpoint": "support",
        "tags": ["bench"],
    }


def offset_by(i: int, *, build: Callable[[int], bytes], offset: int) -> bytes:
    """``build(i + offset)``: one list of requests split over several runs."""
    return build(i + offset)


def signed_webhook(i: int, *, secret: str, run: str) -> bytes:
    """POST /webhooks/generic for alert ``i``, signed now."""
    body = json.dumps(alert(i, run=run)).encode()
    return http_request("/webhooks/generic", body, generic_webhook_headers(secret, body))


# -- the load generator (runs in a child process) -------------------------------
CONNECTION_LOST = 0  # the status counted when the server drops the connection instead of answering


@dataclass
class LoadResult:
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # seconds, request written → response read
    samples: list[str] = field(default_factory=list)  # bodies of the first few unexpected answers
    elapsed: float = 0.0

    @property
    def rate(self) -> float:
        return sum(self.statuses.values()) / self.elapsed


def run_load(
    host: str, port: int, build: Callable[[int], bytes], count: int, concurrency: int, expect: int
) -> LoadResult:
    """Send ``build(0..count-1)`` over ``concurrency`` keep-alive connections, from a separate process."""
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=SPAWN) as pool:
        return pool.submit(_load, host, port, build, count, concurrency, expect).result()


def _load(host: str, port: int, build: Callable[[int], bytes], count: int, concurrency: int, expect: int) -> LoadResult:
    return asyncio.run(_load_async(host, port, build, count, concurrency, expect))


async def _load_async(host, port, build, count, concurrency, expect) -> LoadResult:
    result = LoadResult()
    indices = iter(range(count))

    async def client() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        for i in indices:
            request = build(i)
            started = time.perf_counter()
            try:
                writer.write(request)
                status, body, closing = await _response(reader)
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                status, body, closing = CONNECTION_LOST, repr(exc).encode(), True
            else:
                result.latencies.append(time.perf_counter() - started)
            result.statuses[status] += 1
            if status != expect and len(result.samples) < 5:
                result.samples.append(f"{status} {body[:300].decode(errors='replace')}")
            if closing:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    return result


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, whether the server closes the connection) of one HTTP/1.1 response."""
    lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    body = await reader.readexactly(int(headers.get("content-length", 0)))
    return int(lines[0].split()[1]), body, headers.get("connection", "").lower() == "close"


# -- Slack's side, in its own process -------------------------------------------
class _StandInHost:
    """Runs in the manager's process and keeps the stand-in alive there."""

    def __init__(self):
        self._standin = SlackStandIn().start()

    def address(self) -> tuple[str, str, str]:
        """(Web API URL, response_url base, bot token)."""
        return self._standin.url, self._standin.response_url_base, self._standin.bot_token

    def call_times(self, method: str) -> list[tuple[float, dict]]:
        """(time.time() it arrived, its arguments) of every call to ``method`` so far."""
        return [(call.at, call.args) for call in self._standin.calls_to(method)]

    def posted(self, channel_id: str) -> list[dict]:
        """The top-level messages in ``channel_id``."""
        return self._standin.messages(channel_id)


class _StandInManager(BaseManager):
    pass


_StandInManager.register("StandIn", _StandInHost)


@contextmanager
def remote_standin() -> Iterator[_StandInHost]:
    """A SlackStandIn in a child process, for as long as the context lasts."""
    manager = _StandInManager(ctx=SPAWN)
    manager.start()
    try:
        yield manager.StandIn()
    finally:
        manager.shutdown()


# -- the app under test ---------------------------------------------------------------
class Server(BackgroundServer):
    """BackgroundServer with TCP_NODELAY, as under `loopkeeper run`.

    uvicorn binding host:port itself gets sockets asyncio marks TCP_NODELAY; the socket BackgroundServer binds
    (proto 0) does not, so every response with a body waits ~40 ms for the client's delayed ACK (Nagle).
    Accepted connections inherit the option from the listening socket.
    """

    def __init__(self, asgi_app):
        super().__init__(asgi_app)
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


@dataclass
class Stack:
    app: Loopkeeper
    server: Server
    settings: Settings
    response_url_base: str  # the stand-in's, for block_actions payloads
    standin: _StandInHost  # a proxy to the stand-in in its own process


@contextmanager
def running_app(**overrides) -> Iterator[Stack]:
    """Loopkeeper as `loopkeeper run` assembles it (workers started, uvicorn on a thread), on a fresh SQLite
    file, talking to a stand-in in its own process; routing as in BENCH_CONFIG."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory(prefix="loopkeeper-bench-") as workdir, remote_standin() as standin:
        api_url, response_url_base, token = standin.address()
        settings = Settings(
            slack_bot_token=token,
            slack_signing_secret=secrets.token_hex(16),
            webhook_secret=secrets.token_hex(16),
            slack_api_url=api_url,
            database_url=f"sqlite:///{Path(workdir) / 'loopkeeper.db'}",
            **overrides,
        )
        prepare_database(settings)
        app = Loopkeeper(settings)
        import_config(app.engine, workspace_id=app.workspace_id, doc=parse_config(BENCH_CONFIG))
        app.start_workers()
        try:
            server = Server(app.asgi).start()
            try:
                yield Stack(app, server, settings, response_url_base, standin)
            finally:
                server.stop()
        finally:
            app.stop()


@contextmanager
def serving(asgi) -> Iterator[Server]:
    """Any ASGI app on the same kind of server as Loopkeeper's."""
    server = Server(asgi).start()
    try:
        yield server
    finally:
        server.stop()


def count_rows(engine: Engine, model, *where) -> int:
    """How many ``model`` rows match ``where``."""
    with new_session(engine, read_only=True) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def wait_until(predicate: Callable[[], bool], *, timeout: float, poll: float = 0.1) -> bool:
    """Poll ``predicate`` until it is true (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(poll)
    return True


def thread_cpu() -> dict[str, float]:
    """CPU seconds used so far by this process's live threads, summed by name (digits dropped: pools add up)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used: Counter = Counter()
    for thread in threading.enumerate():
        try:
            fields = Path(f"/proc/self/task/{thread.native_id}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        name = re.sub(r"[-_ ]?\d+(_\d+)?$", "", thread.name)
        used[name] += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return dict(used)


def cpu_share(before: dict[str, float], after: dict[str, float], elapsed: float) -> str:
    """Each thread group's CPU over a run, as a share of one core, busiest first."""
    spent = {name: after.get(name, 0.0) - before.get(name, 0.0) for name in after}
    shown = sorted(((t, n) for n, t in spent.items() if t / elapsed >= 0.01), reverse=True)
    return ", ".join(f"{name} {t / elapsed:.0%}" for t, name in shown)
