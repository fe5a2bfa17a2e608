"""Socket Mode end to end: the real app with SLACK_APP_TOKEN, driven only through the stand-in's WebSocket.

Feedback still arrives as signed webhooks (that is how vendors send it); every click, command, modal and
event comes in as an envelope the stand-in pushes, and goes back as an ack on the same link.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time

import pytest
from sqlmodel import select

from bot.admin.config.apply import import_config
from bot.admin.config.parse import parse_config
from bot.demo import slack_requests
from bot.demo.socket_mode import Ack, Delivery, SocketModeStandIn
from bot.ids import CardAction, ModalId
from models import Loop, LoopEvent, ProcessedSlackEvent
from tests.conftest import TEST_CONFIG
from tests.factories import feedback_payload
from tests.harness import Harness

# slack_sdk's builtin client ignores NO_PROXY, and an empty HTTPS_PROXY falls through to HTTP_PROXY.
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")
# A dropped link is replaced at once (about 0.05-1 s here). The failure this guards against is slack_sdk left to
# itself: about a minute of spinning before it reconnects. The bound sits far from both, so a loaded machine
# cannot fail it and the minute-long wait cannot pass it (no timing is measured here, only which of the two).
RECONNECT_SECONDS = 20.0


@pytest.fixture
def harness(settings, standin, monkeypatch):
    """The real app connected to the stand-in over Socket Mode (it serves HTTP too; these tests never post to it)."""
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, "")
    socket = standin.socket_mode
    harness = Harness(
        dataclasses.replace(settings, slack_app_token=socket.app_token, slack_timeout_seconds=10), standin
    )
    import_config(harness.app.engine, workspace_id=harness.workspace_id, doc=parse_config(TEST_CONFIG))
    harness.start()
    socket.wait_for_links(1)
    yield harness
    # A close frame first: it wakes the client's reader, which otherwise holds its socket for 3 s while closing.
    socket.close()
    harness.stop()


def acked(socket: SocketModeStandIn, delivery: Delivery, timeout: float = 10) -> Ack:
    return socket.wait_for_ack(delivery.envelope_id, timeout=timeout)


def open_card(harness: Harness) -> tuple[dict, int]:
    loop_id = harness.post_webhook(feedback_payload()).json()["loop_id"]
    [card] = harness.cards("C0BILLING")
    harness.wait_until_delivered()
    return card, loop_id


def home_opened(user: str) -> dict:
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0HOME",
        "tab": "home",
        "event_ts": f"{time.time():.6f}",
    }


def published_to(harness: Harness) -> list[str]:
    return [call.args["user_id"] for call in harness.standin.calls_to("views.publish")]


def processed_event_ids(harness: Harness) -> list[str]:
    with harness.session() as session:
        return sorted(e.event_id for e in session.exec(select(ProcessedSlackEvent)))


def settled(harness: Harness, deliveries: list[Delivery]) -> None:
    """Wait until every event was acked (first time or on a retry) and its Slack writes went out."""
    socket = harness.standin.socket_mode

    def done(delivery: Delivery) -> bool:
        return delivery.ack is not None or any(retry.ack for retry in socket.retries_of(delivery))

    socket.wait_for(lambda: all(done(d) for d in deliveries), timeout=20)
    harness.wait_until_delivered()


def problems(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_card_click_acknowledges_the_loop_and_updates_the_card(harness):
    socket = harness.standin.socket_mode
    card, loop_id = open_card(harness)

    click = socket.push_interactive(harness.click_payload(card, CardAction.ACKNOWLEDGE, user_id="U0PRIYA"))

    assert acked(socket, click).payload is None  # a plain ack: the card changes through chat.update
    [update] = harness.standin.wait_for(lambda: harness.standin.calls_to("chat.update"))
    assert update.args["channel"] == "C0BILLING" and update.args["ts"] == card["ts"]
    harness.wait_until_delivered()
    after = harness.card(card["channel"], card["ts"])
    assert "Acknowledged" in json.dumps(after["blocks"]) and "<@U0PRIYA>" in json.dumps(after["blocks"])
    assert CardAction.ACKNOWLEDGE not in harness.buttons(after)
    with harness.session() as session:
        loop = session.get(Loop, loop_id)
        assert (loop.status, loop.acknowledged_by) == ("acknowledged", "U0PRIYA")
        events = session.exec(select(LoopEvent).where(LoopEvent.loop_id == loop_id).order_by(LoopEvent.id)).all()
        assert [(e.kind, e.actor, e.via) for e in events][1:] == [("acknowledged", "U0PRIYA", "button")]


def test_a_slash_command_is_answered_in_the_ack(harness):
    socket = harness.standin.socket_mode

    command = socket.push_slash_command(harness.slash_fields("team list"))

    answer = acked(socket, command).payload
    assert answer["response_type"] == "ephemeral" and answer["text"].startswith("*Teams*")
    assert all(team in answer["text"] for team in ("billing", "support", "escalations"))
    assert harness.standin.calls_to("response_url") == []


def test_a_command_waiting_on_a_slow_slack_is_acked_at_once_and_answered_through_response_url(harness):
    standin, socket = harness.standin, harness.standin.socket_mode
    standin.add_user("U0BILLLEAD", "billing-lead")
    standin.method_delays["users.info"] = 2.5  # asked whether the lead is a workspace admin, before any write

    command = socket.push_slash_command(harness.slash_fields("digest send billing this-week", user_id="U0BILLLEAD"))

    ack = acked(socket, command)  # before the command is done: it is still waiting on Slack
    assert "Working on it" in ack.payload["text"] and ack.payload["response_type"] == "ephemeral"
    [answer] = standin.wait_for(lambda: standin.calls_to("response_url"), timeout=20)
    assert answer.args["text"].startswith(":outbox_tray: billing's digest for this week so far is on its way")
    assert answer.args["response_type"] == "ephemeral"
    digest = standin.wait_for(lambda: [m for m in standin.messages("C0BILLING") if "digest" in m.get("text", "")])
    assert len(digest) == 1


def test_the_resolve_modal_opens_and_its_submission_resolves_the_loop(harness):
    standin, socket = harness.standin, harness.standin.socket_mode
    card, loop_id = open_card(harness)

    click = socket.push_interactive(harness.click_payload(card, CardAction.RESOLVE))
    assert acked(socket, click).payload is None
    [opened] = standin.wait_for(lambda: standin.calls_to("views.open"))
    view = opened.args["view"]
    assert opened.args["trigger_id"] == click.envelope["payload"]["trigger_id"]
    assert view["callback_id"] == ModalId.RESOLVE and view["private_metadata"] == str(loop_id)

    incomplete = socket.push_interactive(
        harness.submission_payload(view, {"outcome": {"type": "static_select", "selected_option": None}})
    )
    assert acked(socket, incomplete).payload == {  # the modal stays open with the error under the field
        "response_action": "errors",
        "errors": {"outcome": "Choose what happened with the customer."},
    }
    values = {
        "outcome": slack_requests.selected("saved"),
        "root_cause": slack_requests.selected("Billing error"),
        "contact_method": slack_requests.selected("call"),
        "note": slack_requests.typed("Called them; credit applied."),
    }
    submitted = socket.push_interactive(harness.submission_payload(view, values))

    assert acked(socket, submitted).payload is None  # the modal closes
    with harness.session() as session:
        loop = session.get(Loop, loop_id)
        assert (loop.status, loop.outcome, loop.contact_method) == ("resolved", "saved", "call")
    standin.wait_for(lambda: standin.replies("C0BILLING", card["ts"]))
    harness.wait_until_delivered()
    assert harness.buttons(harness.card("C0BILLING", card["ts"])) == [CardAction.REOPEN, CardAction.ELEVATE]


def test_opening_app_home_publishes_the_home_tab_once(harness):
    socket = harness.standin.socket_mode
    harness.post_webhook(feedback_payload())
    harness.cards("C0BILLING")

    opened = socket.push_event(harness.event_payload(home_opened("U0PRIYA"), event_id="Ev0HOMESOCK"))

    assert acked(socket, opened).payload is None
    harness.wait_until_delivered()
    [publish] = harness.standin.calls_to("views.publish")
    assert publish.args["user_id"] == "U0PRIYA" and publish.args["view"]["type"] == "home"
    assert "Unowned loops (1)" in json.dumps(publish.args["view"])
    assert processed_event_ids(harness) == ["Ev0HOMESOCK"]


def test_after_a_refresh_request_it_reconnects_at_once_and_a_retried_event_is_applied_once(harness, caplog):
    socket = harness.standin.socket_mode
    socket.ack_timeout = 1.0  # Slack waits 3 s; the client's late ack below is late either way

    asked = time.monotonic()
    socket.disconnect("refresh_requested")
    new = socket.wait_for(lambda: next((link for link in socket.open_links if link.id == 2 and link.ready), None))
    assert new.opened_at - asked < RECONNECT_SECONDS
    # slack_sdk reads the new link only once the old one has closed (its 3 s read timeout), so this
    # event is acked late and Slack delivers it again: the event id makes the second delivery a no-op.
    event = socket.push_event(harness.event_payload(home_opened("U0PRIYA"), event_id="Ev0REFRESH"))
    settled(harness, [event])

    assert socket.retries_of(event), "the late ack was expected to make Slack retry"
    assert published_to(harness) == ["U0PRIYA"]
    assert processed_event_ids(harness) == ["Ev0REFRESH"]
    assert socket.wait_for(lambda: socket.links[0].closed_at)  # the old link is gone, not leaked
    assert problems(caplog) == []


@pytest.mark.parametrize("end", ["close", "drop"])
def test_after_a_close_frame_or_a_dropped_link_it_reconnects_at_once(harness, caplog, end):
    socket = harness.standin.socket_mode
    getattr(socket, end)()  # close: Slack's close frame; drop: a TCP reset, as when a proxy dies

    new = socket.wait_for(lambda: next((link for link in socket.open_links if link.id == 2 and link.ready), None))
    ended = socket.wait_for(lambda: socket.links[0].closed_at)
    assert new.opened_at - ended < RECONNECT_SECONDS  # from the old link's end to the new one's hello
    event = socket.push_event(harness.event_payload(home_opened("U0PRIYA"), event_id="Ev0BACK"))
    assert acked(socket, event).link == new.id
    harness.wait_until_delivered()
    assert published_to(harness) == ["U0PRIYA"]
    assert not [r for r in caplog.records if r.exc_info], "a reconnect logged a traceback"
    if end == "close":  # routine: nothing above INFO (a reset gets slack_sdk's one-line error)
        assert problems(caplog) == []


def test_events_in_flight_when_the_link_closes_are_applied_once_and_a_lost_ack_is_one_warning(harness, caplog):
    socket = harness.standin.socket_mode  # Slack's timing: an event not acked in 3 s is delivered again
    users = [f"U0SOCK{i:02d}" for i in range(12)]
    events = [
        socket.push_event(harness.event_payload(home_opened(user), event_id=f"Ev0AROUND{i:02d}"))
        for i, user in enumerate(users)
    ]
    socket.close()  # right behind the envelopes, while the app is still working on them

    settled(harness, events)

    assert sorted(published_to(harness)) == users  # nothing lost, nothing twice
    assert processed_event_ids(harness) == [f"Ev0AROUND{i:02d}" for i in range(12)]
    unacked = {event.envelope_id for event in events if event.ack is None}
    assert unacked, "the link was expected to close before some acks were sent"
    assert all(socket.retries_of(event) for event in events if event.envelope_id in unacked)
    lost = [r for r in problems(caplog) if "was lost while reconnecting" in r.getMessage()]
    assert lost and problems(caplog) == lost  # the only complaints are the lost acks ...
    for record in lost:  # ... each one warning line naming an envelope Slack then delivered again
        message = record.getMessage()
        assert record.levelno == logging.WARNING and record.exc_info is None and "\n" not in message
        assert message.split("envelope ")[1].split(" ")[0] in unacked
    assert len({r.getMessage() for r in lost}) == len(lost)
