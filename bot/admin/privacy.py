"""/loops forget: erase a customer's personal data at their request, after the admin confirms what it reaches."""

from __future__ import annotations

from bot.admin.registry import Invocation, Subcommand, need
from bot.errors import CommandError
from bot.feedback import REMOVED
from bot.mrkdwn import escape
from bot.privacy.forget import ForgetResult, forget_in_session, preview_in_session
from bot.privacy.keys import EXAMPLE, CustomerKey, read_key

CONFIRM = "confirm"
SHOWN_LOOPS = 10


def forget(inv: Invocation) -> str:
    need(inv.args, 1, what="whose data to forget (an email, a customer id or an account name)", example=EXAMPLE)
    key = read_key(inv.args[0])
    if len(inv.args) > 1 and inv.args[1].lower() != CONFIRM:
        raise CommandError(
            f"`{escape(inv.args[1][:40])}`: add only `{CONFIRM}` after the customer, once you have read what it erases",
            example=f"{EXAMPLE} {CONFIRM}",
        )
    if len(inv.args) == 1:
        return _preview(inv, key)
    result = forget_in_session(
        inv.session, workspace_id=inv.workspace_id, key=key, actor=inv.user_id, via=inv.via, now=inv.now
    )
    if not result.changed:
        return _nothing(key)
    return (
        f":wastebasket: Forgot 1 customer: {result.summary()}. Their comments, names, emails and customer ids are "
        f"erased; scores, dates, outcomes and ARR stay, anonymous. In Slack: {result.slack_summary()} — "
        f"they now say _{REMOVED}_ (the updates go out in a moment). The audit trail records this without naming them."
    )


def _preview(inv: Invocation, key: CustomerKey) -> str:
    found = preview_in_session(inv.session, workspace_id=inv.workspace_id, key=key)
    if not found.feedback and not found.accounts:
        return _nothing(key)
    typed = " ".join(_quoted(word) for word in inv.args[:1])
    return (
        f"*Forget {_whom(key, found)}?* This erases the comments, names, emails and customer ids of "
        f"{found.summary()}{_loops(found)}. Their cards and thread notes in Slack will say _{REMOVED}_; scores, "
        f"dates, teams, outcomes and ARR stay for digests and impact, anonymous. It cannot be undone.\n"
        f"To go ahead: `/loops forget {typed} {CONFIRM}`"
    )


def _whom(key: CustomerKey, found: ForgetResult) -> str:
    return f"the customer with {found.matched or key.label} `{escape(key.value)}`"


def _loops(found: ForgetResult) -> str:
    if not found.loop_ids:
        return ""
    shown = ", ".join(f"#{i}" for i in found.loop_ids[:SHOWN_LOOPS])
    more = f" and {len(found.loop_ids) - SHOWN_LOOPS} more" if len(found.loop_ids) > SHOWN_LOOPS else ""
    return f" ({shown}{more})"


def _quoted(word: str) -> str:
    return f'"{escape(word)}"' if any(c.isspace() for c in word) else escape(word)


def _nothing(key: CustomerKey) -> str:
    label = "customer id or account name" if key.guessed else key.label
    return (
        f"Nothing to forget: no feedback or billing account has {label} `{escape(key.value)}` "
        "(already forgotten, or never here). Nothing changed."
    )


SUBCOMMANDS = [
    Subcommand(
        ("forget",),
        "/loops forget <email|customer-id|account> [confirm]",
        "Erase a customer's personal data at their request (comments, names, emails; figures stay). "
        "Shows what it reaches first; add `confirm` to do it. `id:` or `account:` in front says which",
        EXAMPLE,
        forget,
        admin=True,
        writes=True,
    ),
]
