"""Every card, however hostile or huge its feedback, stays within Slack's limits and never lets customer text
reach mrkdwn raw."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from bot.loops.cards import render_card
from bot.mrkdwn import escape, truncate
from tests.bot.loops.card_parts import (
    HOSTILE,
    INJECTIONS,
    LOOPS,
    assert_entities_whole,
    field_texts,
    header_text,
    make_feedback,
    make_loop,
    mrkdwn_texts,
    suggestion,
    text_objects,
)

# --- safety and Slack limits across many cards --------------------------------------------------

HOSTILE_FEEDBACK = dict(
    customer_name=HOSTILE,
    customer_email=HOSTILE,
    customer_id=HOSTILE,
    account=HOSTILE,
    segment=HOSTILE,
    touchpoint=HOSTILE,
    product=HOSTILE,
    source=HOSTILE,
    tags=[HOSTILE, "<!here>"],
    comment=HOSTILE,
    url="https://example.com/r?a=1&b=<!channel>",
)
HUGE = "<&>" * 1400


def huge(limit: int) -> str:
    """Escape-heavy text at an intake length bound (each character grows to 4-5 when escaped)."""
    return HUGE[:limit]


# Every value at the longest intake lets through (bot.intake.sources.generic), the comment far beyond it.
HUGE_FEEDBACK = dict(
    customer_name=huge(200),
    customer_email=huge(320),
    customer_id=huge(200),
    account=huge(200),
    segment=huge(100),
    touchpoint=huge(100),
    product=huge(100),
    source=huge(40),
    comment=HUGE * 5,
    arr=Decimal("999999999999.99"),
)
CARDS = [
    (LOOPS[status], feedback, steps)
    for status in LOOPS
    for feedback in (dict(), dict(comment=None), HOSTILE_FEEDBACK, HUGE_FEEDBACK)
    for steps in ([], [suggestion(HOSTILE, n) for n in range(1, 6)], [suggestion(huge(500), n) for n in range(1, 6)])
]


@pytest.mark.parametrize("loop, feedback, steps", CARDS)
def test_every_card_stays_within_slack_limits(loop, feedback, steps):
    card = render_card(make_loop(**{**loop, "outcome": HOSTILE[:40]}, suggestions=steps), make_feedback(**feedback))
    assert 0 < len(card["blocks"]) <= 50
    assert len(header_text(card)) <= 150
    for text in field_texts(card):
        assert len(text) <= 2000
    for obj in text_objects(card["blocks"]):
        assert 0 < len(obj["text"]) <= 3000


@pytest.mark.parametrize("loop, feedback, steps", CARDS)
def test_customer_text_never_reaches_mrkdwn_or_fallback_raw(loop, feedback, steps):
    card = render_card(make_loop(**{**loop, "outcome": HOSTILE[:40]}, suggestions=steps), make_feedback(**feedback))
    texts = mrkdwn_texts(card) + [card["text"]]
    for text in texts:
        for injection in INJECTIONS + ("<!here>",):
            assert injection not in text


@pytest.mark.parametrize("loop, feedback, steps", CARDS[:12])
def test_every_mrkdwn_text_is_verbatim(loop, feedback, steps):
    card = render_card(make_loop(**loop, suggestions=steps), make_feedback(**feedback))
    mrkdwn = [obj for obj in text_objects(card["blocks"]) if obj["type"] == "mrkdwn"]
    assert mrkdwn
    assert all(obj.get("verbatim") is True for obj in mrkdwn)


def test_extras_context_stays_within_3000_chars_at_intake_bounds():
    # Intake allows 20 tags of 50 characters and a 2,000-character URL; the extras
    # context element (tags + link) must still fit Slack's 3,000-character text limit.
    feedback = make_feedback(tags=[f"{n:02d}" + "t" * 48 for n in range(20)], url="https://example.com/" + "p" * 1980)
    card = render_card(make_loop(), feedback)
    for text in mrkdwn_texts(card):
        assert len(text) <= 3000


def test_url_cannot_forge_the_link_label():
    # A '|' inside the URL would end the link target early and let the sender choose the label.
    card = render_card(make_loop(), make_feedback(url="https://evil.example/|Refund approved, click here"))
    links = [link for text in mrkdwn_texts(card) for link in re.findall(r"<(https?://[^>]*)>", text)]
    assert links
    for link in links:
        target, _, label = link.rpartition("|")
        assert "|" not in target
        assert label == "View in delighted"


def test_fallback_text_summarises_score_customer_and_comment():
    card = render_card(make_loop(), make_feedback(comment="Tom & Jerry\n<!channel>"))
    assert card["text"] == "NPS 3/10 (detractor) from Dana Whitfield: Tom &amp; Jerry &lt;!channel&gt;"


def test_fallback_comment_is_cut_to_200_chars():
    card = render_card(make_loop(), make_feedback(comment="&" * 1000))
    _, comment = card["text"].split(": ", 1)
    assert len(comment) <= 200
    assert_entities_whole(comment)


# --- bot.mrkdwn ---------------------------------------------------------------------------------

ESCAPES = [
    ("plain text", "plain text"),
    ("a & b", "a &amp; b"),
    ("<!channel>", "&lt;!channel&gt;"),
    ("<@U1>", "&lt;@U1&gt;"),
    ("<https://x|y>", "&lt;https://x|y&gt;"),
    ("&lt;", "&amp;lt;"),
    ("", ""),
]


@pytest.mark.parametrize("text, expected", ESCAPES)
def test_escape(text, expected):
    assert escape(text) == expected


TRUNCATES = [
    ("short", 10, "short"),
    ("exactly 10", 10, "exactly 10"),
    ("hello world foo", 12, "hello world…"),
    ("one two three four five six", 20, "one two three four…"),
    ("abcdefghij", 5, "abcd…"),
    ("a &amp; b", 5, "a…"),
    ("&lt;&lt;&lt;", 7, "&lt;…"),
    ("x &amp;yyyy", 8, "x &amp;…"),
    ("&amp;&amp;&amp;&amp;", 13, "&amp;&amp;…"),
]


@pytest.mark.parametrize("text, limit, expected", TRUNCATES)
def test_truncate(text, limit, expected):
    result = truncate(text, limit)
    assert result == expected
    assert len(result) <= limit


@pytest.mark.parametrize("limit", [2, 3, 5, 6, 7, 50, 2999])
@pytest.mark.parametrize("text", [escape("<&> " * 1000), escape("&" * 1000), escape("a<b " * 1000)])
def test_truncate_of_escaped_text_stays_in_limit_and_keeps_entities(text, limit):
    result = truncate(text, limit)
    assert len(result) <= limit
    assert result.endswith("…")
    assert_entities_whole(result)
