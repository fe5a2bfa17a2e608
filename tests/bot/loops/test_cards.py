"""The feedback card: pure rendering from in-memory Feedback and Loop rows to Block Kit dicts."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from bot.ids import CardAction, CardBlock
from bot.loops.cards import render_card
from bot.mrkdwn import escape
from tests.bot.loops.card_parts import (
    LOOPS,
    RECEIVED,
    action_ids,
    assert_entities_whole,
    comment_text,
    field_texts,
    header_text,
    make_feedback,
    make_loop,
    mrkdwn_texts,
    status_text,
    suggestion,
)

# --- header -------------------------------------------------------------------------------------

HEADERS = [
    (dict(score=3, scale="nps", category="detractor"), ["NPS 3/10", "Detractor", "Dana Whitfield"]),
    (dict(score=8, scale="nps", category="passive"), ["NPS 8/10", "Passive"]),
    (dict(score=10, scale="nps", category="promoter"), ["NPS 10/10", "Promoter"]),
    (dict(score=2, scale="csat", category="negative"), ["CSAT 2/5", "Negative"]),
    (dict(score=4, scale="ces", category="neutral"), ["CES 4/7", "Neutral"]),
    (dict(score=5, scale="stars", category="positive"), ["STARS 5/5", "Positive"]),
    (dict(customer_name=None), ["NPS 3/10", "Acme"]),
    (dict(customer_name=None, account=None, customer_email=None, customer_id=None), ["Unknown customer"]),
    (dict(customer_name="N" * 500), ["NPS 3/10", "Detractor", "…"]),
]


@pytest.mark.parametrize("overrides, expected", HEADERS)
def test_header_names_score_category_and_customer_within_150_chars(overrides, expected):
    header = header_text(render_card(make_loop(), make_feedback(**overrides)))
    assert len(header) <= 150
    for part in expected:
        assert part in header


# --- fields -------------------------------------------------------------------------------------

FIELDS = [
    (
        dict(),
        [
            "*Customer*\nDana Whitfield\ndana@acme.io",
            "*Account*\nAcme · enterprise\nARR $148,000",
            "*Touchpoint*\nbilling",
            "*Product*\nFleet Planner",
            "*Source*\ndelighted",
        ],
    ),
    (dict(arr=Decimal("1250.50")), ["ARR $1,250.50"]),
    (dict(arr=Decimal("148000.00")), ["ARR $148,000"]),
    (dict(arr=Decimal("0")), ["ARR $0"]),
    (dict(arr=Decimal("1234567.8")), ["ARR $1,234,567.80"]),
    (dict(customer_name=None, customer_email=None), ["*Customer*\ncus_1"]),
    (
        dict(customer_name=None, customer_id=None, customer_email=None, account=None, segment=None, arr=None),
        ["*Customer*\n—", "*Account*\n—"],
    ),
    (dict(customer_name="Tom & <Jerry>"), ["*Customer*\nTom &amp; &lt;Jerry&gt;"]),
]


@pytest.mark.parametrize("overrides, expected", FIELDS)
def test_fields_show_customer_account_and_arr(overrides, expected):
    fields = "\n\n".join(field_texts(render_card(make_loop(), make_feedback(**overrides))))
    for part in expected:
        assert part in fields


def test_optional_fields_are_left_out_when_empty():
    fields = field_texts(render_card(make_loop(), make_feedback(touchpoint=None, product=None, arr=None)))
    labels = [text.split("\n", 1)[0] for text in fields]
    assert labels == ["*Customer*", "*Account*", "*Source*", "*Received*"]
    assert "ARR" not in fields[1]


def test_received_field_is_a_slack_date_of_submission():
    fields = field_texts(
        render_card(make_loop(), make_feedback(submitted_at=RECEIVED, received_at=RECEIVED + timedelta(days=2)))
    )
    assert (
        fields[-1]
        == f"*Received*\n<!date^{int(RECEIVED.timestamp())}^{{date_short_pretty}} at {{time}}|2026-11-23 08:12 UTC>"
    )


# --- comment ------------------------------------------------------------------------------------

COMMENTS = [
    ("Invoice was wrong.", "> Invoice was wrong."),
    ("line one\n\nline three", "> line one\n>\n> line three"),
    ("Tom & Jerry <3 >_<", "> Tom &amp; Jerry &lt;3 &gt;_&lt;"),
    ("<!channel> see <@U1> at <https://x|y>", "> &lt;!channel&gt; see &lt;@U1&gt; at &lt;https://x|y&gt;"),
]


@pytest.mark.parametrize("comment, expected", COMMENTS)
def test_comment_is_escaped_and_block_quoted(comment, expected):
    assert comment_text(render_card(make_loop(), make_feedback(comment=comment))) == expected


LONG_COMMENTS = [
    "&" * 10_000,
    "a" + "&" * 9_999,
    "ab" + "<" * 9_998,
    ("Tom & Jerry " * 1000)[:10_000],
    ("x" * 97 + "&" + "\n") * 102,
    "word " * 2_000,
]


@pytest.mark.parametrize("comment", LONG_COMMENTS, ids=["amp", "amp-offset", "lt", "words", "lines", "spaces"])
def test_long_comment_is_cut_under_3000_chars_without_splitting_an_entity(comment):
    text = comment_text(render_card(make_loop(), make_feedback(comment=comment)))
    assert len(text) <= 3000
    assert text.endswith("…")
    assert_entities_whole(text)


@pytest.mark.parametrize("comment", [None, ""])
def test_missing_comment_says_so(comment):
    card = render_card(make_loop(), make_feedback(comment=comment))
    assert "_No comment left._" in mrkdwn_texts(card)
    assert not [
        b for b in card["blocks"] if b["type"] == "section" and "text" in b and b["text"]["text"].startswith(">")
    ]


# --- suggestions --------------------------------------------------------------------------------


def test_suggestions_list_each_step_with_a_slack_due_date():
    steps = [suggestion("Call the customer", 1), suggestion("Refund <the> invoice & apologise", 3)]
    card = render_card(make_loop(suggestions=steps), make_feedback())
    (section,) = [t for t in mrkdwn_texts(card) if t.startswith("*Suggested next steps*")]
    lines = section.split("\n")[1:]
    assert len(lines) == 2
    for number, (line, step) in enumerate(zip(lines, steps, strict=True), start=1):
        due = int(datetime.fromisoformat(step["due_at"]).timestamp())
        assert line.startswith(f"{number}. {escape(step['text'])} — due <!date^{due}^")


def test_no_suggestions_section_without_suggestions():
    card = render_card(make_loop(suggestions=[]), make_feedback())
    assert not [t for t in mrkdwn_texts(card) if "Suggested next steps" in t]


# --- status and buttons -------------------------------------------------------------------------

OPEN_TAIL = [CardAction.ASSIGN, CardAction.SNOOZE, CardAction.RESOLVE, CardAction.MOVE, CardAction.ELEVATE]
BUTTONS = [
    ("new", [CardAction.ACKNOWLEDGE, CardAction.TAKE_OWNERSHIP, *OPEN_TAIL]),
    ("acknowledged", [CardAction.TAKE_OWNERSHIP, *OPEN_TAIL]),
    ("in_progress", OPEN_TAIL),
    ("resolved", [CardAction.REOPEN, CardAction.ELEVATE]),
]


@pytest.mark.parametrize("status, expected", BUTTONS)
def test_controls_follow_the_loop_status(status, expected):
    card = render_card(make_loop(**LOOPS[status]), make_feedback())
    assert action_ids(card) == [str(a) for a in expected]
    (block,) = [b for b in card["blocks"] if b["type"] == "actions"]
    assert block["block_id"] == f"{CardBlock.ACTIONS}:7"  # selects carry no value: the block names the loop
    assert {e["value"] for e in block["elements"] if e["type"] == "button"} == {"7"}


STATUS_LINES = [
    ("new", ["*New*", "Loop #7", "no owner yet"], ["acknowledged by", "owner <@", "resolved by"]),
    (
        "acknowledged",
        ["*Acknowledged*", "acknowledged by <@U0ACK> <!date^", "no owner yet"],
        ["owner <@", "resolved by"],
    ),
    ("in_progress", ["*In progress*", "acknowledged by <@U0ACK>", "owner <@U0OWNER>"], ["no owner yet", "resolved by"]),
    (
        "resolved",
        ["*Resolved*", "resolved by <@U0DONE> <!date^", "outcome: *refunded*", "owner <@U0OWNER>"],
        ["no owner yet", "acknowledged by"],
    ),
]


@pytest.mark.parametrize("status, present, absent", STATUS_LINES)
def test_status_line_says_who_moved_the_loop(status, present, absent):
    line = status_text(render_card(make_loop(**LOOPS[status]), make_feedback()))
    for part in present:
        assert part in line
    for part in absent:
        assert part not in line
