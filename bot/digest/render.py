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
from bot.loops.cards import format_money
from bot.loops.lists import card_link, card_url
from bot.mrkdwn import escape, mention_user, slack_date, truncate
from bot.slack_limits import SECTION_TEXT
from bot.themes.lists import theme_line

OWNERS_SHOWN = 10


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
    """The digest's sections in mrkdwn, each within Slack's limits."""
    name = digest.team.name if digest.team else "all teams"
    head = (
        f"*{name}* — {digest.period.label} ({slack_date(digest.period.start, fmt='{date_short}')} – "
        f"{slack_date(digest.period.end, fmt='{date_short}')})"
    )
    if digest.late:
        head += "  _(sent late: Loopkeeper was down at the scheduled time)_"
    if digest.all_clear:
        return [head, ":sparkles: All clear: nothing is open and nothing came in this period.", *_outer_loop(digest)]
    o, c, p = digest.open, digest.current, digest.previous
    out = [head]
    lines = [
        f"*Open loops: {o['open']}*  ({o['unowned']} unowned, {o['overdue']} overdue)",
        f"by age: < 1 day {o['under_1d']} · 1–3 days {o['1_3d']} · 3–7 days {o['3_7d']} · older {o['older']}",
    ]
    if digest.overdue:
        lines.append("*Overdue first:*")
        for loop in digest.overdue:
            owner = f"{mention_user(loop.owner_id)}" if loop.owner_id else "_unowned_"
            lines.append(
                f"• #{loop.id} {owner} opened {slack_date(loop.created_at, fmt='{date_short}')} · {card_link(loop)}"
            )
        if digest.overdue_total > len(digest.overdue):
            lines.append(
                f"…and {digest.overdue_total - len(digest.overdue)} more (`/loops open "
                f"{digest.team.name if digest.team else ''}`)".replace(" `)", "`)")
            )
    out.append("\n".join(lines))
    rate = f"{digest.closure_rate:.0%}" if digest.closure_rate is not None else "—"
    out.append(
        "\n".join(
            [
                f"*Closed this period: {c['closed']}* (last period {p['closed']}) · opened {c['opened']} · "
                f"closure rate {rate}",
                f"time to acknowledge: median {_duration(digest.ack_times[0])}"
                f"{_change(digest.ack_times[0], digest.ack_times_before[0])}"
                f" · p90 {_duration(digest.ack_times[1])}{_change(digest.ack_times[1], digest.ack_times_before[1])}",
                f"time to resolve: median {_duration(digest.resolve_times[0])}"
                f"{_change(digest.resolve_times[0], digest.resolve_times_before[0])}"
                f" · p90 {_duration(digest.resolve_times[1])}"
                f"{_change(digest.resolve_times[1], digest.resolve_times_before[1])}",
            ]
        )
    )
    out.append(
        "\n".join(
            [
                f"*Outcomes:* {c['saved']} customers saved · {c['churned']} churned",
                f"revenue at risk (open detractors): {format_money(digest.revenue_at_risk)} · "
                f"revenue retained this period: {format_money(c['retained'])}",
            ]
        )
    )
    weak = []
    for title, rows in (("Touchpoints", digest.touchpoints), ("Products", digest.products)):
        if rows:
            weak.append(
                f"{title}: "
                + ", ".join(f"{escape(n)} ({d} detractor{'s' if d != 1 else ''}, {o_} open)" for n, d, o_ in rows)
            )
    if digest.common_words:
        words = ", ".join(f"“{escape(w)}” ×{n}" for w, n in digest.common_words)
        weak.append(f"Common words in detractor comments: {words}")
    if weak:
        out.append("*Weakest links*\n" + "\n".join(weak))
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
        out.append("*By owner*\n" + "\n".join(owners))
    return [truncate(s, SECTION_TEXT) for s in out]


def _outer_loop(digest: Digest) -> list[str]:
    """Themes the team owns, themes its loops feed (ARR-weighted), and the root causes of what it closed."""
    out = []
    if digest.themes_owned:
        lines = [f"• {theme_line(r, now=digest.now)}" for r in digest.themes_owned[:THEMES_SHOWN]]
        out.append("*Themes you own* (by ARR affected)\n" + "\n".join(lines))
    fed = [r for r in digest.themes_fed if r not in digest.themes_owned]
    if fed:
        lines = [f"• {theme_line(r, now=digest.now)}" for r in fed[:THEMES_SHOWN]]
        title = "*Themes from your loops*" if digest.team else "*Themes*"
        out.append(f"{title} (by ARR affected)\n" + "\n".join(lines))
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
