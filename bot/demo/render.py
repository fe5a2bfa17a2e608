"""Showing Slack messages in a terminal, readably: header, fields, text, buttons."""

from __future__ import annotations

import html
import re

_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
_USER = re.compile(r"<@([A-Z0-9]+)>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_EMOJI = {
    ":outbox_tray:": "📤",
    ":sparkles:": "✨",
    ":alarm_clock:": "⏰",
    ":rotating_light:": "🚨",
    ":zzz:": "💤",
    ":speech_balloon:": "💬",
    ":pencil2:": "✏️",
    ":arrow_right:": "➡️",
    ":arrow_left:": "⬅️",
    ":warning:": "⚠️",
}
_BOLD = re.compile(r"\*([^*\n]+)\*")


def plain(mrkdwn: str, users: dict[str, str] | None = None) -> str:
    """Slack mrkdwn as terminal text: dates by their fallback, users by name, entities decoded."""
    text = _DATE.sub(r"\1", mrkdwn)
    text = _USER.sub(lambda m: "@" + (users or {}).get(m.group(1), m.group(1)), text)
    text = _LINK.sub(r"\2 (\1)", text)
    text = _BOLD.sub(r"\1", text)
    for code, emoji in _EMOJI.items():
        text = text.replace(code, emoji)
    return html.unescape(text)


def render_message(message: dict, *, channel: str, users: dict[str, str] | None = None, width: int = 78) -> str:
    """A boxed, readable view of one posted message."""
    lines: list[str] = []
    for block in message.get("blocks") or [{"type": "section", "text": {"text": message.get("text", "")}}]:
        kind = block["type"]
        if kind == "header":
            lines.append(block["text"]["text"])
            lines.append("═" * min(width - 4, len(block["text"]["text"]) + 2))
        elif kind == "section":
            if block.get("text"):
                lines.extend(plain(block["text"]["text"], users).split("\n"))
            for field in block.get("fields", []):
                label, _, value = plain(field["text"], users).partition("\n")
                lines.append(f"{label.strip('*')}: {value.replace(chr(10), ' · ')}")
        elif kind == "context":
            lines.append(" ".join(plain(e.get("text", ""), users) for e in block["elements"]))
        elif kind == "divider":
            lines.append("─" * (width - 4))
        elif kind == "actions":
            lines.append(
                "  ".join(
                    f"[ {e['text']['text']} ]" if e.get("text") else f"[ {e['placeholder']['text']} ▾ ]"
                    for e in block["elements"]
                )
            )
    top = f"┌─ #{channel} " + "─" * max(0, width - len(channel) - 6)
    body = [f"│ {line}" for line in lines]
    return "\n".join([top, *body, "└" + "─" * (width - 1)])
