"""Delivery under Slack's per-channel limit: N alerts over C channels, 1 message/s/channel with bursts of B.

The floor is the time Slack's limit itself allows: every channel starts with B messages at once and then
takes one a second, so the last card cannot be posted before max_c((N_c − B) / 1 s). The stand-in enforces
exactly that limit (429 with Retry-After past it); the bot must come within 5 % + 1 s of the floor, with
every card posted once.

    .venv/bin/python -m bench.delivery [--alerts 200] [--channels 10] [--burst 3] [--server-errors 0.1]

With ``--server-errors`` a fraction of Slack's answers are 500s (the stand-in's fault injection): one card's failed
post must not hold the others of its channel beyond Slack's pacing (goal within 5 % + 3 s of the floor).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from bot.admin.config.apply import import_config
from bot.admin.config.parse import parse_config
from bot.app import Loopkeeper, prepare_database
from bot.demo.standin import SlackStandIn
from bot.intake.signatures import generic_webhook_headers
from bot.server import BackgroundServer
from bot.settings import Settings
from models.db import new_session
from models.outbox import PENDING, list_outbox_items


def config(channels: int) -> dict:
    return {
        "default_channel": "C0BENCHDEFAULT",
        "teams": [{"name": f"team{c}", "channel": f"C0BENCH{c:03d}"} for c in range(channels)],
        "routes": [{"team": f"team{c}", "match": [f"product=p{c}"]} for c in range(channels)],
    }


def alert(i: int, channels: int) -> bytes:
    return json.dumps(
        {
            "id": f"delivery-{i}",
            "score": i % 7,
            "scale": "nps",
            "product": f"p{i % channels}",
            "comment": "The export timed out again.",
            "customer": {"id": f"cus-{i}", "email": f"c{i}@bench.example.org"},
        }
    ).encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.delivery", description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--burst", type=int, default=3)
    parser.add_argument(
        "--server-errors",
        type=float,
        default=0.0,
        help="fraction of chat.postMessage answers that are 500s, e.g. 0.1: every 10th (default 0)",
    )
    args = parser.parse_args(argv)
    if args.alerts <= args.burst * args.channels:
        parser.error("--alerts must exceed --burst × --channels, or Slack's limit never applies (floor 0 s)")

    standin = SlackStandIn().start()
    standin.post_limit = (1.0, args.burst)  # Slack's limit, enforced with 429 + Retry-After
    if args.server_errors:
        standin.server_error_every = {"chat.postMessage": round(1 / args.server_errors)}
    workdir = Path(tempfile.mkdtemp(prefix="loopkeeper-bench-delivery-"))
    settings = Settings(
        slack_bot_token=standin.bot_token,
        slack_signing_secret=secrets.token_hex(16),
        webhook_secret=secrets.token_hex(16),
        slack_api_url=standin.url,
        database_url=f"sqlite:///{workdir / 'bench.db'}",
        default_channel="C0BENCHDEFAULT",
        post_per_second=1.0,
        post_burst=args.burst,
        delivery_poll_seconds=0.2,
    )
    prepare_database(settings)
    app = Loopkeeper(settings)
    import_config(app.engine, workspace_id=app.workspace_id, doc=parse_config(config(args.channels)))
    server = BackgroundServer(app.asgi).start()
    try:
        # Queue every alert first (the worker is not running yet), so all start from the same moment.
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for i in range(args.alerts):
                body = alert(i, args.channels)
                response = client.post(
                    "/webhooks/generic", content=body, headers=generic_webhook_headers(settings.webhook_secret, body)
                )
                assert response.status_code == 202, response.text
        started = time.time()
        app.worker.start()
        while True:
            with new_session(app.engine, read_only=True) as session:
                if not list_outbox_items(session=session, states=(PENDING,), limit=1):
                    break
            time.sleep(0.05)
        posts = [c for c in standin.calls_to("chat.postMessage") if c not in standin.limited_calls]
        if os.environ.get("BENCH_TRACE"):
            for c in standin.calls:
                print(round(c.at - started, 2), c.method, (c.args.get("metadata") or {}).get("event_payload"))
        finished = max(c.at for c in posts)
    finally:
        server.stop()
        app.stop()
        standin.stop()

    per_channel = Counter(i % args.channels for i in range(args.alerts))
    floor = max(max(0, n - args.burst) / 1.0 for n in per_channel.values())
    elapsed = finished - started
    cards = Counter()
    for c in range(args.channels):
        for message in standin.messages(f"C0BENCH{c:03d}"):
            cards[message["metadata"]["event_payload"]["loop_id"]] += 1
    lost, duplicated = args.alerts - len(cards), sum(n - 1 for n in cards.values())
    # Every post call Slack did not refuse with a 429 took one of its tokens, a 5xx too: the floor those allow.
    failed = len(posts) - sum(cards.values())
    token_floor = max(0, len(posts) - args.burst) / 1.0
    goal = floor * 1.05 + (3 if args.server_errors else 1)
    print(f"{args.alerts} alerts over {args.channels} channels, Slack limit 1 msg/s/channel with burst {args.burst}")
    print(
        f"floor max_c((N_c - B)/1 s) = {floor:.1f} s; delivered in {elapsed:.1f} s (goal <= {goal:.1f} s: "
        f"{'met' if elapsed <= goal else 'MISSED'}); lost {lost}, duplicated {duplicated}, "
        f"429s {len(standin.limited_calls)}, calls before Retry-After {len(standin.early_calls)}"
    )
    if args.server_errors:
        print(
            f"{failed} post calls answered 5xx (every {round(1 / args.server_errors)}th); Slack counts them too, "
            f"so the {len(posts)} calls it took allow no less than {token_floor:.1f} s "
            f"({elapsed / max(token_floor, 1):.2f}x that)"
        )
    name = "delivery" + ("-5xx" if args.server_errors else "")
    print(
        f"RATIO {name}: {elapsed / floor:.2f}x (all {args.alerts} cards in {elapsed:.1f} s vs Slack's floor "
        f"{floor:.1f} s, goal <= {goal:.1f} s; lost {lost}, duplicates {duplicated}, 429s {len(standin.limited_calls)}"
        + (f", {failed} posts answered 5xx" if args.server_errors else "")
        + ")"
    )
    return 0 if lost == 0 and duplicated == 0 and not standin.early_calls else 1


if __name__ == "__main__":
    raise SystemExit(main())
