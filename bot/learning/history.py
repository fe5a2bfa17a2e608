"""What the team's own history says about a new feedback: the most similar resolved loops and what worked.

Up to NEIGHBOURS resolved loops at least MIN_SCORE alike are considered (few enough to count by hand); the card
shows SHOWN of them, preferring those whose customers were saved (outcome "saved", or their next feedback was
better) by PREFER_SAVED of score, so a saved loop outranks an unsaved one only when it is nearly as alike.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from bot.feedback import BAD_CATEGORIES
from bot.learning.similar_loops import SimilarLoops
from bot.loops.recovery import Recovery, next_feedback
from bot.mrkdwn import link_channel
from models.feedback import Feedback
from models.learning_queries import loops_with_feedback
from models.loop import Loop
from models.recovery_queries import feedback_of_customers

NEIGHBOURS = 10
SHOWN = 3
MIN_SCORE = 0.2
PREFER_SAVED = 0.05
# How each way of reaching the customer reads after "saved by".
METHOD_PHRASES = {"call": "calling", "email": "email", "chat": "chat", "in_person": "meeting in person"}


@dataclass(frozen=True)
class PastLoop:
    """A resolved loop like the new feedback, and how it ended."""

    loop_id: int
    score: float
    outcome: str | None
    contact_method: str | None
    root_cause: str | None
    channel_id: str
    card_ts: str | None
    time_to_close: timedelta
    saved: bool  # outcome "saved", or the customer's next feedback was better
    recovered: bool


@dataclass(frozen=True)
class SimilarHistory:
    """The loops the card shows, the larger set the summary counts, and the one-line summary (if any)."""

    shown: tuple[PastLoop, ...]
    considered: tuple[PastLoop, ...]

    @property
    def headline(self) -> str:
        """``3 similar loops: 2 saved by calling within a day``."""
        count = len(self.shown)
        text = f"{count} similar loop{'s' if count != 1 else ''}"
        saved = [past for past in self.shown if past.saved]
        if not saved:
            return text
        text += f": {len(saved)} saved"
        methods = {past.contact_method for past in saved}
        if len(methods) == 1 and None not in methods:
            text += f" by {_method(saved[0].contact_method)}"
        return text + f" within {within(max(past.time_to_close for past in saved))}"

    def what_worked(self, *, channel_id: str | None = None) -> str | None:
        """One line when most saved loops were saved one way, or (else) most loops were closed by one other team's
        channel than ``channel_id``; None when the history says nothing that clear."""
        saved = [past for past in self.considered if past.saved]
        if len(saved) >= 2:
            method, count = Counter(past.contact_method for past in saved).most_common(1)[0]
            if method is not None and 2 * count > len(saved):
                by = [past for past in saved if past.contact_method == method]
                bound = within(max(past.time_to_close for past in by))
                return f"Similar loops were saved by {_method(method)} within {bound} ({count} of {len(saved)})"
        if len(self.considered) >= 3:
            channel, count = Counter(past.channel_id for past in self.considered).most_common(1)[0]
            if channel != channel_id and 2 * count > len(self.considered):
                return (
                    f"Similar loops were mostly closed by {link_channel(channel)} ({count} of {len(self.considered)})"
                )
        return None


def within(delta: timedelta) -> str:
    """A round bound people say: an hour, 4 h, a day, 3 days, a week, or n days."""
    hours = delta.total_seconds() / 3600
    for limit, words in ((1, "an hour"), (4, "4 h"), (24, "a day"), (72, "3 days"), (168, "a week")):
        if hours <= limit:
            return words
    return f"{math.ceil(hours / 24)} days"


def _method(method: str | None) -> str:
    return METHOD_PHRASES.get(method or "", method or "an unrecorded way")


def similar_history(
    session: Session,
    similar: SimilarLoops,
    *,
    loop: Loop,
    feedback: Feedback,
    k: int = NEIGHBOURS,
    earlier_only: bool = True,
) -> SimilarHistory | None:
    """The resolved loops (opened before ``loop``, when ``earlier_only``) most like its feedback (None when there
    are none); raises IndexNotReady while the index is being built."""
    # A few more than needed: the loop's siblings (the same feedback sent to two teams) and later loops drop out.
    found = similar.neighbours(feedback, k=k + 5, min_score=MIN_SCORE, exclude=(loop.id,))
    if not found:
        return None
    rows = {
        past.id: (past, first)
        for past, first in loops_with_feedback(
            session=session, workspace_id=loop.workspace_id, loop_ids=[n.key for n in found]
        )
    }
    chosen: list[tuple[float, Loop, Feedback]] = []
    seen_feedback = {feedback.id}
    for neighbour in found:
        past, first = rows.get(neighbour.key, (None, None))
        if past is None or first is None or past.status != "resolved" or (earlier_only and past.id > loop.id):
            continue  # reopened or gone since the index last looked, or opened after this one
        if first.id in seen_feedback or past.resolved_at is None:
            continue
        seen_feedback.add(first.id)
        chosen.append((neighbour.score, past, first))
        if len(chosen) == k:
            break
    recovered = _recovered(session, workspace_id=loop.workspace_id, loops=[(past, first) for _, past, first in chosen])
    considered = [
        PastLoop(
            loop_id=past.id,
            score=score,
            outcome=past.outcome,
            contact_method=past.contact_method,
            root_cause=past.root_cause,
            channel_id=past.channel_id,
            card_ts=past.card_ts,
            time_to_close=past.resolved_at - past.created_at if past.resolved_at else timedelta(0),
            saved=past.outcome == "saved" or past.id in recovered,
            recovered=past.id in recovered,
        )
        for score, past, first in chosen
    ]
    if not considered:
        return None
    shown = sorted(considered, key=lambda p: (-(p.score + PREFER_SAVED * p.saved), -p.loop_id))[:SHOWN]
    return SimilarHistory(shown=tuple(shown), considered=tuple(considered))


def _recovered(session: Session, *, workspace_id: str, loops: list[tuple[Loop, Feedback]]) -> set[int]:
    """The loops among ``loops`` whose customer's next feedback was better, read as a card's recovery line reads it
    (``bot.loops.recovery``), with one look at all their customers' later feedback instead of one per loop."""
    eligible = [(loop, first) for loop, first in loops if first.category in BAD_CATEGORIES]
    eligible = [(loop, first) for loop, first in eligible if first.customer_id or first.customer_email]
    if not eligible:
        return set()
    later = feedback_of_customers(
        session=session,
        workspace_id=workspace_id,
        customer_ids=[first.customer_id for _, first in eligible if first.customer_id],
        emails=[first.customer_email for _, first in eligible if first.customer_email],
        start=min(first.received_at for _, first in eligible),
    )
    return {
        loop.id
        for loop, first in eligible
        if (after := next_feedback(loop, first, later)) is not None and Recovery(first, after).recovered
    }
