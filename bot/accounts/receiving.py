"""Billing events in: one transaction each (a feed's batch: one for the batch), then what they mean for loops."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.accounts.alerts import tell_loops
from bot.accounts.facts import CustomerFact
from bot.accounts.feed import FeedEvent
from bot.accounts.owners import EmailLookup, look_up
from bot.accounts.recording import Recorded, record_feed, record_stripe
from bot.accounts.stripe import parse
from bot.delivery.slack_directory import SlackPerson
from bot.errors import SlackUnavailable
from models.db import transaction
from models.workspace import get_or_create_workspace

log = logging.getLogger(__name__)
T = TypeVar("T")
RECORDED, DUPLICATE, IGNORED = "recorded", "duplicate", "ignored"
TEST_MODE_IGNORED = (
    "a test-mode event (livemode false); set LOOPKEEPER_STRIPE_TEST_EVENTS=true to count test-mode events"
)


@dataclass(frozen=True)
class Received:
    """What one billing event did: recorded (with the outcomes it added), a duplicate, or ignored (why)."""

    outcome: str
    events: tuple[str, ...] = ()
    account_id: int | None = None
    loops_told: tuple[int, ...] = ()
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"outcome": self.outcome, "duplicate": self.outcome == DUPLICATE}
        if self.outcome == IGNORED:
            answer["ignored"] = self.reason
        elif self.outcome == RECORDED:
            answer.update(account_id=self.account_id, events=list(self.events), loops_told=list(self.loops_told))
        return answer


@dataclass
class FeedResult:
    received: list[Received] = field(default_factory=list)

    @property
    def new(self) -> bool:
        return any(r.outcome == RECORDED for r in self.received)


def receive_stripe(
    engine: Engine,
    *,
    workspace_id: str,
    event: Mapping[str, Any],
    allow_test: bool,
    now: datetime,
    directory: EmailLookup | None = None,
) -> Received:
    """A verified Stripe event (raises InvalidFeedback when its shape is wrong; nothing is written then)."""
    fact = parse(event)
    kind = str(event.get("type"))[:80]
    if fact is None:
        return Received(IGNORED, reason=f"{kind} is not an event Loopkeeper uses")
    if not fact.livemode and not allow_test:
        return Received(IGNORED, reason=TEST_MODE_IGNORED)
    owners: dict[str, SlackPerson] = {}
    if isinstance(fact, CustomerFact) and fact.owner_email and directory is not None:
        try:
            owners, unknown = look_up(directory, [fact.owner_email])
        except SlackUnavailable:
            unknown = [fact.owner_email]  # kept as an email; the next customer.updated tries again
        if unknown:
            log.warning(
                "Stripe customer %s: its account owner's email is not a Slack user we can find", fact.customer_id
            )

    def work(session: Session) -> Received:
        recorded = record_stripe(session, workspace_id=workspace_id, fact=fact, event_type=kind, owners=owners)
        return _told(session, recorded, now)

    return _with_retry(engine, workspace_id, work)


def receive_feed(
    engine: Engine,
    *,
    workspace_id: str,
    events: Sequence[FeedEvent],
    now: datetime,
    owners: Mapping[str, SlackPerson] | None = None,
) -> FeedResult:
    """Validated feed events, all in one transaction: a batch is taken whole or not at all. ``owners``: the
    Slack user of every owner email the events give (see bot.accounts.owners)."""

    def work(session: Session) -> FeedResult:
        result = FeedResult()
        for event in events:
            recorded = record_feed(session, workspace_id=workspace_id, event=event, now=now, owners=owners)
            result.received.append(_told(session, recorded, now))
        return result

    return _with_retry(engine, workspace_id, work)


def _told(session: Session, recorded: Recorded, now: datetime) -> Received:
    if recorded.duplicate:
        return Received(DUPLICATE)
    account = recorded.account
    if account is None:
        return Received(IGNORED, reason="not an outcome Loopkeeper keeps (a first or one-off invoice)")
    loops = tell_loops(session, account=account, events=recorded.events, now=now)
    return Received(
        RECORDED, events=tuple(e.kind for e in recorded.events), account_id=account.id, loops_told=tuple(loops)
    )


def _with_retry(engine: Engine, workspace_id: str, work: Callable[[Session], T]) -> T:
    """Run ``work`` in a transaction; once more when a concurrent delivery won a race for a new row (the same
    event, or a new account's customer id): the second run finds that row and treats the event accordingly."""
    for attempt in (1, 2):
        try:
            with transaction(engine) as session:
                get_or_create_workspace(session=session, workspace_id=workspace_id)
                return work(session)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
