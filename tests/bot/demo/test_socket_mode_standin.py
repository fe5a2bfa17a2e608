"""The stand-in's Socket Mode side, driven by slack_sdk's builtin SocketModeClient and Bolt's handler (no mocks)."""

from __future__ import annotations

import json
import threading
from urllib.parse import parse_qsl

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin.client import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as websockets_connect

from bot.demo import slack_requests
from bot.demo.socket_mode import NotConnected

# The client notices a closed link at its next state check, every ping_interval seconds.
PING_INTERVAL = 1.0
TEAM = "T0LOOPKEEP"


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    # The builtin client ignores NO_PROXY, and an empty HTTPS_PROXY falls through to HTTP_PROXY.
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, "")


@pytest.fixture
def socket_mode(standin):
    socket_mode = standin.socket_mode
    socket_mode.retry_delays = (0.0, 0.0, 0.0)  # Slack waits a minute, then five, before the later retries
    return socket_mode


class Listener:
    """Records what the client receives; acks every request, events only from ``ack_events_from`` attempts on."""

    def __init__(self, *, ack_events_from: int | None = 0, response: dict | None = None):
        self.ack_events_from = ack_events_from
        self.response = response
        self.raw: list[str] = []
        self.requests: list[SocketModeRequest] = []
        self.lock = threading.Lock()

    def __call__(self, client: SocketModeClient, request: SocketModeRequest) -> None:
        with self.lock:
            self.requests.append(request)
        if request.type == "events_api" and (
            self.ack_events_from is None or request.retry_attempt < self.ack_events_from
        ):
            return
        payload = self.response if request.accepts_response_payload else None
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id, payload=payload))

    def event_ids(self) -> list[str]:
        with self.lock:
            return [r.payload.get("event_id") for r in self.requests if r.type == "events_api"]


@pytest.fixture
def connect(standin, socket_mode):
    clients: list[SocketModeClient] = []

    def connect(listener: Listener | None = None) -> SocketModeClient:
        client = SocketModeClient(
            app_token=socket_mode.app_token, web_client=WebClient(base_url=standin.url), ping_interval=PING_INTERVAL
        )
        listener = listener or Listener()
        client.on_message_listeners.append(listener.raw.append)
        client.socket_mode_request_listeners.append(listener)
        clients.append(client)
        client.connect()
        socket_mode.wait_for_links(1)
        return client

    yield connect
    for client in clients:
        client.auto_reconnect_enabled = False
    # A close frame wakes each client's reader, which otherwise holds its socket for up to 3 s while closing.
    socket_mode.close()
    for client in clients:
        client.close()


def event(event_id: str) -> dict:
    return slack_requests.event_callback(
        team_id=TEAM,
        event_id=event_id,
        event={
            "type": "app_mention",
            "user": "U0DANA",
            "text": "<@U0LOOPBOT> hi",
            "ts": "1700000000.000100",
            "channel": "C0SUPPORT",
            "event_ts": "1700000000.000100",
        },
    )


def relinked(socket_mode, first_link: int) -> None:
    """Wait until the client is on a newer connection and the old one is gone."""
    socket_mode.wait_for(lambda: [link.id for link in socket_mode.open_links if link.ready] == [first_link + 1])


def test_the_client_gets_a_url_for_its_app_token_and_slacks_hello(standin, socket_mode, connect):
    listener = Listener()
    client = connect(listener)
    socket_mode.wait_for(lambda: listener.raw)
    assert [json.loads(raw) for raw in listener.raw] == [message for _, message in socket_mode.notices]
    ((link_id, hello),) = socket_mode.notices
    assert link_id == 1 and hello == {
        "type": "hello",
        "num_connections": 1,
        "debug_info": {"host": "applink-standin-1", "build_number": 1, "approximate_connection_time": 18060},
        "connection_info": {"app_id": socket_mode.app_id},
    }
    (call,) = standin.calls_to("apps.connections.open")
    assert call.token == socket_mode.app_token
    assert client.is_connected()


def test_apps_connections_open_takes_only_the_app_level_token(standin, socket_mode):
    api = WebClient(base_url=standin.url)
    for token, error in ((standin.bot_token, "not_allowed_token_type"), ("xapp-1-A0OTHER-1-x", "invalid_auth")):
        with pytest.raises(SlackApiError) as refused:
            api.apps_connections_open(app_token=token)
        assert refused.value.response["error"] == error
    urls = {api.apps_connections_open(app_token=socket_mode.app_token)["url"] for _ in range(2)}
    assert len(urls) == 2
    assert all(url.startswith(f"ws://127.0.0.1:{socket_mode.port}/link/?ticket=") for url in urls)
    assert all(url.endswith(f"&app_id={socket_mode.app_id}") for url in urls)


def test_a_url_is_good_for_one_connection(standin, socket_mode):
    url = WebClient(base_url=standin.url).apps_connections_open(app_token=socket_mode.app_token)["url"]
    with websockets_connect(url) as first:
        assert json.loads(first.recv(timeout=5))["type"] == "hello"
        with pytest.raises(InvalidStatus) as refused:
            websockets_connect(url)
        assert refused.value.response.status_code == 401


def test_an_event_is_acked_and_the_ack_recorded(socket_mode, connect):
    listener = Listener()
    connect(listener)
    delivery = socket_mode.push_event(event("Ev0ACKED"))
    ack = socket_mode.wait_for_ack(delivery.envelope_id)
    assert (ack.envelope_id, ack.payload, ack.link) == (delivery.envelope_id, None, 1)
    assert {k: v for k, v in delivery.envelope.items() if k not in ("envelope_id", "payload")} == {
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": 0,
        "retry_reason": "",
    }
    assert [r.payload for r in listener.requests] == [delivery.envelope["payload"]]


def test_an_interactive_envelope_is_acked_with_a_response_payload(socket_mode, connect):
    errors = {"response_action": "errors", "errors": {"outcome": "Pick an outcome"}}
    connect(Listener(response=errors))
    submission = slack_requests.view_submission(
        team_id=TEAM, user_id="U0DANA", view={"callback_id": "resolve"}, values={}
    )
    delivery = socket_mode.push_interactive(submission)
    assert delivery.envelope["type"] == "interactive" and delivery.envelope["accepts_response_payload"] is True
    assert "retry_attempt" not in delivery.envelope
    assert socket_mode.wait_for_ack(delivery.envelope_id).payload == errors


def test_a_slash_command_arrives_as_a_dict_of_strings(socket_mode, connect):
    listener = Listener(response={"text": "usage: /loops mine"})
    connect(listener)
    fields = dict(
        parse_qsl(
            slack_requests.slash_command_body(
                team_id=TEAM, user_id="U0DANA", channel_id="C0SUPPORT", text="help", response_url="http://127.0.0.1/x"
            )
        )
    )
    delivery = socket_mode.push_slash_command(fields)
    assert socket_mode.wait_for_ack(delivery.envelope_id).payload == {"text": "usage: /loops mine"}
    assert listener.requests[0].type == "slash_commands" and listener.requests[0].payload == fields


def test_after_a_refresh_request_the_client_reconnects_and_a_later_envelope_arrives_once(socket_mode, connect):
    listener = Listener()
    connect(listener)
    socket_mode.disconnect("refresh_requested")
    relinked(socket_mode, first_link=1)
    delivery = socket_mode.push_event(event("Ev0AFTER"))
    assert socket_mode.wait_for_ack(delivery.envelope_id).link == 2
    with pytest.raises(TimeoutError):  # one delivery, on one connection
        socket_mode.wait_for(lambda: len(listener.event_ids()) > 1, timeout=0.3)
    assert listener.event_ids() == ["Ev0AFTER"] and len(socket_mode.deliveries) == 1
    assert [message["type"] for _, message in socket_mode.notices] == ["hello", "disconnect", "hello"]


@pytest.mark.parametrize("end", ["close", "drop"])
def test_after_a_close_frame_or_a_drop_the_client_reconnects(socket_mode, connect, end):
    listener = Listener()
    connect(listener)
    getattr(socket_mode, end)()
    relinked(socket_mode, first_link=1)
    delivery = socket_mode.push_event(event("Ev0BACK"))
    assert socket_mode.wait_for_ack(delivery.envelope_id).link == 2
    assert listener.event_ids() == ["Ev0BACK"]


def test_an_event_not_acked_in_time_is_redelivered_as_slack_retries(socket_mode, connect):
    socket_mode.ack_timeout = 1.0  # Slack waits 3 s; the retry's prompt ack must still beat this on a busy machine
    listener = Listener(ack_events_from=1)
    connect(listener)
    delivery = socket_mode.push_event(event("Ev0SLOW"))
    (retry,) = socket_mode.wait_for(lambda: socket_mode.retries_of(delivery))
    assert retry.envelope_id != delivery.envelope_id and retry.envelope["payload"] == delivery.envelope["payload"]
    assert (retry.envelope["retry_attempt"], retry.envelope["retry_reason"]) == (1, "timeout")
    assert socket_mode.wait_for_ack(retry.envelope_id) and delivery.ack is None
    with pytest.raises(TimeoutError):  # the retry was acked, so it is the last delivery
        socket_mode.wait_for(lambda: len(socket_mode.retries_of(delivery)) > 1, timeout=socket_mode.ack_timeout * 2)
    assert [(r.retry_attempt, r.retry_reason) for r in listener.requests] == [(0, ""), (1, "timeout")]


def test_slack_gives_up_after_three_retries(socket_mode, connect):
    socket_mode.ack_timeout = 0.3
    listener = Listener(ack_events_from=None)
    connect(listener)
    delivery = socket_mode.push_event(event("Ev0NEVER"))
    socket_mode.wait_for(lambda: len(socket_mode.retries_of(delivery)) == 3)
    with pytest.raises(TimeoutError):
        socket_mode.wait_for(lambda: len(socket_mode.retries_of(delivery)) > 3, timeout=socket_mode.ack_timeout * 2)
    assert [r.retry_attempt for r in socket_mode.retries_of(delivery)] == [1, 2, 3]


def test_an_interactive_payload_needs_a_connection(socket_mode):
    with pytest.raises(NotConnected):
        socket_mode.push_interactive({"type": "block_actions"})


def test_bolts_socket_mode_handler_runs_the_app_against_the_standin(standin, socket_mode):
    app = App(client=WebClient(token=standin.bot_token, base_url=standin.url), token_verification_enabled=False)
    seen = []

    @app.event("app_mention")
    def mentioned(event):
        seen.append(event["text"])

    @app.command("/loops")
    def loops(ack, command):
        ack(f"you said {command['text']}")

    handler = SocketModeHandler(app, socket_mode.app_token, ping_interval=PING_INTERVAL)
    handler.connect()
    try:
        socket_mode.wait_for_links(1)
        fields = dict(
            parse_qsl(
                slack_requests.slash_command_body(
                    team_id=TEAM,
                    user_id="U0DANA",
                    channel_id="C0SUPPORT",
                    text="mine",
                    response_url="http://127.0.0.1/x",
                )
            )
        )
        command = socket_mode.push_slash_command(fields)
        assert socket_mode.wait_for_ack(command.envelope_id).payload == {"text": "you said mine"}
        mention = socket_mode.push_event(event("Ev0BOLT"))
        assert socket_mode.wait_for_ack(mention.envelope_id).payload is None
        socket_mode.wait_for(lambda: seen)
        assert seen == ["<@U0LOOPBOT> hi"]
    finally:
        handler.client.auto_reconnect_enabled = False
        socket_mode.close()
        handler.close()
