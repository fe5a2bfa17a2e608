"""One account across teams, as `/loops account <name|email|customer id>` shows it privately.

Billing's word (ARR, renewal, status), the owner, the score trend of the last six months, open and recent
loops with their teams, owners and cards, and the themes its feedback feeds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.feedback import SCALES
from bot.loops.lists import loop_line
from bot.loops.outcomes import OUTCOMES
from bot.money import format_money
from bot.mrkdwn import day_month, escape, link_channel, mention_user
from bot.themes.changes import STATUS_LABELS
from models.account import (
    CANCELLATION_SCHEDULED,
    CHURNED,
    Account,
    accounts_for_feedback,
    feedback_accounts,
    feedback_for_account,
    name_key,
    search_accounts,
)
from models.feedback import Feedback
from models.loop import Loop, loops_of_feedback
from models.team import Team, list_teams
from models.theme import themes_of_loops

TREND_MONTHS = 6
RECENT = timedelta(days=90)
LOOPS_SHOWN = 10
CHOICES_SHOWN = 10
# The source of an account only feedback names (not stored until it gets an owner).
UNSTORED = "feedback"


@dataclass(frozen=True)
class Candidate:
    """An account the words may mean: stored (billing or an owner set), or only named by feedback."""

    account: Account

    @property
    def label(self) -> str:
        a = self.account
        keys = ", ".join(k for k in (a.customer_id, a.email) if k)
        name = escape(a.name or a.email or a.customer_id or "?")
        return f"{name} ({escape(keys)})" if keys else name

    @property
    def words(self) -> str:
        """What to type to pick this one."""
        a = self.account
        return a.customer_id or a.email or a.name or ""


def find_accounts(session: Session, *, workspace_id: str, text: str) -> list[Candidate]:
    """Every account the words may mean: stored accounts first, then accounts named only by feedback."""
    stored = search_accounts(session=session, workspace_id=workspace_id, text=text)
    found = [Candidate(a) for a in stored]
    named = feedback_accounts(session=session, workspace_id=workspace_id, text=text)
    # Feedback that names the account may join a stored one by another key (a Stripe customer's id or email).
    joined = accounts_for_feedback(session=session, workspace_id=workspace_id, feedback=named)
    for feedback in named:
        account = joined.get(feedback.id) or unstored_account(feedback)
        if not any(c.account.id == account.id if account.id else _same(c.account, account) for c in found):
            found.append(Candidate(account))
    key = name_key(text)
    whole = [c for c in found if c.account.name_key == key or c.words.lower() == text.strip().lower()]
    return whole if len(whole) == 1 else found


def unstored_account(feedback: Feedback) -> Account:
    """An account as feedback names it (not stored: billing has not named it and it has no owner yet)."""
    return Account(
        workspace_id=feedback.workspace_id,
        source=UNSTORED,
        customer_id=feedback.customer_id if not feedback.account else None,
        email=(feedback.customer_email or "").lower() or None if not feedback.account else None,
        name=feedback.account,
        name_key=name_key(feedback.account),
    )


def account_text(session: Session, *, account: Account, now: datetime) -> str:
    """The whole account view, as mrkdwn."""
    feedback = feedback_for_account(session=session, account=account)
    pairs = loops_of_feedback(session=session, workspace_id=account.workspace_id, feedback=feedback)
    loops = {loop.id: loop for _, loop in pairs}
    by_loop: dict[int, Feedback] = {loop.id: f for f, loop in pairs}
    teams = {t.id: t for t in list_teams(session=session, workspace_id=account.workspace_id)}
    # Billing may know a customer only by its id: the name its feedback gives is the one people know.
    name = account.name or next((f.account for f in feedback if f.account), None)
    out = [_title(account, name), _billing(account, now)]
    ids = [f"customer id `{escape(account.customer_id)}`" if account.customer_id else "", escape(account.email or "")]
    if any(ids):
        out.append(" · ".join(i for i in ids if i))
    out += _trend(feedback, now)
    open_loops = [loop for loop in loops.values() if loop.status != "resolved"]
    recent = [
        loop
        for loop in loops.values()
        if loop.status == "resolved" and loop.resolved_at is not None and loop.resolved_at >= now - RECENT
    ]
    out.append(f"*Open loops* ({len(open_loops)})")
    out += _loops(open_loops, by_loop, teams, now, empty="_None open._")
    out.append(f"*Resolved in the last 90 days* ({len(recent)})")
    out += _loops(recent, by_loop, teams, now, empty="_None._")
    themes = themes_of_loops(session=session, workspace_id=account.workspace_id, loop_ids=list(loops))
    if themes:
        out.append("*Themes its feedback feeds*")
        out += [
            f"• #{t.id} {escape(t.name)} — {STATUS_LABELS.get(t.status, t.status)} · owned by "
            f"{escape(teams[t.owner_team_id].name) if t.owner_team_id in teams else 'a team'}"
            for t in themes
        ]
    return "\n".join(out)


def choices_text(candidates: list[Candidate], text: str) -> str:
    """Several accounts match: a list to choose from."""
    lines = [f"*{len(candidates)} accounts match* `{escape(text)}` — say which:"]
    for candidate in candidates[:CHOICES_SHOWN]:
        lines.append(f'• {candidate.label}: `/loops account "{escape(candidate.words)}"`')
    if len(candidates) > CHOICES_SHOWN:
        lines.append(f"…and {len(candidates) - CHOICES_SHOWN} more; type more of the name")
    return "\n".join(lines)


def _title(account: Account, name: str | None) -> str:
    label = name or account.email or account.customer_id or "Account"
    title = f"*{escape(label)}*"
    if account.owner_id:
        return f"{title} · account owner {mention_user(account.owner_id)}"
    if account.owner_email:
        return f"{title} · account owner {escape(account.owner_email)} (not a Slack user we can find)"
    return f'{title} · no account owner (`/loops account owner "{escape(label)}" @someone`)'


def _billing(account: Account, now: datetime) -> str:
    arr = format_money(account.arr, account.currency) if account.arr is not None else None
    if account.status == CANCELLATION_SCHEDULED:
        on = f" for {day_month(account.cancel_at, now=now)}" if account.cancel_at else ""
        return f":rotating_light: *Cancellation scheduled{on}*{f' · {arr} ARR at stake' if arr else ''}"
    if account.status == CHURNED:
        return f":x: *Churned*{f' on {day_month(account.churned_at, now=now)}' if account.churned_at else ''}"
    if account.id is None or (account.status == "unknown" and arr is None):
        return "_Billing has not told us about this account._"
    renews = f" · renews {day_month(account.renews_at, now=now)}" if account.renews_at else ""
    return f"Billing: {arr + ' ARR' if arr else 'ARR not known'}{renews} · paying"


def _trend(feedback: list[Feedback], now: datetime) -> list[str]:
    """Per scale, the average score each of the last six months ("—" for a month without any)."""
    months = _months(now)
    scores: dict[str, dict[tuple[int, int], list[int]]] = defaultdict(lambda: defaultdict(list))
    for f in feedback:
        when = f.submitted_at or f.received_at
        if f.score is not None and (when.year, when.month) in months:
            scores[f.scale][(when.year, when.month)].append(f.score)
    if not scores:
        return ["_No scores in the last six months._"]
    lines = [f"*Scores, last {TREND_MONTHS} months*"]
    for scale, by_month in sorted(scores.items()):
        name = "NPS" if scale == "nps" else SCALES[scale].name.upper() if scale in SCALES else scale.upper()
        cells = []
        for year, month in months:
            got = by_month.get((year, month))
            label = datetime(year, month, 1).strftime("%b")
            cells.append(f"{label} {_average(got)}" if got else f"{label} —")
        lines.append(f"{name}: " + " · ".join(cells))
    return lines


def _average(scores: list[int]) -> str:
    mean = sum(scores) / len(scores)
    return f"{mean:.1f}".rstrip("0").rstrip(".")


def _months(now: datetime) -> list[tuple[int, int]]:
    year, month, out = now.year, now.month, []
    for _ in range(TREND_MONTHS):
        out.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def _loops(
    loops: list[Loop], by_loop: Mapping[int, Feedback], teams: dict[int, Team], now: datetime, *, empty: str
) -> list[str]:
    if not loops:
        return [empty]
    lines = []
    for loop in sorted(loops, key=lambda item: item.created_at, reverse=True)[:LOOPS_SHOWN]:
        team = teams.get(loop.team_id) if loop.team_id is not None else None
        where = f"{escape(team.name)} ({link_channel(team.channel_id)})" if team else link_channel(loop.channel_id)
        outcome = f" · {OUTCOMES.get(loop.outcome, loop.outcome)}" if loop.outcome else ""
        lines.append(f"• {where}: {loop_line(loop, by_loop[loop.id], now)}{outcome}")
    if len(loops) > LOOPS_SHOWN:
        lines.append(f"…and {len(loops) - LOOPS_SHOWN} more")
    return lines


def _same(a: Account, b: Account) -> bool:
    return bool(
        (a.name_key and a.name_key == b.name_key)
        or (a.email and a.email == b.email)
        or (a.customer_id and a.customer_id == b.customer_id)
    )
