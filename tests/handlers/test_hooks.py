"""Loop events out to other tools, end to end: /loops hook as Slack sends it, events POSTed by the real worker to a
receiver on loopback that verifies every signature, retried, parked, tested and removed."""

from __future__ import annotations

import dataclasses
import re

import pytest
from sqlmodel import select

from bot.demo import slack_requests
from bot.hooks.emit import emit_customer_forgotten
from bot.hooks.retention import clear_delivered_events
from bot.ids import CardAction
from models import AuditEntry, Hook, OutboxItem
from models.db import transaction
from models.outbox import PARKED, SENT
from tests.factories import feedback_payload
from tests.hook_receiver import HookReceiver
from tests.hook_schema import problems

ADMIN, MEMBER = "U0ADMIN", "U0DANA"
SECRET = re.compile(r"`(lkhook_[A-Za-z0-9_-]+)`")


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, hook_timeout_seconds=0.5)


@pytest.fixture
def receiver():
    receiver = HookReceiver().start()
    yield receiver
    receiver.stop()


def say(harness, text: str, user: str = ADMIN) -> str:
    response = harness.slash(text, user_id=user)
    assert response.status_code == 200 and response.json()["response_type"] == "ephemeral"
    return response.json()["text"]


def add_hook(harness, receiver, events: str = "") -> str:
    """``/loops hook add`` for the receiver; it is handed the secret shown in the answer."""
    answer = say(harness, f"hook add <{receiver.url}> {events}".strip())
    [secret] = SECRET.findall(answer)
    receiver.secret = secret
    return answer


def open_card(harness, **overrides) -> tuple[dict, int]:
    loop_id = harness.post_webhook(feedback_payload(**overrides)).json()["loop_id"]
    [card] = harness.cards("C0BILLING")
    harness.wait_until_delivered()
    return card, loop_id


def hook_rows(harness) -> list[OutboxItem]:
    with harness.session() as session:
        return list(session.exec(select(OutboxItem).where(OutboxItem.kind == "hook_event").order_by(OutboxItem.id)))


def test_hook_add_shows_the_secret_once_and_never_again(harness, receiver, caplog):
    answer = add_hook(harness, receiver, "loop.reopened,loop.resolved")
    assert answer.startswith(":white_check_mark: Hook #1 added: it will POST `loop.resolved`, `loop.reopened` to")
    with harness.session() as session:
        [hook] = session.exec(select(Hook)).all()
        audit = [e for e in session.exec(select(AuditEntry)) if e.action == "hook.add"]
    assert hook.secret == receiver.secret and hook.events == ["loop.resolved", "loop.reopened"]
    listed = say(harness, "hook list")
    assert f"*#1* `{receiver.url}`" in listed and "nothing delivered yet" in listed
    exported = say(harness, "config export")
    assert f"url: {receiver.url}" in exported and "- loop.resolved" in exported
    for shown in (listed, exported, repr(hook), str(audit[0].after), caplog.text):
        assert hook.secret not in shown and "lkhook_" not in shown


def test_loop_events_arrive_signed_and_in_order_with_their_payloads(harness, receiver):
    add_hook(harness, receiver)
    card, loop_id = open_card(harness)
    harness.click(card, CardAction.ACKNOWLEDGE, user_id="U0PRIYA")
    harness.wait_until_delivered()
    harness.resolve(harness.card("C0BILLING", card["ts"]), user_id="U0PRIYA")
    harness.standin.wait_for(lambda: len(harness.standin.calls_to("chat.update")) >= 2)
    harness.wait_until_delivered()
    harness.click(harness.card("C0BILLING", card["ts"]), CardAction.REOPEN, user_id="U0SAM")
    harness.wait_until_delivered()
    view = harness.open_modal(harness.card("C0BILLING", card["ts"]), CardAction.MOVE)
    harness.submit(view, {"team": slack_requests.selected("support"), "reason": slack_requests.typed("Not billing")})
    events = receiver.wait_for(lambda got: len(got) >= 5)
    assert receiver.types(loop_id) == [
        "loop.opened",
        "loop.acknowledged",
        "loop.resolved",
        "loop.reopened",
        "loop.moved",
    ]
    assert receiver.refused == []
    opened, acknowledged, resolved, reopened, moved = events
    assert {e["schema"] for e in events} == {"loopkeeper.event/v1"} and len({e["id"] for e in events}) == 5
    assert opened["workspace"] == {"id": harness.workspace_id} and opened["occurred_at"].endswith("Z")
    assert opened["data"]["loop"]["team"] == "billing" and opened["data"]["loop"]["status"] == "new"
    assert opened["data"]["feedback"]["customer"]["email"] == "dana@acme.io"
    assert (opened["data"]["feedback"]["score"], opened["data"]["feedback"]["scale"]) == (3, "nps")
    assert acknowledged["data"]["loop"]["acknowledged_by"] == "U0PRIYA"
    assert acknowledged["data"]["loop"]["card_url"].startswith("https://slack.com/archives/C0BILLING/p")
    assert resolved["data"]["change"] == {
        "outcome": "contacted_fixed",
        "root_cause": "Billing error",
        "note": "Called them; fixed.",
    }
    assert resolved["data"]["loop"]["status"] == "resolved" and resolved["data"]["actor"]["id"] == "U0PRIYA"
    assert reopened["data"]["loop"]["status"] == "in_progress" and reopened["data"]["loop"]["outcome"] is None
    assert moved["data"]["change"] == {
        "from": {"team": "billing", "channel": "C0BILLING"},
        "to": {"team": "support", "channel": "C0SUPPORT"},
    }
    assert moved["data"]["loop"]["team"] == "support"
    assert [problems(event) for event in events] == [[]] * 5  # each fits the README's schema of its type
    harness.wait_until_delivered()
    assert {row.state for row in hook_rows(harness)} == {SENT}


def test_a_hook_gets_only_the_events_it_asked_for(harness, receiver):
    add_hook(harness, receiver, "loop.resolved")
    card, loop_id = open_card(harness)
    harness.resolve(card, outcome="contacted_fixed", user_id="U0PRIYA")
    [resolved] = receiver.wait_for(lambda got: len(got) >= 1)
    harness.wait_until_delivered()
    assert receiver.types() == ["loop.resolved"] and resolved["data"]["loop"]["id"] == loop_id
    assert len(hook_rows(harness)) == 1


def test_5xx_and_timeouts_are_retried_until_delivered(harness, receiver):
    add_hook(harness, receiver, "loop.opened")
    receiver.script = [500, "slow", 503]
    receiver.slow_seconds = 1.5  # longer than the hook timeout (0.5 s here)
    _, loop_id = open_card(harness)
    [opened] = receiver.wait_for(lambda got: len(got) >= 1)
    harness.wait_until_delivered()
    [row] = hook_rows(harness)
    assert opened["data"]["loop"]["id"] == loop_id and receiver.refused == []
    assert (row.state, row.attempts, row.last_error) == (SENT, 4, None)
    assert harness.standin.direct_messages(ADMIN) == []


def test_a_refusing_url_is_parked_and_the_admins_are_told_once(harness, receiver):
    add_hook(harness, receiver, "loop.opened")
    receiver.then = 404
    open_card(harness)
    harness.post_webhook(feedback_payload(id="second", customer={"id": "cus_2", "email": "bo@b.io"}))
    harness.standin.wait_for(lambda: harness.standin.direct_messages(ADMIN))
    harness.standin.wait_for(
        lambda: all(r.state == PARKED for r in hook_rows(harness)) and len(hook_rows(harness)) == 2
    )
    harness.wait_until_delivered()
    [notice] = harness.standin.direct_messages(ADMIN)  # two parked events, one problem: one notice
    assert "could not deliver a hook event to hook #1: `http 404`" in notice["text"]
    assert "`/loops hook list`" in notice["text"]
    assert "`http 404`" in say(harness, "hook list") and "2 parked" in say(harness, "hook list")
    assert say(harness, "deliveries").startswith("*Deliveries*: 0 pending, 2 parked.")

    receiver.then = 200  # the receiver is fixed: Retry delivers both, in order
    assert "2 parked deliveries queued again" in say(harness, "deliveries retry all")
    receiver.wait_for(lambda got: len(got) == 2)
    assert receiver.types() == ["loop.opened", "loop.opened"]


def test_hook_test_then_remove(harness, receiver):
    add_hook(harness, receiver, "loop.resolved")
    answer = say(harness, "hook test 1")
    assert "A `hook.test` event" in answer
    [test] = receiver.wait_for(lambda got: len(got) >= 1)
    assert test["type"] == "hook.test" and test["data"]["hook"] == {"id": 1} and test["id"] in answer
    assert problems(test) == []
    harness.wait_until_delivered()
    assert ":white_check_mark: last delivered" in say(harness, "hook list")
    assert say(harness, "hook remove 1").startswith(":wastebasket: Hook #1 removed")
    card, _ = open_card(harness)
    harness.resolve(card, user_id="U0PRIYA")
    harness.standin.wait_for(lambda: harness.standin.calls_to("chat.update"))
    harness.wait_until_delivered()
    assert receiver.types() == ["hook.test"] and len(hook_rows(harness)) == 1
    assert say(harness, "hook list").startswith("No hooks yet.")


def test_customer_forgotten_is_sent_to_the_hooks_that_want_it(harness, receiver):
    add_hook(harness, receiver, "customer.forgotten")
    with transaction(harness.app.engine) as session:
        queued = emit_customer_forgotten(
            session, workspace_id=harness.workspace_id, at=harness.clock(), email="dana@acme.io", loop_ids=[3, 1]
        )
    harness.app.worker.wake()
    [forgotten] = receiver.wait_for(lambda got: len(got) >= 1)
    assert queued == 1 and forgotten["type"] == "customer.forgotten"
    assert forgotten["data"] == {
        "customer": {"id": None, "email": "dana@acme.io", "account": None},
        "loops": [1, 3],
        "feedback_count": 0,
    }
    assert problems(forgotten) == []


def test_forgetting_a_customer_tells_the_hooks_which_customer_and_loops(harness, receiver):
    add_hook(harness, receiver, "customer.forgotten")
    _, loop_id = open_card(harness, customer={"id": "cus_dana_1", "email": "dana@acme.io", "name": "Dana Whitfield"})
    say(harness, "forget dana@acme.io confirm")
    harness.app.worker.wake()
    [forgotten] = receiver.wait_for(lambda got: len(got) >= 1)
    assert forgotten["type"] == "customer.forgotten" and problems(forgotten) == []
    assert forgotten["data"] == {
        "customer": {"id": None, "email": "dana@acme.io", "account": None},
        "loops": [loop_id],
        "feedback_count": 1,
    }
    say(harness, "forget dana@acme.io confirm")  # nothing left to forget: no second event
    harness.wait_until_delivered()
    assert receiver.types() == ["customer.forgotten"]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("hook add", "missing the URL to send events to"),
        ("hook add <ftp://files.example.com/in>", "must start with https:// (or http://)"),
        ("hook add not-a-url", "must start with https:// (or http://)"),
        ("hook add <https://user:pw@crm.example.com/in>", "leave credentials out of the URL"),
        ("hook add <https://crm.example.com/in> loop.closed", "unknown event loop.closed; known: loop.opened"),
        ("hook remove 7", "there is no hook #7"),
        ("hook test x", "there is no hook #x"),
    ],
)
def test_bad_input_is_refused_with_an_example(harness, text, error):
    answer = say(harness, text)
    assert error in answer and "/loops hook" in answer.split(error, 1)[1]
    with harness.session() as session:
        assert session.exec(select(Hook)).all() == []


def test_members_may_not_touch_hooks(harness, receiver):
    for text in (f"hook add <{receiver.url}>", "hook list", "hook test 1", "hook remove 1"):
        assert say(harness, text, user=MEMBER).startswith(":lock: Sorry, only Loopkeeper admins can run")
    with harness.session() as session:
        assert session.exec(select(Hook)).all() == []


def test_an_elevation_names_its_theme(harness, receiver):
    say(harness, "team add finance <#C0FINANCE|finance>")
    add_hook(harness, receiver, "loop.elevated")
    card, loop_id = open_card(harness)
    view = harness.open_modal(card, CardAction.ELEVATE, user_id="U0PRIYA")
    fields = {
        "impact": slack_requests.selected("complaint"),
        "new_theme": slack_requests.typed("Double charges"),
        "owner_team": slack_requests.selected("finance"),
    }
    assert harness.submit(view, fields, user_id="U0PRIYA").status_code == 200
    [elevated] = receiver.wait_for(lambda got: len(got) >= 1)
    assert elevated["type"] == "loop.elevated" and elevated["data"]["loop"]["id"] == loop_id
    assert elevated["data"]["change"] == {
        "theme": {"id": 1, "name": "Double charges"},
        "impact": "complaint",
        "from_theme": None,
    }
    assert problems(elevated) == []


def test_once_delivered_an_event_leaves_the_outbox_only_its_hook_type_and_id(harness, receiver):
    add_hook(harness, receiver, "customer.forgotten")
    with transaction(harness.app.engine) as session:
        emit_customer_forgotten(session, workspace_id=harness.workspace_id, at=harness.clock(), email="dana@acme.io")
    harness.app.worker.wake()
    [forgotten] = receiver.wait_for(lambda got: len(got) >= 1)
    harness.wait_until_delivered()
    assert clear_delivered_events(harness.app.engine, now=harness.clock()) == 1
    [row] = hook_rows(harness)
    assert row.payload == {"_hook_id": 1, "_to": "hook #1", "_type": "customer.forgotten", "_id": forgotten["id"]}
    assert clear_delivered_events(harness.app.engine, now=harness.clock()) == 0


def test_help_explains_hooks_with_examples(harness):
    text = say(harness, "help hook", user=MEMBER)
    assert text.startswith("Loop events out to other tools")
    for usage in (
        "/loops hook add <url> [event …]",
        "/loops hook list",
        "/loops hook remove <n>",
        "/loops hook test <n>",
    ):
        assert f"*{usage}* _(admins)_" in text
    assert "Example: `/loops hook add https://crm.example.com/loopkeeper loop.resolved loop.reopened`" in text
