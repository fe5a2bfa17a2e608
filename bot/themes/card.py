"""The theme card in the owner team's channel: pure rendering from a theme, its figures and its people."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InteractiveElement,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.ids import ThemeAction, ThemeBlock
from bot.money import format_money
from bot.mrkdwn import escape, link_channel, mention_user, quote, slack_date, truncate
from bot.slack.limits import HEADER_TEXT, SECTION_FIELD, SECTION_TEXT
from bot.themes.changes import STATUS_LABELS
from bot.themes.figures import ThemeFigures, Verification
from models.theme import Theme

VERBATIM_LENGTH = 300


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text, verbatim=True)


def render_theme_card(
    theme: Theme, figures: ThemeFigures, *, verification: Verification | None = None, merged_into: Theme | None = None
) -> dict:
    """The ``text`` and ``blocks`` of the theme card's chat.postMessage/chat.update."""
    title = f"🧩 Theme #{theme.id} — {theme.name}"
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=truncate(title, HEADER_TEXT), emoji=True)),
        ContextBlock(block_id=ThemeBlock.STATUS, elements=[_md(status_line(theme, merged_into=merged_into))]),
        SectionBlock(fields=[_md(truncate(text, SECTION_FIELD)) for text in _figure_fields(figures)]),
        ContextBlock(
            elements=[
                _md("New feedback per week, oldest first: " + " · ".join(str(count) for _, count in figures.weekly))
            ]
        ),
    ]
    if figures.verbatims:
        said = "\n".join(quote(truncate(escape(text), VERBATIM_LENGTH)) for text in figures.verbatims)
        blocks.append(SectionBlock(text=_md(truncate("*Latest from customers*\n" + said, SECTION_TEXT))))
    if figures.elevated_by:
        people = ", ".join(mention_user(user) for user in figures.elevated_by[:20])
        blocks.append(ContextBlock(elements=[_md(truncate(f"Elevated by {people}", SECTION_TEXT))]))
    if theme.status in ("shipped", "verified"):
        blocks.append(SectionBlock(text=_md(f"*Customers told:* {figures.told} of {figures.linked}")))
    if verification is not None:
        blocks.append(ContextBlock(elements=[_md(verification_line(verification))]))
    controls = _controls(theme)
    if controls:
        blocks += [DividerBlock(), ActionsBlock(block_id=f"{ThemeBlock.ACTIONS}:{theme.id}", elements=controls)]
    fallback = f"Theme #{theme.id}: {escape(theme.name)} ({STATUS_LABELS.get(theme.status, theme.status)})"
    return {"text": fallback, "blocks": [block.to_dict() for block in blocks]}


def status_line(theme: Theme, *, merged_into: Theme | None = None) -> str:
    """Where the theme stands: status, owner, who moved it there, the fix date or the reason it was declined."""
    parts = [f"*{STATUS_LABELS.get(theme.status, theme.status)}*", f"owned by {link_channel(theme.channel_id)}"]
    if theme.status_changed_by and theme.status_changed_at:
        parts.append(f"by {mention_user(theme.status_changed_by)} {slack_date(theme.status_changed_at)}")
    if theme.status == "fix_planned" and theme.fix_due:
        parts.append(f"fix due {theme.fix_due:%Y-%m-%d}")
    if theme.status == "declined" and theme.decline_reason:
        parts.append(f"because: {escape(theme.decline_reason)}")
    if theme.status == "merged":
        target = f"theme #{theme.merged_into_id}"
        if merged_into is not None:
            target += f" — *{escape(merged_into.name)}*"
        parts.append(f"merged into {target}; its loops and figures are there now")
    return "  ·  ".join(parts)


def _figure_fields(figures: ThemeFigures) -> list[str]:
    seen = "—"
    if figures.first_seen and figures.last_seen:
        first, last = (slack_date(when, fmt="{date_short}") for when in (figures.first_seen, figures.last_seen))
        seen = f"{first} – {last}"
    return [
        f"*Customers affected*\n{figures.customers}",
        f"*ARR affected*\n{format_money(figures.arr)}",
        f"*Detractors and negative ratings*\n{figures.detractors}",
        f"*Linked loops*\n{figures.open_loops} open · {figures.resolved_loops} resolved",
        f"*First and last seen*\n{seen}",
    ]


def verification_line(check: Verification) -> str:
    """Before and after the ship date, in windows of equal length."""
    line = (
        f"*Since the fix* ({check.days} day{'s' if check.days != 1 else ''} after vs before): new linked feedback "
        f"{check.feedback_after} vs {check.feedback_before}"
    )
    if check.touchpoint:
        line += (
            f" · detractor rate at {escape(check.touchpoint)} {_rate(check.rate_after)} vs {_rate(check.rate_before)}"
        )
    return line


def _rate(counts: tuple[int, int]) -> str:
    bad, total = counts
    return f"{round(100 * bad / total)} % ({bad}/{total})" if total else "— (no scored feedback)"


def _controls(theme: Theme) -> list[InteractiveElement]:
    """The buttons that make sense in the theme's status."""
    value = str(theme.id)

    def button(text: str, action: ThemeAction, style: str | None = None) -> ButtonElement:
        return ButtonElement(text=text, action_id=action, value=value, style=style)

    if theme.status == "new":
        return [
            button("Accept", ThemeAction.ACCEPT, "primary"),
            button("Plan fix…", ThemeAction.PLAN_FIX),
            button("Decline…", ThemeAction.DECLINE),
            button("Merge…", ThemeAction.MERGE),
        ]
    if theme.status in ("accepted", "fix_planned"):
        return [
            button("Plan fix…", ThemeAction.PLAN_FIX),
            button("Mark shipped", ThemeAction.SHIP, "primary"),
            button("Decline…", ThemeAction.DECLINE),
            button("Merge…", ThemeAction.MERGE),
        ]
    if theme.status == "shipped":
        return [button("Verify", ThemeAction.VERIFY, "primary")]
    return []
