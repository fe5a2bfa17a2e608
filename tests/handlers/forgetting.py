"""What the customer-data tests share: a customer spread over every place Loopkeeper keeps and posts data, and
scans of every table and every Slack message for them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import SQLModel, select

import models  # noqa: F401  (every table, for the scan)
from bot.digest.content import build_digest
from bot.digest.periods import period
from bot.impact.figures import build_report
from bot.impact.periods import window
from bot.mrkdwn import escape
from models import Feedback, Loop
from models.team import get_team_by_name
from tests.factories import feedback_payload

ADMIN, MEMBER = "U0ADMIN", "U0DANA"
DANA = {"id": "cus_dana_1", "email": "Dana@Acme.io", "name": "Dana Whitfield", "account": "Acme", "arr": 48000}
BOB = {"id": "cus_bob_9", "email": "bob@globex.io", "name": "Bob Stone", "account": "Globex", "arr": 20000}
FIRST = "Invoice was wrong twice this quarter and nobody from finance ever answered my three emails about it."
SECOND = "Second time the export & the invoice broke <sigh>."
BOBS = "The route planner is slow on big fleets."


@dataclass(frozen=True)
class Customer:
    needles: tuple[str, ...]  # what must be found nowhere afterwards (lower case)

    def found_in(self, text: str) -> list[str]:
        lowered = text.lower()
        return [n for n in self.needles if n in lowered]


def needles(person: dict, *comments: str) -> Customer:
    forms = {person["email"], person["name"], *comments, *(escape(c) for c in comments)}
    return Customer(tuple(sorted(f.lower() for f in forms)))


def say(harness, text: str, user: str = ADMIN) -> str:
    response = harness.slash(text, user_id=user)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["response_type"] == "ephemeral"
    return body["text"]


def feedback_from(person: dict, comment: str, **overrides) -> dict:
    return feedback_payload(customer=dict(person), comment=comment, **overrides)


def spread_dana(harness) -> int:
    """Dana's detractor (a card, a digest line, notes of every kind, billing's account with a cancellation and its
    words, a resolution note naming her) beside Bob's, all delivered; Dana's loop id."""
    assert harness.post_webhook(feedback_from(DANA, FIRST, id="dana-1")).status_code == 202
    assert harness.post_webhook(feedback_from(BOB, BOBS, id="bob-1")).status_code == 202
    harness.cards("C0BILLING", 2)
    harness.wait_until_delivered()
    say(harness, "digest send billing this-week")
    assert harness.post_webhook(feedback_from(DANA, SECOND, id="dana-2", score=2)).status_code == 202
    cancellation = {
        "id": "crm-evt-dana",
        "event": "cancellation_scheduled",
        "customer_id": DANA["id"],
        "email": DANA["email"].lower(),
        "account": DANA["account"],
        "arr_before": 48000,
        "effective_at": "2026-11-20",
        "reason": "Dana Whitfield: " + FIRST[:80],
    }
    assert harness.post_accounts(cancellation).status_code == 202
    harness.wait_until_delivered()
    loop = dana_loop(harness)
    card = harness.card("C0BILLING", loop.card_ts)
    assert harness.click(card, "loop_acknowledge", user_id=MEMBER).status_code == 200
    harness.wait_until_delivered()
    card = harness.card("C0BILLING", loop.card_ts)
    assert harness.resolve(card, note="Called Dana Whitfield at dana@acme.io; refunded.").status_code == 200
    harness.wait_until_delivered()
    return loop.id


def dana_loop(harness) -> Loop:
    with harness.session() as session:
        first = session.exec(select(Feedback).where(Feedback.external_id == "dana-1")).one()
        return session.exec(select(Loop).where(Loop.feedback_id == first.id)).one()


def database_text(harness, *, skip: tuple[str, ...] = ()) -> str:
    """Every text value of every row of every table (but ``skip``), one line a row (JSON columns as JSON)."""
    lines = []
    with harness.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in skip:
                continue
            for row in session.execute(table.select()):
                values = [v for v in row if isinstance(v, str | dict | list)]
                lines.append(f"{table.name}: " + json.dumps(values, ensure_ascii=False, default=str))
    return "\n".join(lines)


def slack_text(harness) -> str:
    """Every message the stand-in holds (thread replies and DMs included), as JSON."""
    with harness.standin._lock:
        channels = {cid: [dict(m) for m in c.messages] for cid, c in harness.standin.channels.items()}
    return json.dumps(channels, ensure_ascii=False)


def figures(harness, now: datetime) -> dict:
    """The digest's and the impact report's figures for the billing team (what must not change)."""
    with harness.session() as session:
        team = get_team_by_name(session=session, workspace_id=harness.workspace_id, name="billing")
        digest = build_digest(
            session, workspace_id=harness.workspace_id, team=team, period=period("this-week", now=now), now=now
        )
        report = build_report(
            session, workspace_id=harness.workspace_id, team=None, window=window(None, now=now), now=now
        )
        assert report is not None  # billing knows Dana's account
        return {
            "digest": (
                digest.open,
                digest.current,
                digest.previous,
                digest.ack_times,
                digest.resolve_times,
                digest.open_detractors,
                digest.revenue_at_risk,
                digest.touchpoints,
                digest.products,
                digest.open_touchpoints,
                digest.owners,
                digest.owner_loops,
                [loop.id for loop, _ in digest.unowned],
                digest.unowned_total,
                digest.overdue_total,
                digest.root_causes,
            ),
            "impact": (
                [(c.loop.id, c.account.id, c.group, c.churn.id if c.churn else None) for c in report.counted],
                report.unmatched,
                report.repeats,
                report.groups,
                report.closed,
                report.recovery,
                report.revenue,
                report.touchpoints,
                report.months,
            ),
        }
