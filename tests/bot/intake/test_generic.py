"""The generic JSON webhook: valid bodies become FeedbackIn, anything else InvalidFeedback saying where."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import InvalidFeedback
from bot.feedback import MAX_COMMENT, FeedbackIn
from bot.intake.sources.generic import normalize

MINIMAL = {"id": "resp-1", "score": 3}


def body(**fields) -> bytes:
    return json.dumps({**MINIMAL, **fields}).encode()


def attribute(obj, dotted: str):
    for name in dotted.split("."):
        obj = getattr(obj, name)
    return obj


VALID = [
    # (body, expected attributes of the FeedbackIn)
    (
        body(),
        {
            "source": "generic",
            "scale": "nps",
            "external_id": "resp-1",
            "score": 3,
            "comment": None,
            "tags": (),
            "submitted_at": None,
            "url": None,
            "customer.id": None,
            "customer.arr": None,
            "category": "detractor",
        },
    ),
    (body(id=42), {"external_id": "42"}),
    (body(id="  resp-9  "), {"external_id": "resp-9"}),
    (body(source="delighted"), {"source": "delighted"}),
    (body(source="  "), {"source": "generic"}),
    (body(source=None), {"source": "generic"}),
    (body(scale=" CSAT ", score=5), {"scale": "csat", "category": "positive"}),
    (body(scale="ces", score=1), {"scale": "ces", "category": "negative"}),
    (body(created_at="2026-11-23T08:12:00"), {"submitted_at": datetime(2026, 11, 23, 8, 12, tzinfo=UTC)}),
    (body(created_at="2026-11-23T08:12:00Z"), {"submitted_at": datetime(2026, 11, 23, 8, 12, tzinfo=UTC)}),
    (
        body(created_at="2026-11-23T10:12:00+02:00"),
        {"submitted_at": datetime(2026, 11, 23, 10, 12, tzinfo=timezone(timedelta(hours=2)))},
    ),
    (body(comment="\x00Hi\u202e there\u2066\x1b\x7f\u200b\x85!"), {"comment": "Hi there!"}),
    (body(comment="  line one\r\nline two\n "), {"comment": "line one\nline two"}),
    (body(comment=" \u202e\x00 "), {"comment": None}),
    (body(comment="x" * 5000), {"comment": "x" * (MAX_COMMENT - 1) + "…"}),
    (body(comment="y" * MAX_COMMENT), {"comment": "y" * MAX_COMMENT}),
    (body(tags=["  vip ", "", "\u202e", "billing\x00"]), {"tags": ("vip", "billing")}),
    (body(tags=["t" * 80]), {"tags": ("t" * 49 + "…",)}),
    (
        body(
            customer={
                "id": 7,
                "email": "Dana@Acme.io",
                "name": " Dana\u202e ",
                "account": "Acme",
                "segment": "enterprise",
                "arr": 48000,
            }
        ),
        {
            "customer.id": "7",
            "customer.email": "Dana@Acme.io",
            "customer.name": "Dana",
            "customer.account": "Acme",
            "customer.segment": "enterprise",
            "customer.arr": Decimal("48000"),
            "customer.email_domain": "acme.io",
        },
    ),
    (body(customer={"arr": "1250.50"}), {"customer.arr": Decimal("1250.50")}),
    (body(customer={"arr": 0}), {"customer.arr": Decimal("0")}),
    (body(touchpoint=" billing ", product="Fleet Planner"), {"touchpoint": "billing", "product": "Fleet Planner"}),
    (body(url="https://app.delighted.com/r/1"), {"url": "https://app.delighted.com/r/1"}),
    (body(url="http://example.com"), {"url": "http://example.com"}),
    (body(unknown_key="ignored", customer={"plan": "gold"}), {"external_id": "resp-1"}),
]


@pytest.mark.parametrize("raw, expected", VALID)
def test_valid_bodies_become_feedback(raw, expected):
    feedback = normalize(raw)
    assert isinstance(feedback, FeedbackIn)
    assert {name: attribute(feedback, name) for name in expected} == expected


def test_naive_created_at_is_taken_as_utc():
    submitted = normalize(body(created_at="2026-11-23T08:12:00")).submitted_at
    assert submitted.utcoffset() == timedelta(0)


INVALID = [
    # (body, where)
    (json.dumps({"score": 3}).encode(), "id"),
    (body(id="   "), "id"),
    (body(id=""), "id"),
    (body(id="x" * 201), "id"),
    (body(id=1.5), "id"),
    (body(id=None), "id"),
    (json.dumps({"id": "r"}).encode(), "score"),
    (body(score="3"), "score"),
    (body(score=3.0), "score"),
    (body(score=True), "score"),
    (body(score=None), "score"),
    (body(score=11), "score"),
    (body(score=-1), "score"),
    (body(scale="csat", score=0), "score"),
    (body(scale="csat", score=6), "score"),
    (body(scale="likert"), "scale"),
    (body(scale=""), "scale"),
    (body(scale=5), "scale"),
    (body(customer={"arr": -1}), "customer.arr"),
    (body(customer={"arr": "lots"}), "customer.arr"),
    (body(customer={"arr": 10**13}), "customer.arr"),
    (b'{"id": "r", "score": 3, "customer": {"arr": NaN}}', "customer.arr"),
    (b'{"id": "r", "score": 3, "customer": {"arr": Infinity}}', "customer.arr"),
    (body(customer={"id": 1.5}), "customer.id"),
    (body(customer="Acme"), "customer"),
    (body(url="ftp://example.com/r/1"), "url"),
    (body(url="javascript:alert(1)"), "url"),
    (body(url=42), "url"),
    (body(created_at="yesterday"), "created_at"),
    (body(created_at="2026-13-45T00:00:00"), "created_at"),
    (body(created_at=10**20), "created_at"),
    (body(tags=[f"t{n}" for n in range(21)]), "tags"),
    (body(tags="vip"), "tags"),
    (body(tags=[1]), "tags.0"),
    (body(comment=5), "comment"),
    (b"", None),
    (b"not json", None),
    (b"{'id': 'r', 'score': 3}", None),
    (b"\xff\xfe\xfd", None),
    (b"[]", None),
    (b"null", None),
    (b'"a string"', None),
    (b"3", None),
    (b"1" * 5000, None),
    (b"[" * 100_000, None),
]


@pytest.mark.parametrize("raw, where", INVALID, ids=[f"{w or 'body'}-{n}" for n, (_, w) in enumerate(INVALID)])
def test_invalid_bodies_say_where(raw, where):
    with pytest.raises(InvalidFeedback) as caught:
        normalize(raw)
    assert caught.value.where == where
    if where:
        assert str(caught.value).startswith(f"{where}: ")


def test_missing_field_says_it_is_required():
    with pytest.raises(InvalidFeedback, match=r"^score: is required$"):
        normalize(json.dumps({"id": "r"}).encode())


@pytest.mark.parametrize("field", ["id", "comment", "source"])
def test_lone_surrogates_never_reach_stored_text(field):
    # JSON allows "\ud800"; such a string cannot be encoded as UTF-8, so it must not be
    # handed on to the database or Slack.
    raw = json.dumps({**MINIMAL, field: "ok \ud800 text"}).encode()
    try:
        feedback = normalize(raw)
    except InvalidFeedback:
        return
    for value in (feedback.external_id, feedback.comment, feedback.source):
        if value is not None:
            value.encode("utf-8")


# --- property: anything in, FeedbackIn or InvalidFeedback out ----------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
# Bodies shaped like the documented payload, so validation (not just parsing) gets exercised.
shaped_bodies = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=10) | st.integers() | json_values,
        "score": st.integers(-2, 12) | json_values,
        "scale": st.sampled_from(["nps", "csat", "ces", "stars", "NPS", " stars "]) | json_values,
        "source": st.text(max_size=10) | json_values,
        "comment": st.text() | json_values,
        "customer": st.fixed_dictionaries(
            {},
            optional={
                "id": st.text(max_size=10) | st.integers(),
                "email": st.text(max_size=20),
                "name": st.text(),
                "account": st.text(),
                "segment": st.text(),
                "arr": st.decimals(allow_nan=False).map(str) | json_values,
            },
        )
        | json_values,
        "touchpoint": st.text() | json_values,
        "product": st.text() | json_values,
        "tags": st.lists(st.text(max_size=60), max_size=22) | json_values,
        "created_at": st.datetimes().map(datetime.isoformat) | st.integers() | json_values,
        "url": st.sampled_from(["https://x.io/r", "http://x", "ftp://x", ""]) | json_values,
    },
)


def assert_feedback_or_invalid(raw: bytes) -> None:
    try:
        result = normalize(raw)
    except InvalidFeedback:
        return
    assert isinstance(result, FeedbackIn)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values | shaped_bodies)
def test_any_json_gives_feedback_or_invalid_feedback(value):
    assert_feedback_or_invalid(json.dumps(value).encode())


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_feedback_or_invalid_feedback(raw):
    assert_feedback_or_invalid(raw)
