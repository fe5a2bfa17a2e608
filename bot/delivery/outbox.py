"""Describing Slack writes as outbox rows, inside the caller's transaction.

Cards and Home tabs are not rendered here: their rows name what to show (a loop, a person)
and the delivery worker renders them when it sends, from the state of that moment. So a
burst of changes to one card folds into the one update still waiting, and an update never
shows a state older than the click that caused it.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.delivery.rate_limits import rate_key
from bot.ids import CARD_METADATA_EVENT
from models.hook import hook_rate_key
from models.loop import Loop
from models.outbox import OutboxItem, cancel_pending_outbox_items, waiting_outbox_item

# Kinds the worker renders at send time (the composition root hands it a renderer for each).
CARD, CARD_UPDATE, MOVED_CARD, HOME = "card", "card_update", "moved_card", "view"
THEME_CARD, THEME_UPDATE, THEME_NOTE = "theme_card", "theme_update", "theme_note"
OWNER_ALERT, OWNER_ALERT_UPDATE = "owner_alert", "owner_alert_update"
IMPACT_CHART = "impact_chart"
THREAD_REPLY = "thread_reply"
SPIKE_ALERT, SPIKE_ALERT_UPDATE = "spike_alert", "spike_alert_update"
# Not one Web API method but slack_sdk's files_upload_v2: files.getUploadURLExternal, the bytes to the URL it
# gives, files.completeUploadExternal. The worker sends rows of this method that way.
FILE_UPLOAD = "files.uploadV2"
# An event POSTed to a workspace's own URL (an outgoing webhook), not a Slack call: the composition root hands the
# worker its renderer and its sender (bot/hooks/sending.py).
HOOK_EVENT, HOOK_POST = "hook_event", "hook.post"


def card_key(loop_id: int) -> str:
    """Ordering key shared by every write to one card, so they go out in order."""
    return f"loop:{loop_id}"


def enqueue_card_post(session: Session, *, loop: Loop) -> OutboxItem:
    """Queue the first post of a loop's card in its channel (rendered when sent)."""
    payload = {
        "channel": loop.channel_id,
        "unfurl_links": False,
        "unfurl_media": False,
        "metadata": {"event_type": CARD_METADATA_EVENT, "event_payload": {"loop_id": loop.id}},
    }
    return _add(session, loop=loop, kind=CARD, method="chat.postMessage", payload=payload)


def enqueue_card_update(session: Session, *, loop: Loop) -> OutboxItem | None:
    """Make the loop's card current: one update, rendered when sent; None when one is already waiting.

    A waiting post or update of the card will render the loop as it is then, so it covers this
    change too; one being sent right now shows the state before it, so another is queued.
    """
    if waiting_outbox_item(session=session, ordering_key=card_key(loop.id), kinds=(CARD, CARD_UPDATE)):
        return None
    return _add(session, loop=loop, kind=CARD_UPDATE, method="chat.update", payload={"channel": loop.channel_id})


def enqueue_moved_card(session: Session, *, loop: Loop, channel_id: str, ts: str, moved_to: str) -> OutboxItem:
    """Queue the update of a card a loop left behind: it now points at the loop's new channel."""
    payload = {"channel": channel_id, "ts": ts, "_moved_to": moved_to}
    return _add(session, loop=loop, kind=MOVED_CARD, method="chat.update", payload=payload)


def enqueue_thread_reply(
    session: Session, *, loop: Loop, text: str, channel_id: str | None = None, thread_ts: str | None = None
) -> OutboxItem:
    """Queue a short note in the card's thread (or in an explicit thread, e.g. a card left behind)."""
    payload = {"channel": channel_id or loop.channel_id, "text": text}
    if thread_ts:
        payload["thread_ts"] = thread_ts
    return _add(
        session,
        loop=loop,
        kind=THREAD_REPLY,
        method="chat.postMessage",
        payload=payload,
        card_ref=None if thread_ts else "thread_ts",
    )


def cancel_unsent_posts(session: Session, *, loop: Loop) -> int:
    """Cancel a loop's card posts that have not gone out yet; returns how many."""
    return cancel_pending_outbox_items(session=session, loop_id=loop.id, kinds=(CARD,))


def enqueue_ephemeral(session: Session, *, loop: Loop, user_id: str, text: str) -> OutboxItem:
    """Queue a message only ``user_id`` sees, in the card's channel."""
    payload = {"channel": loop.channel_id, "user": user_id, "text": text}
    return _add(
        session,
        loop=loop,
        kind="ephemeral",
        method="chat.postEphemeral",
        payload=payload,
        ordering_key=f"ephemeral:{loop.id}:{user_id}",
    )


def enqueue_home_view(session: Session, *, workspace_id: str, user_id: str) -> OutboxItem | None:
    """Queue a publish of ``user_id``'s App Home tab, rendered when sent; None if one is already waiting."""
    key = f"home:{user_id}"
    if waiting_outbox_item(session=session, ordering_key=key, kinds=(HOME,)):
        return None
    item = OutboxItem(
        workspace_id=workspace_id,
        ordering_key=key,
        kind=HOME,
        method="views.publish",
        payload={"user_id": user_id},
        rate_key=rate_key(workspace_id, "views.publish", {}),
    )
    session.add(item)
    return item


def _add(
    session: Session,
    *,
    loop: Loop,
    kind: str,
    method: str,
    payload: dict,
    card_ref: str | None = None,
    ordering_key: str | None = None,
) -> OutboxItem:
    item = OutboxItem(
        workspace_id=loop.workspace_id,
        ordering_key=ordering_key or card_key(loop.id),
        loop_id=loop.id,
        kind=kind,
        method=method,
        payload=payload,
        card_ref=card_ref,
        rate_key=rate_key(loop.workspace_id, method, payload),
    )
    session.add(item)
    return item


def theme_key(theme_id: int) -> str:
    """Ordering key of every write to one theme's card."""
    return f"theme:{theme_id}"


def enqueue_theme_card(session: Session, *, workspace_id: str, theme_id: int, channel_id: str) -> OutboxItem:
    """Queue the first post of a theme's card in its owner team's channel (rendered when sent)."""
    payload = {
        "channel": channel_id,
        "_theme_id": theme_id,
        "unfurl_links": False,
        "unfurl_media": False,
        "metadata": {"event_type": CARD_METADATA_EVENT, "event_payload": {"theme_id": theme_id}},
    }
    return _add_item(
        session,
        workspace_id=workspace_id,
        ordering_key=theme_key(theme_id),
        kind=THEME_CARD,
        method="chat.postMessage",
        payload=payload,
    )


def enqueue_theme_update(session: Session, *, workspace_id: str, theme_id: int, channel_id: str) -> OutboxItem | None:
    """Make a theme's card current (rendered when sent); None when a post or update is already waiting."""
    if waiting_outbox_item(session=session, ordering_key=theme_key(theme_id), kinds=(THEME_CARD, THEME_UPDATE)):
        return None
    return _add_item(
        session,
        workspace_id=workspace_id,
        ordering_key=theme_key(theme_id),
        kind=THEME_UPDATE,
        method="chat.update",
        payload={"channel": channel_id, "_theme_id": theme_id},
    )


def enqueue_theme_note(session: Session, *, workspace_id: str, theme_id: int, channel_id: str, text: str) -> OutboxItem:
    """Queue a note in the theme card's thread (its ts is filled in when sent)."""
    payload = {"channel": channel_id, "_theme_id": theme_id, "text": text}
    return _add_item(
        session,
        workspace_id=workspace_id,
        ordering_key=theme_key(theme_id),
        kind=THEME_NOTE,
        method="chat.postMessage",
        payload=payload,
    )


def enqueue_ephemeral_to(
    session: Session, *, workspace_id: str, channel_id: str, user_id: str, text: str
) -> OutboxItem:
    """Queue a message only ``user_id`` sees in ``channel_id`` (e.g. why their click changed nothing)."""
    payload = {"channel": channel_id, "user": user_id, "text": text}
    return _add_item(
        session,
        workspace_id=workspace_id,
        ordering_key=f"ephemeral:{channel_id}:{user_id}",
        kind="ephemeral",
        method="chat.postEphemeral",
        payload=payload,
    )


def _add_item(
    session: Session, *, workspace_id: str, ordering_key: str, kind: str, method: str, payload: dict
) -> OutboxItem:
    item = OutboxItem(
        workspace_id=workspace_id,
        ordering_key=ordering_key,
        kind=kind,
        method=method,
        payload=payload,
        rate_key=rate_key(workspace_id, method, payload),
    )
    session.add(item)
    return item


def enqueue_message(
    session: Session, *, workspace_id: str, channel_id: str, ordering_key: str, kind: str, message: dict
) -> OutboxItem:
    """Queue a message that belongs to no loop (a digest, a notice)."""
    payload = {"channel": channel_id, **message, "unfurl_links": False, "unfurl_media": False}
    return _add_item(
        session,
        workspace_id=workspace_id,
        ordering_key=ordering_key,
        kind=kind,
        method="chat.postMessage",
        payload=payload,
    )


def owner_alert_key(alert_id: int) -> str:
    """Ordering key of an account owner's daily message and its updates."""
    return f"owner_alert:{alert_id}"


def enqueue_owner_alert(
    session: Session, *, workspace_id: str, alert_id: int, user_id: str, first: bool
) -> OutboxItem | None:
    """Queue the owner's daily message about an account (``first``), or its update (rendered when sent, after the
    post: same ordering key); None when a post or update is already waiting: it will show everything then."""
    key = owner_alert_key(alert_id)
    if waiting_outbox_item(session=session, ordering_key=key, kinds=(OWNER_ALERT, OWNER_ALERT_UPDATE)):
        return None
    kind, method = (OWNER_ALERT, "chat.postMessage") if first else (OWNER_ALERT_UPDATE, "chat.update")
    payload: dict = {"_alert_id": alert_id}
    if first:
        payload.update(channel=user_id, unfurl_links=False, unfurl_media=False)
    return _add_item(session, workspace_id=workspace_id, ordering_key=key, kind=kind, method=method, payload=payload)


def enqueue_file_upload(
    session: Session, *, workspace_id: str, channel_id: str, ordering_key: str, kind: str, payload: dict
) -> OutboxItem:
    """Queue a file shared in a channel (in a thread, with ``thread_ts``) or a person's DM (a user id as the
    channel). Its bytes, filename and title are drawn when it is sent, by the renderer of ``kind``."""
    return _add_item(
        session,
        workspace_id=workspace_id,
        ordering_key=ordering_key,
        kind=kind,
        method=FILE_UPLOAD,
        payload={"channel": channel_id, **payload},
    )


def enqueue_hook_event(
    session: Session, *, workspace_id: str, hook_id: int, ordering_key: str, event: dict, loop_id: int | None = None
) -> OutboxItem:
    """Queue one event for one hook; items with one ``ordering_key`` are POSTed in order (one hook, one loop).

    Its rate key is the hook's own, so a slow receiver never holds back Slack writes or the other hooks.
    """
    item = OutboxItem(
        workspace_id=workspace_id,
        ordering_key=ordering_key,
        loop_id=loop_id,
        kind=HOOK_EVENT,
        method=HOOK_POST,
        payload={"_hook_id": hook_id, "_to": f"hook #{hook_id}", "_event": event},
        rate_key=hook_rate_key(workspace_id=workspace_id, hook_id=hook_id),
    )
    session.add(item)
    return item


def enqueue_message_update(
    session: Session, *, workspace_id: str, channel_id: str, ts: str, ordering_key: str, kind: str, message: dict
) -> OutboxItem:
    """Queue a chat.update of a message we posted (``message``: its new ``text`` and maybe ``blocks``)."""
    payload = {"channel": channel_id, "ts": ts, **message}
    return _add_item(
        session, workspace_id=workspace_id, ordering_key=ordering_key, kind=kind, method="chat.update", payload=payload
    )


def spike_key(alert_id: int) -> str:
    """Ordering key of a spike alert and its updates."""
    return f"spike:{alert_id}"


def enqueue_spike_alert(session: Session, *, workspace_id: str, alert_id: int, channel_id: str) -> OutboxItem:
    """Queue a spike alert's post in the team's channel (rendered when sent)."""
    payload = {"channel": channel_id, "_spike_alert_id": alert_id, "unfurl_links": False, "unfurl_media": False}
    return _add_item(
        session,
        workspace_id=workspace_id,
        ordering_key=spike_key(alert_id),
        kind=SPIKE_ALERT,
        method="chat.postMessage",
        payload=payload,
    )


def enqueue_spike_alert_update(
    session: Session, *, workspace_id: str, alert_id: int, channel_id: str
) -> OutboxItem | None:
    """Make a spike alert current (rendered when sent, after its post); None when one is already waiting."""
    key = spike_key(alert_id)
    if waiting_outbox_item(session=session, ordering_key=key, kinds=(SPIKE_ALERT, SPIKE_ALERT_UPDATE)):
        return None
    payload = {"channel": channel_id, "_spike_alert_id": alert_id}
    return _add_item(
        session,
        workspace_id=workspace_id,
        ordering_key=key,
        kind=SPIKE_ALERT_UPDATE,
        method="chat.update",
        payload=payload,
    )
