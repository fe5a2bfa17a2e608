"""Playbooks: the concrete next steps suggested on a card, chosen by the feedback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.durations import format_duration, parse_duration
from bot.routing import Matcher, parse_matcher
from models.db import memoized
from models.playbook import PlaybookRecord, list_playbook_records

MAX_SUGGESTIONS = 5


@dataclass(frozen=True)
class Step:
    text: str
    within: timedelta


@dataclass(frozen=True)
class Playbook:
    """Steps for feedback matching every matcher; ``final`` stops the search after it."""

    name: str
    matchers: tuple[Matcher, ...]
    steps: tuple[Step, ...]
    final: bool = True

    def matches(self, fields: dict[str, object]) -> bool:
        return all(m.matches(fields) for m in self.matchers)


def _playbook(name: str, matchers: list[str], steps: list[tuple[str, str]], final: bool = True) -> Playbook:
    return Playbook(
        name,
        tuple(parse_matcher(m) for m in matchers),
        tuple(Step(text, parse_duration(within)) for text, within in steps),
        final,
    )


_BILLING_WORDS = (
    r"\b(bills?|billing|billed|invoices?|invoiced|charges?|charged|refunds?|refunded|pric(e|es|ing)|"
    r"payments?|subscriptions?)\b"
)

# Specific playbooks first (not final: their steps come on top of the general
# ones), then one general playbook per category, which ends the search.
BUILT_IN: tuple[Playbook, ...] = (
    _playbook(
        "high-arr-at-risk",
        ["category in detractor,negative", "arr>=50000"],
        [
            ("Call the account owner today and agree who reaches out to the customer", "4h"),
            ("Check the renewal date and open tickets before the call", "4h"),
        ],
        final=False,
    ),
    _playbook(
        "billing-complaint",
        ["category in detractor,negative", f"comment=~{_BILLING_WORDS}"],
        [
            ("Check the customer's last invoices and payments for an error", "4h"),
            ("Reply with a clear explanation, and a refund or credit if we got it wrong", "1d"),
        ],
        final=False,
    ),
    _playbook(
        "support-low-csat",
        ["scale=csat", "category=negative"],
        [
            ("Read the ticket and reply to the customer personally", "4h"),
            ("Reopen or escalate the ticket if the problem is not solved", "1d"),
        ],
    ),
    _playbook(
        "nps-detractor",
        ["category=detractor"],
        [
            ("Reach out personally: thank them and ask what went wrong", "1d"),
            ("Record the root cause and the touchpoint it came from", "2d"),
        ],
    ),
    _playbook(
        "nps-passive",
        ["category=passive"],
        [
            ("Thank them and ask what would make it a 10", "3d"),
        ],
    ),
    _playbook(
        "nps-promoter",
        ["category=promoter"],
        [
            ("Thank them and invite a review or a referral", "1w"),
        ],
    ),
    _playbook(
        "negative-rating",
        ["category=negative"],
        [
            ("Follow up personally to understand what went wrong", "1d"),
        ],
    ),
    _playbook(
        "neutral-rating",
        ["category=neutral"],
        [
            ("Send a short thank-you and ask one follow-up question", "3d"),
        ],
    ),
    _playbook(
        "positive-rating",
        ["category=positive"],
        [
            ("Say thanks; ask for a review if they are open to it", "1w"),
        ],
    ),
    _playbook(
        "unparsed-alert",
        ["category=unscored"],
        [
            ("Read the alert and find the customer and their rating in the tool that sent it", "1d"),
        ],
    ),
)


def suggest(
    fields: dict[str, object], *, received_at: datetime, playbooks: tuple[Playbook, ...] = BUILT_IN
) -> list[dict[str, str]]:
    """Suggested steps for feedback with ``fields``, each with its playbook and due time."""
    suggestions: list[dict[str, str]] = []
    for playbook in playbooks:
        if not playbook.matches(fields):
            continue
        for step in playbook.steps:
            if len(suggestions) < MAX_SUGGESTIONS:
                suggestions.append(
                    {
                        "text": step.text,
                        "playbook": playbook.name,
                        "within": format_duration(step.within),
                        "due_at": (received_at + step.within).isoformat(),
                    }
                )
        if playbook.final:
            break
    return suggestions


BUILT_IN_NAMES = frozenset(p.name for p in BUILT_IN)


def from_record(record: PlaybookRecord) -> Playbook:
    """A stored playbook as the domain uses it."""
    return Playbook(
        record.name,
        tuple(parse_matcher(m) for m in record.matchers),
        tuple(Step(s["text"], parse_duration(s["within"])) for s in record.steps),
        record.final,
    )


def effective_playbooks(records: list[PlaybookRecord]) -> tuple[Playbook, ...]:
    """The workspace's own playbooks first, then the built-ins (overridden or switched off as recorded)."""
    by_name = {r.name: r for r in records}
    own = [from_record(r) for r in records if r.name not in BUILT_IN_NAMES and not r.disabled]
    built_in = []
    for playbook in BUILT_IN:
        record = by_name.get(playbook.name)
        if record is None:
            built_in.append(playbook)
        elif not record.disabled:
            built_in.append(from_record(record))
    return tuple(own + built_in)


def workspace_playbooks(session: Session, *, workspace_id: str) -> tuple[Playbook, ...]:
    return memoized(
        session,
        ("playbooks", workspace_id),
        lambda: effective_playbooks(list_playbook_records(session=session, workspace_id=workspace_id)),
    )
