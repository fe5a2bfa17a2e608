"""The /loops runner's ``prepare`` step: run with no database session open (so it may ask Slack), only for
someone allowed to run the subcommand, and its result handed to the subcommand."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from sqlalchemy import text

from bot.admin.registry import CommandRegistry, Invocation, Preparation, Subcommand
from bot.admin.runner import CommandRunner
from bot.delivery.slack_directory import WebDirectory
from bot.errors import CommandError, NotAuthorized
from models.base import utcnow


@pytest.fixture
def probe(engine, standin, settings):
    seen: dict = {}

    def prepare(prep: Preparation) -> dict:
        seen["connections open while preparing"] = engine.pool.checkedout()
        seen["workspace from Slack"] = prep.slack.token_grant().team_id
        seen["scheduler"] = prep.workers().get("scheduler")
        return {"args": prep.args, "user": prep.user_id}

    def run(inv: Invocation) -> str:
        inv.session.execute(text("SELECT 1"))  # the runner's transaction begins: the measure can see one
        seen["connections open while running"] = engine.pool.checkedout()
        seen["prepared"] = inv.prepared
        return "done"

    subcommand = Subcommand(
        ("probe",), "/loops probe <word>", "Test", "/loops probe x", run, admin=True, writes=True, prepare=prepare
    )
    runner = CommandRunner(
        engine=engine,
        directory=WebDirectory(WebClient(token=standin.bot_token, base_url=standin.url)),
        settings=settings,
        workers=lambda: {"scheduler": "running"},
        registry=CommandRegistry([subcommand]),
    )

    def say(text: str, user_id: str = "U0ADMIN") -> str:
        answer = runner.run(workspace_id="T0X", user_id=user_id, channel_id="C0X", text=text, via="test", now=utcnow())
        assert isinstance(answer, str)
        return answer

    return say, seen


def test_prepare_runs_before_the_transaction_and_hands_over_its_result(probe):
    say, seen = probe
    assert say("probe now") == "done"
    assert seen == {
        "connections open while preparing": 0,
        "workspace from Slack": "T0LOOPKEEP",
        "scheduler": "running",
        "connections open while running": 1,
        "prepared": {"args": ("now",), "user": "U0ADMIN"},
    }


@pytest.mark.parametrize(
    ("text", "user", "refusal"),
    [("probe now", "U0DANA", NotAuthorized), ("probe now and more", "U0ADMIN", CommandError)],
)
def test_nothing_is_prepared_for_a_refused_command(probe, text, user, refusal):
    say, seen = probe
    with pytest.raises(refusal):
        say(text, user_id=user)
    assert seen == {}
