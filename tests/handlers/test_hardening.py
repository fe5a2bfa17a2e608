"""Defects a black-box probe found, each reproduced: foreign workspaces, unauthenticated bodies in the log,
signed garbage, forged ids, and trailing words."""

from __future__ import annotations

import json
import logging
import time

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.demo import slack_requests
from bot.ids import CardAction, ModalId
from models import AuditEntry, Loop, Route, Team, Workspace
from tests.factories import feedback_payload

FOREIGN = "T0SOMEONEELSE"


def open_card(harness) -> tuple[dict, int]:
    loop_id = harness.post_webhook(feedback_payload()).json()["loop_id"]
    [card] = harness.cards("C0BILLING")
    harness.wait_until_delivered()
    return card, loop_id


def count(harness, model) -> int:
    with harness.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


# -- another workspace ----------------------------------------------------------------------------------------


def test_a_command_from_another_workspace_is_refused_and_changes_nothing(harness):
    body = slack_requests.slash_command_body(
        team_id=FOREIGN,
        user_id="U0ADMIN",
        channel_id="C0BILLING",
        text="team add payments <#C0PAY|payments>",
        response_url=harness.standin.response_url_base + "cmd",
    )
    response = harness.post_slack(body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert response.json()["text"] == "This Loopkeeper serves another Slack workspace; nothing was done."
    with harness.session() as session:
        assert session.get(Workspace, FOREIGN) is None
        assert session.exec(select(Team).where(Team.name == "payments")).all() == []
        assert [e.action for e in session.exec(select(AuditEntry))] == ["config.import"]
    assert harness.standin.calls_to("conversations.info") == []


def test_an_event_from_another_workspace_makes_no_slack_call(harness):
    body = json.dumps(
        slack_requests.event_callback(
            team_id=FOREIGN,
            event_id="EvForeignHome",
            event={"type": "app_home_opened", "user": "U0DANA", "channel": "D0DANA", "tab": "home"},
        )
    )
    assert harness.post_slack(body, content_type="application/json").status_code == 200
    time.sleep(0.3)
    assert harness.standin.calls_to("views.publish") == []


def test_a_click_from_another_workspace_changes_nothing(harness):
    card, loop_id = open_card(harness)
    payload = slack_requests.block_actions(
        team_id=FOREIGN,
        user_id="U0DANA",
        channel_id="C0BILLING",
        message=card,
        action_id=CardAction.ACKNOWLEDGE,
        value=str(loop_id),
        response_url=harness.standin.response_url_base + "x",
        block_id=harness.actions_block(card),
    )
    harness.post_slack(slack_requests.interactivity_body(payload), content_type="application/x-www-form-urlencoded")
    with harness.session() as session:
        assert session.get(Loop, loop_id).status == "new"


# -- unauthenticated requests and the log ----------------------------------------------------------------------


def test_an_unsigned_body_never_reaches_the_log(harness, caplog):
    forged = "payload=x\n2026-11-29 19:00:00 ERROR loopkeeper: FORGED-LINE admin password reset\n" + "A" * 900_000
    with caplog.at_level(logging.DEBUG):
        response = harness.post_slack(forged, content_type="application/x-www-form-urlencoded", secret="not-it")
    assert response.status_code == 401
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "FORGED-LINE" not in logged and "AAAAAAAAAA" not in logged
    assert len(logged) < 10_000


# -- signed garbage --------------------------------------------------------------------------------------------

GARBAGE = {
    "not json": ("not json", "application/x-www-form-urlencoded"),
    "a JSON list": ("[1,2]", "application/json"),
    "deep brackets": ("[" * 10_000, "application/json"),
    "a broken payload": ("payload=%7Bnot", "application/x-www-form-urlencoded"),
    "a payload that is a list": ("payload=%5B1%5D", "application/x-www-form-urlencoded"),
    "no actions": (
        "payload=" + json.dumps({"type": "block_actions", "actions": [], "team": {"id": "T0LOOPKEEP"}}),
        "application/x-www-form-urlencoded",
    ),
    "an event without a type": ('{"token": "x"}', "application/json"),
}


@pytest.mark.parametrize("name", GARBAGE)
def test_signed_garbage_is_a_400_with_json_not_a_500(harness, name):
    body, content_type = GARBAGE[name]
    response = harness.post_slack(body, content_type=content_type)
    assert response.status_code == 400, response.text
    assert isinstance(response.json()["error"], str)


def test_signed_bytes_that_are_not_utf8_are_a_400(harness):
    body = b"payload=\xff\xfe\xfd"
    headers = slack_requests.signed_headers(
        harness.settings.slack_signing_secret, body.decode("latin-1"), content_type="application/x-www-form-urlencoded"
    )
    response = harness.http.post("/slack/events", content=body, headers=headers)
    assert response.status_code in (400, 401) and "error" in response.json()


def test_a_huge_loop_number_is_no_such_loop(harness):
    text = harness.slash("show 99999999999999999999999999").json()["text"]
    assert text.startswith(":warning: there is no loop #99999999999999999999999999 here")


def test_a_button_or_form_pointing_at_a_huge_id_answers_clearly(harness):
    card, _ = open_card(harness)
    assert harness.click(card, CardAction.ACKNOWLEDGE, value=str(10**19)).status_code == 200
    [reply] = harness.standin.wait_for(lambda: harness.standin.calls_to("response_url"))
    assert "does not point at a loop" in reply.args["text"]
    view = {"id": "V1", "callback_id": ModalId.RESOLVE, "private_metadata": str(10**19)}
    payload = slack_requests.view_submission(
        team_id=harness.workspace_id, user_id="U0DANA", view=view, values={"outcome": slack_requests.selected("saved")}
    )
    response = harness.post_slack(
        slack_requests.interactivity_body(payload), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert response.json()["errors"] == {"note": "this form does not belong to a loop"}, response.json()


# -- ids from payloads -------------------------------------------------------------------------------------------


def test_a_forged_user_id_never_becomes_an_owner_or_a_ping(harness):
    card, loop_id = open_card(harness)
    response = harness.select(card, CardAction.ASSIGN, selected_user="U0X> <!channel")
    assert response.status_code == 200
    [reply] = harness.standin.wait_for(lambda: harness.standin.calls_to("response_url"))
    assert "pick a person" in reply.args["text"]
    with harness.session() as session:
        assert session.get(Loop, loop_id).owner_id is None
    harness.wait_until_delivered()
    assert not any("<!channel>" in str(c.args) for c in harness.standin.calls if c.method == "chat.postMessage")


def test_a_request_whose_own_user_id_is_not_an_id_is_a_400(harness):
    card, loop_id = open_card(harness)
    response = harness.click(card, CardAction.ACKNOWLEDGE, user_id="U0X> <!channel")
    assert response.status_code == 400 and "user id" in response.json()["error"]
    with harness.session() as session:
        assert session.get(Loop, loop_id).status == "new"


# -- trailing words ------------------------------------------------------------------------------------------------


def test_route_remove_with_trailing_words_removes_nothing(harness):
    before = count(harness, Route)
    text = harness.slash("route remove 1 OR 1=1", user_id="U0ADMIN").json()["text"]
    assert text.startswith(":warning: `/loops route remove` takes 1 word after it")
    assert "I do not understand `OR 1=1`" in text and "For example: `/loops route remove 2`" in text
    assert count(harness, Route) == before


def test_every_subcommand_refuses_words_it_does_not_take(harness):
    from bot.admin.catalog import build_registry

    bounded = [s for s in build_registry().subcommands if s.max_args is not None]
    assert len(bounded) >= 20
    before = (count(harness, Team), count(harness, Route), count(harness, AuditEntry))
    for subcommand in bounded:
        words = subcommand.example.removeprefix("/loops ").split()
        words += ["x"] * (len(subcommand.words) + subcommand.max_args - len(words)) + ["surplus"]
        text = harness.slash(" ".join(words), user_id="U0ADMIN").json()["text"]
        assert "I do not understand" in text and "surplus" in text, (subcommand.name, text)
    assert (count(harness, Team), count(harness, Route), count(harness, AuditEntry)) == before


@pytest.mark.parametrize(
    "text",
    [
        "team set billing timezone Europe/Berlin now",
        "team set billing moves leads x",
        "team set billing hours 24/7 extra",
        "team set billing hours mon-fri 09:00-17:00 x",
    ],
)
def test_team_settings_refuse_extra_values(harness, text):
    reply = harness.slash(text, user_id="U0ADMIN").json()["text"]
    assert reply.startswith(":warning:") and "I do not understand" in reply
