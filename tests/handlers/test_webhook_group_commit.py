"""Webhooks arriving together are stored in shared transactions (group commit), yet each gets its own answer."""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import select

from models import Feedback, Loop, OutboxItem
from tests.factories import feedback_payload

ALERTS = 6
COPIES = 3  # each alert sent this many times at once: one is stored, the others are duplicates


def alert(n: int) -> dict:
    return feedback_payload(
        id=f"together-{n}",
        customer={"id": f"cus_together_{n}", "email": f"together{n}@acme.io", "name": f"Customer {n}"},
    )


def test_concurrent_webhooks_with_duplicates_and_bad_ones_each_get_their_own_answer(harness):
    requests = [alert(n) for n in range(ALERTS) for _ in range(COPIES)]
    requests += [feedback_payload(id="together-bad-1", score="ten"), feedback_payload(id="together-bad-2", score=99)]
    with ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(harness.post_webhook, requests))

    answers = defaultdict(list)
    for payload, response in zip(requests, responses, strict=True):
        answers[payload["id"]].append(response)
    for n in range(ALERTS):
        copies = answers[f"together-{n}"]
        assert sorted(r.status_code for r in copies) == [200] * (COPIES - 1) + [202]
        bodies = [r.json() for r in copies]
        assert sorted(b["outcome"] for b in bodies) == ["created"] + ["duplicate"] * (COPIES - 1)
        assert len({(b["feedback_id"], b["loop_id"]) for b in bodies}) == 1  # the duplicates name the stored one
    for bad in ("together-bad-1", "together-bad-2"):
        [response] = answers[bad]
        assert response.status_code == 422 and response.json()["field"] == "score"

    harness.wait_until_delivered(timeout=30)
    with harness.session() as session:
        stored = session.exec(select(Feedback.external_id)).all()
        assert sorted(stored) == sorted(f"together-{n}" for n in range(ALERTS))
        assert len(session.exec(select(Loop)).all()) == ALERTS
        cards = session.exec(select(OutboxItem).where(OutboxItem.kind == "card")).all()
        assert len(cards) == ALERTS and {c.state for c in cards} == {"sent"}
    posted = [m["metadata"]["event_payload"]["loop_id"] for m in harness.standin.messages("C0BILLING")]
    assert sorted(posted) == sorted({r.json()["loop_id"] for r in responses if r.status_code == 202})
