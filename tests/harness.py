"""Drives the real app the way Slack and feedback tools do: signed HTTP requests."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from bot.app import Loopkeeper
from bot.demo import slack_requests
from bot.demo.standin import SlackStandIn
from bot.intake.signatures import sign_generic
from bot.server import BackgroundServer
from bot.settings import Settings
from models.db import new_session
from models.outbox import PENDING, list_outbox_items


class Harness:
    def __init__(self, settings: Settings, standin: SlackStandIn):
        self.settings = settings
        self.standin = standin
        self.app = Loopkeeper(settings)
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
        self.server = BackgroundServer(self.app.asgi).start()
        self.http = httpx.Client(base_url=self.server.url, timeout=15)

    def stop(self) -> None:
        if self.http is not None:
            self.http.close()
        if self.server is not None:
            self.server.stop()
        self.app.stop()

    # -- feedback webhooks ----------------------------------------------------
    def post_webhook(self, payload: Any, *, raw: bytes | None = None, secret: str | None = None,
                     timestamp: int | None = None, headers: dict[str, str] | None = None) -> httpx.Response:
        body = raw if raw is not None else json.dumps(payload).encode()
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signed = {
            "Content-Type": "application/json",
            "X-Loopkeeper-Timestamp": ts,
            "X-Loopkeeper-Signature": sign_generic(secret or self.settings.webhook_secret, ts, body),
        }
        signed.update(headers or {})
        return self.http.post("/webhooks/generic", content=body, headers={k: v for k, v in signed.items() if v})

    def post_source(self, source: str, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
        """POST raw bytes to /webhooks/<source> with the given (vendor signature) headers."""
        return self.http.post(f"/webhooks/{source}", content=body,
                              headers={"Content-Type": "application/json", **(headers or {})})

    # -- Slack requests ---------------------------------------------------------
    def post_slack(self, body: str, *, content_type: str, secret: str | None = None, timestamp: int | None = None,
                   retry_num: int | None = None) -> httpx.Response:
        headers = slack_requests.signed_headers(secret or self.settings.slack_signing_secret, body,
                                                content_type=content_type, timestamp=timestamp, retry_num=retry_num)
        return self.http.post("/slack/events", content=body, headers=headers)

    def click(self, card: dict, action_id: str, *, user_id: str = "U0DANA", channel_id: str | None = None,
              value: str | None = None, **kwargs) -> httpx.Response:
        channel_id = channel_id or card["channel"]
        value = value if value is not None else self.button_value(card, action_id)
        payload = slack_requests.block_actions(
            team_id=self.workspace_id, user_id=user_id, channel_id=channel_id, message=card, action_id=action_id,
            value=value, response_url=self.standin.response_url_base + "click")
        return self.post_slack(slack_requests.interactivity_body(payload),
                               content_type="application/x-www-form-urlencoded", **kwargs)

    def slash(self, text: str, *, user_id: str = "U0DANA", channel_id: str = "C0BILLING") -> httpx.Response:
        body = slack_requests.slash_command_body(team_id=self.workspace_id, user_id=user_id, channel_id=channel_id,
                                                 text=text, response_url=self.standin.response_url_base + "cmd")
        return self.post_slack(body, content_type="application/x-www-form-urlencoded")

    def event(self, event: dict, *, event_id: str, retry_num: int | None = None) -> httpx.Response:
        body = json.dumps(slack_requests.event_callback(team_id=self.workspace_id, event=event, event_id=event_id))
        return self.post_slack(body, content_type="application/json", retry_num=retry_num)

    # -- observing ---------------------------------------------------------------
    @staticmethod
    def button_value(card: dict, action_id: str) -> str:
        for block in card["blocks"]:
            for element in block.get("elements", []):
                if element.get("action_id") == action_id:
                    return element["value"]
        raise AssertionError(f"card has no {action_id} button")

    @staticmethod
    def buttons(card: dict) -> list[str]:
        return [e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]

    def cards(self, channel_id: str, count: int = 1, timeout: float = 10) -> list[dict]:
        """Wait for ``count`` top-level messages in ``channel_id``; each gets its ``channel``."""
        messages = self.standin.wait_for(
            lambda: (m := self.standin.messages(channel_id)) and len(m) >= count and m, timeout=timeout)
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
