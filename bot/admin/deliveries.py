"""/loops deliveries: what the outbox holds (parked and pending Slack writes), and Retry for parked ones."""

from __future__ import annotations

from bot.admin.registry import Invocation, Subcommand
from bot.errors import CommandError
from bot.ids import DeliveryAction
from bot.mrkdwn import escape, mention, slack_date
from bot.slack.ids import record_id
from bot.slack.limits import SECTION_TEXT
from models.delivery_notice import forget_delivery_notices
from models.outbox import (
    PARKED,
    PENDING,
    list_outbox_items,
    outbox_backlog,
    retry_parked,
)

SHOWN = 10
RETRY = "/loops deliveries retry 42"


def _section(text: str, accessory: dict | None = None) -> dict:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_TEXT]}}
    return {**block, "accessory": accessory} if accessory else block


def _retry_button(value: str, label: str) -> dict:
    return {
        "type": "button",
        "action_id": DeliveryAction.RETRY,
        "value": value,
        "text": {"type": "plain_text", "text": label},
    }


def show(inv: Invocation) -> dict:
    parked = list_outbox_items(session=inv.session, states=(PARKED,), workspace_id=inv.workspace_id)
    waiting = list_outbox_items(session=inv.session, states=(PENDING,), workspace_id=inv.workspace_id, limit=SHOWN)
    pending, oldest = outbox_backlog(session=inv.session, now=inv.now)
    head = (
        f"*Deliveries*: {pending} pending"
        + (f" (oldest {oldest:.0f}s)" if oldest is not None else "")
        + f", {len(parked)} parked."
    )
    lines, blocks = [head], [_section(head)]
    for item in parked[:SHOWN]:
        line = (
            f"• #{item.id} {item.kind.replace('_', ' ')} to {mention(item.destination)} — "
            f"`{escape(item.last_error or 'unknown')}` · since {slack_date(item.created_at)}"
        )
        lines.append(line)
        blocks.append(_section(line, _retry_button(str(item.id), "Retry")))
    if len(parked) > SHOWN:
        lines.append(f"…and {len(parked) - SHOWN} more parked")
        blocks.append(_section(lines[-1]))
    if parked:
        lines.append("Fix the cause (invite the app, unarchive the channel…), then Retry.")
        blocks.append({"type": "actions", "elements": [_retry_button("all", f"Retry all {len(parked)} parked")]})
    if waiting:
        waiting_lines = [
            f"• #{item.id} {item.kind.replace('_', ' ')} to {mention(item.destination)}, attempt "
            f"{item.attempts}" + (f", last `{escape(item.last_error)}`" if item.last_error else "")
            for item in waiting
        ]
        lines += ["*Pending*", *waiting_lines]
        blocks.append(_section("*Pending* (sent in order, retried with backoff)\n" + "\n".join(waiting_lines)))
    return {"text": "\n".join(lines), "blocks": blocks}


def retry(inv: Invocation) -> str:
    wanted = inv.args[0] if len(inv.args) == 1 else ""
    item_id = record_id(wanted)
    if item_id is None and wanted.lower() != "all":
        raise CommandError("say which parked delivery to retry: its number, or all", example=RETRY)
    items = retry_parked(session=inv.session, workspace_id=inv.workspace_id, item_id=item_id, now=inv.now)
    if not items:
        raise CommandError(
            f"no parked delivery {'to retry' if item_id is None else f'#{item_id}'}; `/loops deliveries` lists them",
            example=RETRY,
        )
    forget_delivery_notices(session=inv.session, workspace_id=inv.workspace_id)
    inv.audit(
        "deliveries.retry",
        "all" if item_id is None else f"#{item_id}",
        [{"id": i.id, "error": i.last_error} for i in items],
        "pending",
    )
    return f":arrows_counterclockwise: {len(items)} parked deliver{'y' if len(items) == 1 else 'ies'} queued again."


SUBCOMMANDS = [
    Subcommand(
        ("deliveries",),
        "/loops deliveries",
        "Parked and pending Slack writes, with Retry",
        "/loops deliveries",
        show,
        admin=True,
    ),
    Subcommand(
        ("deliveries", "retry"),
        "/loops deliveries retry <n>|all",
        "Send parked Slack writes again",
        RETRY,
        retry,
        admin=True,
        writes=True,
    ),
]
