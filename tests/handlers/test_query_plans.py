"""The whole inner loop through the real app — webhooks, cards sent, clicks, a resolution, the customer's next
feedback — and none of its reads walks every row of the workspace: each is narrowed by an index on what it is
about (the customer, the loop, the card, the outbox key), so a card is as quick at a million rows as at ten.

SQLite only, by design: it plans from the schema alone, so these plans are production's (see tests/query_plans.py)."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest

from bot.admin.config.apply import import_config
from bot.admin.config.parse import parse_config
from bot.digest.owners import send_due_owner_digests
from bot.digest.schedule import send_due_digests
from bot.ids import CardAction
from bot.learning.spike_check import check_spikes
from tests.conftest import TEST_CONFIG, suite_settings
from tests.factories import feedback_payload
from tests.handlers.test_stripe_webhook import LIFECYCLE, raw
from tests.handlers.test_themes import elevate
from tests.harness import Harness
from tests.query_plans import recording, wide_reads


@pytest.fixture
def harness(sqlite_template, tmp_path, standin):
    path = tmp_path / "plans.db"
    shutil.copy(sqlite_template, path)
    harness = Harness(suite_settings(f"sqlite:///{path}", standin), standin)
    import_config(harness.app.engine, workspace_id=harness.workspace_id, doc=parse_config(TEST_CONFIG))
    yield harness
    harness.stop()


# Reads of a whole set on purpose, and why each stays small or rare.
MEANT = {
    "loop.status IN (?, ?, ?)": "the open loops (App Home's counts, SLA reminders): work in hand, not history",
    "loop.status = ? AND feedback.comment IS NOT NULL": "the similar-loop index's first build, once a process",
    "FROM account WHERE account.workspace_id = ? LIMIT": "whether any billing data exists: the first row says",
    "lower(feedback.account) LIKE": "/loops account's search by part of a name, when no account is named exactly",
}


def test_the_inner_loop_reads_by_index(harness):
    with recording(harness.app.engine) as statements:
        harness.start()
        assert harness.post_webhook(feedback_payload()).status_code == 202
        [card] = harness.cards("C0BILLING")
        harness.wait_until_delivered()
        assert harness.click(card, CardAction.ACKNOWLEDGE, user_id="U0PRIYA").status_code == 200
        assert harness.click(card, CardAction.TAKE_OWNERSHIP, user_id="U0PRIYA").status_code == 200
        harness.wait_until_delivered()
        assert harness.resolve(card).status_code == 200
        harness.wait_until_delivered()
        # The customer writes again: their resolved card shows the recovery; another customer opens a loop.
        assert harness.post_webhook(feedback_payload(score=9, comment="Sorted, thanks.")).status_code == 202
        assert harness.post_webhook(feedback_payload(customer={"email": "lee@globex.io"})).status_code == 202
        harness.wait_until_delivered()

    assert len(statements) > 40  # the loop's work was seen
    found = wide_reads(harness.app.engine, statements, meant=MEANT)
    assert found == [], "\n".join(found)


# A lead's and an account manager's reads cover a period (a week's digest, a spike's window, an impact period):
# narrowed by the period's times, never by the workspace alone.
def test_billing_owners_digests_spikes_and_impact_read_by_index_or_period(harness):
    harness.standin.add_user("U0AMOS", "amos", email="amos@ours.example")
    harness.start()
    acme = {"id": "cus_AcmeLogistic01", "email": "dana@acme-logistics.example.com", "account": "Acme Logistics"}
    with recording(harness.app.engine) as statements:
        for name in LIFECYCLE:
            assert harness.post_stripe(raw(name)).status_code == 200
        owner = harness.slash('account owner "Acme Logistics" <@U0AMOS|amos>', user_id="U0ADMIN")
        assert owner.json()["text"].startswith(":white_check_mark:")
        assert harness.post_webhook(feedback_payload(customer=acme, touchpoint="billing")).status_code == 202
        [card] = harness.cards("C0BILLING")
        harness.wait_until_delivered()
        elevate(harness, card, new_theme="Invoices are wrong", owner_team="support")
        assert harness.resolve(card, "saved").status_code == 200
        harness.wait_until_delivered()
        for text in ("account Acme Logistics", "impact billing", "digest preview billing", "similar 1"):
            assert harness.slash(text, user_id="U0ADMIN").status_code == 200
        now = harness.clock()
        send_due_digests(harness.app.engine, now=now + timedelta(days=7))
        send_due_owner_digests(harness.app.engine, now=now + timedelta(days=7))
        check_spikes(harness.app.engine, now=now)
        harness.wait_until_delivered()

    assert len(statements) > 60  # all of it was seen
    found = wide_reads(harness.app.engine, statements, meant=MEANT, periods=True)
    assert found == [], "\n".join(found)
