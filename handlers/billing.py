"""POST /webhooks/stripe and POST /webhooks/accounts: account outcomes from billing, signed."""

from __future__ import annotations

import json
import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.accounts import stripe
from bot.accounts.feed import EXAMPLE, FeedEvent, parse_event
from bot.accounts.owners import feed_owners
from bot.accounts.receiving import RECORDED, receive_feed, receive_stripe
from bot.context import AppContext
from bot.errors import InvalidFeedback, LoopkeeperError
from bot.intake.payload import json_value
from bot.intake.signatures import verify_generic
from handlers.errors import http_error
from handlers.http_io import read_body

# Stripe's own events stay far below this (a subscription with many items is a few tens of KB).
MAX_STRIPE_BODY = 512 * 1024
MAX_FEED_BODY = 1024 * 1024
MAX_FEED_EVENTS = 500
ACCOUNTS_SECRET = "LOOPKEEPER_WEBHOOK_SECRET_ACCOUNTS"


def routes(ctx: AppContext) -> list[Route]:
    async def stripe_webhook(request: Request) -> JSONResponse:
        secret = ctx.settings.secret(stripe.SECRET_SETTING)
        if secret is None:
            return _not_configured("stripe", stripe.SECRET_SETTING, "the endpoint's signing secret (whsec_…)")
        try:
            body = await read_body(request, limit=MAX_STRIPE_BODY)
            event = stripe.verify(secret, request.headers, body, time.time())
            received = await run_in_threadpool(
                lambda: receive_stripe(
                    ctx.engine,
                    workspace_id=ctx.workspace_id,
                    event=event,
                    allow_test=ctx.settings.stripe_test_events,
                    now=ctx.clock(),
                    directory=ctx.directory,
                )
            )
        except LoopkeeperError as exc:
            ctx.metrics.alerts.inc("stripe", "rejected")
            return http_error(exc)
        ctx.metrics.alerts.inc("stripe", received.outcome)
        if received.loops_told or received.outcome == RECORDED:
            ctx.on_outbox_write()
        # Stripe counts any 2xx as delivered; a repeat or an ignored type must not be retried for days.
        return JSONResponse(received.as_json(), status_code=200)

    async def accounts_webhook(request: Request) -> JSONResponse:
        secret = ctx.settings.secret(ACCOUNTS_SECRET)
        if secret is None:
            return _not_configured("accounts", ACCOUNTS_SECRET, "a secret you share with the sending system")
        try:
            body = await read_body(request, limit=MAX_FEED_BODY)
            verify_generic(
                secret,
                signature=request.headers.get("x-loopkeeper-signature"),
                timestamp=request.headers.get("x-loopkeeper-timestamp"),
                body=body,
            )
            events, batch = _feed_events(json_value(body))
            # Owners' emails are asked of Slack here, before the transaction opens.
            owners = await run_in_threadpool(feed_owners, ctx.directory, events, batch=batch)
            result = await run_in_threadpool(
                lambda: receive_feed(
                    ctx.engine, workspace_id=ctx.workspace_id, events=events, now=ctx.clock(), owners=owners
                )
            )
        except LoopkeeperError as exc:
            ctx.metrics.alerts.inc("accounts", "rejected")
            return _with_example(http_error(exc)) if isinstance(exc, InvalidFeedback) else http_error(exc)
        for received in result.received:
            ctx.metrics.alerts.inc("accounts", received.outcome)
        if result.new:
            ctx.on_outbox_write()
        answers = [r.as_json() for r in result.received]
        return JSONResponse({"results": answers} if batch else answers[0], status_code=202 if result.new else 200)

    return [
        Route("/webhooks/stripe", stripe_webhook, methods=["POST"]),
        Route("/webhooks/accounts", accounts_webhook, methods=["POST"]),
    ]


def _feed_events(value: object) -> tuple[list[FeedEvent], bool]:
    """One event object, or a list of up to MAX_FEED_EVENTS (then True); every one valid, or none is taken."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise InvalidFeedback("the body is an empty list; send one event object or a list of them")
    if len(items) > MAX_FEED_EVENTS:
        raise InvalidFeedback(f"the body has {len(items)} events; send at most {MAX_FEED_EVENTS} at once")
    batch = isinstance(value, list)
    return [parse_event(item, where=f"[{i}]" if batch else "") for i, item in enumerate(items)], batch


def _with_example(response: JSONResponse) -> JSONResponse:
    """A feed event that was refused, answered with a correct one to copy."""
    body = json.loads(bytes(response.body))
    return JSONResponse({**body, "example": json.loads(EXAMPLE)}, status_code=response.status_code)


def _not_configured(name: str, setting: str, what: str) -> JSONResponse:
    return JSONResponse({"error": f"the {name} webhook is not configured: set {setting} to {what}"}, 503)
