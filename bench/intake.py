"""Intake: signed webhooks per second, stored and queued, vs. the same server's bare endpoint answering 202
without work. Goal: at least half the floor's throughput.

    .venv/bin/python -m bench.intake [--alerts N] [--concurrency K]
"""

from __future__ import annotations

import argparse
import functools
import secrets
import sys
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.common import (
    LoadResult,
    count_rows,
    cpu_share,
    ratio_line,
    run_load,
    running_app,
    serving,
    signed_webhook,
    thread_cpu,
)
from models.feedback import Feedback
from models.loop import Loop
from models.outbox import PENDING, OutboxItem

ACCEPTED = 202


def bare_intake() -> Starlette:
    """The floor: the same path, the body read, 202 and nothing else."""

    async def webhook(request: Request) -> Response:
        await request.body()
        return Response(status_code=ACCEPTED)

    return Starlette(routes=[Route("/webhooks/{source}", webhook, methods=["POST"])])


def measure(server, secret: str, *, alerts: int, concurrency: int, warmup: int) -> tuple[LoadResult, float]:
    """Warm up, then time ``alerts`` signed webhooks, each answered 202; returns the result and the server
    process's CPU use (1.0 = one core) during the timed run."""

    def send(count: int, run: str) -> LoadResult:
        build = functools.partial(signed_webhook, secret=secret, run=f"{run}-{secrets.token_hex(3)}")
        result = run_load(server.host, server.port, build, count, concurrency, expect=ACCEPTED)
        if result.statuses[ACCEPTED] != count:
            raise SystemExit(f"intake: expected {count} × 202, got {dict(result.statuses)}: {result.samples}")
        return result

    send(warmup, "warmup")
    cpu, threads = time.process_time(), thread_cpu()
    result = send(alerts, "run")
    print(f"  server threads' CPU during the run: {cpu_share(threads, thread_cpu(), result.elapsed)}")
    return result, (time.process_time() - cpu) / result.elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.intake", description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1500, help="webhooks in the timed run (default 1500)")
    parser.add_argument(
        "--floor-requests",
        type=int,
        default=10000,
        help="requests in the floor's timed run, which is ~50x faster (default 10000)",
    )
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--warmup", type=int, default=200, help="untimed webhooks first (default 200)")
    args = parser.parse_args(argv)
    sizes = {"concurrency": args.concurrency, "warmup": args.warmup}

    with serving(bare_intake()) as server:
        floor, floor_cpu = measure(server, "floor-secret", alerts=args.floor_requests, **sizes)
    print(
        f"floor   bare 202 endpoint: {args.floor_requests} webhooks in {floor.elapsed:.2f}s = {floor.rate:,.0f}/s "
        f"(server CPU {floor_cpu:.0%})"
    )

    with running_app() as stack:
        product, product_cpu = measure(stack.server, stack.settings.webhook_secret, alerts=args.alerts, **sizes)
        expected = args.alerts + args.warmup
        stored = count_rows(stack.app.engine, Feedback)
        loops = count_rows(stack.app.engine, Loop)
        cards = count_rows(stack.app.engine, OutboxItem, OutboxItem.kind == "card")
        pending = count_rows(stack.app.engine, OutboxItem, OutboxItem.state == PENDING)
    print(
        f"product Loopkeeper intake: {args.alerts} webhooks in {product.elapsed:.2f}s = {product.rate:,.0f}/s "
        f"(server CPU {product_cpu:.0%}); stored {stored}/{expected} feedback, {loops} loops, {cards} cards queued "
        f"({pending} outbox items not yet sent)"
    )
    if not stored == loops == cards == expected:
        print(
            f"intake: lost work — {expected} accepted but {stored} stored, {loops} loops, {cards} cards queued",
            file=sys.stderr,
        )
        return 1

    ratio = product.rate / floor.rate
    print(
        ratio_line(
            "intake",
            ratio,
            f"{product.rate:,.0f} vs {floor.rate:,.0f} webhooks/s at concurrency "
            f"{args.concurrency}, n={args.alerts}; goal >= 0.50",
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
