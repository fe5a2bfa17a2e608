"""Telling admins, once per problem, that a Slack write is parked and needs a person."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.delivery.outbox import HOOK_POST, enqueue_message
from bot.mrkdwn import mention
from models.admin import list_admins
from models.delivery_notice import DeliveryNotice
from models.outbox import OutboxItem

log = logging.getLogger(__name__)

HINTS = {
    "channel_not_found": "the channel is gone, or it is private and the app was not invited",
    "not_in_channel": "the app is not in the channel and could not join it (private channels need an invite)",
    "is_archived": "the channel is archived; unarchive it or give the team another channel (`/loops team set`)",
    "invalid_auth": "Slack refused the bot token; reinstall the app or update SLACK_BOT_TOKEN",
    "token_revoked": "the bot token was revoked; reinstall the app",
    "missing_scope": "the app lacks a permission; reinstall it with the scopes in slack/manifest.yml",
    "msg_too_long": "the message was longer than Slack allows",
}
NOTICE_KIND = "admin_notice"
HOOK_HINT = "the receiver refused it or kept failing; check the URL and the receiver (`/loops hook list`)"


def _default_hint(item: OutboxItem) -> str:
    return HOOK_HINT if item.method == HOOK_POST else "Slack refused it and retrying will not help"


def tell_admins_once(session: Session, *, item: OutboxItem, error: str, env_admins: tuple[str, ...]) -> int:
    """Queue a DM to each admin about a parked item, unless they were told of this problem already.

    Returns how many DMs were queued; written in the caller's transaction.
    """
    if item.kind == NOTICE_KIND:
        return 0  # a notice that cannot be delivered must not beget another
    problem = f"{error}:{item.destination}"[:200]
    try:
        with session.begin_nested():
            session.add(DeliveryNotice(workspace_id=item.workspace_id, problem=problem))
            session.flush()
    except IntegrityError:
        return 0
    admins = sorted(set(env_admins) | {a.user_id for a in list_admins(session=session, workspace_id=item.workspace_id)})
    if not admins:
        log.warning("outbox item %s parked (%s) and no admin to tell; set LOOPKEEPER_ADMINS", item.id, error)
        return 0
    text = (
        f":warning: Loopkeeper could not deliver a {item.kind.replace('_', ' ')} to {mention(item.destination)}: "
        f"`{error}` — "
        f"{HINTS.get(error, _default_hint(item))}. It is parked, not lost: "
        "`/loops deliveries` lists it with a Retry button once the cause is fixed."
    )
    for admin in admins:
        enqueue_message(
            session,
            workspace_id=item.workspace_id,
            channel_id=admin,
            ordering_key=f"notice:{admin}",
            kind=NOTICE_KIND,
            message={"text": text},
        )
    return len(admins)
