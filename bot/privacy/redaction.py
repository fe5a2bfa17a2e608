"""Taking a customer's words out of messages we already wrote (digests, DMs, notes): pure functions.

A message may carry a comment escaped for Slack, folded onto one line and cut short with "…", so a comment is
looked for in each of those forms, and a cut one by its opening words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.mrkdwn import escape

REMOVED_MARK = "[removed]"
# A comment cut short still names itself by this many opening characters; shorter texts must match whole.
PREFIX = 24
# Keys of a Slack payload that are addresses, not text.
_ADDRESSES = frozenset({"channel", "ts", "thread_ts", "user", "user_id", "metadata"})


@dataclass(frozen=True)
class Needles:
    """What to take out: exact strings (names, emails, ids) and free texts (comments, found even when cut)."""

    exact: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()

    @classmethod
    def of(cls, *, exact: Iterable[str | None], texts: Iterable[str | None]) -> Needles:
        words = {form for value in exact if value and len(value.strip()) >= 3 for form in _forms(value.strip())}
        long = {form for value in texts if value and value.strip() for form in _forms(value.strip())}
        # Longest first, so a name inside a longer needle never leaves the rest behind.
        return cls(tuple(sorted(words, key=len, reverse=True)), tuple(sorted(long, key=len, reverse=True)))

    def __bool__(self) -> bool:
        return bool(self.exact or self.texts)


def _forms(value: str) -> set[str]:
    one_line = " ".join(value.split())
    return {value, escape(value), one_line, escape(one_line)}


def redact(text: str, needles: Needles) -> str:
    """``text`` with every needle (and every cut-short comment) replaced by ``[removed]``."""
    for needle in needles.texts:  # whole first: one form's opening words may begin another form
        text = text.replace(needle, REMOVED_MARK)
    for needle in needles.texts:
        text = _cut(text, needle)
    for needle in needles.exact:
        text = _replace_folded(text, needle)
    return text


def _replace_folded(text: str, needle: str) -> str:
    """Replace ``needle`` whatever its case (emails and names are written in any)."""
    lowered, target = text.lower(), needle.lower()
    out, start = [], 0
    while (found := lowered.find(target, start)) != -1:
        out += [text[start:found], REMOVED_MARK]
        start = found + len(needle)
    return "".join(out) + text[start:] if out else text


def _cut(text: str, needle: str) -> str:
    """Replace ``needle``, or its opening words where it was cut short (at least ``PREFIX`` characters of it)."""
    head = needle[: min(PREFIX, len(needle))]
    out, start = [], 0
    while (found := text.find(head, start)) != -1:
        end = found + len(head)
        while end - found < len(needle) and end < len(text) and text[end] == needle[end - found]:
            end += 1
        if end - found < len(needle) and len(needle) > PREFIX and text[end : end + 1] == "…":
            end += 1  # the cut's mark goes with it
        elif end - found < len(needle) and len(needle) <= PREFIX:
            out.append(text[start:end])  # a short text only counts whole
            start = end
            continue
        out += [text[start:found], REMOVED_MARK]
        start = end
    return "".join(out) + text[start:] if out else text


def redact_payload(payload: Any, needles: Needles, *, key: str | None = None) -> Any:
    """A Slack payload (text, blocks, nested) with every text value redacted; addresses left as they are."""
    if key in _ADDRESSES:
        return payload
    if isinstance(payload, str):
        return redact(payload, needles)
    if isinstance(payload, list):
        return [redact_payload(item, needles) for item in payload]
    if isinstance(payload, dict):
        return {k: redact_payload(v, needles, key=k) for k, v in payload.items()}
    return payload
