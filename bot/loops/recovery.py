"""Recovery: whether a detractor's next feedback, from the same customer, was better.

The next feedback is the customer's first one after the loop was resolved (after the detractor itself while the
loop is open), received within 180 days of the detractor. Passive and promoter (neutral and positive on other
scales) count as recovered; an alert whose score could not be read is not a next feedback. The same customer:
the same customer id, else the same email.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.delivery.outbox import enqueue_card_update
from bot.feedback import BAD_CATEGORIES, SCALES
from models.feedback import Feedback
from models.loop import Loop
from models.recovery_queries import feedback_of_customers, resolved_bad_loops_of_customer

WINDOW = timedelta(days=180)
BETTER = frozenset({"passive", "promoter", "neutral", "positive"})
RESOLVED = "resolved"


@dataclass(frozen=True)
class Recovery:
    """A detractor and the customer's next feedback."""

    before: Feedback
    after: Feedback

    @property
    def recovered(self) -> bool:
        return self.after.category in BETTER

    @property
    def change(self) -> str:
        """``NPS 3 → 9`` (both scales named when they differ: ``NPS 3 → CSAT 4``)."""
        first, then = _scored(self.before), _scored(self.after)
        return f"{first} → {self.after.score}" if self.before.scale == self.after.scale else f"{first} → {then}"

    @property
    def text(self) -> str:
        """``Recovered: NPS 3 → 9``, or ``Not recovered: NPS 3 → 4``."""
        return f"{'Recovered' if self.recovered else 'Not recovered'}: {self.change}"


def _scored(feedback: Feedback) -> str:
    scale = SCALES[feedback.scale]
    name = "NPS" if scale.name == "nps" else scale.name.upper()
    return f"{name} {feedback.score if feedback.score is not None else 'no score'}"


def counts_from(loop: Loop, feedback: Feedback) -> datetime:
    """From when the customer's next feedback counts: the loop's resolution, or the detractor while it is open."""
    if loop.status == RESOLVED and loop.resolved_at is not None:
        return max(loop.resolved_at, feedback.received_at)
    return feedback.received_at


def same_customer(a: Feedback, b: Feedback) -> bool:
    """The same customer id, else the same email."""
    if a.customer_id and b.customer_id:
        return a.customer_id == b.customer_id
    return bool(a.customer_email and b.customer_email and a.customer_email.lower() == b.customer_email.lower())


def next_feedback(loop: Loop, feedback: Feedback, later: Iterable[Feedback]) -> Feedback | None:
    """The customer's next feedback after the loop (see the module), among ``later``; pure."""
    start, end = counts_from(loop, feedback), feedback.received_at + WINDOW
    after = (start, feedback.id) if start == feedback.received_at else (start, 0)
    candidates = [
        f
        for f in later
        if f.id != feedback.id
        and f.score is not None
        and same_customer(f, feedback)
        and (f.received_at, f.id) > after
        and f.received_at <= end
    ]
    return min(candidates, key=lambda f: (f.received_at, f.id), default=None)


def recovery_of(session: Session, loop: Loop, feedback: Feedback) -> Recovery | None:
    """The loop's detractor and the customer's next feedback; None when it was no detractor or none came yet."""
    if feedback.category not in BAD_CATEGORIES or not (feedback.customer_id or feedback.customer_email):
        return None
    later = feedback_of_customers(
        session=session,
        workspace_id=feedback.workspace_id,
        customer_ids=[feedback.customer_id] if feedback.customer_id else [],
        emails=[feedback.customer_email] if feedback.customer_email else [],
        start=feedback.received_at,
    )
    found = next_feedback(loop, feedback, later)
    return Recovery(feedback, found) if found is not None else None


def show_recovery(session: Session, *, feedback: Feedback) -> list[int]:
    """New feedback from a customer: the cards of their resolved detractor loops for which it is the next
    feedback are updated to show it (in the caller's transaction); the ids of those loops."""
    touched = []
    for loop, first in resolved_bad_loops_of_customer(
        session=session,
        workspace_id=feedback.workspace_id,
        customer_id=feedback.customer_id,
        email=feedback.customer_email,
        since=feedback.received_at - WINDOW,
    ):
        recovery = recovery_of(session, loop, first) if first.id != feedback.id else None
        if recovery is not None and recovery.after.id == feedback.id:
            enqueue_card_update(session, loop=loop)
            touched.append(loop.id)
    return touched
