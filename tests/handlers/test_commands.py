"""/loops as Slack sends it: form fields, signed; answered ephemerally in the ack."""

from __future__ import annotations


def test_help_lists_what_you_can_do(harness):
    response = harness.slash("help")
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert "/loops help" in body["text"] and "acknowledge" in body["text"]


def test_empty_command_shows_help(harness):
    assert "/loops help" in harness.slash("").json()["text"]


def test_help_on_a_topic(harness):
    assert harness.slash("help help").json()["text"].startswith("*/loops help [topic [subcommand]]*")


def test_unknown_subcommand_says_what_was_wrong_and_gives_an_example(harness):
    body = harness.slash("frobnicate now").json()
    assert body["response_type"] == "ephemeral"
    assert "unknown subcommand `frobnicate`" in body["text"]
    assert "For example: `/loops help`" in body["text"]


def test_unbalanced_quotes_are_explained(harness):
    body = harness.slash('help "oops').json()
    assert "check your quotes" in body["text"]


def test_forged_command_is_refused(harness):
    from bot.demo import slack_requests

    body = slack_requests.slash_command_body(
        team_id=harness.workspace_id,
        user_id="U0X",
        channel_id="C0X",
        text="help",
        response_url=harness.standin.response_url_base,
    )
    response = harness.post_slack(body, content_type="application/x-www-form-urlencoded", secret="forged")
    assert response.status_code == 401
