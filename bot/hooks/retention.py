"""What the outbox keeps of an event once it is delivered: that it went, to which hook — never what it said.

An event waits in the outbox with its loop snapshot (and, for ``customer.forgotten``, the identifiers of the
customer to forget) only until it is sent or cancelled; this job then leaves the row its hook, type and id.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from bot.delivery.outbox import HOOK_EVENT
from models.db import transaction
from models.hook import finished_outbox_items

# Rows finished within this window are looked at (the job runs far more often; a row is cleared once).
WINDOW = timedelta(days=2)


def clear_delivered_events(engine: Engine, *, now: datetime) -> int:
    """Drop the event from hook rows sent or cancelled lately; returns how many rows were cleared."""
    cleared = 0
    with transaction(engine) as session:
        for item in finished_outbox_items(session=session, kind=HOOK_EVENT, since=now - WINDOW):
            event = item.payload.get("_event")
            if not isinstance(event, dict):
                continue
            item.payload = {
                "_hook_id": item.payload.get("_hook_id"),
                "_to": item.payload.get("_to"),
                "_type": event.get("type"),
                "_id": event.get("id"),
            }
            session.add(item)
            cleared += 1
    return cleared
