"""A digest as Slack mrkdwn sections (Block Kit) and as plain text for the terminal."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.digest.content import THEMES_SHOWN, Digest
from bot.loops.cards import customer_label, format_money, score_label
from bot.loops.lists import card_link, card_url
from bot.loops.sla import breached
from bot.mrkdwn import escape, mention_user, slack_date, truncate
from bot.slack.limits import SECTION_TEXT
from bot.themes.lists import theme_line
from models.feedback import Feedback
from models.loop import Loop
from models.team import Team

OWNERS_SHOWN = 10
CUSTOMER_LENGTH = 40
COMMENT_LENGTH = 80
NAME_LENGTH = 40
# Theme lines count everything linked to the theme, not just this period's loops.
THEMES_BASIS = "(by ARR affected; all linked feedback to date)"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes = seconds / 60
    if minutes < 1:
        return "<1m"
    if minutes < 90:
        return f"{minutes:.0f}m"
    hours = minutes / 60
    return f"{hours:.1f}h" if hours < 48 else f"{hours / 24:.1f}d"


def _change(now: float | None, before: float | None, *, lower_is_better: bool = True) -> str:
    if now is None or before is None or now == before:
        return ""
    arrow = "▲" if now > before else "▼"
    good = (now < before) == lower_is_better
    return f" {arrow} from {_duration(before)}" + (" 👍" if good else "")


def _loop_link(loop_id: int, opened: datetime, channel: str, ts: str | None) -> str:
    """``#12 since Nov 3``, linked to the card when it is posted."""
    label = f"#{loop_id} since {slack_date(opened, fmt='{date_short}')}"
    return f"<{card_url(channel, ts)}|{label}>" if ts else label


def sections(digest: Digest) -> list[str]:
    """The digest's sections in mrkdwn, each within Slack's limits.

    Every figure says what it counts: loops *open now*, or what was received, closed or acknowledged *this
    period*; no line mixes the two.
    """
    name = digest.team.name if digest.team else "all teams"
    head = (
        f"*{name}* — {digest.period.label} ({slack_date(digest.period.start, fmt='{date_short}')} – "
        f"{slack_date(digest.period.end, fmt='{date_short}')})"
    )
    if digest.late:
        head += "  _(sent late: Loopkeeper was down at the scheduled time)_"
    if digest.all_clear:
        return [
            head,
            ":sparkles: All clear: no loops open now, and none opened or closed this period.",
            *_outer_loop(digest),
        ]
    c, p = digest.current, digest.previous
    rate = f"{digest.closure_rate:.0%}" if digest.closure_rate is not None else "—"
    out = [head, _open_now(digest)]
    out.append(
        "\n".join(
            [
                f"*Closed this period: {c['closed']}* (previous period {p['closed']}) · opened this period: "
                f"{c['opened']} · closure rate {rate} (closed ÷ opened)",
                f"time to acknowledge (acknowledged this period): median {_duration(digest.ack_times[0])}"
                f"{_change(digest.ack_times[0], digest.ack_times_before[0])}"
                f" · p90 {_duration(digest.ack_times[1])}{_change(digest.ack_times[1], digest.ack_times_before[1])}",
                f"time to resolve (resolved this period): median {_duration(digest.resolve_times[0])}"
                f"{_change(digest.resolve_times[0], digest.resolve_times_before[0])}"
                f" · p90 {_duration(digest.resolve_times[1])}"
                f"{_change(digest.resolve_times[1], digest.resolve_times_before[1])}",
                f"*Outcomes this period:* {_count(c['saved'], 'customer')} saved · {c['churned']} churned · "
                f"revenue retained {format_money(c['retained'])}",
            ]
        )
    )
    detractors = [f"*Detractors received this period: {c['detractors']}* (previous period {p['detractors']})"]
    for title, rows in (("touchpoint", digest.touchpoints), ("product", digest.products)):
        if rows:
            detractors.append(f"this period by {title}: {_ranked(rows)}")
    if digest.common_words:
        words = ", ".join(f"“{escape(w)}” ×{n}" for w, n in digest.common_words)
        detractors.append(f"common words in this period's detractor comments: {words}")
    out.append("\n".join(detractors))
    out += _outer_loop(digest)
    if digest.owners:
        owners = [
            f"• {mention_user(owner)}: {count} open — "
            + ", ".join(
                _loop_link(loop_id, opened, channel, ts)
                for loop_id, opened, channel, ts in digest.owner_loops.get(owner, [])
            )
            + (" …" if count > len(digest.owner_loops.get(owner, [])) else "")
            for owner, count, oldest in digest.owners[:OWNERS_SHOWN]
        ]
        if len(digest.owners) > OWNERS_SHOWN:
            owners.append(f"…and {len(digest.owners) - OWNERS_SHOWN} more owners")
        out.append("*Open now by owner*\n" + "\n".join(owners))
    return [truncate(s, SECTION_TEXT) for s in out]


def _open_now(digest: Digest) -> str:
    """What is open now: counts, ages, where, the revenue at risk, and every loop that needs someone."""
    o = digest.open
    lines = [
        f"*Open loops now: {o['open']}* ({o['unowned']} unowned, {o['overdue']} overdue)",
        f"open now by age: < 1 day {o['under_1d']} · 1–3 days {o['1_3d']} · 3–7 days {o['3_7d']} · older {o['older']}",
    ]
    for title, rows in (("touchpoint", digest.open_touchpoints), ("product", digest.open_products)):
        if rows:
            lines.append(f"open now by {title}: {_ranked(rows)}")
    lines.append(
        f"revenue at risk now: {format_money(digest.revenue_at_risk)} ARR "
        f"({_count(digest.open_detractors, 'open detractor loop')})"
    )
    if digest.unowned:
        lines.append("*Unowned* (overdue first, then oldest):")
        for loop, feedback in digest.unowned:
            flag = " :rotating_light: overdue" if breached(loop, digest.now) else ""
            lines.append(_needs_someone(loop, feedback, lead=flag, team=digest.team))
        lines += _more(digest.unowned_total - len(digest.unowned), "unowned", digest.team)
    if digest.overdue:
        lines.append("*Overdue, with an owner* (oldest first):")
        for loop, feedback in digest.overdue:
            lines.append(_needs_someone(loop, feedback, lead=f" {mention_user(loop.owner_id or '')}", team=digest.team))
        lines += _more(digest.overdue_total - len(digest.overdue), "overdue", digest.team)
    return "\n".join(lines)


def _needs_someone(loop: Loop, feedback: Feedback, *, lead: str, team: Team | None = None) -> str:
    """``• #12 … · NPS 2/10 · Acme: “Invoice wrong twice” · opened Nov 3 · open card``.

    Customer text is escaped (no pings, no fake links), kept to one line and cut short.
    """
    masked = team is not None and team.mask_emails
    about = truncate(escape(customer_label(feedback, mask_emails=masked)), CUSTOMER_LENGTH)  # keeps entities whole
    said = " ".join((feedback.comment or "").split())  # one line, whatever the customer typed
    if said:
        about += f": “{truncate(escape(said), COMMENT_LENGTH)}”"
    opened = slack_date(loop.created_at, fmt="{date_short}")
    return f"• #{loop.id}{lead} · {score_label(feedback)} · {about} · opened {opened} · {card_link(loop)}"


def _more(count: int, what: str, team: Team | None) -> list[str]:
    """``…and 3 more unowned (`/loops open billing`)`` when a list was cut."""
    if count <= 0:
        return []
    command = f"/loops open {team.name}" if team else "/loops open"
    return [f"…and {count} more {what} (`{command}`)"]


def _ranked(rows: list[tuple[str, int]]) -> str:
    return " · ".join(f"{truncate(escape(name), NAME_LENGTH)} {count}" for name, count in rows)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _outer_loop(digest: Digest) -> list[str]:
    """Themes the team owns, themes its loops feed (ARR-weighted), and the root causes of what it closed."""
    out = []
    if digest.themes_owned:
        lines = [f"• {theme_line(r, now=digest.now)}" for r in digest.themes_owned[:THEMES_SHOWN]]
        out.append(f"*Themes you own* {THEMES_BASIS}\n" + "\n".join(lines))
    fed = [r for r in digest.themes_fed if r not in digest.themes_owned]
    if fed:
        lines = [f"• {theme_line(r, now=digest.now)}" for r in fed[:THEMES_SHOWN]]
        title = "*Themes from your loops*" if digest.team else "*Themes*"
        out.append(f"{title} {THEMES_BASIS}\n" + "\n".join(lines))
    if digest.root_causes:
        causes = " · ".join(f"{escape(cause)} {count}" for cause, count in digest.root_causes)
        out.append(f"*Root causes* of the loops closed this period: {causes}")
    return out


def render_blocks(digest: Digest) -> dict:
    """``text`` and ``blocks`` for chat.postMessage."""
    parts = sections(digest)
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text="Loopkeeper digest"))]
    for part in parts:
        blocks += [SectionBlock(text=MarkdownTextObject(text=part)), DividerBlock()]
    blocks[-1] = ContextBlock(elements=[MarkdownTextObject(text="`/loops open` lists every open loop.")])
    return {
        "text": f"Loopkeeper digest for {digest.team.name if digest.team else 'all teams'}",
        "blocks": [b.to_dict() for b in blocks],
    }
