"""One place turns errors into answers: typed errors as their message, the unexpected with an error id."""

from __future__ import annotations

import logging
import re

import pytest

from bot.errors import BadRequest, CommandError, InvalidFeedback, LoopMovedElsewhere, NotAuthorized, NotFound
from bot.ids import CardAction
from handlers import actions, views
from handlers.errors import BodyTooLarge, http_error, modal_errors, slack_text
from tests.factories import feedback_payload

ERROR_ID = re.compile(r"error id `?([0-9a-f]{8})")  # `abcd1234` in the answer, [error id abcd1234] in the log


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (NotAuthorized("only admins can"), ":lock: Sorry, only admins can"),
        (
            CommandError("missing a team", example="/loops team add billing #b"),
            ":warning: missing a team\nFor example: `/loops team add billing #b`",
        ),
        (NotFound("no such loop"), ":warning: no such loop"),
        (LoopMovedElsewhere(7, "C0NEW"), "Loop #7 has moved to <#C0NEW>; act on its card there."),
    ],
)
def test_typed_errors_become_the_ephemeral_text_people_see(error, text):
    assert slack_text(error) == text


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (BodyTooLarge("big"), 413),
        (InvalidFeedback("is required", where="score"), 422),
        (InvalidFeedback("not JSON"), 400),
        (BadRequest("bad"), 400),
        (NotFound("gone"), 404),
    ],
)
def test_typed_errors_become_http_json_with_a_fitting_status(error, status):
    response = http_error(error)
    assert response.status_code == status
    assert response.body.decode().startswith('{"error":')


def test_modal_errors_point_at_the_field_and_respect_slacks_length():
    answer = modal_errors(NotAuthorized("x" * 500), field="team")
    assert answer["response_action"] == "errors" and len(answer["errors"]["team"]) == 150


def log_ids(caplog) -> list[str]:
    return [error_id for record in caplog.records for error_id in ERROR_ID.findall(record.getMessage())]


def test_an_unexpected_failure_in_a_command_gives_an_error_id_that_is_in_the_log(harness, caplog, monkeypatch):
    def broken(**_):
        raise RuntimeError("something unforeseen")

    monkeypatch.setattr(harness.app.ctx.commands, "run", broken)
    with caplog.at_level(logging.ERROR):
        text = harness.slash("team list").json()["text"]
    [error_id] = ERROR_ID.findall(text)
    assert text.startswith(":x: Sorry, something went wrong on our side")
    assert error_id in log_ids(caplog)


def test_an_unexpected_failure_on_a_card_click_tells_the_person_with_an_error_id(harness, caplog, monkeypatch):
    harness.post_webhook(feedback_payload())
    [card] = harness.cards("C0BILLING")

    def broken(*_, **__):
        raise RuntimeError("something unforeseen")

    monkeypatch.setattr(actions, "change_loop", broken)
    with caplog.at_level(logging.ERROR):
        assert harness.click(card, CardAction.ACKNOWLEDGE).status_code == 200
        [reply] = harness.standin.wait_for(lambda: harness.standin.calls_to("response_url"))
    [error_id] = ERROR_ID.findall(reply.args["text"])
    assert reply.args["response_type"] == "ephemeral" and error_id in log_ids(caplog)


def test_an_unexpected_failure_on_a_form_keeps_it_open_with_an_error_id(harness, caplog, monkeypatch):
    harness.post_webhook(feedback_payload())
    [card] = harness.cards("C0BILLING")
    view = harness.open_modal(card, CardAction.MOVE)

    def broken(*_, **__):
        raise RuntimeError("something unforeseen")

    monkeypatch.setattr(views, "change_loop", broken)
    with caplog.at_level(logging.ERROR):
        response = harness.submit(
            view,
            {
                "team": {"type": "static_select", "selected_option": {"value": "support"}},
                "reason": {"type": "plain_text_input", "value": "theirs"},
            },
        )
    body = response.json()
    assert response.status_code == 200 and body["response_action"] == "errors"
    [message] = body["errors"].values()
    assert ERROR_ID.findall(message)[0] in log_ids(caplog)


def test_an_unexpected_failure_on_a_webhook_is_a_json_500_with_the_error_id(harness, caplog, monkeypatch):
    from handlers import webhooks

    def broken(*_, **__):
        raise RuntimeError("something unforeseen")

    monkeypatch.setattr(webhooks, "ingest_together", broken)
    with caplog.at_level(logging.ERROR):
        response = harness.post_webhook(feedback_payload())
    assert response.status_code == 500
    assert response.json()["error"] == "something went wrong on our side"
    assert response.json()["error_id"] in log_ids(caplog)
