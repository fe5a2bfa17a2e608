"""What changed between a stored feedback row and a new delivery of the same response."""

from __future__ import annotations

from datetime import datetime

from bot.feedback import FeedbackIn
from models.feedback import Feedback

_TEXT_FIELDS = (("touchpoint", "touchpoint"), ("product", "product"), ("url", "link"))


def _incoming(feedback: FeedbackIn) -> dict:
    customer = feedback.customer
    return {
        "score": feedback.score,
        "scale": feedback.scale,
        "category": feedback.category,
        "comment": feedback.comment,
        "customer_id": customer.id,
        "customer_email": customer.email.lower() if customer.email else None,
        "customer_name": customer.name,
        "account": customer.account,
        "segment": customer.segment,
        "arr": customer.arr,
        "touchpoint": feedback.touchpoint,
        "product": feedback.product,
        "tags": list(feedback.tags),
        "url": feedback.url,
        "submitted_at": feedback.submitted_at,
        "version_at": feedback.version_at,
        "unparsed": feedback.unparsed,
    }


def feedback_values(workspace_id: str, feedback: FeedbackIn, now: datetime) -> dict:
    """Column values of a new feedback row, for bulk inserts."""
    return {
        "workspace_id": workspace_id,
        "source": feedback.source,
        "external_id": feedback.external_id,
        "received_at": now,
        "loop_id": None,
        "updated_at": None,
        **_incoming(feedback),
    }


def apply_changes(row: Feedback, feedback: FeedbackIn) -> None:
    """Copy the incoming values onto the row (emails lower-cased so customers match)."""
    for name, value in _incoming(feedback).items():
        setattr(row, name, value)


def describe_changes(row: Feedback, feedback: FeedbackIn) -> list[str]:
    """Short phrases for each meaningful difference; empty when it is the same response again."""
    new = _incoming(feedback)
    changes = []
    if new["score"] != row.score or new["scale"] != row.scale:
        change = f"score {row.score} → {new['score']}"
        if new["category"] != row.category:
            change += f" ({row.category} → {new['category']})"
        changes.append(change)
    if new["comment"] != row.comment:
        changes.append(
            "comment added" if not row.comment else "comment removed" if not new["comment"] else "comment changed"
        )
    if any(new[k] != getattr(row, k) for k in ("customer_id", "customer_email", "customer_name", "account", "segment")):
        changes.append("customer details changed")
    if new["arr"] != row.arr:
        changes.append("ARR changed")
    for field, label in _TEXT_FIELDS:
        if new[field] != getattr(row, field):
            changes.append(f"{label} changed")
    if new["tags"] != list(row.tags or []):
        changes.append("tags changed")
    return changes
