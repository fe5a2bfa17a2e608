"""Drives the real app the way Slack and feedback tools do: signed HTTP requests."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl

import httpx

from bot.app import Loopkeeper
from bot.demo import slack_requests
from bot.demo.clock import TravellingClock
from bot.demo.standin import SlackStandIn
from bot.intake.signatures import generic_webhook_headers
from bot.server import BackgroundServer
from bot.settings import Settings
from models.db import new_session
from models.outbox import PENDING, list_outbox_items
from tests.stripe_signing import stripe_headers


class Harness:
    def __init__(self, settings: Settings, standin: SlackStandIn, clock: TravellingClock | None = None):
        self.settings = settings
        self.standin = standin
        self.clock = clock or TravellingClock()
        self.app = Loopkeeper(settings, clock=self.clock)
        self.server: BackgroundServer | None = None
        self.http: httpx.Client | None = None

    @property
    def workspace_id(self) -> str:
        return self.app.workspace_id

    def session(self, *, read_only: bool = True):
        """Tests mostly look; a read-only session never blocks the app's writers."""
        return new_session(self.app.engine, read_only=read_only)

    def start(self) -> None:
        self.app.start_workers()
        deadline = time.monotonic() + 10
        while not self.app.scheduler.running and time.monotonic() < deadline:
            time.sleep(0.01)  # on PostgreSQL the scheduler starts once the advisory lock is won
        self.server = BackgroundServer(self.app.asgi).start()
        self.http = httpx.Client(base_url=self.server.url, timeout=15)

    def stop(self) -> None:
        if self.http is not None:
            self.http.close()
        if self.server is not None:
            self.server.stop()
        self.app.stop()

    # -- feedback webhooks ----------------------------------------------------
    def post_webhook(
        self,
        payload: Any,
        *,
        raw: bytes | None = None,
        secret: str | None = None,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body = raw if raw is not None else json.dumps(payload).encode()
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signed = generic_webhook_headers(secret or self.settings.webhook_secret, body, timestamp=ts)
        signed.update(headers or {})
        return self.http.post("/webhooks/generic", content=body, headers={k: v for k, v in signed.items() if v})

    def post_source(self, source: str, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
        """POST raw bytes to /webhooks/<source> with the given (vendor signature) headers."""
        return self.http.post(
            f"/webhooks/{source}", content=body, headers={"Content-Type": "application/json", **(headers or {})}
        )

    def post_stripe(
        self, body: bytes, *, secret: str | None = None, timestamp: int | None = None, extra_secrets=()
    ) -> httpx.Response:
        """POST a Stripe event's bytes to /webhooks/stripe, signed as Stripe signs (now, unless told)."""
        key = secret or self.settings.source_secrets["LOOPKEEPER_WEBHOOK_SECRET_STRIPE"]
        headers = stripe_headers(key, body, int(time.time()) if timestamp is None else timestamp, extra_secrets)
        return self.http.post("/webhooks/stripe", content=body, headers=headers)

    def post_accounts(self, payload: Any, *, secret: str | None = None, raw: bytes | None = None) -> httpx.Response:
        """POST account outcomes to /webhooks/accounts, signed like the generic webhook."""
        body = raw if raw is not None else json.dumps(payload).encode()
        key = secret or self.settings.source_secrets["LOOPKEEPER_WEBHOOK_SECRET_ACCOUNTS"]
        return self.http.post("/webhooks/accounts", content=body, headers=generic_webhook_headers(key, body))

    # -- Slack requests ---------------------------------------------------------
    def post_slack(
        self,
        body: str,
        *,
        content_type: str,
        secret: str | None = None,
        timestamp: int | None = None,
        retry_num: int | None = None,
    ) -> httpx.Response:
        headers = slack_requests.signed_headers(
            secret or self.settings.slack_signing_secret,
            body,
            content_type=content_type,
            timestamp=timestamp,
            retry_num=retry_num,
        )
        return self.http.post("/slack/events", content=body, headers=headers)

    def click(
        self,
        card: dict,
        action_id: str,
        *,
        user_id: str = "U0DANA",
        channel_id: str | None = None,
        value: str | None = None,
        **kwargs,
    ) -> httpx.Response:
        payload = self.click_payload(card, action_id, user_id=user_id, channel_id=channel_id, value=value)
        return self.post_slack(
            slack_requests.interactivity_body(payload), content_type="application/x-www-form-urlencoded", **kwargs
        )

    def click_payload(
        self, card: dict, action_id: str, *, user_id: str = "U0DANA", channel_id: str | None = None, value=None
    ) -> dict:
        """The block_actions payload Slack sends when ``user_id`` clicks ``action_id`` on ``card``."""
        channel_id = channel_id or card["channel"]
        return slack_requests.block_actions(
            team_id=self.workspace_id,
            user_id=user_id,
            channel_id=channel_id,
            message=card,
            action_id=action_id,
            value=value if value is not None else self.button_value(card, action_id),
            response_url=self.standin.response_url_base + "click",
            block_id=self.actions_block(card),
        )

    def select(
        self,
        card: dict,
        action_id: str,
        *,
        user_id: str = "U0DANA",
        selected_user: str | None = None,
        option: str | None = None,
    ) -> httpx.Response:
        """Choose from a card's menu (users_select or static_select), as Slack sends it."""
        payload = slack_requests.block_actions(
            team_id=self.workspace_id,
            user_id=user_id,
            channel_id=card["channel"],
            message=card,
            action_id=action_id,
            value="",
            response_url=self.standin.response_url_base + "click",
            block_id=self.actions_block(card),
        )
        element = payload["actions"][0]
        element.pop("value")
        if selected_user is not None:
            element.update(type="users_select", selected_user=selected_user)
        else:
            element.update(
                type="static_select",
                selected_option={"text": {"type": "plain_text", "text": option, "emoji": True}, "value": option},
            )
        return self.post_slack(
            slack_requests.interactivity_body(payload), content_type="application/x-www-form-urlencoded"
        )

    def open_modal(self, card: dict, action_id: str, *, user_id: str = "U0DANA") -> dict:
        """Click a button that opens a modal; return the view the stand-in was asked to open."""
        before = len(self.standin.calls_to("views.open"))
        self.click(card, action_id, user_id=user_id)
        calls = self.standin.wait_for(
            lambda: len(self.standin.calls_to("views.open")) > before and self.standin.calls_to("views.open")
        )
        return calls[-1].args["view"]

    def submit(self, view: dict, values: dict, *, user_id: str = "U0DANA") -> httpx.Response:
        payload = self.submission_payload(view, values, user_id=user_id)
        return self.post_slack(
            slack_requests.interactivity_body(payload), content_type="application/x-www-form-urlencoded"
        )

    def submission_payload(self, view: dict, values: dict, *, user_id: str = "U0DANA") -> dict:
        """The view_submission payload Slack sends when ``user_id`` submits ``view`` with ``values``."""
        return slack_requests.view_submission(team_id=self.workspace_id, user_id=user_id, view=view, values=values)

    def resolve(
        self,
        card: dict,
        outcome: str = "contacted_fixed",
        *,
        contact: str | None = "call",
        note: str | None = "Called them; fixed.",
        root_cause: str | None = "Billing error",
        elevate: bool = False,
        user_id: str = "U0DANA",
    ) -> httpx.Response:
        view = self.open_modal(card, "loop_resolve", user_id=user_id)
        values = {
            "outcome": slack_requests.selected(outcome),
            "root_cause": slack_requests.selected(root_cause)
            if root_cause
            else {"type": "static_select", "selected_option": None},
            "elevate": {
                "type": "checkboxes",
                "selected_options": [slack_requests.selected("elevate")["selected_option"]] if elevate else [],
            },
            "contact_method": slack_requests.selected(contact)
            if contact
            else {"type": "static_select", "selected_option": None},
            "note": slack_requests.typed(note),
        }
        return self.submit(view, values, user_id=user_id)

    def slash(self, text: str, *, user_id: str = "U0DANA", channel_id: str = "C0BILLING") -> httpx.Response:
        body = self._slash_body(text, user_id=user_id, channel_id=channel_id)
        return self.post_slack(body, content_type="application/x-www-form-urlencoded")

    def slash_fields(self, text: str, *, user_id: str = "U0DANA", channel_id: str = "C0BILLING") -> dict[str, str]:
        """The form fields Slack sends for ``/loops <text>``, as Socket Mode carries them."""
        return dict(parse_qsl(self._slash_body(text, user_id=user_id, channel_id=channel_id), keep_blank_values=True))

    def _slash_body(self, text: str, *, user_id: str, channel_id: str) -> str:
        return slack_requests.slash_command_body(
            team_id=self.workspace_id,
            user_id=user_id,
            channel_id=channel_id,
            text=text,
            response_url=self.standin.response_url_base + "cmd",
        )

    def event(self, event: dict, *, event_id: str, retry_num: int | None = None) -> httpx.Response:
        body = json.dumps(self.event_payload(event, event_id=event_id))
        return self.post_slack(body, content_type="application/json", retry_num=retry_num)

    def event_payload(self, event: dict, *, event_id: str) -> dict:
        """The Events API body Slack sends for ``event``."""
        return slack_requests.event_callback(team_id=self.workspace_id, event=event, event_id=event_id)

    # -- observing ---------------------------------------------------------------
    @staticmethod
    def button_value(card: dict, action_id: str) -> str:
        for block in card["blocks"]:
            for element in block.get("elements", []):
                if element.get("action_id") == action_id:
                    return element["value"]
        raise AssertionError(f"card has no {action_id} button")

    @staticmethod
    def actions_block(card: dict) -> str:
        return next((b["block_id"] for b in card["blocks"] if b["type"] == "actions"), "loop_actions")

    @staticmethod
    def buttons(card: dict) -> list[str]:
        return [e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]

    def cards(self, channel_id: str, count: int = 1, timeout: float = 10) -> list[dict]:
        """Wait for ``count`` top-level messages in ``channel_id``; each gets its ``channel``."""
        messages = self.standin.wait_for(
            lambda: (m := self.standin.messages(channel_id)) and len(m) >= count and m, timeout=timeout
        )
        return [{**m, "channel": channel_id} for m in messages]

    def card(self, channel_id: str, ts: str) -> dict:
        message = next(m for m in self.standin.messages(channel_id) if m["ts"] == ts)
        return {**message, "channel": channel_id}

    def wait_until_delivered(self, timeout: float = 10) -> None:
        """Wait until the outbox has nothing pending."""
        deadline = time.monotonic() + timeout
        while True:
            with self.session() as session:
                if not list_outbox_items(session=session, states=(PENDING,)):
                    return
            if time.monotonic() > deadline:
                raise TimeoutError("outbox still has pending items")
            time.sleep(0.02)
