"""The events hooks are sent: their names, and which loop history entry each one stands for."""

from __future__ import annotations

SCHEMA = "loopkeeper.event/v1"

# A loop's history kind (bot/loops/events.record_event) -> the event type hooks receive.
LOOP_EVENT_TYPES = {
    "opened": "loop.opened",
    "acknowledged": "loop.acknowledged",
    "resolved": "loop.resolved",
    "reopened": "loop.reopened",
    "moved": "loop.moved",
    "elevated": "loop.elevated",
}
HOOK_TEST = "hook.test"
CUSTOMER_FORGOTTEN = "customer.forgotten"
# Every type a hook may subscribe to, in the order the README documents them.
EVENT_TYPES = (*LOOP_EVENT_TYPES.values(), CUSTOMER_FORGOTTEN, HOOK_TEST)
