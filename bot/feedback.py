"""Feedback as the domain sees it: scales, categories and the validated intake shape."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from bot.errors import InvalidFeedback


@dataclass(frozen=True)
class Scale:
    name: str
    low: int
    high: int
    # Inclusive upper bounds of the bad and middling bands; the rest is good.
    bad_upto: int
    middling_upto: int
    labels: tuple[str, str, str]

    def category(self, score: int) -> str:
        """Detractor/passive/promoter for NPS, negative/neutral/positive otherwise."""
        if score <= self.bad_upto:
            return self.labels[0]
        if score <= self.middling_upto:
            return self.labels[1]
        return self.labels[2]


SCALES: dict[str, Scale] = {
    "nps": Scale("nps", 0, 10, 6, 8, ("detractor", "passive", "promoter")),
    "csat": Scale("csat", 1, 5, 2, 3, ("negative", "neutral", "positive")),
    "ces": Scale("ces", 1, 7, 3, 4, ("negative", "neutral", "positive")),
    "stars": Scale("stars", 1, 5, 2, 3, ("negative", "neutral", "positive")),
}
BAD_CATEGORIES = frozenset({"detractor", "negative"})
# What erased feedback shows where the customer was, and how the stand-ins it keeps for joins begin (a customer id
# or account key that only ties an anonymous row to its account and to the same customer's other rows).
REMOVED = "removed at the customer's request"
PSEUDONYM_PREFIX = "forgotten-"
UNSCORED = "unscored"

# Bounds keep one noisy payload from filling a Slack card or the database.
MAX_COMMENT = 4000
MAX_SHORT = 200
MAX_TAGS = 20
# Control characters, zero-width and bidi overrides, and lone surrogates (unstorable as UTF-8).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def clean_text(value: str | None, *, limit: int) -> str | None:
    """Strip control and bidi characters, trim, bound the length; empty becomes None."""
    if value is None:
        return None
    text = _CONTROL.sub("", value).replace("\r\n", "\n").strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or None


@dataclass(frozen=True)
class Customer:
    id: str | None = None
    email: str | None = None
    name: str | None = None
    account: str | None = None
    segment: str | None = None
    arr: Decimal | None = None

    @property
    def email_domain(self) -> str | None:
        if self.email and "@" in self.email:
            return self.email.rsplit("@", 1)[1].lower()
        return None


@dataclass(frozen=True)
class FeedbackIn:
    """One validated piece of feedback from any source, before it is stored."""

    source: str
    external_id: str
    score: int | None
    scale: str = "nps"
    comment: str | None = None
    customer: Customer = field(default_factory=Customer)
    touchpoint: str | None = None
    product: str | None = None
    tags: tuple[str, ...] = ()
    submitted_at: datetime | None = None
    # The source's own time of this version of the response (its updated_at, else when it was given):
    # a delivery older than the version already stored never rolls it back.
    version_at: datetime | None = None
    url: str | None = None
    # True for alerts kept as raw text because no score could be read from them.
    unparsed: bool = False

    def __post_init__(self):
        scale = SCALES.get(self.scale)
        if scale is None:
            raise InvalidFeedback(f"must be one of {', '.join(SCALES)} (got {self.scale!r})", where="scale")
        if self.score is None:
            if not self.unparsed:
                raise InvalidFeedback("is required", where="score")
            return
        if not scale.low <= self.score <= scale.high:
            raise InvalidFeedback(
                f"must be between {scale.low} and {scale.high} for scale {scale.name} (got {self.score})",
                where="score",
            )

    @property
    def category(self) -> str:
        return UNSCORED if self.score is None else SCALES[self.scale].category(self.score)

    def routing_fields(self) -> dict[str, object]:
        """The fields routes and playbooks match on, by their public names."""
        return {
            "source": self.source,
            "score": self.score,
            "scale": self.scale,
            "category": self.category,
            "touchpoint": self.touchpoint,
            "product": self.product,
            "segment": self.customer.segment,
            "account": self.customer.account,
            "arr": self.customer.arr,
            "tag": list(self.tags),
            "comment": self.comment,
            "email_domain": self.customer.email_domain,
        }
