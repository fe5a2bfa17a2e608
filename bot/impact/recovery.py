"""Recovery over a period: resolved detractors against unresolved ones, by the customer's next feedback.

Billing is not needed for it: every detractor loop of the period counts (a feedback routed to several teams
once). Only customers who gave feedback again within 180 days say anything; the rest are counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.accounts.statistics import Comparison, Rate, compare
from bot.loops.recovery import BETTER, RESOLVED, next_feedback
from models.feedback import Feedback
from models.loop import Loop
from models.recovery_queries import feedback_of_customers


@dataclass(frozen=True)
class RecoveryFigures:
    resolved: Rate  # recovered, of the resolved detractors whose customer answered again
    unresolved: Rate  # the same for detractors whose loop is not resolved
    resolved_loops: int
    unresolved_loops: int
    comparison: Comparison


def recovery_figures(session: Session, *, workspace_id: str, pairs: list[tuple[Loop, Feedback]]) -> RecoveryFigures:
    """Of each group, how many customers answered again, and how many of those were passive or promoter."""
    later = (
        feedback_of_customers(
            session=session,
            workspace_id=workspace_id,
            customer_ids={f.customer_id for _, f in pairs if f.customer_id},
            emails={f.customer_email for _, f in pairs if f.customer_email},
            start=min(f.received_at for _, f in pairs),
        )
        if pairs
        else []
    )
    by_key: dict[tuple[str, str | None], list[Feedback]] = {}
    for f in later:
        if f.customer_id:
            by_key.setdefault(("id", f.customer_id), []).append(f)
        if f.customer_email:
            by_key.setdefault(("email", f.customer_email), []).append(f)
    tallies = {True: [0, 0, 0], False: [0, 0, 0]}  # resolved? -> loops, answered again, recovered
    for loop, f in pairs:
        tally = tallies[loop.status == RESOLVED]
        tally[0] += 1
        candidates = by_key.get(("id", f.customer_id), []) + by_key.get(("email", f.customer_email), [])
        found = next_feedback(loop, f, candidates)
        if found is not None:
            tally[1] += 1
            tally[2] += found.category in BETTER
    resolved, unresolved = (Rate(tallies[b][2], tallies[b][1]) for b in (True, False))
    return RecoveryFigures(
        resolved=resolved,
        unresolved=unresolved,
        resolved_loops=tallies[True][0],
        unresolved_loops=tallies[False][0],
        comparison=compare(resolved, unresolved),
    )
