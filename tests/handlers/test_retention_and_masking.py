"""LOOPKEEPER_RETENTION_DAYS (the daily job, with a clock that travels) and `/loops team set <team> mask-emails`."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.admin.config.apply import import_config
from bot.admin.config.parse import parse_config
from models import AuditEntry, Feedback, Loop
from tests.conftest import TEST_CONFIG
from tests.factories import feedback_payload
from tests.handlers.forgetting import (
    BOB,
    BOBS,
    DANA,
    FIRST,
    SECOND,
    database_text,
    feedback_from,
    figures,
    needles,
    say,
    slack_text,
    spread_dana,
)
from tests.harness import Harness

CAROL = {"id": "cus_carol_3", "email": "carol@initech.io", "name": "Carol Reyes", "account": "Initech"}
CAROLS = "Support closed my ticket without reading it."


@pytest.fixture
def retaining(settings, standin):
    """The real app with LOOPKEEPER_RETENTION_DAYS=30."""
    harness = Harness(dataclasses.replace(settings, retention_days=30), standin)
    import_config(harness.app.engine, workspace_id=harness.workspace_id, doc=parse_config(TEST_CONFIG))
    harness.start()
    yield harness
    harness.stop()


def resolve(harness, external_id: str) -> None:
    with harness.session() as session:
        first = session.exec(select(Feedback).where(Feedback.external_id == external_id)).one()
        loop = session.exec(select(Loop).where(Loop.feedback_id == first.id)).one()
    assert harness.resolve(harness.card(loop.channel_id, loop.card_ts), note="Sorted it out.").status_code == 200
    harness.wait_until_delivered()


def test_the_daily_job_anonymises_only_loops_resolved_longer_ago_than_the_setting(retaining):
    harness = retaining
    job = harness.app.scheduler.get_job("customer-data-retention")
    assert job is not None and job.trigger.interval == timedelta(days=1)
    spread_dana(harness)  # resolved now
    assert harness.post_webhook(feedback_from(BOB, BOBS, id="bob-2", touchpoint="onboarding")).status_code == 202
    assert harness.post_webhook(feedback_from(CAROL, CAROLS, id="carol-1")).status_code == 202
    harness.wait_until_delivered()
    harness.clock.travel_to(harness.clock() + timedelta(days=20))
    resolve(harness, "carol-1")  # resolved 20 days after Dana
    harness.clock.travel_to(harness.clock() + timedelta(days=11))
    now = harness.clock()
    before = figures(harness, now)

    job.func()  # what the scheduler runs each day
    harness.wait_until_delivered()

    # Billing's account of Dana is billing's to keep (it is a live account, not what she told us); the rest is gone.
    kept = database_text(harness, skip=("account", "account_event"))
    assert needles(DANA, FIRST, SECOND).found_in(kept + slack_text(harness)) == []
    carol, bob = needles(CAROL, CAROLS), needles(BOB, BOBS)
    assert len(carol.found_in(database_text(harness))) == len(carol.needles)  # resolved 11 days ago: kept
    assert len(bob.found_in(database_text(harness))) == len(bob.needles)  # still open: kept
    assert figures(harness, now) == before
    with harness.session() as session:
        [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "customer.retention")).all()
    assert (entry.actor, entry.via, entry.target) == ("loopkeeper", "scheduler", "older than 30 days")
    assert entry.after["feedback"] == 2 and entry.after["loops"] == 1
    rows = database_text(harness)
    job.func()  # the next day: nothing more is due
    assert database_text(harness) == rows


def test_without_the_setting_there_is_no_retention_job(harness):
    assert harness.app.scheduler.get_job("customer-data-retention") is None


def test_mask_emails_masks_cards_notes_and_digests_of_that_team_only(harness):
    nameless = {"id": "cus_dee_4", "email": "dee@acme.io"}  # shown by email: no name, no account
    assert harness.post_webhook(feedback_payload(customer=nameless, id="dee-1")).status_code == 202
    [card] = harness.cards("C0BILLING")
    harness.wait_until_delivered()
    assert "dee@acme.io" in json.dumps(card)

    answer = say(harness, "team set billing mask-emails on")
    assert "emails masked" in answer
    harness.wait_until_delivered()  # its open cards are redrawn
    redrawn = harness.card("C0BILLING", card["ts"])
    assert "dee@acme.io" not in json.dumps(redrawn) and "d•••@acme.io" in redrawn["blocks"][0]["text"]["text"]
    assert harness.post_webhook(feedback_payload(customer=nameless, id="dee-2", score=1)).status_code == 202
    harness.wait_until_delivered()  # joins the open loop: a note in the thread
    [note] = harness.standin.replies("C0BILLING", card["ts"])
    assert "d•••@acme.io" in note["text"] and "dee@acme.io" not in note["text"]
    preview = say(harness, "digest preview billing this-week")
    assert "d•••@acme.io" in preview and "dee@acme.io" not in preview
    assert "mask_emails: true" in say(harness, "config export")

    support = {"id": "cus_sam_5", "email": "sam@acme.io"}
    assert (
        harness.post_webhook(
            feedback_payload(customer=support, scale="csat", score=1, id="sam-1", touchpoint="onboarding")
        ).status_code
        == 202
    )
    [other] = harness.cards("C0SUPPORT")
    assert "sam@acme.io" in json.dumps(other)  # support does not mask

    assert "emails masked" not in say(harness, "team set billing mask-emails off")
    assert "`maybe`: say on or off" in say(harness, "team set billing mask-emails maybe")
