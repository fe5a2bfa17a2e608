"""Feedback alerts that other apps already post in Slack, read best-effort.

Survey tools' own Slack apps post messages like "New NPS response: 3 from
dana@acme.io — 'Billing is a mess'". We read the score, comment and customer
from the text, attachments and blocks when we can; when we cannot, the alert
still becomes a loop with its raw text, flagged unparsed, so nothing is lost.
"""

from __future__ import annotations

import re
from typing import Any

from bot.feedback import MAX_COMMENT, MAX_SHORT, Customer, FeedbackIn, clean_text

_LINK = re.compile(r"<(?:mailto:)?([^|>]+)\|([^>]+)>|<(?:mailto:)?([^>|]+)>")
_FORMAT = re.compile(r"(?<!\w)[*_~`]+|[*_~`]+(?!\w)")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_OUT_OF = re.compile(
    r"\b(?:nps|score[sd]?|rating|rated|csat|ces|gave)\b[^\d\n]{0,20}?(\d{1,2})\s*(?:/|out of)\s*"
    r"(5|7|10)\b",
    re.IGNORECASE,
)
_NPS = re.compile(r"\bNPS\b(?:\s+(?:score|response|rating))?\W{0,5}(\d{1,2})\b", re.IGNORECASE)
_LABELLED = re.compile(r"\b(?:score|rating)\W{1,3}(\d{1,2})\b", re.IGNORECASE)
_STAR_CHARS = re.compile(r"(★+)(☆*)")
_STAR_EMOJI = re.compile(r"((?::star:\s*)+)")
_STARS_WORD = re.compile(r"\b([1-5])[\s-]*stars?\b", re.IGNORECASE)
_COMMENT_LABEL = re.compile(
    r"^[ \t]*(?:comment|feedback|reason|remark|message|review)[ \t]*[:\-][ \t]*(\S.*)$", re.IGNORECASE | re.MULTILINE
)
_QUOTED = re.compile(r"[\"“]([^\"”]{3,500})[\"”]")
_NAME_LABEL = re.compile(
    r"^[ \t]*(?:customer|name|from|respondent|requester|user)[ \t]*[:\-][ \t]*(\S.*)$", re.IGNORECASE | re.MULTILINE
)
_ACCOUNT_LABEL = re.compile(
    r"^[ \t]*(?:company|account|organi[sz]ation)[ \t]*[:\-][ \t]*(\S.*)$", re.IGNORECASE | re.MULTILINE
)
# Alerts are short; reading more than this only gives a hostile message more to chew on.
MAX_ALERT_TEXT = 6000
_DENOMINATOR_SCALE = {"10": "nps", "5": "csat", "7": "ces"}


def message_text(message: dict[str, Any]) -> str:
    """All readable text of a Slack message: text, attachments (with their fields) and blocks."""
    text = message.get("text")
    parts = [text if isinstance(text, str) else ""]
    for attachment in _list(message.get("attachments")):
        if not isinstance(attachment, dict):
            continue
        parts += [str(attachment.get(k) or "") for k in ("pretext", "author_name", "title", "text")]
        for field in _list(attachment.get("fields")):
            if isinstance(field, dict):
                parts.append(f"{field.get('title', '')}: {field.get('value', '')}")
        if not attachment.get("text") and attachment.get("fallback"):
            parts.append(str(attachment["fallback"]))
    parts += _block_texts(message.get("blocks") or [])
    text = "\n".join(p for p in parts if p and p.strip())[:MAX_ALERT_TEXT]
    text = _LINK.sub(lambda m: m.group(2) or m.group(3) or "", text)
    return _FORMAT.sub("", text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _list(value: Any) -> list:
    """A list field as Slack sends it; anything else (a payload not shaped so) as none."""
    return value if isinstance(value, list) else []


def _block_texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = []
        if (node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str)) or (
            node.get("type") == "text" and isinstance(node.get("text"), str)
        ):
            found.append(node["text"])
        for key, value in node.items():
            if key != "text" or not isinstance(value, str):
                found += _block_texts(value)
        return found
    if isinstance(node, list):
        return [t for item in node for t in _block_texts(item)]
    return []


def read_score(text: str) -> tuple[int, str] | None:
    """(score, scale) from an alert's text, or None if no score can be read with confidence."""
    if match := _OUT_OF.search(text):
        score, scale = int(match.group(1)), _DENOMINATOR_SCALE[match.group(2)]
        if scale == "csat" and re.search(r"\bstars?\b|★|:star:", text, re.IGNORECASE):
            scale = "stars"
        return (score, scale) if _in_range(score, scale) else None
    if match := _STAR_CHARS.search(text):
        filled, total = len(match.group(1)), len(match.group(1)) + len(match.group(2))
        if total in (0, 5) or total == filled:
            return (filled, "stars") if 1 <= filled <= 5 else None
    if match := _STAR_EMOJI.search(text):
        count = match.group(1).count(":star:")
        if 1 <= count <= 5:
            return count, "stars"
    if match := _STARS_WORD.search(text):
        return int(match.group(1)), "stars"
    if match := _NPS.search(text) or _LABELLED.search(text):
        score = int(match.group(1))
        return (score, "nps") if 0 <= score <= 10 else None
    # Words only count outside the customer's comment ("Good, I'm satisfied — Comment: not bad at all").
    comment = read_comment(text)
    lowered = (text.replace(comment, " ") if comment else text).lower()
    if "csat" in lowered or "satisf" in lowered or "rated" in lowered:
        if re.search(r"\b(unsatisfied|dissatisfied)\b", lowered):
            return 1, "csat"
        if re.search(r"\bsatisfied\b", lowered):
            return 5, "csat"
        if re.search(r"\b(bad|poor)\b", lowered):
            return 1, "csat"
        if re.search(r"\b(good|great|excellent)\b", lowered):
            return 5, "csat"
    return None


def _in_range(score: int, scale: str) -> bool:
    return {"nps": 0 <= score <= 10, "csat": 1 <= score <= 5, "stars": 1 <= score <= 5, "ces": 1 <= score <= 7}[scale]


def read_comment(text: str) -> str | None:
    if match := _COMMENT_LABEL.search(text):
        return match.group(1)
    quoted = [line[1:].strip() for line in text.split("\n") if line.startswith(">")]
    if quoted:
        return "\n".join(quoted)
    if match := _QUOTED.search(text):
        return match.group(1)
    return None


def parse_alert(message: dict[str, Any], *, channel_id: str, source: str | None) -> FeedbackIn:
    """The feedback in one alert message; unparsed (raw text, no score) when no score can be read."""
    text = message_text(message)
    external_id = f"{channel_id}:{message.get('ts')}"
    name = _NAME_LABEL.search(text)
    account = _ACCOUNT_LABEL.search(text)
    email = _EMAIL.search(text)
    customer = Customer(
        email=clean_text(email.group(0).lower(), limit=320) if email else None,
        name=clean_text(_EMAIL.sub("", name.group(1)).strip(" <>()") if name else None, limit=MAX_SHORT),
        account=clean_text(account.group(1) if account else None, limit=MAX_SHORT),
    )
    score = read_score(text)
    source_name = clean_text(f"slack-{source}" if source else "slack", limit=40) or "slack"
    if score is None:
        return FeedbackIn(
            source=source_name,
            external_id=external_id,
            score=None,
            unparsed=True,
            comment=clean_text(text, limit=MAX_COMMENT),
            customer=customer,
        )
    return FeedbackIn(
        source=source_name,
        external_id=external_id,
        score=score[0],
        scale=score[1],
        comment=clean_text(read_comment(text), limit=MAX_COMMENT),
        customer=customer,
    )
