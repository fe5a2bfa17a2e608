"""The impact report's figures, for the detractors and negative ratings received in a period.

The unit is the loop. A feedback routed to several teams counts once (its first loop); an account counts once
(its first detractor loop of the period), so one account's churn and ARR are never counted twice; only loops
whose account billing knows are counted, and those left out are counted apart. A loop is *closed within SLA*
when it was resolved by its resolve-by time (or has none), *closed late* when after, *never closed* when it is
not resolved now. Its account *churned* when billing has a churn within 90 days after the feedback, or the loop
was marked saved and its account churned within 90 days of that (``saved_then_churned``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import Session

from bot.accounts.statistics import Comparison, Rate, compare
from bot.impact.amounts import Amounts
from bot.impact.months import Month, months
from bot.impact.periods import Window
from bot.impact.recovery import RecoveryFigures, recovery_figures
from models.account import CHURN, CHURNED, Account, AccountEvent, accounts_for_feedback, has_billing_data
from models.feedback import Feedback
from models.impact_queries import bad_loops, events_by_account, loops_with_event, themes_of_loops
from models.loop import Loop
from models.team import Team

CHURN_WINDOW = timedelta(days=90)
WITHIN_SLA, LATE, NEVER = "within_sla", "late", "never"
GROUPS = (WITHIN_SLA, LATE, NEVER)
LABELS = {WITHIN_SLA: "closed within SLA", LATE: "closed late", NEVER: "never closed"}
SAVED, SAVED_THEN_CHURNED, RESOLVED = "saved", "saved_then_churned", "resolved"
RANKED = 5


@dataclass(frozen=True)
class Counted:
    """One counted loop: its feedback, its account, how it was closed and whether the account churned."""

    loop: Loop
    feedback: Feedback
    account: Account
    group: str
    churn: AccountEvent | None
    churned: bool
    complete: bool  # its 90 days are over

    @property
    def lost(self) -> Decimal:
        """ARR lost: what billing said the account paid before its churn."""
        if not self.churned:
            return Decimal(0)
        return (self.churn.arr_before if self.churn else None) or self.account.arr or Decimal(0)

    @property
    def currency(self) -> str | None:
        return (self.churn.currency if self.churn else None) or self.account.currency


@dataclass(frozen=True)
class Group:
    rate: Rate
    lost: Amounts


@dataclass(frozen=True)
class Ranked:
    """A touchpoint or theme, by the ARR its detractors' churned accounts paid."""

    name: str
    lost: Amounts
    loops: int


@dataclass
class Revenue:
    """Detractor accounts' ARR as billing has it: still paying after 90 days, lost, or not 90 days in yet."""

    paying: Amounts = field(default_factory=Amounts)
    paying_accounts: int = 0
    lost: Amounts = field(default_factory=Amounts)
    lost_accounts: int = 0
    pending: Amounts = field(default_factory=Amounts)
    pending_accounts: int = 0
    saved: int = 0  # loops the team marked "saved" (all detractor loops of the period, billing known or not)
    saved_churned: int = 0  # of those, counted loops whose account churned


@dataclass(frozen=True)
class Report:
    scope: str
    team_id: int | None
    window: Window
    now: datetime
    counted: list[Counted]
    unmatched: int  # loops left out: billing does not know their account
    repeats: int  # later loops of an account already counted
    groups: dict[str, Group]
    closed: Rate  # within SLA and late together
    comparison: Comparison  # closed against never closed
    recovery: RecoveryFigures
    revenue: Revenue
    touchpoints: list[Ranked]
    themes: list[Ranked]
    months: list[Month]

    @property
    def young(self) -> int:
        """Counted loops whose 90 days are not over: their churn so far is counted."""
        return sum(1 for c in self.counted if not c.complete)


def group_of(loop: Loop) -> str:
    """Closed within SLA, closed late or never closed (not resolved now)."""
    if loop.status != RESOLVED or loop.resolved_at is None:
        return NEVER
    if loop.resolve_due_at is not None and loop.resolved_at > loop.resolve_due_at:
        return LATE
    return WITHIN_SLA


def build_report(
    session: Session, *, workspace_id: str, team: Team | None, window: Window, now: datetime, tz_name: str = "UTC"
) -> Report | None:
    """Every figure of the report; None when billing has told us nothing (there is nothing to measure against)."""
    if not has_billing_data(session=session, workspace_id=workspace_id):
        return None
    pairs = _one_per_feedback(
        bad_loops(session=session, workspace_id=workspace_id, team_id=team.id if team else None, **_span(window))
    )
    accounts = accounts_for_feedback(session=session, workspace_id=workspace_id, feedback=[f for _, f in pairs])
    matched = [(loop, f, accounts[f.id]) for loop, f in pairs if f.id in accounts]
    firsts: dict[int, tuple[Loop, Feedback, Account]] = {}
    for loop, f, account in matched:
        firsts.setdefault(account.id, (loop, f, account))
    churns = events_by_account(session=session, workspace_id=workspace_id, account_ids=firsts, kinds=(CHURN,))
    flagged = loops_with_event(
        session=session, loop_ids=[loop.id for loop, _, _ in firsts.values()], kind=SAVED_THEN_CHURNED
    )
    counted = [
        _count(loop, f, account, churns.get(account.id, []), loop.id in flagged, now)
        for loop, f, account in sorted(firsts.values(), key=lambda row: (row[1].received_at, row[0].id))
    ]
    groups = {g: _group([c for c in counted if c.group == g]) for g in GROUPS}
    closed = Rate(groups[WITHIN_SLA].rate.k + groups[LATE].rate.k, groups[WITHIN_SLA].rate.n + groups[LATE].rate.n)
    themes = themes_of_loops(session=session, loop_ids=[c.loop.id for c in counted if c.churned])
    return Report(
        scope=team.name if team else "all teams",
        team_id=team.id if team else None,
        window=window,
        now=now,
        counted=counted,
        unmatched=len(pairs) - len(matched),
        repeats=len(matched) - len(firsts),
        groups=groups,
        closed=closed,
        comparison=compare(closed, groups[NEVER].rate),
        recovery=recovery_figures(session, workspace_id=workspace_id, pairs=pairs),
        revenue=_revenue(pairs, counted, churns),
        touchpoints=_ranked([(c.feedback.touchpoint, c) for c in counted if c.churned and c.feedback.touchpoint]),
        themes=_ranked(
            [(f"#{themes[c.loop.id].id} {themes[c.loop.id].name}", c) for c in counted if c.loop.id in themes]
        ),
        months=months(
            window, tz_name=tz_name, pairs=pairs, counted=[(c.feedback, c.group, c.churned) for c in counted]
        ),
    )


def _span(window: Window) -> dict[str, datetime]:
    return {"start": window.start, "end": window.end}


def _one_per_feedback(pairs: list[tuple[Loop, Feedback]]) -> list[tuple[Loop, Feedback]]:
    """A feedback routed to several teams opened several loops: the first one stands for it."""
    seen: set[int] = set()
    kept = []
    for loop, feedback in sorted(pairs, key=lambda pair: (pair[1].received_at, pair[0].id)):
        if feedback.id not in seen:
            seen.add(feedback.id)
            kept.append((loop, feedback))
    return kept


def _count(
    loop: Loop, feedback: Feedback, account: Account, churns: list[AccountEvent], flagged: bool, now: datetime
) -> Counted:
    start = feedback.received_at
    inside = [e for e in churns if start <= e.effective_at <= start + CHURN_WINDOW]
    churn = inside[0] if inside else None
    if churn is None and flagged:  # marked saved, then churned within 90 days of that: the churn billing saw
        churn = next((e for e in churns if e.effective_at >= start), None)
    return Counted(
        loop=loop,
        feedback=feedback,
        account=account,
        group=group_of(loop),
        churn=churn,
        churned=churn is not None or flagged,
        complete=start + CHURN_WINDOW <= now,
    )


def _group(loops: list[Counted]) -> Group:
    lost = Amounts()
    for c in loops:
        if c.churned:
            lost.add(c.lost, c.currency)
    return Group(Rate(sum(1 for c in loops if c.churned), len(loops)), lost)


def _revenue(
    pairs: list[tuple[Loop, Feedback]], counted: list[Counted], churns: dict[int, list[AccountEvent]]
) -> Revenue:
    revenue = Revenue()
    for c in counted:
        if c.churned:
            revenue.lost.add(c.lost, c.currency)
            revenue.lost_accounts += 1
        elif c.complete:
            revenue.paying.add(_paying(c, churns.get(c.account.id, [])), c.account.currency)
            revenue.paying_accounts += 1
        else:
            revenue.pending.add(c.account.arr, c.account.currency)
            revenue.pending_accounts += 1
    revenue.saved = sum(1 for loop, _ in pairs if loop.outcome == SAVED)
    revenue.saved_churned = sum(1 for c in counted if c.loop.outcome == SAVED and c.churned)
    return revenue


def _paying(counted: Counted, churns: list[AccountEvent]) -> Decimal:
    """The ARR of an account still paying 90 days after its feedback: its ARR now, or before a later churn."""
    if counted.account.status != CHURNED:
        return counted.account.arr or Decimal(0)
    later = [e for e in churns if e.effective_at > counted.feedback.received_at + CHURN_WINDOW]
    return (later[0].arr_before if later else None) or Decimal(0)


def _ranked(rows: list[tuple[str, Counted]]) -> list[Ranked]:
    """Names by the ARR their churned loops lost, most first (at most RANKED)."""
    sums: dict[str, tuple[Amounts, int]] = {}
    for name, counted in rows:
        lost, loops = sums.get(name, (Amounts(), 0))
        lost.add(counted.lost, counted.currency)
        sums[name] = (lost, loops + 1)
    ranked = [Ranked(name, lost, loops) for name, (lost, loops) in sums.items()]
    ranked.sort(key=lambda r: (-r.lost.ranking, -r.loops, r.name))
    return ranked[:RANKED]
