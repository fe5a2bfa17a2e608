"""A customer's feedback over time: what recovery (their next feedback after a detractor) is read from.

A customer is the same when the customer id matches, or else the (lower-cased) email: the keys a repeat
customer's feedback joins their open loop by.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from models.feedback import Feedback, of_customer
from models.loop import Loop

BAD = ("detractor", "negative")
CHUNK = 500


def feedback_of_customers(
    *, session: Session, workspace_id: str, customer_ids: Iterable[str], emails: Iterable[str], start: datetime
) -> list[Feedback]:
    """Feedback received since ``start`` from customers with these ids or emails, oldest first."""
    ids, mails = sorted(set(customer_ids)), sorted({e.lower() for e in emails})
    found: dict[int, Feedback] = {}
    for column, values in ((Feedback.customer_id, ids), (Feedback.customer_email, mails)):
        for offset in range(0, len(values), CHUNK):
            query = select(Feedback).where(
                col(Feedback.workspace_id) == workspace_id,
                col(column).in_(values[offset : offset + CHUNK]),
                col(Feedback.received_at) >= start,
            )
            found.update((row.id, row) for row in session.exec(query))
    return sorted(found.values(), key=lambda f: (f.received_at, f.id))


def resolved_bad_loops_of_customer(
    *, session: Session, workspace_id: str, customer_id: str | None, email: str | None, since: datetime
) -> list[tuple[Loop, Feedback]]:
    """Resolved loops with a posted card, opened by this customer's detractor or negative rating received since
    ``since``: the cards a new feedback of theirs may change."""
    theirs = of_customer(workspace_id=workspace_id, customer_id=customer_id, email=email, column=col(Feedback.id))
    if theirs is None:
        return []
    query = (
        select(Loop, Feedback)
        .join(Feedback, col(Feedback.id) == col(Loop.feedback_id))
        .where(
            col(Feedback.id).in_(theirs),
            col(Feedback.category).in_(BAD),
            col(Feedback.received_at) >= since,
            col(Loop.status) == "resolved",
            col(Loop.card_ts).is_not(None),
        )
        .order_by(col(Loop.id))
    )
    return [(loop, feedback) for loop, feedback in session.exec(query)]
