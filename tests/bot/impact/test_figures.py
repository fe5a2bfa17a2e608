"""The impact report on seeded loops, against figures worked out by hand (both databases).

Wilson's 95 % interval, written out: with p = k/n and z = 1.96 (z² = 3.8416),
    centre = (p + z²/2n) / (1 + z²/n),   half = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n),   interval = centre ± half.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.impact.figures import LATE, NEVER, WITHIN_SLA, build_report
from bot.impact.periods import last_days, window
from bot.impact.text import report_text
from models import Theme, ThemeLink
from tests.bot.impact.seeding import Seeder

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def report(session, *, team=None, days: int = 90):
    return build_report(session, workspace_id="T1", team=team, window=last_days(days, end=NOW), now=NOW)


def lines(text: str) -> list[str]:
    return text.splitlines()


def test_forty_and_forty_with_four_and_sixteen_churned_is_a_difference(session):
    seed = Seeder(session, workspace_id="T1", now=NOW)
    seed.groups({"within_sla": (40, 4), "never": (40, 16)})
    text = report_text(report(session))
    # 4 of 40: p = .1, z²/n = .09604; centre = (.1 + .04802)/1.09604 = .13505;
    #   half = 1.96·√(.00225 + .00060025)/1.09604 = 1.96·.053388/1.09604 = .09547 → .0396 to .2305: 4–23 %.
    assert "• closed within SLA: 10 % churned (4 of 40, 95 % CI 4–23 %) · ARR lost $48,000" in lines(text)
    assert "• closed late: no loops yet" in lines(text)
    # 16 of 40: p = .4; centre = (.4 + .04802)/1.09604 = .40876;
    #   half = 1.96·√(.006 + .00060025)/1.09604 = 1.96·.081242/1.09604 = .14528 → .2635 to .5540: 26–55 %.
    assert "• never closed: 40 % churned (16 of 40, 95 % CI 26–55 %) · ARR lost $192,000" in lines(text)
    # Fisher's exact test on [[4, 36], [16, 24]]: two-sided p = .0038 < .05, so the difference is claimed.
    assert (
        "*Closed loops churned less than never-closed ones*: 10 % vs 40 % (Fisher's exact test, two-sided p = 0.004)"
        in lines(text)
    )
    assert "*80 loops counted*: one per billing account, its first in the period" in text


def test_twenty_and_twenty_with_four_and_seven_churned_is_no_clear_difference_yet(session):
    seed = Seeder(session, workspace_id="T1", now=NOW)
    seed.groups({"within_sla": (20, 4), "never": (20, 7)})
    text = report_text(report(session))
    # 4 of 20: p = .2, z²/n = .19208; centre = (.2 + .09604)/1.19208 = .24834;
    #   half = 1.96·√(.008 + .0024010)/1.19208 = 1.96·.101985/1.19208 = .16768 → .0807 to .4160: 8–42 %.
    assert "• closed within SLA: 20 % churned (4 of 20, 95 % CI 8–42 %) · ARR lost $48,000" in lines(text)
    # 7 of 20: p = .35; centre = (.35 + .09604)/1.19208 = .37417;
    #   half = 1.96·√(.011375 + .0024010)/1.19208 = 1.96·.117371/1.19208 = .19298 → .1812 to .5672: 18–57 %.
    assert "• never closed: 35 % churned (7 of 20, 95 % CI 18–57 %) · ARR lost $84,000" in lines(text)
    # Fisher on [[4, 16], [7, 13]]: p = .48: both shares shown, no difference claimed.
    assert (
        "Closed loops vs never-closed ones: 20 % vs 35 % — *no clear difference yet* "
        "(Fisher's exact test, two-sided p = 0.48; claimed below 0.05)" in lines(text)
    )


def test_five_and_five_are_too_few_to_tell(session):
    seed = Seeder(session, workspace_id="T1", now=NOW)
    seed.groups({"within_sla": (5, 1), "never": (5, 2)})
    text = report_text(report(session))
    assert "• closed within SLA: 1 of 5 churned (too few for a rate) · ARR lost $12,000" in lines(text)
    assert "• never closed: 2 of 5 churned (too few for a rate) · ARR lost $24,000" in lines(text)
    assert "Closed loops vs never-closed ones: *too few to tell* (fewer than 10 loops in a group)" in lines(text)
    assert "%" not in text.split("*Churn within 90 days*")[1].split("*Recovery*")[0].replace("95 %", "")


def test_what_counts_and_what_is_left_out(session):
    seed = Seeder(session, workspace_id="T1", now=NOW)
    billing, support = seed.team("billing", "C0BILLING"), seed.team("support", "C0SUPPORT")
    seed.loop("within_sla", team=billing)
    late = seed.loop("late", team=billing, churned=True, arr=Decimal(30000))
    seed.loop("never", team=billing, customer=seed.customer_of(late))  # the same account again: counted once
    seed.loop("never", team=billing, billed=False)  # billing does not know the customer
    seed.loop("never", team=support, churned=True)  # another team's
    # Churned after 90 days, and churned before the feedback: neither counts.
    seed.loop("never", team=billing, churned=True, churn_after=timedelta(days=91))
    seed.loop("never", team=billing, churned=True, churn_after=timedelta(days=-5))
    figures = report(session, team=billing)
    assert figures is not None
    assert (len(figures.counted), figures.repeats, figures.unmatched) == (4, 1, 1)
    assert [figures.groups[g].rate.n for g in (WITHIN_SLA, LATE, NEVER)] == [1, 1, 2]
    assert [figures.groups[g].rate.k for g in (WITHIN_SLA, LATE, NEVER)] == [0, 1, 0]
    assert str(figures.groups[LATE].lost) == "$30,000"
    text = report_text(figures)
    assert "*Impact — billing*, last 90 days (1 Sep – 30 Nov)" in text
    assert "(1 later one of the same accounts not counted again)" in text
    assert "1 left out: billing does not know their account" in text
    assert "_4 of the 4 loops are under 90 days old: their churn so far is counted._" in text


def test_a_loop_marked_saved_whose_account_churned_counts_as_churned(session):
    seed = Seeder(session, workspace_id="T1", now=NOW)
    received = NOW - timedelta(days=150)
    saved = seed.loop("within_sla", outcome="saved", received=received, churned=True, churn_after=timedelta(days=100))
    seed.flag_saved_then_churned(saved)
    seed.loop("within_sla", outcome="saved", received=received)
    figures = report(session, days=180)
    assert figures is not None
    assert (figures.groups[WITHIN_SLA].rate.k, figures.groups[WITHIN_SLA].rate.n) == (1, 2)
    assert str(figures.groups[WITHIN_SLA].lost) == "$12,000"  # the churn billing saw, 100 days in
    text = report_text(figures)
    assert "Beside it, self-reported: 2 loops marked “customer saved”, 1 of which churned all the same" in text
    # The other is past its 90 days and still paying.
    assert "$12,000 ARR still paying 90 days after the feedback (1 account) · $12,000 ARR lost (1 account)" in text


def test_revenue_measured_by_billing(session):
    seed = Seeder(session, workspace_id="T1", now=NOW)
    old = NOW - timedelta(days=120)
    seed.loop("within_sla", received=old, arr=Decimal(50000))  # past 90 days, paying
    later = seed.loop("never", received=old, arr=Decimal(20000))  # churned on day 100: it paid through day 90
    seed.churn(seed.account_of(later), at=old + timedelta(days=100))
    seed.loop("never", received=old, churned=True, arr=Decimal(8000))  # lost
    seed.loop("never", received=NOW - timedelta(days=10), arr=Decimal(4000))  # too recent to tell
    figures = report(session, days=180)
    assert figures is not None
    v = figures.revenue
    assert (str(v.paying), v.paying_accounts, str(v.lost), v.lost_accounts) == ("$70,000", 2, "$8,000", 1)
    assert (str(v.pending), v.pending_accounts) == ("$4,000", 1)


def test_weakest_links_in_dollars(session):
    seed = Seeder(session, workspace_id="T1", now=NOW)
    team = seed.team("billing", "C0BILLING")
    invoices = seed.loop("never", team=team, churned=True, touchpoint="invoices", arr=Decimal(90000))
    seed.loop("never", team=team, churned=True, touchpoint="onboarding", arr=Decimal(10000))
    seed.loop("never", team=team, churned=True, touchpoint="onboarding", arr=Decimal(15000))
    seed.loop("never", team=team, churned=False, touchpoint="support", arr=Decimal(500000))  # did not churn
    theme = Theme(
        workspace_id="T1", name="Double charges", owner_team_id=team.id, channel_id="C0BILLING", created_by="U0"
    )
    session.add(theme)
    session.flush()
    session.add(
        ThemeLink(workspace_id="T1", theme_id=theme.id, loop_id=invoices.id, impact="attrition_risk", elevated_by="U0")
    )
    session.flush()
    text = report_text(report(session, team=team))
    assert "touchpoints: invoices $90,000 (1 loop) · onboarding $25,000 (2 loops)" in lines(text)
    assert f"themes: #{theme.id} Double charges $90,000 (1 loop)" in lines(text)


def test_recovery_resolved_against_unresolved(session):
    seed = Seeder(session, workspace_id="T1", now=NOW)
    received = NOW - timedelta(days=60)
    for n in range(12):
        loop = seed.loop("within_sla", received=received)
        # The customer's next feedback, a month later: 9 of 12 passive or promoter.
        seed.feedback(seed.customer_of(loop), score=9 if n < 9 else 4, received=received + timedelta(days=30))
    for n in range(10):
        loop = seed.loop("never", received=received)
        seed.feedback(seed.customer_of(loop), score=8 if n < 2 else 2, received=received + timedelta(days=30))
    seed.loop("never", received=received)  # never answered again
    figures = report(session)
    assert figures is not None
    r = figures.recovery
    assert (r.resolved.k, r.resolved.n, r.resolved_loops) == (9, 12, 12)
    assert (r.unresolved.k, r.unresolved.n, r.unresolved_loops) == (2, 10, 11)
    text = report_text(figures)
    assert "• resolved: 75 % recovered (9 of 12, 95 % CI 47–91 %) · 12 of 12 answered again" in lines(text)
    assert "• not resolved: 20 % recovered (2 of 10, 95 % CI 6–51 %) · 10 of 11 answered again" in lines(text)
    # Fisher on [[9, 3], [2, 8]]: p = .030.
    assert (
        "*Resolved detractors recovered more than unresolved ones*: 75 % vs 20 % "
        "(Fisher's exact test, two-sided p = 0.03)" in lines(text)
    )


def test_without_billing_data_there_is_no_report(session):
    seed = Seeder(session, workspace_id="T1", now=NOW)
    seed.groups({"never": (12, 0)}, billed=False)
    assert build_report(session, workspace_id="T1", team=None, window=window(None, now=NOW), now=NOW) is None
