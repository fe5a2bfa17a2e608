"""/slack/events fuzzed through the real app with correctly signed bodies: whatever they hold, the answer is
never a server error, and a refused request changes no row."""

from __future__ import annotations

import copy
import json
import os
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from bot.demo import slack_requests
from bot.ids import CardAction, ModalId
from models import Admin, AuditEntry, Feedback, Loop, LoopEvent, OutboxItem, ProcessedSlackEvent, Route, Team
from tests.factories import feedback_payload
from tests.handlers.test_source_fuzz import JSON_VALUES, mutate, paths

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
FORM = "application/x-www-form-urlencoded"
TABLES = (Feedback, Loop, LoopEvent, Team, Route, AuditEntry, OutboxItem, Admin, ProcessedSlackEvent)


def row_counts(harness) -> dict[str, int]:
    with harness.session() as session:
        return {m.__name__: session.exec(select(func.count()).select_from(m)).one() for m in TABLES}


def assert_answered_well(harness, body: str, content_type: str) -> None:
    before = row_counts(harness)
    response = harness.post_slack(body, content_type=content_type)
    assert response.status_code < 500, f"{response.status_code} {response.text[:200]!r} for {body[:300]!r}"
    if response.status_code >= 400:
        assert isinstance(response.json().get("error"), str), response.text
        assert row_counts(harness) == before, f"{response.status_code} changed rows for {body[:300]!r}"


@pytest.fixture
def card(harness) -> dict:
    harness.post_webhook(feedback_payload())
    [card] = harness.cards("C0BILLING")
    return card


def documented_payloads(harness, card: dict) -> list[tuple[str, Any]]:
    """Slack's shapes as our listeners receive them: ("form", payload dict) or ("command", fields) or ("json", body)."""
    response_url = harness.standin.response_url_base + "fuzz"
    click = slack_requests.block_actions(
        team_id=harness.workspace_id,
        user_id="U0DANA",
        channel_id="C0BILLING",
        message=card,
        action_id=CardAction.ACKNOWLEDGE,
        value=harness.button_value(card, CardAction.ACKNOWLEDGE),
        response_url=response_url,
        block_id=harness.actions_block(card),
    )
    submit = slack_requests.view_submission(
        team_id=harness.workspace_id,
        user_id="U0DANA",
        view={"id": "V1", "callback_id": ModalId.RESOLVE, "private_metadata": click["actions"][0]["value"]},
        values={"outcome": slack_requests.selected("saved"), "note": slack_requests.typed("called")},
    )
    command = dict(
        pair.split("=", 1)
        for pair in slack_requests.slash_command_body(
            team_id=harness.workspace_id,
            user_id="U0ADMIN",
            channel_id="C0BILLING",
            text="team list",
            response_url=response_url,
        ).split("&")
    )
    home = slack_requests.event_callback(
        team_id=harness.workspace_id,
        event_id="EvFuzzHome",
        event={"type": "app_home_opened", "user": "U0DANA", "channel": "D0DANA", "tab": "home"},
    )
    alert = slack_requests.event_callback(
        team_id=harness.workspace_id,
        event_id="EvFuzzAlert",
        event={
            "type": "message",
            "subtype": "bot_message",
            "channel": "C0INTAKE",
            "bot_id": "B0SURVEY",
            "ts": "1732350000.000100",
            "text": "New NPS response: 3 from dana@acme.io: too slow",
        },
    )
    return [("form", click), ("form", submit), ("command", command), ("json", home), ("json", alert)]


def encoded(kind: str, doc: Any) -> tuple[str, str]:
    if kind == "form":
        return slack_requests.interactivity_body(doc), FORM
    if kind == "command":
        return urlencode({k: v if isinstance(v, str) else json.dumps(v) for k, v in doc.items()}), FORM
    return json.dumps(doc), "application/json"


@FUZZ
@given(text=st.text(max_size=200))
def test_any_signed_text_is_answered_without_a_server_error(harness, text):
    assert_answered_well(harness, text, FORM)
    assert_answered_well(harness, text, "application/json")


@FUZZ
@given(value=JSON_VALUES)
def test_any_signed_json_or_payload_is_answered_without_a_server_error(harness, value):
    assert_answered_well(harness, json.dumps(value), "application/json")
    assert_answered_well(harness, "payload=" + json.dumps(value), FORM)


@FUZZ
@given(data=st.data())
def test_mutated_slack_payloads_are_answered_without_a_server_error(harness, card, data):
    kind, doc = data.draw(st.sampled_from(documented_payloads(harness, card)), label="shape")
    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        candidates = paths(doc)
        if not candidates:
            break
        path = data.draw(st.sampled_from(candidates), label="path")
        value = data.draw(st.text(max_size=40) if kind == "command" else JSON_VALUES, label="value")
        doc = mutate(doc, path, value, delete=data.draw(st.booleans(), label="delete"))
    body, content_type = encoded(kind, doc)
    assert_answered_well(harness, body, content_type)
