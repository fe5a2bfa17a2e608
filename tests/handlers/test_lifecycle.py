"""The frontline's daily work on a card: assign, snooze, resolve with an outcome, move, reopen."""

from __future__ import annotations

import json
import time
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.demo import slack_requests
from bot.ids import CardAction, ModalId
from models import Loop, LoopEvent
from tests.factories import feedback_payload


def open_card(harness, **overrides) -> tuple[dict, int]:
    loop_id = harness.post_webhook(feedback_payload(**overrides)).json()["loop_id"]
    [card] = harness.cards("C0BILLING")
    harness.wait_until_delivered()
    return card, loop_id


def loop(harness, loop_id) -> Loop:
    with harness.session() as session:
        return session.get(Loop, loop_id)


def events(harness, loop_id) -> list[str]:
    with harness.session() as session:
        return [
            e.kind for e in session.exec(select(LoopEvent).where(LoopEvent.loop_id == loop_id).order_by(LoopEvent.id))
        ]


def replies(harness, card, count=1) -> list[dict]:
    return harness.standin.wait_for(
        lambda: len(r := harness.standin.replies(card["channel"], card["ts"])) >= count and r
    )


def test_assign_from_the_user_menu(harness):
    card, loop_id = open_card(harness)
    harness.select(card, CardAction.ASSIGN, user_id="U0LEAD", selected_user="U0PRIYA")
    [note] = replies(harness, card)
    assert note["text"] == "<@U0LEAD> assigned this to <@U0PRIYA>"
    harness.wait_until_delivered()
    assert (loop(harness, loop_id).owner_id, loop(harness, loop_id).status) == ("U0PRIYA", "in_progress")
    assert "owner <@U0PRIYA>" in json.dumps(harness.card("C0BILLING", card["ts"])["blocks"])


def test_snooze_until_tomorrow_morning_in_the_teams_timezone(harness):
    harness.slash("team set billing timezone Europe/Berlin", user_id="U0ADMIN")
    card, loop_id = open_card(harness)
    harness.select(card, CardAction.SNOOZE, option="tomorrow")
    [note] = replies(harness, card)
    assert "snoozed reminders until <!date^" in note["text"]
    until = loop(harness, loop_id).snoozed_until
    assert until is not None and until.astimezone(ZoneInfo("Europe/Berlin")).hour == 9
    assert loop(harness, loop_id).status == "new"  # a flag, not a state


def test_resolve_needs_an_outcome_and_records_it(harness):
    card, loop_id = open_card(harness)
    view = harness.open_modal(card, CardAction.RESOLVE)
    assert view["callback_id"] == ModalId.RESOLVE and view["private_metadata"] == str(loop_id)
    missing = harness.submit(view, {"outcome": {"type": "static_select", "selected_option": None}})
    assert missing.json() == {
        "response_action": "errors",
        "errors": {"outcome": "Choose what happened with the customer."},
    }
    assert loop(harness, loop_id).status == "new"
    values = {
        "outcome": slack_requests.selected("saved"),
        "contact_method": slack_requests.selected("call"),
        "note": slack_requests.typed("Refunded <!channel> & renewed"),
    }
    no_cause = harness.submit(view, values)
    assert no_cause.json()["errors"] == {"root_cause": "choose what caused it from the list (`/loops rootcause list`)"}
    assert loop(harness, loop_id).status == "new"
    response = harness.submit(view, {**values, "root_cause": slack_requests.selected("Billing error")})
    assert response.status_code == 200
    resolved = loop(harness, loop_id)
    assert (
        resolved.status,
        resolved.outcome,
        resolved.contact_method,
        resolved.resolution_note,
        resolved.root_cause,
    ) == ("resolved", "saved", "call", "Refunded <!channel> & renewed", "Billing error")
    [note] = replies(harness, card)
    assert "*Customer saved / retained* (by call) · root cause: Billing error" in note["text"]
    assert "&lt;!channel&gt; &amp; renewed" in note["text"]
    assert events(harness, loop_id) == ["opened", "resolved"]


def test_reopen_returns_a_resolved_loop_to_in_progress(harness):
    card, loop_id = open_card(harness)
    harness.resolve(card, user_id="U0PRIYA")
    harness.standin.wait_for(lambda: harness.standin.calls_to("chat.update"))
    harness.wait_until_delivered()
    resolved_card = harness.card("C0BILLING", card["ts"])
    harness.click(resolved_card, CardAction.REOPEN, user_id="U0SAM")
    replies(harness, card, count=2)
    reopened = loop(harness, loop_id)
    assert (reopened.status, reopened.owner_id, reopened.outcome) == ("in_progress", "U0SAM", None)


def test_move_to_another_team_with_a_reason(harness):
    card, loop_id = open_card(harness)
    view = harness.open_modal(card, CardAction.MOVE)
    options = [o["value"] for o in view["blocks"][0]["element"]["options"]]
    assert options == ["escalations", "support"]
    harness.submit(view, {"team": slack_requests.selected("support"), "reason": slack_requests.typed("Ticket issue")})
    [new] = harness.cards("C0SUPPORT")
    harness.wait_until_delivered()
    assert "Moved* to <#C0SUPPORT>" in json.dumps(harness.card("C0BILLING", card["ts"])["blocks"])
    [left] = harness.standin.replies("C0BILLING", card["ts"])
    assert "<@U0DANA>: Ticket issue" in left["text"]
    assert loop(harness, loop_id).channel_id == "C0SUPPORT"


def test_moves_can_be_restricted_to_leads(harness):
    harness.slash("team set billing moves leads", user_id="U0ADMIN")
    card, loop_id = open_card(harness)
    view = harness.open_modal(card, CardAction.MOVE)
    refused = harness.submit(view, {"team": slack_requests.selected("support"), "reason": slack_requests.typed("x")})
    assert "only billing's leads may move" in refused.json()["errors"]["team"]
    harness.submit(
        view, {"team": slack_requests.selected("support"), "reason": slack_requests.typed("x")}, user_id="U0BILLLEAD"
    )
    harness.cards("C0SUPPORT")


def test_thread_log_can_be_turned_off(harness):
    harness.slash("team set billing thread-log off", user_id="U0ADMIN")
    card, loop_id = open_card(harness)
    harness.click(card, CardAction.ACKNOWLEDGE)
    harness.standin.wait_for(lambda: harness.standin.calls_to("chat.update"))
    harness.wait_until_delivered()
    assert harness.standin.replies("C0BILLING", card["ts"]) == []


def test_a_click_on_a_card_left_behind_points_to_the_new_channel(harness):
    card, loop_id = open_card(harness)
    view = harness.open_modal(card, CardAction.MOVE)
    harness.submit(view, {"team": slack_requests.selected("support"), "reason": slack_requests.typed("theirs")})
    harness.cards("C0SUPPORT")
    harness.click(card, CardAction.ACKNOWLEDGE)  # a stale copy of the old card
    [reply] = harness.standin.wait_for(lambda: harness.standin.calls_to("response_url"))
    assert reply.args["text"] == f"Loop #{loop_id} has moved to <#C0SUPPORT>; act on its card there."
    assert loop(harness, loop_id).status == "new"


def test_custom_snooze_opens_a_time_picker(harness):
    card, loop_id = open_card(harness)
    before = len(harness.standin.calls_to("views.open"))
    harness.select(card, CardAction.SNOOZE, option="custom")
    [*_, opened] = harness.standin.wait_for(
        lambda: len(harness.standin.calls_to("views.open")) > before and harness.standin.calls_to("views.open")
    )
    view = opened.args["view"]
    assert view["callback_id"] == ModalId.SNOOZE
    past = harness.submit(view, {"until": {"type": "datetimepicker", "selected_date_time": 1_000_000_000}})
    assert past.json()["errors"] == {"until": "Pick a time in the future."}
    future = int(time.time()) + 3 * 86400
    assert harness.submit(view, {"until": {"type": "datetimepicker", "selected_date_time": future}}).status_code == 200
    assert int(loop(harness, loop_id).snoozed_until.timestamp()) == future
