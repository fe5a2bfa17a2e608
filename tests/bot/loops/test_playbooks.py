"""Playbooks: which next steps a card suggests for a piece of feedback, and when each is due."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.durations import parse_duration
from bot.feedback import Customer, FeedbackIn
from bot.loops.playbooks import BUILT_IN, MAX_SUGGESTIONS, Playbook, Step, suggest
from bot.routing import parse_matcher

RECEIVED_AT = datetime(2024, 5, 6, 9, 30, tzinfo=UTC)


def fields(score, scale="nps", comment=None, arr=None):
    return FeedbackIn(
        source="delighted",
        external_id="fb-1",
        score=score,
        scale=scale,
        comment=comment,
        customer=Customer(email="dana@acme.com", arr=None if arr is None else Decimal(arr)),
    ).routing_fields()


def steps(suggestions):
    return [(s["playbook"], s["within"]) for s in suggestions]


DETRACTOR = [("nps-detractor", "1d"), ("nps-detractor", "2d")]
BILLING = [("billing-complaint", "4h"), ("billing-complaint", "1d")]
HIGH_ARR = [("high-arr-at-risk", "4h"), ("high-arr-at-risk", "4h")]
LOW_CSAT = [("support-low-csat", "4h"), ("support-low-csat", "1d")]

SUGGESTIONS = [
    ("nps detractor", fields(3), DETRACTOR),
    ("nps detractor with a billing comment", fields(3, comment="I was charged twice this month"), BILLING + DETRACTOR),
    ("nps detractor at 50000 arr", fields(2, arr="50000"), HIGH_ARR + DETRACTOR),
    ("nps detractor just under 50000 arr", fields(2, arr="49999.99"), DETRACTOR),
    (
        "high arr and billing: capped",
        fields(0, comment="Wrong invoice again", arr="75000"),
        (HIGH_ARR + BILLING + DETRACTOR)[:MAX_SUGGESTIONS],
    ),
    ("nps passive", fields(7), [("nps-passive", "3d")]),
    ("nps passive with a billing comment", fields(8, comment="pricing is fine"), [("nps-passive", "3d")]),
    ("nps promoter", fields(10), [("nps-promoter", "1w")]),
    ("nps promoter with high arr", fields(9, arr="100000"), [("nps-promoter", "1w")]),
    ("low csat", fields(1, scale="csat"), LOW_CSAT),
    ("low csat with a billing comment", fields(2, scale="csat", comment="Please refund me"), BILLING + LOW_CSAT),
    ("neutral csat", fields(3, scale="csat"), [("neutral-rating", "3d")]),
    ("negative ces", fields(2, scale="ces"), [("negative-rating", "1d")]),
    ("negative stars", fields(1, scale="stars"), [("negative-rating", "1d")]),
    ("neutral stars", fields(3, scale="stars"), [("neutral-rating", "3d")]),
    ("positive stars", fields(5, scale="stars"), [("positive-rating", "1w")]),
    ("positive stars with high arr", fields(4, scale="stars", arr="90000"), [("positive-rating", "1w")]),
]


@pytest.mark.parametrize("routing_fields, expected", [c[1:] for c in SUGGESTIONS], ids=[c[0] for c in SUGGESTIONS])
def test_suggest(routing_fields, expected):
    assert steps(suggest(routing_fields, received_at=RECEIVED_AT)) == expected


@pytest.mark.parametrize("routing_fields", [c[1] for c in SUGGESTIONS], ids=[c[0] for c in SUGGESTIONS])
def test_each_suggestion_is_due_within_its_window(routing_fields):
    suggestions = suggest(routing_fields, received_at=RECEIVED_AT)
    assert 0 < len(suggestions) <= MAX_SUGGESTIONS
    for s in suggestions:
        assert re.fullmatch(r"[1-9]\d*[mhdw]", s["within"])
        assert datetime.fromisoformat(s["due_at"]) == RECEIVED_AT + parse_duration(s["within"])
        assert set(s) == {"text", "playbook", "within", "due_at"}


def test_suggestions_are_capped():
    suggestions = suggest(fields(0, comment="refund", arr="500000"), received_at=RECEIVED_AT)
    assert len(suggestions) == MAX_SUGGESTIONS


def test_steps_keep_their_text_and_due_time():
    [first, second] = suggest(fields(1, scale="csat"), received_at=RECEIVED_AT)
    assert first == {
        "text": "Read the ticket and reply to the customer personally",
        "playbook": "support-low-csat",
        "within": "4h",
        "due_at": "2024-05-06T13:30:00+00:00",
    }
    assert (second["within"], second["due_at"]) == ("1d", "2024-05-07T09:30:00+00:00")


BILLING_COMMENTS = [
    ("The bill was wrong", True),
    ("Billing is a mess", True),
    ("I was billed twice", True),
    ("Where is my invoice?", True),
    ("You charged my card twice", True),
    ("Still waiting for a refund", True),
    ("Your prices went up", True),
    ("The pricing page is confusing", True),
    ("My payment failed", True),
    ("I want to cancel my subscription", True),
    ("REFUND NOW", True),
    # Plurals of the billing words: "prices" is matched, so these should be too.
    ("Your invoices are always wrong", True),
    ("Too many hidden charges", True),
    ("Three refunds and still nothing", True),
    ("My payments keep failing", True),
    # Not billing: the words only inside other words, or no billing word at all.
    ("The app keeps crashing", False),
    ("Billboard ads are annoying", False),
    ("Support was slow", False),
]


@pytest.mark.parametrize("comment, is_billing", BILLING_COMMENTS)
def test_billing_complaint_is_recognised_by_its_words(comment, is_billing):
    playbooks = {s["playbook"] for s in suggest(fields(4, comment=comment), received_at=RECEIVED_AT)}
    assert ("billing-complaint" in playbooks) is is_billing


def playbook(name, matchers, within, final=True, count=1):
    return Playbook(
        name,
        tuple(parse_matcher(m) for m in matchers),
        tuple(Step(f"{name} step {i + 1}", parse_duration(within)) for i in range(count)),
        final,
    )


VIP = playbook("vip", ["tag=vip"], "2h", final=False)
BAD = playbook("bad", ["category in detractor,negative"], "30m")
ANY = playbook("any", ["score>=0"], "1w")
LONG = playbook("long", ["score>=0"], "90m", count=MAX_SUGGESTIONS + 2)

CUSTOM = [
    (
        "non-final adds to the next",
        (VIP, BAD, ANY),
        {"tag": ["vip"], "category": "detractor", "score": 1},
        [("vip", "2h"), ("bad", "30m")],
    ),
    ("final stops the search", (BAD, ANY), {"tag": [], "category": "detractor", "score": 1}, [("bad", "30m")]),
    ("non-matching are passed over", (VIP, BAD, ANY), {"tag": [], "category": "promoter", "score": 9}, [("any", "1w")]),
    ("order decides", (ANY, BAD), {"category": "detractor", "score": 1}, [("any", "1w")]),
    ("nothing matches", (VIP, BAD), {"tag": [], "category": "promoter"}, []),
    ("no playbooks", (), {"category": "detractor"}, []),
    ("a long playbook is capped", (LONG,), {"score": 3}, [("long", "90m")] * MAX_SUGGESTIONS),
]


@pytest.mark.parametrize("playbooks, routing_fields, expected", [c[1:] for c in CUSTOM], ids=[c[0] for c in CUSTOM])
def test_suggest_with_custom_playbooks(playbooks, routing_fields, expected):
    assert steps(suggest(routing_fields, received_at=RECEIVED_AT, playbooks=playbooks)) == expected


def test_custom_steps_are_due_from_received_at():
    [s] = suggest({"score": 1}, received_at=RECEIVED_AT, playbooks=(playbook("p", ["score<5"], "90m"),))
    assert (s["text"], s["due_at"]) == ("p step 1", (RECEIVED_AT + timedelta(minutes=90)).isoformat())


def test_built_in_playbooks_have_unique_names_and_a_general_fallback_per_category():
    names = [p.name for p in BUILT_IN]
    assert len(names) == len(set(names))
    for category in ("detractor", "passive", "promoter", "negative", "neutral", "positive"):
        assert any(p.final and p.matches({"category": category, "scale": "stars"}) for p in BUILT_IN), category
