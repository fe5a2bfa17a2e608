"""Slack's side of the walkthrough: what people do in Slack reaches the app as Slack sends it.

Over HTTP that is a signed request to ``/slack/events``; in Socket Mode it is an envelope the stand-in
pushes over the app's WebSocket link, answered by an ack on the same link. Both send the same payloads.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import httpx

from bot.app import Loopkeeper
from bot.demo import slack_requests
from bot.demo.socket_mode import Ack, Delivery
from bot.demo.standin import SlackStandIn
from bot.settings import Settings

# The demo's people, by Slack user id.
USERS = {"U0PRIYA": "priya", "U0CXLEAD": "cx-lead", "U0BILLLEAD": "billing-lead", "U0SUPLEAD": "support-lead"}
ACK_WAIT_SECONDS = 20


def loop_id_of(card: dict) -> str:
    """The loop a card shows: its actions block is ``loop_actions:<id>``."""
    return next(b["block_id"] for b in card["blocks"] if b["type"] == "actions").partition(":")[2]


class _Payloads:
    """The payloads Slack sends for a click, a modal submission and a slash command."""

    def __init__(self, app: Loopkeeper, standin: SlackStandIn):
        self.app, self.standin = app, standin

    def click(self, card: dict, channel_id: str, action_id: str, user_id: str) -> dict:
        block = next(b for b in card["blocks"] if b["type"] == "actions")
        return slack_requests.block_actions(
            team_id=self.app.workspace_id,
            user_id=user_id,
            channel_id=channel_id,
            message=card,
            action_id=action_id,
            value=loop_id_of(card),
            response_url=self.standin.response_url_base + "1",
            block_id=block["block_id"],
            user_name=USERS.get(user_id, "someone"),
        )

    def submission(self, view: dict, user_id: str, values: dict) -> dict:
        return slack_requests.view_submission(
            team_id=self.app.workspace_id,
            user_id=user_id,
            view=view,
            values=values,
            user_name=USERS.get(user_id, "someone"),
        )

    def slash_command(self, *, user_id: str, channel_id: str, text: str) -> str:
        return slack_requests.slash_command_body(
            team_id=self.app.workspace_id,
            user_id=user_id,
            channel_id=channel_id,
            text=text,
            response_url=self.standin.response_url_base + "2",
        )


class SignedRequests(_Payloads):
    """Slack posting signed requests to the app's ``/slack/events``."""

    @staticmethod
    def carrying(kind: str) -> str:
        """How a payload of ``kind`` reaches the app, for the narration."""
        return f"signed {kind} to /slack/events"

    def __init__(self, app: Loopkeeper, standin: SlackStandIn, http: httpx.Client, settings: Settings):
        super().__init__(app, standin)
        self.http, self.settings = http, settings

    def press(self, card: dict, channel_id: str, action_id: str, user_id: str) -> str:
        """Click a control on a card; returns what Slack got back, for the narration."""
        response = self._post(slack_requests.interactivity_body(self.click(card, channel_id, action_id, user_id)))
        return f"Slack got HTTP {response.status_code} back (the 3-second ack)"

    def submit(self, view: dict, user_id: str, values: dict) -> None:
        self._post(slack_requests.interactivity_body(self.submission(view, user_id, values)))

    def slash(self, *, user_id: str, channel_id: str, text: str) -> dict:
        """Run a slash command; returns the answer Slack shows the person."""
        return self._post(self.slash_command(user_id=user_id, channel_id=channel_id, text=text)).json()

    def _post(self, body: str) -> httpx.Response:
        headers = slack_requests.signed_headers(
            self.settings.slack_signing_secret, body, content_type="application/x-www-form-urlencoded"
        )
        return self.http.post("/slack/events", content=body, headers=headers)


class SocketModeEnvelopes(_Payloads):
    """Slack pushing envelopes over the app's Socket Mode link and reading the acks."""

    @staticmethod
    def carrying(kind: str) -> str:
        """How a payload of ``kind`` reaches the app, for the narration."""
        return f"{kind} envelope over the Socket Mode link"

    def press(self, card: dict, channel_id: str, action_id: str, user_id: str) -> str:
        """Click a control on a card; returns what Slack got back, for the narration."""
        delivery = self.standin.socket_mode.push_interactive(self.click(card, channel_id, action_id, user_id))
        ack = self._ack(delivery)
        return f"the app acked the envelope on Socket Mode link {ack.link} (the 3-second ack)"

    def submit(self, view: dict, user_id: str, values: dict) -> None:
        self._ack(self.standin.socket_mode.push_interactive(self.submission(view, user_id, values)))

    def slash(self, *, user_id: str, channel_id: str, text: str) -> dict:
        """Run a slash command; returns the answer Slack shows the person (the ack's payload)."""
        fields = dict(parse_qsl(self.slash_command(user_id=user_id, channel_id=channel_id, text=text)))
        return self._ack(self.standin.socket_mode.push_slash_command(fields)).payload or {}

    def close_link(self) -> tuple[int, float]:
        """Slack ends the link with a close frame; returns the new link's number and how long the app took."""
        socket = self.standin.socket_mode
        [old] = socket.wait_for_links(1)
        socket.close()
        ended = socket.wait_for(lambda: old.closed_at)
        new = socket.wait_for(lambda: next((k for k in socket.open_links if k.id > old.id and k.ready), None))
        return new.id, new.opened_at - ended

    def _ack(self, delivery: Delivery) -> Ack:
        return self.standin.socket_mode.wait_for_ack(delivery.envelope_id, timeout=ACK_WAIT_SECONDS)
