"""Making customer text safe for Slack: no pings, no fake links, no broken markup."""

from __future__ import annotations

from datetime import datetime

from bot.slack.ids import is_channel_id, is_user_id


def escape(text: str) -> str:
    """Escape the three characters Slack reserves, so ``<!channel>`` or ``<url|x>`` stay text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters on a word boundary where possible, marking the cut.

    Works on already-escaped text without splitting an entity like ``&amp;``.
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut.rstrip() + "…"


def quote(text: str) -> str:
    """Render multi-line text as a Slack block quote."""
    return "\n".join("> " + line if line else ">" for line in text.split("\n"))


def slack_date(when: datetime, *, fmt: str = "{date_short_pretty} at {time}") -> str:
    """A date Slack shows in each reader's own timezone, with a UTC fallback."""
    fallback = when.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(when.timestamp())}^{fmt}|{fallback}>"


def day_month(when: datetime, *, now: datetime) -> str:
    """A calendar day as people say it: "31 Dec", with the year when it is not this year's ("3 Jan 2027")."""
    text = f"{when.day} {when:%b}"
    return text if when.year == now.year else f"{text} {when.year}"


def mention_user(user_id: str) -> str:
    """A person by id as a mention; anything that is not a user id is shown as escaped text, never a ping."""
    return f"<@{user_id}>" if is_user_id(user_id) else escape(user_id)


def link_channel(channel_id: str) -> str:
    """A channel by id as a link; anything that is not a channel id is shown as escaped text."""
    return f"<#{channel_id}>" if is_channel_id(channel_id) else escape(channel_id)


def mention(target_id: str) -> str:
    """A channel or person by id, as Slack renders it (``<#C…>``, ``<@U…>``); other text escaped."""
    if is_channel_id(target_id) and target_id[:1] in "CG":
        return f"<#{target_id}>"
    if is_user_id(target_id):
        return f"<@{target_id}>"
    return escape(target_id) if target_id else "Slack"


def mask_email(email: str) -> str:
    """An email as a team that masks them shows it: ``dana@acme.io`` → ``d•••@acme.io`` (first letter, domain)."""
    local, at, domain = email.partition("@")
    if not at:
        return (email[:1] + "•••") if email else email
    return f"{local[:1]}•••@{domain}"
