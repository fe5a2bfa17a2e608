"""What a digest says, line by line (both databases): every loop that needs someone is listed and linked, and
every figure says whether it counts loops open now or what came in this period."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import select

from bot.digest.content import build_digest
from bot.digest.periods import period
from bot.digest.render import sections
from models import Feedback, Loop, Team, Workspace
from tests.bot.digest.test_content import NOW, T, seed
from tests.factories import feedback_payload

LAST_WEEK = period("last-week", now=NOW)


def date(when: datetime) -> str:
    """How the digest writes a date: Slack's token, with the UTC fallback."""
    return f"<!date^{int(when.timestamp())}^{{date_short}}|{when:%Y-%m-%d %H:%M} UTC>"


def card(channel: str, ts: str) -> str:
    return f"<https://slack.com/archives/{channel}/p{ts.replace('.', '')}|open card>"


def digest_text(session, team: Team) -> list[str]:
    return sections(build_digest(session, workspace_id="T1", team=team, period=LAST_WEEK, now=NOW))


def seven_old_detractors(session) -> Team:
    """What a new user saw: seven unowned detractors at one touchpoint, all from the week before the digest's."""
    session.add(Workspace(id="T1"))
    session.flush()
    team = Team(workspace_id="T1", name="support", channel_id="C0SUPPORT")
    session.add(team)
    session.flush()
    for n in range(7):
        feedback = Feedback(
            workspace_id="T1",
            source="generic",
            external_id=f"old-{n}",
            score=n,
            scale="nps",
            category="detractor",
            arr=Decimal(10000),
            touchpoint="support",
            customer_name=f"Customer {n}",
            comment=f"Waited {n + 2} days for an answer" if n % 2 else None,
            received_at=T(9 + n, 9),
        )
        session.add(feedback)
        session.flush()
        session.add(
            Loop(
                workspace_id="T1",
                feedback_id=feedback.id,
                team_id=team.id,
                channel_id="C0SUPPORT",
                created_at=T(9 + n, 9),
                updated_at=T(9 + n, 9),
                card_ts=f"1700000000.00010{n}",
            )
        )
    session.commit()
    return team


def test_unowned_loops_are_listed_and_each_figure_says_what_it_counts(session):
    text = digest_text(session, seven_old_detractors(session))
    assert text[1] == "\n".join(
        [
            "*Open loops now: 7* (7 unowned, 0 overdue)",
            "open now by age: < 1 day 0 · 1–3 days 0 · 3–7 days 0 · older 7",
            "open now by touchpoint: support 7",
            "revenue at risk now: $70,000 ARR (7 open detractor loops)",
            "*Unowned* (overdue first, then oldest):",
            f"• #1 · NPS 0/10 · Customer 0 · opened {date(T(9, 9))} · {card('C0SUPPORT', '1700000000.000100')}",
            f"• #2 · NPS 1/10 · Customer 1: “Waited 3 days for an answer” · opened {date(T(10, 9))} · "
            f"{card('C0SUPPORT', '1700000000.000101')}",
            f"• #3 · NPS 2/10 · Customer 2 · opened {date(T(11, 9))} · {card('C0SUPPORT', '1700000000.000102')}",
            f"• #4 · NPS 3/10 · Customer 3: “Waited 5 days for an answer” · opened {date(T(12, 9))} · "
            f"{card('C0SUPPORT', '1700000000.000103')}",
            f"• #5 · NPS 4/10 · Customer 4 · opened {date(T(13, 9))} · {card('C0SUPPORT', '1700000000.000104')}",
            "…and 2 more unowned (`/loops open support`)",
        ]
    )
    assert text[2] == "\n".join(
        [
            "*Closed this period: 0* (previous period 0) · opened this period: 0 · closure rate — (closed ÷ opened)",
            "time to acknowledge (acknowledged this period): median — · p90 —",
            "time to resolve (resolved this period): median — · p90 —",
            "*Outcomes this period:* 0 customers saved · 0 churned · revenue retained $0",
        ]
    )
    # the seven came in the week before: none this period, and the line says so instead of "0 detractors, 7 open"
    assert text[3] == "*Detractors received this period: 0* (previous period 7)"
    assert len(text) == 4 and "0 detractors" not in "\n".join(text)


def test_every_line_of_a_busy_digest(session):
    team = seed(session)
    loop = session.exec(select(Loop).where(Loop.id == 3)).one()
    loop.resolve_due_at = T(22, 10)  # U0ONE's loop is overdue too: listed once, under its owner
    session.add(loop)
    session.commit()
    assert digest_text(session, team)[1:] == [
        "\n".join(
            [
                "*Open loops now: 3* (2 unowned, 2 overdue)",
                "open now by age: < 1 day 1 · 1–3 days 0 · 3–7 days 1 · older 1",
                "open now by touchpoint: billing 1 · checkout 1",
                "revenue at risk now: $50,000 ARR (2 open detractor loops)",
                "*Unowned* (overdue first, then oldest):",
                f"• #4 :rotating_light: overdue · NPS 7/10 · Unknown customer · opened {date(T(23, 6))} · "
                f"{card('C0BILLING', '1.3')}",
                f"• #6 · NPS 0/10 · Unknown customer · opened {date(T(14, 10))} · {card('C0BILLING', '1.5')}",
                "*Overdue, with an owner* (oldest first):",
                f"• #3 <@U0ONE> · NPS 1/10 · Unknown customer: “Checkout slow” · opened {date(T(20, 10))} · "
                f"{card('C0BILLING', '1.2')}",
            ]
        ),
        "\n".join(
            [
                "*Closed this period: 2* (previous period 1) · opened this period: 3 · "
                "closure rate 67% (closed ÷ opened)",
                "time to acknowledge (acknowledged this period): median 60m ▼ from 2.0h 👍 · p90 4.0h ▲ from 2.0h",
                "time to resolve (resolved this period): median 24.0h ▼ from 2.0d 👍 · p90 36.0h ▼ from 2.0d 👍",
                "*Outcomes this period:* 1 customer saved · 1 churned · revenue retained $100,000",
            ]
        ),
        "\n".join(
            [
                "*Detractors received this period: 3* (previous period 1)",
                "this period by touchpoint: billing 2 · checkout 1",
                "common words in this period's detractor comments: “invoice” ×2, “slow” ×2",
            ]
        ),
        "*Open now by owner*\n"
        f"• <@U0ONE>: 1 open — <https://slack.com/archives/C0BILLING/p12|#3 since {date(T(20, 10))}>",
    ]


def test_customer_text_in_the_lists_is_escaped_and_cut_short(session):
    team = seven_old_detractors(session)
    first = session.exec(select(Feedback).where(Feedback.external_id == "old-0")).one()
    first.customer_name = "<!channel> Tom & Jerry <https://evil.example|Globex> Incorporated International"
    first.comment = "Nobody answered.\n\n<!here> see <https://evil.example|our ticket> — we have waited since March"
    session.add(first)
    session.commit()
    line = digest_text(session, team)[1].splitlines()[5]
    assert line == (
        "• #1 · NPS 0/10 · &lt;!channel&gt; Tom &amp; Jerry &lt;ht…: “Nobody answered. &lt;!here&gt; see "
        f"&lt;https://evil.example|our ticket&gt; —…” · opened {date(T(9, 9))} · "
        f"{card('C0SUPPORT', '1700000000.000100')}"
    )


def test_the_posted_digest_links_every_unowned_loop_to_its_card(harness):
    """End to end: seven detractors arrive by signed webhook, cards go out, a lead sends the digest to Slack."""
    names = ["Ana Ortiz", "Bo Chen", "Cy Diaz", "Di Ek", "<!channel> Eve & Co", "Flo Gray", "Gus Hale"]
    for n, name in enumerate(names):
        customer = {"id": f"cus_{n}", "email": f"c{n}@x.io", "name": name, "arr": 10000}
        harness.post_webhook(feedback_payload(customer=customer, comment=f"Invoice wrong, take {n}"))
    harness.cards("C0BILLING", count=7)
    harness.wait_until_delivered()
    with harness.session() as session:
        loops = session.exec(select(Loop).where(Loop.channel_id == "C0BILLING").order_by(Loop.id)).all()
    assert {loop.card_ts for loop in loops} == {m["ts"] for m in harness.standin.messages("C0BILLING")}
    # the digest for last week: these seven came in after it ended, so they are open now but not "this period"
    assert "on its way" in harness.slash("digest send billing", user_id="U0BILLLEAD").json()["text"]
    harness.wait_until_delivered()
    [posted] = [m for m in harness.standin.messages("C0BILLING") if m.get("text", "").startswith("Loopkeeper digest")]
    texts = [b["text"]["text"] for b in posted["blocks"] if b["type"] == "section"]
    expected = [
        f"• #{loop.id} · NPS 3/10 · {label}: “Invoice wrong, take {n}” · opened {date(loop.created_at)} · "
        f"{card('C0BILLING', loop.card_ts)}"
        for n, (loop, label) in enumerate(zip(loops, ["Ana Ortiz", "Bo Chen", "Cy Diaz", "Di Ek"], strict=False))
    ]
    assert texts[1] == "\n".join(
        [
            "*Open loops now: 7* (7 unowned, 0 overdue)",
            "open now by age: < 1 day 7 · 1–3 days 0 · 3–7 days 0 · older 0",
            "open now by touchpoint: billing 7",
            "open now by product: Fleet Planner 7",
            "revenue at risk now: $70,000 ARR (7 open detractor loops)",
            "*Unowned* (overdue first, then oldest):",
            *expected,
            f"• #{loops[4].id} · NPS 3/10 · &lt;!channel&gt; Eve &amp; Co: “Invoice wrong, take 4” · "
            f"opened {date(loops[4].created_at)} · {card('C0BILLING', loops[4].card_ts)}",
            "…and 2 more unowned (`/loops open billing`)",
        ]
    )
    assert "*Detractors received this period: 0* (previous period 0)" in texts
