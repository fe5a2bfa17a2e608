"""Queries behind the impact report: detractor loops of a period, what billing says of their accounts, and
billing's events that no feedback joins yet."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.account import Account, AccountEvent, accounts_for_feedback, name_key
from models.feedback import Feedback
from models.loop import Loop, LoopEvent
from models.theme import Theme, ThemeLink

BAD = ("detractor", "negative")
CHUNK = 500


def bad_loops(
    *, session: Session, workspace_id: str, team_id: int | None, start: datetime, end: datetime
) -> list[tuple[Loop, Feedback]]:
    """Loops opened by a detractor or a negative rating received in [start, end), oldest feedback first."""
    query = (
        select(Loop, Feedback)
        .join(Feedback, col(Feedback.id) == col(Loop.feedback_id))
        .where(
            col(Loop.workspace_id) == workspace_id,
            col(Feedback.category).in_(BAD),
            col(Feedback.received_at) >= start,
            col(Feedback.received_at) < end,
        )
        .order_by(col(Feedback.received_at), col(Loop.id))
    )
    if team_id is not None:
        query = query.where(col(Loop.team_id) == team_id)
    return [(loop, feedback) for loop, feedback in session.exec(query)]


def events_by_account(
    *, session: Session, workspace_id: str, account_ids: Iterable[int], kinds: tuple[str, ...]
) -> dict[int, list[AccountEvent]]:
    """These accounts' events of ``kinds``, oldest first, by account id."""
    wanted = sorted(set(account_ids))
    found: dict[int, list[AccountEvent]] = {}
    for offset in range(0, len(wanted), CHUNK):
        query = select(AccountEvent).where(
            col(AccountEvent.workspace_id) == workspace_id,
            col(AccountEvent.account_id).in_(wanted[offset : offset + CHUNK]),
            col(AccountEvent.kind).in_(kinds),
        )
        for event in session.exec(query):  # by the account index; ordered below (ORDER BY took the workspace's)
            found.setdefault(event.account_id, []).append(event)
    for events in found.values():
        events.sort(key=lambda event: (event.effective_at, event.id))
    return found


def loops_with_event(*, session: Session, loop_ids: Iterable[int], kind: str) -> set[int]:
    """Which of these loops have an event of ``kind`` (e.g. saved_then_churned)."""
    wanted = sorted(set(loop_ids))
    found: set[int] = set()
    for offset in range(0, len(wanted), CHUNK):
        query = select(LoopEvent.loop_id).where(
            col(LoopEvent.loop_id).in_(wanted[offset : offset + CHUNK]), col(LoopEvent.kind) == kind
        )
        found.update(session.exec(query))
    return found


def themes_of_loops(*, session: Session, loop_ids: Iterable[int]) -> dict[int, Theme]:
    """The theme each of these loops was elevated to (loops not elevated are left out)."""
    wanted = sorted(set(loop_ids))
    found: dict[int, Theme] = {}
    for offset in range(0, len(wanted), CHUNK):
        query = (
            select(ThemeLink.loop_id, Theme)
            .join(Theme, col(Theme.id) == col(ThemeLink.theme_id))
            .where(col(ThemeLink.loop_id).in_(wanted[offset : offset + CHUNK]))
        )
        found.update((loop_id, theme) for loop_id, theme in session.exec(query))
    return found


def unmatched_account_events(
    *, session: Session, workspace_id: str, limit: int
) -> tuple[list[tuple[AccountEvent, Account]], int]:
    """Billing's events whose account no feedback joins yet, newest first (at most ``limit``), and how many there
    are in all. Joined as feedback is (customer id, then email, then account name), at query time: once a
    feedback naming the account arrives, its events are no longer listed."""
    accounts = list(
        session.exec(
            select(Account).where(
                col(Account.workspace_id) == workspace_id,
                col(Account.id).in_(
                    select(AccountEvent.account_id).where(col(AccountEvent.workspace_id) == workspace_id)
                ),
            )
        )
    )
    joined = _joined_accounts(session, workspace_id, accounts)
    alone = sorted(a.id for a in accounts if a.id not in joined)
    by_id = {a.id: a for a in accounts}
    total = 0
    rows: list[tuple[AccountEvent, Account]] = []
    for offset in range(0, len(alone), CHUNK):
        chunk = alone[offset : offset + CHUNK]
        where = (col(AccountEvent.workspace_id) == workspace_id, col(AccountEvent.account_id).in_(chunk))
        total += session.exec(select(func.count()).select_from(AccountEvent).where(*where)).one()
        newest = select(AccountEvent).where(*where).order_by(col(AccountEvent.effective_at).desc()).limit(limit)
        rows += [(event, by_id[event.account_id]) for event in session.exec(newest)]
    rows.sort(key=lambda row: (row[0].effective_at, row[0].id), reverse=True)
    return rows[:limit], total


def _joined_accounts(session: Session, workspace_id: str, accounts: list[Account]) -> set[int]:
    """Ids of these accounts that some feedback resolves to, with the precedence feedback is joined by."""
    ids = sorted({a.customer_id for a in accounts if a.customer_id})
    emails = sorted({a.email for a in accounts if a.email})
    names = sorted({a.name_key for a in accounts if a.name_key})
    keys: set[tuple[str | None, str | None, str | None]] = set()
    for column, values in (
        (col(Feedback.customer_id), ids),
        (col(Feedback.customer_email), emails),  # stored lower-cased, so its index serves
        (func.lower(col(Feedback.account)), names),
    ):
        for offset in range(0, len(values), CHUNK):
            query = (
                select(Feedback.customer_id, Feedback.customer_email, Feedback.account)
                .where(col(Feedback.workspace_id) == workspace_id, column.in_(values[offset : offset + CHUNK]))
                .distinct()
            )
            keys.update((row[0], row[1], row[2]) for row in session.exec(query))
    # A feedback's keys may point at several accounts; the join takes one (by id, then email, then name).
    probes = [
        Feedback(
            id=n,
            workspace_id=workspace_id,
            source="",
            external_id="",
            scale="nps",
            category="",
            customer_id=cid,
            customer_email=email,
            account=account,
        )
        for n, (cid, email, account) in enumerate(sorted(keys, key=str), start=1)
        if cid or email or name_key(account)
    ]
    return {a.id for a in accounts_for_feedback(session=session, workspace_id=workspace_id, feedback=probes).values()}
