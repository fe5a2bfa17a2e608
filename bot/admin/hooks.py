"""/loops hook add|list|remove|test: the workspace's outgoing webhooks (admins only)."""

from __future__ import annotations

from bot.admin.registry import Invocation, Subcommand, need
from bot.errors import CommandError
from bot.hooks.emit import emit_hook_test
from bot.hooks.endpoints import (
    MAX_HOOKS,
    add_hook,
    clean_url,
    events_problem,
    hook_count,
    normalise_events,
    remove_hook,
    url_problem,
)
from bot.hooks.events import EVENT_TYPES
from bot.mrkdwn import escape, slack_date
from bot.slack.ids import record_id
from models.hook import Hook, get_hook, get_hook_by_url, hook_delivery_states, last_hook_delivery, list_hooks
from models.outbox import PARKED, PENDING
from models.workspace import get_or_create_workspace

ADD = "/loops hook add https://crm.example.com/loopkeeper loop.resolved loop.reopened"
REMOVE = "/loops hook remove 2"
TEST = "/loops hook test 2"


def hook_add(inv: Invocation) -> str:
    need(inv.args, 1, what="the URL to send events to", example=ADD)
    url = clean_url(inv.args[0])
    events = normalise_events(word for arg in inv.args[1:] for word in arg.replace(",", " ").split())
    problem = url_problem(url) or events_problem(events)
    if problem:
        raise CommandError(problem, example=ADD)
    existing = get_hook_by_url(session=inv.session, workspace_id=inv.workspace_id, url=url)
    if existing is not None:
        raise CommandError(
            f"hook #{existing.id} already sends to that URL; remove it first to change its events", example=REMOVE
        )
    if hook_count(inv.session, workspace_id=inv.workspace_id) >= MAX_HOOKS:
        raise CommandError(f"a workspace has at most {MAX_HOOKS} hooks; remove one first", example=REMOVE)
    get_or_create_workspace(session=inv.session, workspace_id=inv.workspace_id)
    hook = add_hook(inv.session, workspace_id=inv.workspace_id, url=url, events=events, added_by=inv.user_id)
    inv.audit("hook.add", f"hook #{hook.id}", None, hook.public())  # never the secret
    return (
        f":white_check_mark: Hook #{hook.id} added: it will POST {_events(hook)} to `{escape(url)}`.\n"
        f"*Signing secret* — copy it now, it is shown only this once (never in lists, exports or logs):\n"
        f"`{hook.secret}`\n"
        "Each POST carries `X-Loopkeeper-Timestamp` and `X-Loopkeeper-Signature` (HMAC-SHA256 of "
        "`<timestamp>.<body>` with this secret), as in the README's *Loop events out to other tools*. "
        f"Try it: `/loops hook test {hook.id}`."
    )


def hook_list(inv: Invocation) -> str:
    hooks = list_hooks(session=inv.session, workspace_id=inv.workspace_id)
    if not hooks:
        return f"No hooks yet. Send loop events to your CRM or survey tool: `{ADD}`"
    lines = [f"*Hooks* ({len(hooks)}) — secrets are shown only when a hook is added"]
    for hook in hooks:
        lines.append(f"• *#{hook.id}* `{escape(hook.url)}` — {_events(hook)}\n    {_health(inv, hook)}")
    return "\n".join(lines)


def hook_remove(inv: Invocation) -> str:
    hook = _hook(inv, example=REMOVE)
    before = hook.public()
    cancelled = remove_hook(inv.session, hook=hook)
    inv.audit("hook.remove", f"hook #{before['id']}", before, None)
    waiting = (
        f" {cancelled} deliver{'y' if cancelled == 1 else 'ies'} still waiting were cancelled." if cancelled else ""
    )
    return f":wastebasket: Hook #{before['id']} removed; nothing more goes to `{escape(hook.url)}`.{waiting}"


def hook_test(inv: Invocation) -> str:
    hook = _hook(inv, example=TEST)
    event_id = emit_hook_test(inv.session, hook=hook, actor=inv.user_id, via=inv.via, at=inv.now)
    return (
        f":outbox_tray: A `hook.test` event (`{event_id}`) is on its way to hook #{hook.id}. "
        "`/loops hook list` shows whether it arrived; a refusal is parked in `/loops deliveries` "
        "and the admins are told."
    )


def _hook(inv: Invocation, *, example: str) -> Hook:
    need(inv.args, 1, what="the hook's number (`/loops hook list` shows them)", example=example)
    hook_id = record_id(inv.args[0])
    hook = get_hook(session=inv.session, workspace_id=inv.workspace_id, hook_id=hook_id) if hook_id else None
    if hook is None:
        raise CommandError(
            f"there is no hook #{inv.args[0].lstrip('#')}; `/loops hook list` shows them", example=example
        )
    return hook


def _events(hook: Hook) -> str:
    return "every event" if not hook.events else ", ".join(f"`{e}`" for e in hook.events)


def _health(inv: Invocation, hook: Hook) -> str:
    states = hook_delivery_states(session=inv.session, workspace_id=inv.workspace_id, hook_id=hook.id)
    last = last_hook_delivery(session=inv.session, workspace_id=inv.workspace_id, hook_id=hook.id)
    parts = []
    if last is not None and last.state == PARKED:
        parts.append(f":x: last delivery parked: `{escape(last.last_error or 'unknown')}`")
    elif last is not None and last.sent_at is not None:
        parts.append(f":white_check_mark: last delivered {slack_date(last.sent_at)}")
    else:
        parts.append("nothing delivered yet")
    if states.get(PENDING):
        parts.append(f"{states[PENDING]} waiting")
    if states.get(PARKED):
        parts.append(f"{states[PARKED]} parked (`/loops deliveries`)")
    return " · ".join(parts)


SUBCOMMANDS = [
    Subcommand(
        ("hook", "add"),
        "/loops hook add <url> [event …]",
        f"Send loop events to a URL, signed with a secret shown once (events: {', '.join(EVENT_TYPES)}; none: all)",
        ADD,
        hook_add,
        admin=True,
        writes=True,
    ),
    Subcommand(
        ("hook", "list"),
        "/loops hook list",
        "Hooks, their events and how delivery is going",
        "/loops hook list",
        hook_list,
        admin=True,
    ),
    Subcommand(
        ("hook", "remove"),
        "/loops hook remove <n>",
        "Stop sending events to a hook",
        REMOVE,
        hook_remove,
        admin=True,
        writes=True,
    ),
    Subcommand(
        ("hook", "test"),
        "/loops hook test <n>",
        "Send a hook.test event to a hook",
        TEST,
        hook_test,
        admin=True,
        writes=True,
    ),
]
