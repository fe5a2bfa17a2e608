"""Digest figures on seeded data, checked against numbers worked out by hand (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.digest.content import build_digest, common_words
from bot.digest.periods import period
from bot.digest.render import render_blocks, sections
from models import Feedback, Loop, Team, Workspace

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday
T = lambda day, hour, minute=0: datetime(2026, 11, day, hour, minute, tzinfo=UTC)  # noqa: E731


def seed(session) -> Team:
    session.add(Workspace(id="T1"))
    session.flush()
    team = Team(workspace_id="T1", name="billing", channel_id="C0BILLING")
    other = Team(workspace_id="T1", name="support", channel_id="C0SUPPORT")
    session.add_all([team, other])
    session.flush()
    rows = [
        # (created, ack, resolved, status, owner, outcome, score, arr, touchpoint, comment, ack_due)
        (
            T(17, 10),
            T(17, 11),
            T(18, 10),
            "resolved",
            "U0ONE",
            "saved",
            2,
            100000,
            "billing",
            "Invoice wrong twice",
            None,
        ),
        (
            T(18, 10),
            T(18, 10, 30),
            T(19, 22),
            "resolved",
            "U0TWO",
            "churned",
            3,
            50000,
            "billing",
            "Invoice late and support slow",
            None,
        ),
        (T(20, 10), T(20, 14), None, "in_progress", "U0ONE", None, 1, 20000, "checkout", "Checkout slow", None),
        (T(23, 6), None, None, "new", None, None, 7, None, "billing", None, T(23, 8)),
        (T(10, 10), T(10, 12), T(12, 10), "resolved", "U0ONE", "saved", 10, None, None, None, None),
        (T(14, 10), None, None, "new", None, None, 0, 30000, None, None, None),
    ]
    for n, (created, ack, resolved, status, owner, outcome, score, arr, touchpoint, comment, due) in enumerate(rows):
        category = "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"
        feedback = Feedback(
            workspace_id="T1",
            source="generic",
            external_id=f"r{n}",
            score=score,
            scale="nps",
            category=category,
            arr=Decimal(arr) if arr else None,
            touchpoint=touchpoint,
            comment=comment,
            received_at=created,
        )
        session.add(feedback)
        session.flush()
        session.add(
            Loop(
                workspace_id="T1",
                feedback_id=feedback.id,
                team_id=team.id,
                channel_id="C0BILLING",
                status=status,
                owner_id=owner,
                acknowledged_at=ack,
                resolved_at=resolved,
                outcome=outcome,
                created_at=created,
                updated_at=created,
                ack_due_at=due,
                card_ts=f"1.{n}",
            )
        )
    # another team's loop never shows up in billing's digest
    feedback = Feedback(
        workspace_id="T1",
        source="generic",
        external_id="x",
        score=0,
        scale="nps",
        category="detractor",
        arr=Decimal(999999),
        received_at=T(20, 10),
    )
    session.add(feedback)
    session.flush()
    session.add(
        Loop(
            workspace_id="T1",
            feedback_id=feedback.id,
            team_id=other.id,
            channel_id="C0SUPPORT",
            created_at=T(20, 10),
            updated_at=T(20, 10),
        )
    )
    session.commit()
    return team


def test_figures_match_the_hand_computed_ones(session):
    team = seed(session)
    digest = build_digest(session, workspace_id="T1", team=team, period=period("last-week", now=NOW), now=NOW)
    assert digest.period.start == T(16, 0) and digest.period.end == T(23, 0)
    assert digest.open == {"open": 3, "under_1d": 1, "1_3d": 0, "3_7d": 1, "older": 1, "unowned": 2, "overdue": 1}
    assert digest.current == {
        "opened": 3,
        "detractors": 3,
        "closed": 2,
        "saved": 1,
        "churned": 1,
        "retained": Decimal(100000),
    }
    assert digest.previous == {
        "opened": 2,
        "detractors": 1,
        "closed": 1,
        "saved": 1,
        "churned": 0,
        "retained": Decimal(0),
    }
    assert digest.closure_rate == pytest.approx(2 / 3)
    assert digest.ack_times == (pytest.approx(3600), pytest.approx(14400))  # 30m, 1h, 4h
    assert digest.resolve_times == (pytest.approx(86400), pytest.approx(129600))  # 24h, 36h
    assert digest.ack_times_before == (pytest.approx(7200), pytest.approx(7200))
    assert (digest.open_detractors, digest.revenue_at_risk) == (2, Decimal(50000))  # 20,000 + 30,000
    assert digest.touchpoints == [("billing", 2), ("checkout", 1)]  # detractors received this period
    assert digest.open_touchpoints == [("billing", 1), ("checkout", 1)]  # loops open now
    assert digest.common_words == [("invoice", 2), ("slow", 2)]
    assert [(o, n) for o, n, _ in digest.owners] == [("U0ONE", 1)]
    assert digest.owner_loops == {"U0ONE": [(3, T(20, 10), "C0BILLING", "1.2")]}
    # the one overdue loop is unowned: listed first among the unowned, not again among the overdue with an owner
    assert [loop.created_at for loop, _ in digest.unowned] == [T(23, 6), T(14, 10)] and digest.unowned_total == 2
    assert digest.overdue == [] and digest.overdue_total == 0


def test_rendered_digest_reads_well_and_fits_slack(session):
    team = seed(session)
    digest = build_digest(session, workspace_id="T1", team=team, period=period("last-week", now=NOW), now=NOW)
    text = "\n".join(sections(digest))
    assert "*Open loops now: 3* (2 unowned, 1 overdue)" in text
    assert "*Closed this period: 2* (previous period 1) · opened this period: 3 · closure rate 67%" in text
    assert "median 60m ▲ from 2.0h 👍" not in text  # 1h vs 2h is faster: ▼
    assert "time to acknowledge (acknowledged this period): median 60m ▼ from 2.0h 👍" in text
    assert "revenue at risk now: $50,000 ARR (2 open detractor loops)" in text
    assert "revenue retained $100,000" in text
    assert "this period by touchpoint: billing 2 · checkout 1" in text and "“invoice” ×2" in text
    assert "open now by touchpoint: billing 1 · checkout 1" in text
    # by owner: each owner's oldest open loops, linked to their cards
    assert "• <@U0ONE>: 1 open — <https://slack.com/archives/C0BILLING/p12|#3 since " in text
    blocks = render_blocks(digest)["blocks"]
    assert len(blocks) <= 50 and all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)


def test_a_quiet_team_gets_an_all_clear(session):
    session.add(Workspace(id="T1"))
    session.flush()
    team = Team(workspace_id="T1", name="quiet", channel_id="C0Q")
    session.add(team)
    session.commit()
    digest = build_digest(session, workspace_id="T1", team=team, period=period("last-week", now=NOW), now=NOW)
    assert digest.all_clear
    assert sections(digest)[1] == ":sparkles: All clear: no loops open now, and none opened or closed this period."


@pytest.mark.parametrize(
    "name,tz,start,end",
    [
        ("last-week", "UTC", T(16, 0), T(23, 0)),
        ("last-week", "Europe/Berlin", T(15, 23), T(22, 23)),  # Monday 00:00 CET = Sunday 23:00 UTC
        ("last-day", "America/New_York", T(22, 5), T(23, 5)),  # yesterday in New York (EST, UTC-5)
        ("this-week", "UTC", T(23, 0), NOW),
    ],
)
def test_periods_follow_the_teams_timezone(name, tz, start, end):
    chosen = period(name, now=NOW, tz_name=tz)
    assert (chosen.start, chosen.end) == (start, end)
    assert chosen.previous.end == chosen.start


def test_periods_across_the_dst_change():
    # Berlin's clocks went back on 25 Oct 2026: that week is 169 hours long.
    chosen = period("last-week", now=datetime(2026, 10, 28, 12, tzinfo=UTC), tz_name="Europe/Berlin")
    assert chosen.end - chosen.start == timedelta(hours=169)


def test_themes_count_each_comment_once_and_skip_filler_words():
    assert common_words(["Slow slow slow app", "The app is slow", "Great support"]) == [("app", 2), ("slow", 2)]


def test_digest_preview_is_a_read_only_command(harness):
    text = harness.slash("digest preview billing", user_id="U0SOMEONE").json()["text"]
    assert text.startswith("*billing* — last week") and "All clear" in text


def test_digest_send_goes_out_once_per_period(harness):
    text = harness.slash("digest send billing", user_id="U0BILLLEAD").json()["text"]
    assert "billing's digest for last week is on its way to <#C0BILLING>" in text
    [post] = harness.standin.wait_for(
        lambda: [c for c in harness.standin.calls_to("chat.postMessage") if c.args["channel"] == "C0BILLING"]
    )
    assert "Loopkeeper digest" in str(post.args["blocks"]) and "All clear" in str(post.args["blocks"])
    again = harness.slash("digest send billing", user_id="U0ADMIN").json()["text"]
    assert "was already sent" in again
    refused = harness.slash("digest send billing", user_id="U0SOMEONE").json()["text"]
    assert refused.startswith(":lock:")
    harness.wait_until_delivered()
    assert len(harness.standin.messages("C0BILLING")) == 1


def test_concurrent_senders_send_one_digest(harness):
    import threading

    from bot.digest.sending import send_digest
    from models.db import new_session, transaction
    from models.team import get_team_by_name

    results, barrier = [], threading.Barrier(3)

    with new_session(harness.app.engine, read_only=True) as session:
        team = get_team_by_name(session=session, workspace_id=harness.workspace_id, name="support")

    def sender():
        barrier.wait(10)
        with transaction(harness.app.engine) as session:
            results.append(
                send_digest(
                    session, team=session.merge(team), period=period("last-week", now=NOW), now=NOW, sent_by="scheduler"
                )
            )

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(results) == [False, False, True]


def test_by_owner_lists_each_owners_three_oldest_loops(session):
    team = seed(session)
    for n, day in enumerate((21, 19, 22, 18)):  # U0TWO gets four open loops, created out of order
        feedback = Feedback(
            workspace_id="T1",
            source="generic",
            external_id=f"u2-{n}",
            score=5,
            scale="nps",
            category="detractor",
            received_at=T(day, 9),
        )
        session.add(feedback)
        session.flush()
        session.add(
            Loop(
                workspace_id="T1",
                feedback_id=feedback.id,
                team_id=team.id,
                channel_id="C0BILLING",
                status="in_progress",
                owner_id="U0TWO",
                created_at=T(day, 9),
                updated_at=T(day, 9),
            )
        )
    session.commit()
    digest = build_digest(session, workspace_id="T1", team=team, period=period("last-week", now=NOW), now=NOW)
    assert [opened for _, opened, _, _ in digest.owner_loops["U0TWO"]] == [T(18, 9), T(19, 9), T(21, 9)]
    assert [(o, n) for o, n, _ in digest.owners] == [("U0TWO", 4), ("U0ONE", 1)]
    line = next(line for line in "\n".join(sections(digest)).splitlines() if line.startswith("• <@U0TWO>"))
    assert line.startswith("• <@U0TWO>: 4 open — #") and line.endswith(" …") and line.count("since") == 3
