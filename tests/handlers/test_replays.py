"""A replayed or late delivery never rolls feedback back (issue: Zendesk deliveries could be replayed)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from models import Feedback
from tests.factories import feedback_payload
from tests.vendor_signing import vendor_headers

FIXTURES = Path(__file__).parent.parent / "fixtures" / "webhooks"


def zendesk_body(score: str, updated_at: str) -> bytes:
    data = json.loads((FIXTURES / "zendesk" / "csat_bad.json").read_text())
    data["satisfaction"]["score"] = score
    data["ticket"]["updated_at"] = updated_at
    return json.dumps(data).encode()


def stored(harness, source: str) -> Feedback:
    with harness.session() as session:
        [row] = session.exec(select(Feedback).where(Feedback.source == source)).all()
        return row


def test_a_zendesk_delivery_signed_long_ago_is_refused_and_changes_nothing(harness):
    body = zendesk_body("bad", "2026-11-23T08:10:41Z")
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    response = harness.post_source("zendesk", body, vendor_headers("zendesk", body, sent_at=an_hour_ago))
    assert response.status_code == 401
    assert "more than 5 minutes off" in response.json()["error"]
    with harness.session() as session:
        assert session.exec(select(Feedback)).all() == []


def test_a_zendesk_delivery_signed_in_the_future_is_refused(harness):
    body = zendesk_body("bad", "2026-11-23T08:10:41Z")
    later = datetime.now(UTC) + timedelta(minutes=10)
    assert harness.post_source("zendesk", body, vendor_headers("zendesk", body, sent_at=later)).status_code == 401


def test_an_older_rating_replayed_after_a_newer_one_does_not_roll_it_back(harness):
    bad = zendesk_body("bad", "2026-11-23T08:10:41Z")
    good = zendesk_body("good", "2026-11-23T09:30:00Z")
    assert harness.post_source("zendesk", bad, vendor_headers("zendesk", bad)).status_code == 202
    assert harness.post_source("zendesk", good, vendor_headers("zendesk", good)).status_code == 200
    assert stored(harness, "zendesk").score == 5
    harness.wait_until_delivered()
    notes_before = len(harness.standin.calls_to("chat.postMessage"))

    replay = harness.post_source("zendesk", bad, vendor_headers("zendesk", bad))  # freshly signed, older version

    assert replay.status_code == 200 and replay.json()["outcome"] == "stale"
    assert stored(harness, "zendesk").score == 5
    harness.wait_until_delivered()
    assert len(harness.standin.calls_to("chat.postMessage")) == notes_before  # no "score 5 → 1" note


def test_a_delighted_update_that_arrives_before_the_original_keeps_the_update(harness):
    created = (FIXTURES / "delighted" / "created.json").read_bytes()
    updated = (FIXTURES / "delighted" / "updated.json").read_bytes()
    assert harness.post_source("delighted", updated, vendor_headers("delighted", updated)).status_code == 202
    late = harness.post_source("delighted", created, vendor_headers("delighted", created))
    assert late.status_code == 200 and late.json()["outcome"] == "stale"
    assert stored(harness, "delighted").version_at == datetime.fromtimestamp(1741701097, UTC)


def test_the_generic_webhook_orders_deliveries_by_updated_at(harness):
    first = feedback_payload(id="r-ordered", score=3, updated_at="2026-11-23T10:00:00Z")
    newer = {**first, "score": 9, "updated_at": "2026-11-23T11:00:00Z"}
    assert harness.post_webhook(first).status_code == 202
    assert harness.post_webhook(newer).json()["outcome"] == "updated"
    assert harness.post_webhook(first).json()["outcome"] == "stale"
    with harness.session() as session:
        [row] = session.exec(select(Feedback).where(Feedback.external_id == "r-ordered")).all()
        assert row.score == 9
