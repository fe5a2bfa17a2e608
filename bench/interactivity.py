"""Interactivity: p50/p99 response time of Acknowledge clicks at 50 concurrent clicks vs. a bare Bolt app that
only acks, on the same server. Goal: p99 within 2x the floor's, and far under Slack's 3 s deadline.

    .venv/bin/python -m bench.interactivity [--clicks N] [--concurrency K]
"""

from __future__ import annotations

import argparse
import functools
import sys

from slack_bolt import Ack, App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk import WebClient
from sqlmodel import select
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from bench.common import (
    LoadResult,
    Stack,
    alert,
    count_rows,
    http_request,
    offset_by,
    percentile,
    ratio_line,
    run_load,
    running_app,
    serving,
)
from bot.app import RENDERERS
from bot.demo import slack_requests
from bot.ids import CardAction
from bot.intake.ingest import ingest_in_transaction
from bot.intake.sources.generic import normalize_data
from models.db import new_session
from models.loop import Loop
from models.outbox import OutboxItem

OK = 200
SLACK_DEADLINE = 3.0


def seed_cards(stack: Stack, count: int) -> list[dict]:
    """Open ``count`` loops through the app's own intake and return their cards as Slack shows them."""
    ctx = stack.app.ctx
    with new_session(stack.app.engine) as session:
        for i in range(count):
            ingest_in_transaction(
                session,
                workspace_id=ctx.workspace_id,
                feedback=normalize_data(alert(i, run="ack")),
                policy=ctx.intake_policy(),
                now=ctx.clock(),
            )
        session.commit()
        items = session.exec(select(OutboxItem).where(OutboxItem.kind == "card").order_by(OutboxItem.loop_id)).all()
        # Cards are rendered when sent: render each as the worker will.
        rendered = [{**item.payload, **RENDERERS[item.kind](session, item, ctx.clock())} for item in items]
    # Slack's copy of the card: what the bot asked to post. Its ts only has to be unique here; the card's
    # posting is rate limited per channel and the click does not wait for it.
    return [
        {
            "type": "message",
            "ts": f"{1_700_000_000 + item.loop_id}.000100",
            "channel": payload["channel"],
            "text": payload["text"],
            "blocks": payload["blocks"],
            "user": ctx.bot_user_id,
            "bot_id": ctx.bot_id,
        }
        for item, payload in zip(items, rendered, strict=True)
    ]


def signed_click(i: int, *, cards: list[dict], secret: str, team_id: str, response_url: str) -> bytes:
    """Someone clicks Acknowledge on card ``i``: a block_actions request as Slack sends it."""
    message = dict(cards[i])
    channel_id = message.pop("channel")
    block = next(b for b in message["blocks"] if b["type"] == "actions")
    button = next(e for e in block["elements"] if e.get("action_id") == CardAction.ACKNOWLEDGE)
    payload = slack_requests.block_actions(
        team_id=team_id,
        user_id=f"U0BENCH{i % 40:02d}",
        channel_id=channel_id,
        message=message,
        action_id=CardAction.ACKNOWLEDGE,
        value=button["value"],
        response_url=response_url,
        block_id=block["block_id"],
        user_name=f"bench{i % 40}",
    )
    body = slack_requests.interactivity_body(payload)
    headers = slack_requests.signed_headers(secret, body, content_type="application/x-www-form-urlencoded")
    return http_request("/slack/events", body.encode(), headers)


def bare_bolt(stack: Stack) -> Starlette:
    """The floor: a Bolt app with the same signing secret and options whose listener only acks,
    behind the canonical Starlette adapter (body read, dispatch in the thread pool)."""
    bolt = App(
        signing_secret=stack.settings.slack_signing_secret,
        token_verification_enabled=False,
        client=WebClient(token=stack.settings.slack_bot_token, base_url=stack.settings.slack_api_url),
        process_before_response=True,
    )

    @bolt.action(CardAction.ACKNOWLEDGE)
    def acknowledge(ack: Ack) -> None:
        ack()

    async def slack_events(request: Request):
        body = await request.body()
        return to_starlette_response(await run_in_threadpool(bolt.dispatch, to_bolt_request(request, body)))

    return Starlette(routes=[Route("/slack/events", slack_events, methods=["POST"])])


def click_all(server, build, *, warmup: int, clicks: int, concurrency: int) -> LoadResult:
    """Warm up on ``warmup`` cards, then time ``clicks`` more, each on its own card."""
    for offset, count in ((0, warmup), (warmup, clicks)):
        result = run_load(
            server.host,
            server.port,
            functools.partial(offset_by, build=build, offset=offset),
            count,
            concurrency,
            expect=OK,
        )
        if result.statuses[OK] != count:
            raise SystemExit(f"interactivity: expected {count} × 200, got {dict(result.statuses)}: {result.samples}")
    return result


def summary(result: LoadResult) -> str:
    """Latency percentiles, in milliseconds, and how many answers came after Slack's deadline."""
    ms = [s * 1000 for s in result.latencies]
    late = sum(s > SLACK_DEADLINE for s in result.latencies)
    return (
        f"p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms, max {max(ms):.1f} ms, "
        f"{late} over Slack's {SLACK_DEADLINE:.0f} s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.interactivity", description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=600, help="timed clicks, one per loop (default 600)")
    parser.add_argument("--concurrency", type=int, default=50, help="clicks in flight (default 50)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed clicks first (default 50)")
    args = parser.parse_args(argv)
    per_run = args.warmup + args.clicks
    sizes = {"warmup": args.warmup, "clicks": args.clicks, "concurrency": args.concurrency}

    with running_app() as stack:
        cards = seed_cards(stack, per_run)  # the floor ignores the database: both click the same cards
        build = functools.partial(
            signed_click,
            cards=cards,
            secret=stack.settings.slack_signing_secret,
            team_id=stack.app.workspace_id,
            response_url=stack.response_url_base + "click",
        )
        with serving(bare_bolt(stack)) as floor_server:
            floor = click_all(floor_server, build, **sizes)
        product = click_all(stack.server, build, **sizes)
        acknowledged = count_rows(stack.app.engine, Loop, Loop.status == "acknowledged")
    print(f"floor   bare Bolt ack:           {args.clicks} clicks at {args.concurrency} concurrent: {summary(floor)}")
    print(
        f"product Loopkeeper Acknowledge:  {args.clicks} clicks at {args.concurrency} concurrent: "
        f"{summary(product)}; {acknowledged}/{per_run} loops acknowledged"
    )
    if acknowledged != per_run:
        print(f"interactivity: {per_run} clicks answered 200 but {acknowledged} loops acknowledged", file=sys.stderr)
        return 1

    (floor_p50, floor_p99), (product_p50, product_p99) = (
        [percentile(result.latencies, p) * 1000 for p in (50, 99)] for result in (floor, product)
    )
    print(
        ratio_line(
            "interactivity",
            product_p99 / floor_p99,
            f"p99 {product_p99:.0f} ms vs {floor_p99:.0f} ms, p50 {product_p50:.0f} ms vs {floor_p50:.0f} ms, "
            f"{args.clicks} clicks at concurrency {args.concurrency}; goal <= 2.00 and p99 well under "
            f"{SLACK_DEADLINE:.0f} s",
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
