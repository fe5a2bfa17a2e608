"""Scales and categories, the FeedbackIn checks, and the text and customer helpers."""

from __future__ import annotations

import pytest

from bot.errors import InvalidFeedback
from bot.feedback import SCALES, Customer, FeedbackIn, clean_text

CATEGORIES = [
    # (scale, score, category): both ends of the scale and both sides of every band edge
    ("nps", 0, "detractor"),
    ("nps", 6, "detractor"),
    ("nps", 7, "passive"),
    ("nps", 8, "passive"),
    ("nps", 9, "promoter"),
    ("nps", 10, "promoter"),
    ("csat", 1, "negative"),
    ("csat", 2, "negative"),
    ("csat", 3, "neutral"),
    ("csat", 4, "positive"),
    ("csat", 5, "positive"),
    ("ces", 1, "negative"),
    ("ces", 3, "negative"),
    ("ces", 4, "neutral"),
    ("ces", 5, "positive"),
    ("ces", 7, "positive"),
    ("stars", 1, "negative"),
    ("stars", 2, "negative"),
    ("stars", 3, "neutral"),
    ("stars", 4, "positive"),
    ("stars", 5, "positive"),
]


def test_category_table_covers_every_scale():
    assert {scale for scale, _, _ in CATEGORIES} == set(SCALES)


@pytest.mark.parametrize("scale, score, category", CATEGORIES)
def test_category_boundaries(scale, score, category):
    assert SCALES[scale].category(score) == category
    feedback = FeedbackIn(source="generic", external_id="r1", score=score, scale=scale)
    assert feedback.category == category
    assert feedback.routing_fields()["category"] == category


RANGES = [("nps", 0, 10), ("csat", 1, 5), ("ces", 1, 7), ("stars", 1, 5)]


def test_range_table_covers_every_scale():
    assert {scale for scale, _, _ in RANGES} == set(SCALES)
    assert {name: (s.low, s.high) for name, s in SCALES.items()} == {n: (lo, hi) for n, lo, hi in RANGES}


@pytest.mark.parametrize(
    "scale, score",
    [(s, lo - 1) for s, lo, _ in RANGES] + [(s, hi + 1) for s, _, hi in RANGES] + [("nps", 100), ("csat", -5)],
)
def test_out_of_range_scores_are_invalid(scale, score):
    with pytest.raises(InvalidFeedback, match=f"^score: must be between .* for scale {scale} ") as caught:
        FeedbackIn(source="generic", external_id="r1", score=score, scale=scale)
    assert caught.value.where == "score"


@pytest.mark.parametrize("scale", ["likert", "", "NPS", " nps", "thumbs"])
def test_unknown_scales_are_invalid(scale):
    with pytest.raises(InvalidFeedback, match=r"^scale: must be one of nps, csat, ces, stars") as caught:
        FeedbackIn(source="generic", external_id="r1", score=3, scale=scale)
    assert caught.value.where == "scale"


EMAIL_DOMAINS = [
    ("dana@acme.io", "acme.io"),
    ("Dana@Acme.IO", "acme.io"),
    ("odd@name@Corp.example", "corp.example"),
    ("no-at-sign", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize("email, domain", EMAIL_DOMAINS)
def test_customer_email_domain(email, domain):
    assert Customer(email=email).email_domain == domain
    feedback = FeedbackIn(source="generic", external_id="r1", score=3, customer=Customer(email=email))
    assert feedback.routing_fields()["email_domain"] == domain


CLEAN = [
    # (value, limit, cleaned)
    (None, 10, None),
    ("", 10, None),
    ("   ", 10, None),
    ("  hello  ", 10, "hello"),
    ("a\x00b\x1bc\x7fd\x9fe", 10, "abcde"),
    ("left\u202eright\u2066x\u2069\u200b\u200f", 20, "leftrightx"),
    ("a\r\nb\tc", 10, "a\nb\tc"),
    ("abcdef", 4, "abc…"),
    ("ab  cdef", 5, "ab…"),
    ("abcd", 4, "abcd"),
]


@pytest.mark.parametrize("value, limit, cleaned", CLEAN)
def test_clean_text(value, limit, cleaned):
    result = clean_text(value, limit=limit)
    assert result == cleaned
    assert result is None or len(result) <= limit
