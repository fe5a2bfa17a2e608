"""The impact report in words (Slack mrkdwn): each figure with its count, its interval, and what may be said."""

from __future__ import annotations

from bot.accounts.statistics import MIN_GROUP, SIGNIFICANCE, Comparison, Rate, Verdict, describe
from bot.impact.figures import GROUPS, LABELS, NEVER, Ranked, Report
from bot.mrkdwn import day_month, escape, truncate
from bot.slack.limits import SECTION_TEXT

NO_BILLING = (
    ":information_source: *No billing data yet*, so there is nothing to measure impact against (zeros would only "
    "mislead). Connect billing, then ask again:\n"
    "• *Stripe*: add a webhook endpoint at `https://<your Loopkeeper URL>/webhooks/stripe` for `customer.created`, "
    "`customer.updated`, `customer.subscription.created`, `customer.subscription.updated`, "
    "`customer.subscription.deleted` and `invoice.paid`, and set `LOOPKEEPER_WEBHOOK_SECRET_STRIPE` to its "
    "signing secret (`whsec_…`).\n"
    "• *Any CRM or billing system*: POST account events (churned, renewed, expanded, contracted, cancellation "
    "scheduled or withdrawn) to `/webhooks/accounts`, signed with `LOOPKEEPER_WEBHOOK_SECRET_ACCOUNTS`.\n"
    "Accounts join feedback by customer id, then email, then account name."
)


def report_sections(report: Report, *, hints: bool = True) -> list[str]:
    """The report's sections, each within Slack's limit; ``hints`` adds the `/loops` pointers at the end."""
    window = report.window
    head = (
        f"*Impact — {escape(report.scope)}*, {window.label} ({day_month(window.start, now=report.now)} – "
        f"{day_month(window.end, now=report.now)}): the detractors and negative ratings received"
    )
    counted = len(report.counted)
    scope = f"*{counted} loop{_s(counted)} counted*: one per billing account, its first in the period"
    if report.repeats:
        scope += f" ({report.repeats} later one{_s(report.repeats)} of the same accounts not counted again)"
    if report.unmatched:
        scope += (
            f" · {report.unmatched} left out: billing does not know their account "
            f"(no customer id, email or account name in common)"
        )
    out = [f"{head}\n{scope}"]
    if counted:
        out += [_churn(report), _recovery(report), _revenue(report)]
        weakest = _weakest(report)
        if weakest:
            out.append(weakest)
    else:
        out.append("Nothing to compare yet: no loop of the period has an account billing knows.")
    if hints:
        out.append(
            "`/loops impact unmatched` lists billing's events no feedback joins yet · add `chart` "
            "(`/loops impact chart`) to get the chart in a DM"
        )
    return [truncate(section, SECTION_TEXT) for section in out]


def report_text(report: Report, *, hints: bool = True) -> str:
    return "\n\n".join(report_sections(report, hints=hints))


def _churn(report: Report) -> str:
    lines = [
        "*Churn within 90 days* of the feedback (billing's churn, or a loop marked saved whose account churned), "
        "with 95 % Wilson intervals:"
    ]
    for group in GROUPS:
        line = describe({LABELS[group]: report.groups[group].rate})[0]
        if report.groups[group].rate.n:
            line += f" · ARR lost {report.groups[group].lost}"
        lines.append(f"• {line}")
    lines.append(
        _verdict(
            "Closed loops", "never-closed ones", report.closed, report.groups[NEVER].rate, report.comparison, "churned"
        )
    )
    if report.young:
        lines.append(
            f"_{report.young} of the {len(report.counted)} loops are under 90 days old: their churn so far is counted._"
        )
    return "\n".join(lines)


def _recovery(report: Report) -> str:
    r = report.recovery
    lines = [
        "*Recovery*: the customer's next feedback within 180 days (after the loop was resolved) was passive or "
        "promoter, of those who answered again:"
    ]
    for label, rate, loops in (
        ("resolved", r.resolved, r.resolved_loops),
        ("not resolved", r.unresolved, r.unresolved_loops),
    ):
        if rate.n:
            line = f"{describe({label: rate}, outcome='recovered')[0]} · {rate.n} of {loops} answered again"
        else:
            line = f"{label}: {loops} detractor loop{_s(loops)}, no customer answered again yet"
        lines.append(f"• {line}")
    lines.append(
        _verdict(
            "Resolved detractors",
            "unresolved ones",
            r.resolved,
            r.unresolved,
            r.comparison,
            "recovered",
            unit="customers who answered again",
        )
    )
    return "\n".join(lines)


def _revenue(report: Report) -> str:
    v = report.revenue
    parts = [
        f"{amount} {what} ({count} account{_s(count)})"
        for amount, what, count in (
            (v.paying, "ARR still paying 90 days after the feedback", v.paying_accounts),
            (v.lost, "ARR lost", v.lost_accounts),
            (v.pending, "ARR still paying, not 90 days in yet", v.pending_accounts),
        )
        if count
    ]
    saved = f"{v.saved} loop{_s(v.saved)} marked “customer saved”" + (
        f", {v.saved_churned} of which churned all the same" if v.saved_churned else ""
    )
    return f"*Revenue, measured* by billing: {' · '.join(parts)}\nBeside it, self-reported: {saved}"


def _weakest(report: Report) -> str | None:
    parts = []
    for title, ranked in (("touchpoints", report.touchpoints), ("themes", report.themes)):
        if ranked:
            parts.append(f"{title}: " + " · ".join(_ranked(r) for r in ranked))
    if not parts:
        return None
    return "*Weakest links in dollars* (ARR of detractors' accounts that churned):\n" + "\n".join(parts)


def _ranked(ranked: Ranked) -> str:
    return f"{escape(ranked.name)} {ranked.lost} ({ranked.loops} loop{_s(ranked.loops)})"


def _verdict(
    first: str, second: str, a: Rate, b: Rate, comparison: Comparison, outcome: str, unit: str = "loops"
) -> str:
    """What may be said of two groups' shares: a difference (p < 0.05), no clear one yet, or too few to tell."""
    if comparison.verdict == Verdict.TOO_FEW:
        return f"{first} vs {second}: *too few to tell* (fewer than {MIN_GROUP} {unit} in a group)"
    shares = f"{_pct(a)} vs {_pct(b)}"
    test = f"Fisher's exact test, two-sided p {_p(comparison.p_value)}"
    if comparison.verdict == Verdict.DIFFERENCE:
        more = "more" if (a.share or 0) > (b.share or 0) else "less"
        return f"*{first} {outcome} {more} than {second}*: {shares} ({test})"
    return f"{first} vs {second}: {shares} — *no clear difference yet* ({test}; claimed below {SIGNIFICANCE})"


def _pct(rate: Rate) -> str:
    return f"{(rate.share or 0) * 100:.0f} %"


def _p(value: float) -> str:
    return "< 0.001" if value < 0.001 else f"= {round(value, 3):g}"


def _s(count: int) -> str:
    return "" if count == 1 else "s"
