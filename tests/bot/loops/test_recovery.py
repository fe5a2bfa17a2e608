"""Recovery read purely: the customer's next feedback after a loop, and how the card says it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.loops.recovery import Recovery, next_feedback
from models import Feedback, Loop

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def feedback(n: int, score: int | None, at: datetime, *, customer: str | None = "cus_1", email=None, scale="nps"):
    category = "unscored" if score is None else ("detractor" if score <= 6 else "passive" if score <= 8 else "promoter")
    if scale == "csat" and score is not None:
        category = "negative" if score <= 2 else "neutral" if score == 3 else "positive"
    return Feedback(
        id=n,
        workspace_id="T1",
        source="delighted",
        external_id=str(n),
        score=score,
        scale=scale,
        category=category,
        customer_id=customer,
        customer_email=email,
        received_at=at,
    )


def loop(status: str = "resolved", resolved_at: datetime | None = T0 + timedelta(days=2)) -> Loop:
    return Loop(id=1, workspace_id="T1", feedback_id=1, channel_id="C1", status=status, resolved_at=resolved_at)


def test_the_next_feedback_after_the_resolution_within_180_days():
    first = feedback(1, 3, T0)
    while_open = feedback(2, 2, T0 + timedelta(days=1))  # before the loop was resolved: not "next"
    unscored = feedback(3, None, T0 + timedelta(days=5))  # an alert with no score says nothing
    other = feedback(4, 10, T0 + timedelta(days=6), customer="cus_2")
    after = feedback(5, 9, T0 + timedelta(days=10))
    later = feedback(6, 1, T0 + timedelta(days=20))
    assert next_feedback(loop(), first, [later, other, unscored, while_open, after, first]) is after
    assert next_feedback(loop(), first, [feedback(7, 9, T0 + timedelta(days=181))]) is None
    # An open loop: the next feedback after the detractor itself.
    assert next_feedback(loop("in_progress", None), first, [after, while_open]) is while_open


def test_the_same_customer_by_id_else_by_email():
    first = feedback(1, 3, T0, customer=None, email="dana@acme.io")
    by_email = feedback(2, 9, T0 + timedelta(days=9), customer="cus_7", email="Dana@Acme.io")
    assert next_feedback(loop(), first, [by_email]) is by_email
    other_id = feedback(3, 9, T0 + timedelta(days=9), customer="cus_8", email="dana@acme.io")
    assert next_feedback(loop(), feedback(1, 3, T0, customer="cus_7", email="dana@acme.io"), [other_id]) is None


def test_how_the_card_says_it():
    assert Recovery(feedback(1, 3, T0), feedback(2, 9, T0)).text == "Recovered: NPS 3 → 9"
    assert Recovery(feedback(1, 3, T0), feedback(2, 7, T0)).recovered
    assert Recovery(feedback(1, 3, T0), feedback(2, 5, T0)).text == "Not recovered: NPS 3 → 5"
    assert Recovery(feedback(1, 3, T0), feedback(2, 4, T0, scale="csat")).text == "Recovered: NPS 3 → CSAT 4"
