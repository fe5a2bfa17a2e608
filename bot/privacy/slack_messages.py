"""What Loopkeeper already said about a forgotten customer, made to say nothing more, through the outbox.

Cards, theme cards, owners' daily messages and Home tabs are drawn when sent, so one update each redraws them
from the anonymised rows. A thread note's text was written when it was queued; each one Slack holds (the
outbox kept where it landed) is replaced by "removed at the customer's request", and the stored text goes
too. Any other message we wrote (a digest, a DM, a note on a theme) has the customer's name, email and words
taken out of its stored copy and, when it was posted, of the message in Slack.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.delivery.outbox import (
    MOVED_CARD,
    THREAD_REPLY,
    card_key,
    enqueue_card_update,
    enqueue_home_view,
    enqueue_message_update,
    enqueue_moved_card,
    enqueue_owner_alert,
    enqueue_spike_alert_update,
    enqueue_theme_update,
)
from bot.feedback import REMOVED
from bot.insight.words import common_words
from bot.privacy.anonymise import Anonymised
from bot.privacy.redaction import redact_payload
from models.learning_queries import loops_with_feedback
from models.outbox import CANCELLED, PENDING, SENT, OutboxItem
from models.people import list_collaborators
from models.privacy import moved_cards_of, posted_owner_alerts, text_outbox_items
from models.spike import SpikeAlert, spike_alerts_of_loops
from models.theme import themes_of_loops

REMOVED_NOTE = f":wastebasket: _{REMOVED.capitalize()}._"
ERASED_NOTE, REDACTED = "erased_note", "redacted_message"
NOTE_KINDS = (THREAD_REPLY, "ephemeral")


@dataclass(frozen=True)
class SlackChanges:
    cards: int = 0  # loop cards (and cards left behind) redrawn
    notes: int = 0  # thread notes in Slack replaced
    messages: int = 0  # other messages in Slack with the customer taken out
    stored: int = 0  # outbox rows whose stored text was scrubbed (sent, waiting or parked)
    others: int = 0  # theme cards, owners' messages and Home tabs redrawn


def update_slack(session: Session, *, workspace_id: str, done: Anonymised) -> SlackChanges:
    """Queue every Slack update that takes the customer out of what Loopkeeper posted (in the caller's
    transaction; the worker sends them after it commits)."""
    loop_ids = {loop.id for loop in done.loops}
    notes = messages = stored = 0
    for chunk in text_outbox_items(session=session, workspace_id=workspace_id):
        for item in chunk:
            if item.loop_id in loop_ids and item.kind in NOTE_KINDS:
                changed, posted = _erase_note(session, item)
                notes += posted
            else:
                changed, posted = _redact_message(session, item, done)
                messages += posted
            stored += changed
    cards = others = 0
    for loop in done.loops:
        cards += _redraw_cards(session, workspace_id=workspace_id, loop_id=loop.id, done=done)
    for theme in themes_of_loops(session=session, workspace_id=workspace_id, loop_ids=sorted(loop_ids)):
        others += (
            enqueue_theme_update(session, workspace_id=workspace_id, theme_id=theme.id, channel_id=theme.channel_id)
            is not None
        )
    for spike in spike_alerts_of_loops(session=session, workspace_id=workspace_id, loop_ids=loop_ids):
        others += _reword_spike_alert(session, spike)
    for alert in posted_owner_alerts(session=session, account_ids=[a.id for a in done.accounts]):
        others += (
            enqueue_owner_alert(
                session, workspace_id=workspace_id, alert_id=alert.id, user_id=alert.user_id, first=False
            )
            is not None
        )
    for person in sorted(_people(session, done)):
        others += enqueue_home_view(session, workspace_id=workspace_id, user_id=person) is not None
    return SlackChanges(cards=cards, notes=notes, messages=messages, stored=stored, others=others)


def _reword_spike_alert(session: Session, alert: SpikeAlert) -> int:
    """A spike alert's common words again, from the comments of its loops that are not forgotten; the alert
    redrawn when it was posted (1), else drawn with them when sent (0)."""
    loops = loops_with_feedback(session=session, workspace_id=alert.workspace_id, loop_ids=alert.loop_ids)
    words = [word for word, _ in common_words(f.comment for _, f in loops if f.forgotten_at is None)]
    if words == alert.words:
        return 0
    alert.words = words
    session.add(alert)
    if alert.ts is None:
        return 0
    update = enqueue_spike_alert_update(
        session, workspace_id=alert.workspace_id, alert_id=alert.id, channel_id=alert.channel_id
    )
    return update is not None


def _erase_note(session: Session, item: OutboxItem) -> tuple[int, int]:
    """A note in a forgotten loop's thread: its text goes; in Slack it says removed. (stored changed, posted)."""
    if item.payload.get("text") == REMOVED_NOTE:
        return 0, 0
    item.payload = {**item.payload, "text": REMOVED_NOTE}
    if item.state == PENDING and item.lease_until is None:
        item.state = CANCELLED  # never sent: nothing to say about it in the thread
    session.add(item)
    posted = _landed(item)
    if posted is not None and item.kind == THREAD_REPLY:
        enqueue_message_update(
            session,
            workspace_id=item.workspace_id,
            channel_id=posted[0],
            ts=posted[1],
            ordering_key=card_key(item.loop_id or 0),
            kind=ERASED_NOTE,
            message={"text": REMOVED_NOTE},
        )
        return 1, 1
    return 1, 0


def _redact_message(session: Session, item: OutboxItem, done: Anonymised) -> tuple[int, int]:
    """Any other message: the customer's name, email and words taken out of it. (stored changed, posted)."""
    redacted = redact_payload(item.payload, done.needles)
    if redacted == item.payload:
        return 0, 0
    item.payload = redacted
    session.add(item)
    posted = _landed(item)
    if posted is None or item.method != "chat.postMessage":
        return 1, 0  # an earlier update of a post is scrubbed here; the post's own row queues the new update
    message = {k: redacted[k] for k in ("text", "blocks") if k in redacted}
    enqueue_message_update(
        session,
        workspace_id=item.workspace_id,
        channel_id=posted[0],
        ts=posted[1],
        ordering_key=item.ordering_key,
        kind=REDACTED,
        message=message,
    )
    return 1, 1


def note_posted(session: Session, item: OutboxItem, ts: str) -> None:
    """A thread note that was on its way to Slack while its customer was forgotten (its text was replaced, but the
    worker was already sending the old one): edit it as soon as it lands (the worker's hook for thread notes)."""
    channel = (item.result or {}).get("channel")
    if item.payload.get("text") == REMOVED_NOTE and isinstance(channel, str):
        enqueue_message_update(
            session,
            workspace_id=item.workspace_id,
            channel_id=channel,
            ts=ts,
            ordering_key=card_key(item.loop_id or 0),
            kind=ERASED_NOTE,
            message={"text": REMOVED_NOTE},
        )


def _landed(item: OutboxItem) -> tuple[str, str] | None:
    """Where a sent post landed in Slack: (channel, ts) as the worker recorded them."""
    result = item.result or {}
    channel, ts = result.get("channel"), result.get("ts")
    if item.state != SENT or not isinstance(channel, str) or not isinstance(ts, str):
        return None
    return channel, ts


def _redraw_cards(session: Session, *, workspace_id: str, loop_id: int, done: Anonymised) -> int:
    """The loop's card, and each card it left behind in a channel it moved from."""
    loop = next(loop for loop in done.loops if loop.id == loop_id)
    # Also when its post has not landed yet: a post being sent now shows the old state, so an update follows it.
    count = int(enqueue_card_update(session, loop=loop) is not None)
    behind: set[tuple[str, str, str]] = set()
    for item in moved_cards_of(session=session, workspace_id=workspace_id, loop_id=loop_id, kind=MOVED_CARD):
        moved_to = str(item.payload.get("_moved_to") or "")
        behind.add((str(item.payload.get("channel")), str(item.payload.get("ts")), moved_to))
    for channel, ts, moved_to in sorted(behind):
        enqueue_moved_card(session, loop=loop, channel_id=channel, ts=ts, moved_to=moved_to)
        count += 1
    return count


def _people(session: Session, done: Anonymised) -> set[str]:
    """Whose Home tab may list these loops: their owners and the people who joined them."""
    people = {loop.owner_id for loop in done.loops if loop.owner_id}
    for loop in done.loops:
        people.update(list_collaborators(session=session, loop_id=loop.id))
    return people
