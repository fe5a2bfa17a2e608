"""A slow Slack holds up nothing else: Slack is asked before any write transaction opens, and a command
whose Slack calls are slow is acknowledged at once and answered through response_url."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from sqlmodel import select

from bot.admin.config.apply import import_config
from bot.admin.config.parse import parse_config
from models import AuditEntry, Team
from tests.conftest import TEST_CONFIG
from tests.factories import feedback_payload
from tests.harness import Harness

SLOW = 3.0


@pytest.fixture
def harness(settings, standin):
    """The real app, waiting for Slack as long as it does in production (10 s), not the suite's 2 s."""
    harness = Harness(dataclasses.replace(settings, slack_timeout_seconds=10), standin)
    import_config(harness.app.engine, workspace_id=harness.workspace_id, doc=parse_config(TEST_CONFIG))
    harness.start()
    yield harness
    harness.stop()


def test_webhooks_are_answered_while_a_command_waits_on_a_slow_slack(harness):
    standin = harness.standin
    standin.add_user("U0WSADMIN", "wsadmin", is_admin=True)  # a Slack workspace admin, not in LOOPKEEPER_ADMINS
    standin.add_channel("C0PAY", "payments", is_member=False)  # public, so the bot joins it
    busy = standin.hold("users.info", "conversations.info", "conversations.join")  # Slack answers when we say
    acked: dict = {}
    command = threading.Thread(
        target=lambda: acked.update(response=harness.slash("team add payments <#C0PAY|payments>", user_id="U0WSADMIN"))
    )
    try:
        command.start()
        standin.wait_for(lambda: standin.calls_to("users.info"))  # the command now waits on Slack
        for _ in range(20):
            assert harness.post_webhook(feedback_payload()).status_code == 202
        command.join(20)  # acknowledged without Slack having answered
        assert not busy.is_set() and acked["response"].status_code == 200
        assert "Working on it" in acked["response"].json()["text"]
        assert standin.calls_to("response_url") == []
    finally:
        busy.set()  # Slack answers; the command goes on
    [answer] = standin.wait_for(lambda: standin.calls_to("response_url"), timeout=20)
    assert "Team *payments* works in <#C0PAY>" in answer.args["text"] and answer.args["response_type"] == "ephemeral"
    assert len(standin.calls_to("conversations.join")) == 1
    with harness.session() as session:
        [team] = session.exec(select(Team).where(Team.name == "payments")).all()
        assert team.channel_id == "C0PAY"
        assert [e.actor for e in session.exec(select(AuditEntry).where(AuditEntry.action == "team.add"))] == [
            "U0WSADMIN"
        ]


def test_a_command_that_needs_nothing_slow_is_answered_in_the_ack(harness):
    response = harness.slash("team list", user_id="U0DANA")
    assert response.status_code == 200
    assert response.json()["text"].startswith("*Teams*")
    assert harness.standin.calls_to("response_url") == []


def test_a_refusal_after_a_slow_admin_check_changes_nothing(harness):
    standin = harness.standin
    standin.add_user("U0MEMBER", "member")  # known to Slack, not an admin
    standin.method_delays["users.info"] = SLOW
    response = harness.slash("team add payments <#C0PAY|payments>", user_id="U0MEMBER")
    assert "Working on it" in response.json()["text"]
    [answer] = standin.wait_for(lambda: standin.calls_to("response_url"), timeout=20)
    assert answer.args["text"].startswith(":lock: Sorry, only Loopkeeper admins can run `/loops team add`")
    assert standin.calls_to("conversations.info") == []  # refused before the channel was looked at
    with harness.session() as session:
        assert session.exec(select(Team).where(Team.name == "payments")).all() == []


def test_slack_not_answering_at_all_is_a_clear_answer_not_an_error(settings, standin):
    harness = Harness(dataclasses.replace(settings, slack_timeout_seconds=1), standin)
    import_config(harness.app.engine, workspace_id=harness.workspace_id, doc=parse_config(TEST_CONFIG))
    harness.start()
    try:
        standin.add_user("U0WSADMIN", "wsadmin", is_admin=True)
        standin.method_delays["users.info"] = 2.0  # past the 1 s timeout
        response = harness.slash("team add payments <#C0PAY|payments>", user_id="U0WSADMIN")
        text = response.json()["text"]
        if "Working on it" in text:
            [answer] = standin.wait_for(lambda: standin.calls_to("response_url"), timeout=20)
            text = answer.args["text"]
        assert text.startswith(":warning: Slack did not answer in time (users.info")
        assert "nothing was changed" in text
    finally:
        harness.stop()
