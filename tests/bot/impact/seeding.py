"""Detractor loops with their accounts and billing's churns, written straight into the database (fast)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from models import Account, AccountEvent, Feedback, Loop, LoopEvent, Team
from models.workspace import get_or_create_workspace

RESOLVE_SLA = timedelta(days=2)
# How each group is closed, after the feedback: within its 2-day SLA, after it, or not at all.
CLOSED_AFTER = {"within_sla": timedelta(days=1), "late": timedelta(days=3), "never": None}


class Seeder:
    """Writes loops as intake and billing would have left them; ``now`` is the report's time."""

    def __init__(self, session: Session, *, workspace_id: str, now: datetime):
        self.session = session
        self.workspace_id = workspace_id
        self.now = now
        self.numbers = itertools.count(1)
        get_or_create_workspace(session=session, workspace_id=workspace_id)
        session.flush()

    def team(self, name: str, channel: str) -> Team:
        team = Team(workspace_id=self.workspace_id, name=name, channel_id=channel)
        self.session.add(team)
        self.session.flush()
        return team

    def account(
        self, n: int, *, arr: Decimal | None = Decimal(12000), status: str = "active", email: str | None = None
    ) -> Account:
        account = Account(
            workspace_id=self.workspace_id,
            source="stripe",
            customer_id=f"cus_{n:04d}",
            email=email,
            name=f"Account {n}",
            name_key=f"account {n}",
            arr=arr,
            currency="usd",
            status=status,
        )
        self.session.add(account)
        self.session.flush()
        return account

    def churn(self, account: Account, *, at: datetime, arr: Decimal | None = None) -> AccountEvent:
        event = AccountEvent(
            workspace_id=self.workspace_id,
            account_id=account.id,
            kind="churned",
            arr_before=arr if arr is not None else account.arr,
            arr_after=Decimal(0),
            currency="usd",
            effective_at=at,
            source="stripe",
            source_event_id=f"evt_{account.id}_{at.timestamp()}",
        )
        account.status, account.arr, account.churned_at = "churned", Decimal(0), at
        self.session.add_all([event, account])
        self.session.flush()
        return event

    def loop(
        self,
        group: str,
        *,
        churned: bool = False,
        team: Team | None = None,
        arr: Decimal = Decimal(12000),
        received: datetime | None = None,
        churn_after: timedelta = timedelta(days=20),
        touchpoint: str | None = "billing",
        score: int = 3,
        customer: int | None = None,
        billed: bool = True,
        outcome: str | None = None,
    ) -> Loop:
        """One detractor loop of ``group`` (within_sla, late, never); its account churned ``churn_after`` the
        feedback when ``churned``; ``billed`` False: billing does not know its customer."""
        n = customer if customer is not None else next(self.numbers)
        received = received or self.now - timedelta(days=30)
        feedback = self.feedback(n, score=score, received=received, touchpoint=touchpoint)
        if billed and customer is None:
            account = self.account(n, arr=arr)
            if churned:
                self.churn(account, at=received + churn_after)
        closed = CLOSED_AFTER[group]
        loop = Loop(
            workspace_id=self.workspace_id,
            feedback_id=feedback.id,
            team_id=team.id if team else None,
            channel_id=team.channel_id if team else "C0DEFAULT",
            status="resolved" if closed else "acknowledged",
            resolved_at=received + closed if closed else None,
            resolved_by="U0DANA" if closed else None,
            outcome=outcome or ("contacted_fixed" if closed else None),
            resolve_due_at=received + RESOLVE_SLA,
            card_ts=f"{received.timestamp():.6f}",
            created_at=received,
            updated_at=received,
        )
        self.session.add(loop)
        self.session.flush()
        feedback.loop_id = loop.id
        self.session.add(feedback)
        self.session.flush()
        return loop

    def feedback(
        self, n: int, *, score: int, received: datetime, touchpoint: str | None = "billing", scale: str = "nps"
    ) -> Feedback:
        category = {True: "detractor", False: "passive" if score <= 8 else "promoter"}[score <= 6]
        feedback = Feedback(
            workspace_id=self.workspace_id,
            source="delighted",
            external_id=f"r-{n}-{next(self.numbers)}",
            score=score,
            scale=scale,
            category=category,
            customer_id=f"cus_{n:04d}",
            customer_email=f"person{n}@example.com",
            customer_name=f"Person {n}",
            account=f"Account {n}",
            touchpoint=touchpoint,
            received_at=received,
        )
        self.session.add(feedback)
        self.session.flush()
        return feedback

    def customer_of(self, loop: Loop) -> int:
        """The customer number a loop was seeded with (to seed more of theirs)."""
        feedback = self.session.get_one(Feedback, loop.feedback_id)
        return int(str(feedback.customer_id).removeprefix("cus_"))

    def account_of(self, loop: Loop) -> Account:
        feedback = self.session.get_one(Feedback, loop.feedback_id)
        return self.session.exec(select(Account).where(Account.customer_id == feedback.customer_id)).one()

    def flag_saved_then_churned(self, loop: Loop) -> None:
        self.session.add(
            LoopEvent(
                workspace_id=self.workspace_id,
                loop_id=loop.id,
                kind="saved_then_churned",
                actor="loopkeeper",
                via="billing",
                at=self.now,
            )
        )
        self.session.flush()

    def groups(self, counts: dict[str, tuple[int, int]], **kwargs) -> None:
        """``{group: (loops, of which churned)}``."""
        for group, (loops, churned) in counts.items():
            for i in range(loops):
                self.loop(group, churned=i < churned, **kwargs)
