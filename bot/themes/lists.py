"""Themes for leads to read: the list by ARR affected, and one theme with its loops (for /loops and the CLI)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.loops.lifecycle import ago
from bot.loops.lists import card_url, loop_line
from bot.money import format_money
from bot.mrkdwn import escape, link_channel, quote, truncate
from bot.themes.changes import STATUS_LABELS, THEME_NAME_LENGTH
from bot.themes.figures import ThemeFigures, figures, theme_figures
from models.team import Team
from models.theme import Theme, get_theme, list_themes, theme_loop_rows

SHOWN = 15


@dataclass(frozen=True)
class RankedTheme:
    theme: Theme
    figures: ThemeFigures


def ranked_themes(
    session: Session,
    *,
    workspace_id: str,
    now: datetime,
    owner: Team | None = None,
    statuses: tuple[str, ...] | None = None,
    team_of_loops: Team | None = None,
) -> list[RankedTheme]:
    """Themes with their figures, most ARR affected first (then most customers, then newest).

    ``owner`` keeps the themes a team owns; ``team_of_loops`` those fed by a team's loops.
    """
    themes = list_themes(
        session=session, workspace_id=workspace_id, statuses=statuses, owner_team_id=owner.id if owner else None
    )
    rows = theme_loop_rows(session=session, theme_ids=[t.id for t in themes])
    ranked = []
    for theme in themes:
        mine = [row for row in rows if row[0].theme_id == theme.id]
        numbers = figures(mine, [f.received_at for _, _, f in mine], now=now)
        if team_of_loops is None or team_of_loops.id in numbers.team_ids:
            ranked.append(RankedTheme(theme, numbers))
    return sorted(ranked, key=lambda r: (-r.figures.arr, -r.figures.customers, -r.theme.id))


def theme_line(ranked: RankedTheme, *, now: datetime) -> str:
    """``#4 *Double charges* — Accepted · #finance · 2 customers · $196,000 ARR · 3 detractors · opened 5 days ago``."""
    theme, numbers = ranked.theme, ranked.figures
    name = escape(truncate(theme.name, THEME_NAME_LENGTH))
    title = f"<{card_url(theme.channel_id, theme.card_ts)}|{name}>" if theme.card_ts else f"*{name}*"
    return (
        f"#{theme.id} {title} — {STATUS_LABELS.get(theme.status, theme.status)} · "
        f"{link_channel(theme.channel_id)} · {numbers.customers} customer{'s' if numbers.customers != 1 else ''} · "
        f"{format_money(numbers.arr)} ARR · {numbers.detractors} detractor{'s' if numbers.detractors != 1 else ''}"
        f" · {ago(theme.created_at, now).removesuffix(' ago')} old"
    )


def themes_text(
    session: Session,
    *,
    workspace_id: str,
    now: datetime,
    owner: Team | None = None,
    statuses: tuple[str, ...] | None = None,
    title: str = "Themes",
) -> str:
    """The themes by ARR affected, one line each."""
    ranked = ranked_themes(session, workspace_id=workspace_id, now=now, owner=owner, statuses=statuses)
    if not ranked:
        return f"*{title}*: none yet. Elevate a loop from its card (*Elevate…*) to start one."
    lines = [f"*{title}* ({len(ranked)}, by ARR affected)"] + [f"• {theme_line(r, now=now)}" for r in ranked[:SHOWN]]
    if len(ranked) > SHOWN:
        lines.append(f"…and {len(ranked) - SHOWN} more")
    return "\n".join(lines)


def theme_text(session: Session, *, workspace_id: str, theme_id: int, now: datetime) -> str | None:
    """One theme: its line, its customers' latest words and every linked loop (None when there is no such theme)."""
    theme = get_theme(session=session, workspace_id=workspace_id, theme_id=theme_id)
    if theme is None:
        return None
    numbers = theme_figures(session, theme=theme, now=now)
    out = [theme_line(RankedTheme(theme, numbers), now=now)]
    if theme.decline_reason and theme.status == "declined":
        out.append(f"Declined because: {escape(theme.decline_reason)}")
    if theme.status in ("shipped", "verified"):
        out.append(f"Customers told: {numbers.told} of {numbers.linked}")
    out += [quote(truncate(escape(text), 300)) for text in numbers.verbatims]
    rows = theme_loop_rows(session=session, theme_ids=[theme.id])
    out.append(f"*Loops* ({len(rows)})")
    out += [f"• {loop_line(loop, feedback, now)}" for _, loop, feedback in rows[:SHOWN]]
    if len(rows) > SHOWN:
        out.append(f"…and {len(rows) - SHOWN} more")
    return "\n".join(out)
