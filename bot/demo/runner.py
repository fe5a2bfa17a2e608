"""`loopkeeper demo`: the whole path, for real, against a local Slack stand-in."""

from __future__ import annotations

import json
import secrets
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import TextIO

import httpx

from bot.app import Loopkeeper, prepare_database
from bot.config import apply_config, load_config
from bot.demo import slack_requests
from bot.demo.render import render_message
from bot.demo.standin import SlackStandIn
from bot.ids import CardAction
from bot.intake.signatures import sign_generic
from bot.server import BackgroundServer
from bot.settings import Settings
from models.db import new_session

CHANNEL_NAMES = {"C0CXESCAL": "cx-escalations", "C0BILLING": "billing-feedback", "C0SUPPORT": "support-feedback",
                 "C0PRODUCT": "product-feedback", "C0CXGENERAL": "cx-general"}
USERS = {"U0PRIYA": "priya", "U0CXLEAD": "cx-lead", "U0BILLLEAD": "billing-lead", "U0SUPLEAD": "support-lead"}


def run_demo(out: TextIO, *, db_path: Path | None = None) -> int:
    """Run the walkthrough, writing what happens to ``out``; returns the exit code."""
    workdir = Path(tempfile.mkdtemp(prefix="loopkeeper-demo-"))
    db_path = db_path or workdir / "loopkeeper-demo.db"
    standin = SlackStandIn().start()
    for channel_id, name in CHANNEL_NAMES.items():
        standin.add_channel(channel_id, name)
    for user_id, name in USERS.items():
        standin.add_user(user_id, name)
    settings = Settings(
        slack_bot_token=standin.bot_token, slack_signing_secret=secrets.token_hex(16),
        webhook_secret=secrets.token_hex(16), slack_api_url=standin.url, database_url=f"sqlite:///{db_path}",
        default_channel="C0CXGENERAL", demo=True, delivery_poll_seconds=0.2,
    )
    say = lambda text="": print(text, file=out, flush=True)  # noqa: E731
    say(f"Loopkeeper demo — SQLite at {db_path}, Slack stand-in at {standin.url}")
    prepare_database(settings)
    app = Loopkeeper(settings)
    with new_session(app.engine) as session:
        config_path = resources.files("bot.demo") / "loopkeeper.yaml"
        apply_config(session, workspace_id=app.workspace_id, doc=load_config(str(config_path)))
    say("Routing loaded from bot/demo/loopkeeper.yaml (5 routes over 4 teams).")
    app.start_workers()
    server = BackgroundServer(app.asgi).start()
    try:
        return _walkthrough(app, server, standin, settings, say)
    finally:
        server.stop()
        app.stop()
        standin.stop()


def _walkthrough(app, server, standin, settings, say) -> int:
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

        channel_id, card = next((c, m) for c, m in posted if c == "C0BILLING")
        loop_id = next(e["value"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"])
        say(f"▶ @priya clicks [ Acknowledge ] on loop #{loop_id} (signed block_actions to /slack/events)")
        payload = slack_requests.block_actions(
            team_id=app.workspace_id, user_id="U0PRIYA", channel_id=channel_id, message=card,
            action_id=CardAction.ACKNOWLEDGE, value=loop_id, response_url=standin.response_url_base + "1",
            user_name="priya")
        body = slack_requests.interactivity_body(payload)
        response = http.post("/slack/events", content=body, headers=slack_requests.signed_headers(
            settings.slack_signing_secret, body, content_type="application/x-www-form-urlencoded"))
        say(f"  Slack got HTTP {response.status_code} back (the 3-second ack)")
        standin.wait_for(lambda: standin.calls_to("chat.update"), timeout=20)
        updated = next(m for m in standin.messages(channel_id) if m["ts"] == card["ts"])
        say("\n▶ The same card, updated in place (chat.update):\n")
        say(render_message(updated, channel=CHANNEL_NAMES[channel_id], users=USERS))
        health = _settled_health(http)
        say(f"\n/healthz → {health}")
    say("\nDone. Run `make test` for the suite; see README.md to connect a real Slack workspace.")
    return 0


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
    timestamp = str(int(time.time()))
    return http.post("/webhooks/generic", content=body, headers={
        "Content-Type": "application/json", "X-Loopkeeper-Timestamp": timestamp,
        "X-Loopkeeper-Signature": sign_generic(secret, timestamp, body)})
