"""`loopkeeper demo`: the whole path, for real, against a local Slack stand-in."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import TextIO

import httpx
import stripe

from bot.admin.config.apply import import_config
from bot.admin.config.parse import load_config
from bot.app import Loopkeeper, prepare_database
from bot.demo import slack_requests
from bot.demo.clock import TravellingClock
from bot.demo.render import plain, render_message
from bot.demo.slack_side import USERS, SignedRequests, SocketModeEnvelopes, loop_id_of
from bot.demo.standin import SlackStandIn
from bot.ids import CardAction
from bot.intake.signatures import generic_webhook_headers
from bot.loops.reminders import check_reminders
from bot.server import BackgroundServer
from bot.settings import Settings
from models.db import new_session
from models.loop import Loop

CHANNEL_NAMES = {
    "C0CXESCAL": "cx-escalations",
    "C0BILLING": "billing-feedback",
    "C0SUPPORT": "support-feedback",
    "C0PRODUCT": "product-feedback",
    "C0CXGENERAL": "cx-general",
}
# slack_sdk's Socket Mode client takes a proxy from these and ignores NO_PROXY; the demo talks only to loopback.
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")


def run_demo(out: TextIO, *, db_path: Path | None = None, socket_mode: bool = False) -> int:
    """Run the walkthrough, writing what happens to ``out``; returns the exit code.

    With ``socket_mode`` the app connects to the stand-in over Socket Mode and every click, submission and
    command reaches it as an envelope on that link; feedback still arrives as webhooks, as vendors send it.
    """
    if socket_mode:
        os.environ.update(dict.fromkeys(PROXY_VARIABLES, ""))
    workdir = Path(tempfile.mkdtemp(prefix="loopkeeper-demo-"))
    db_path = db_path or workdir / "loopkeeper-demo.db"
    standin = SlackStandIn().start()
    for channel_id, name in CHANNEL_NAMES.items():
        standin.add_channel(channel_id, name)
    for user_id, name in USERS.items():
        standin.add_user(user_id, name)
    settings = Settings(
        slack_bot_token=standin.bot_token,
        slack_signing_secret=secrets.token_hex(16),
        webhook_secret=secrets.token_hex(16),
        slack_api_url=standin.url,
        database_url=f"sqlite:///{db_path}",
        default_channel="C0CXGENERAL",
        demo=True,
        delivery_poll_seconds=0.2,
        slack_app_token=standin.socket_mode.app_token if socket_mode else None,
        source_secrets={"LOOPKEEPER_WEBHOOK_SECRET_STRIPE": "whsec_" + secrets.token_hex(16)},
    )
    say = lambda text="": print(text, file=out, flush=True)  # noqa: E731
    say(f"Loopkeeper demo — SQLite at {db_path}, Slack stand-in at {standin.url}")
    prepare_database(settings)
    clock = TravellingClock()
    app = Loopkeeper(settings, clock=clock)
    config_path = resources.files("bot.demo") / "loopkeeper.yaml"
    import_config(app.engine, workspace_id=app.workspace_id, doc=load_config(str(config_path)))
    say(
        "Configuration imported from bot/demo/loopkeeper.yaml (the same code as `loopkeeper config import`): "
        "4 teams with SLAs, 5 routes."
    )
    app.start_workers()
    server = BackgroundServer(app.asgi).start()
    try:
        if socket_mode:
            [link] = standin.socket_mode.wait_for_links(1, timeout=20)
            say(
                f"Socket Mode: the app opened link {link.id} to the stand-in with its app-level token "
                "(apps.connections.open) and got Slack's hello; clicks and commands come over it."
            )
        return _walkthrough(app, server, standin, settings, say, clock, socket_mode=socket_mode)
    finally:
        server.stop()
        app.stop()
        standin.stop()


def _walkthrough(
    app: Loopkeeper,
    server: BackgroundServer,
    standin: SlackStandIn,
    settings: Settings,
    say: Callable[..., None],
    clock: TravellingClock,
    *,
    socket_mode: bool,
) -> int:
    alerts = json.loads((resources.files("bot.demo") / "alerts.json").read_text(encoding="utf-8"))
    say(f"\n▶ Posting {len(alerts)} feedback alerts to {server.url}/webhooks/generic (signed)")
    expected_cards = 0
    with httpx.Client(base_url=server.url, timeout=10) as http:
        for alert in alerts:
            response = _post_webhook(http, settings.webhook_secret, alert)
            body = response.json()
            expected_cards += len(body.get("loop_ids", []))
            say(f"  {response.status_code} {alert['source']:>9} {alert['scale']} {alert['score']:>2}  →  {body}")
        response = _post_webhook(http, settings.webhook_secret, alerts[0])
        say(f"  {response.status_code} (the first alert again) → duplicate={response.json()['duplicate']}")

        standin.wait_for(lambda: len(standin.calls_to("chat.postMessage")) >= expected_cards, timeout=20)
        say(f"\n▶ The bot posted {expected_cards} cards in Slack:\n")
        posted = [(cid, m) for cid in CHANNEL_NAMES for m in standin.messages(cid)]
        for channel_id, message in posted:
            say(render_message(message, channel=CHANNEL_NAMES[channel_id], users=USERS))
            say()

        slack = SocketModeEnvelopes(app, standin) if socket_mode else SignedRequests(app, standin, http, settings)
        channel_id, card = next((c, m) for c, m in posted if c == "C0BILLING")
        loop_id = loop_id_of(card)
        say(f"▶ @priya clicks [ Acknowledge ] on loop #{loop_id} ({slack.carrying('block_actions')})")
        say("  " + slack.press(card, channel_id, CardAction.ACKNOWLEDGE, "U0PRIYA"))
        standin.wait_for(lambda: standin.calls_to("chat.update"), timeout=20)
        say("\n▶ The same card, updated in place (chat.update):\n")
        say(render_message(_message(standin, channel_id, card["ts"]), channel=CHANNEL_NAMES[channel_id], users=USERS))

        if isinstance(slack, SocketModeEnvelopes):
            say("\n▶ Slack ends the Socket Mode link with a close frame (it moves its connections now and then)")
            link, seconds = slack.close_link()
            say(f"  the app opened link {link} and had Slack's hello {seconds:.2f} s after the old link ended")

        support_channel, support_card = next((c, m) for c, m in posted if c == "C0SUPPORT")
        say(f"\n▶ @priya clicks [ Resolve… ] on loop #{loop_id_of(support_card)}: Slack opens the modal")
        slack.press(support_card, support_channel, CardAction.RESOLVE, "U0PRIYA")
        view = standin.wait_for(lambda: standin.calls_to("views.open"), timeout=20)[-1].args["view"]
        say(
            f"  modal “{view['title']['text']}”: "
            + ", ".join(b["label"]["text"] for b in view["blocks"] if b["type"] == "input")
        )
        say("  she picks “Customer saved / retained”, “Call”, and writes a note, then submits")
        slack.submit(
            view,
            "U0PRIYA",
            {
                "outcome": slack_requests.selected("saved"),
                "contact_method": slack_requests.selected("call"),
                "root_cause": slack_requests.selected("Billing error"),
                "note": slack_requests.typed("Called Michael; export fixed, credit applied."),
            },
        )
        standin.wait_for(lambda: standin.replies(support_channel, support_card["ts"]), timeout=20)
        _settled_health(http)
        say("")
        say(
            render_message(
                _message(standin, support_channel, support_card["ts"]),
                channel=CHANNEL_NAMES[support_channel],
                users=USERS,
            )
        )
        for reply in standin.replies(support_channel, support_card["ts"]):
            say("  ↳ thread: " + plain(reply["text"], USERS).replace("\n", "\n            "))

        overdue_channel, overdue_card = next((c, m) for c, m in posted if c == "C0CXESCAL")
        with new_session(app.engine, read_only=True) as session:
            loop = session.get(Loop, int(loop_id_of(overdue_card)))
        if loop is None or loop.ack_due_at is None:
            raise RuntimeError("the escalated loop should have an acknowledge-by time (its team's SLA)")
        later = loop.ack_due_at + timedelta(minutes=1)
        say(
            f"\n▶ Time passes: it is now {later:%Y-%m-%d %H:%M} UTC and nobody acknowledged loop #{loop.id} "
            f"(cx-escalations' SLA: acknowledge within 30 minutes). The scheduler checks SLAs:"
        )
        clock.travel_to(later)  # the whole app moves on, workers too
        check_reminders(app.engine, now=later)
        app.worker.wake()
        standin.wait_for(lambda: standin.replies(overdue_channel, overdue_card["ts"]), timeout=20)
        _settled_health(http)
        for reply in standin.replies(overdue_channel, overdue_card["ts"]):
            say("  ↳ thread: " + plain(reply["text"], USERS).replace("\n", "\n            "))
        status = next(
            b
            for b in _message(standin, overdue_channel, overdue_card["ts"])["blocks"]
            if b.get("block_id") == "loop_status"
        )
        say(f"  card status: {plain(status['elements'][0]['text'], USERS)}")

        _billing_says(http, standin, settings, slack, say, clock, posted)

        say("\n▶ The billing lead asks for this week's digest so far: `/loops digest send billing this-week`")
        answer = slack.slash(user_id="U0BILLLEAD", channel_id="C0BILLING", text="digest send billing this-week")
        say(f"  ephemeral answer: {plain(answer['text'], USERS)}")
        digest = standin.wait_for(
            lambda: [m for m in standin.messages("C0BILLING") if "digest" in m.get("text", "")], timeout=20
        )[-1]
        say("")
        say(render_message(digest, channel=CHANNEL_NAMES["C0BILLING"], users=USERS))
        health = _settled_health(http)
        say(f"\n/healthz → {health}")
    say("\nDone. Run `make test` for the suite; see README.md to connect a real Slack workspace.")
    return 0


def _billing_says(
    http: httpx.Client,
    standin: SlackStandIn,
    settings: Settings,
    slack: SignedRequests | SocketModeEnvelopes,
    say: Callable[..., None],
    clock: TravellingClock,
    posted: list[tuple[str, dict]],
) -> None:
    """Stripe says Acme Logistics scheduled its cancellation: the loop's thread and card say so; the account view."""
    event = json.loads((resources.files("bot.demo") / "stripe_cancellation.json").read_text(encoding="utf-8"))
    now = int(clock().timestamp())
    subscription = event["data"]["object"]
    event["created"] = now
    subscription["canceled_at"] = now
    subscription["cancel_at"] = now + 30 * 86400
    for item in subscription["items"]["data"]:
        item["current_period_start"], item["current_period_end"] = now - 335 * 86400, now + 30 * 86400
    body = json.dumps(event, indent=2).encode()
    secret = settings.source_secrets["LOOPKEEPER_WEBHOOK_SECRET_STRIPE"]
    signature = stripe.WebhookSignature.generate_signature_header(body.decode(), secret, timestamp=int(time.time()))
    say(
        "\n▶ Stripe: Acme Logistics set its $148,000 subscription to cancel at the period's end "
        "(POST /webhooks/stripe, customer.subscription.updated, verified with Stripe's own library)"
    )
    response = http.post(
        "/webhooks/stripe", content=body, headers={"Content-Type": "application/json", "Stripe-Signature": signature}
    )
    say(f"  {response.status_code} → {response.json()}")
    channel_id, card = next((c, m) for c, m in posted if c == "C0BILLING")
    standin.wait_for(
        lambda: any("Cancellation scheduled" in r["text"] for r in standin.replies(channel_id, card["ts"])), timeout=20
    )
    _settled_health(http)
    note = next(r for r in standin.replies(channel_id, card["ts"]) if "Cancellation scheduled" in r["text"])
    say("  ↳ thread: " + plain(note["text"], USERS).replace("\n", "\n            "))
    updated = _message(standin, channel_id, card["ts"])
    alert = next(b for b in updated["blocks"] if b.get("block_id") == "loop_billing")
    say(f"  card: {plain(alert['text']['text'], USERS)}")
    say("\n▶ @priya asks about the account across teams: `/loops account acme`")
    answer = slack.slash(user_id="U0PRIYA", channel_id="C0BILLING", text="account acme")
    say("  " + plain(answer["text"], USERS).replace("\n", "\n  "))


def _message(standin: SlackStandIn, channel_id: str, ts: str) -> dict:
    return next(m for m in standin.messages(channel_id) if m["ts"] == ts)


def _settled_health(http: httpx.Client) -> dict:
    """/healthz once the delivery worker has caught up (or after a few seconds)."""
    deadline = time.monotonic() + 5
    while True:
        health = http.get("/healthz").json()
        if health.get("outbox", {}).get("pending") == 0 or time.monotonic() > deadline:
            return health
        time.sleep(0.05)


def _post_webhook(http: httpx.Client, secret: str, alert: dict) -> httpx.Response:
    body = json.dumps(alert).encode()
    return http.post("/webhooks/generic", content=body, headers=generic_webhook_headers(secret, body))
