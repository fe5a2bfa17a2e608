"""The feedback card: pure rendering from in-memory Feedback and Loop rows to Block Kit dicts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.ids import CardAction, CardBlock
from bot.loops.cards import render_card
from bot.mrkdwn import escape, truncate
from models.feedback import Feedback
from models.loop import Loop

RECEIVED = datetime(2026, 11, 23, 8, 12, tzinfo=UTC)
# Strings that Slack would turn into a ping or a forged link if they reached mrkdwn unescaped.
INJECTIONS = ("<!channel>", "<@U1>", "<https://x|y>")
HOSTILE = " ".join(INJECTIONS) + " & more"


def make_feedback(**overrides) -> Feedback:
    values = dict(
        id=3,
        workspace_id="T1",
        source="delighted",
        external_id="resp-1",
        score=3,
        scale="nps",
        category="detractor",
        comment="Invoice was wrong twice this quarter.",
        customer_id="cus_1",
        customer_email="dana@acme.io",
        customer_name="Dana Whitfield",
        account="Acme",
        segment="enterprise",
        arr=Decimal("148000"),
        touchpoint="billing",
        product="Fleet Planner",
        tags=["invoice"],
        url="https://app.delighted.com/r/1",
        submitted_at=RECEIVED,
        received_at=RECEIVED,
    )
    values.update(overrides)
    return Feedback(**values)


def make_loop(**overrides) -> Loop:
    values = dict(
        id=7,
        workspace_id="T1",
        feedback_id=3,
        team_id=1,
        channel_id="C0BILLING",
        status="new",
        suggestions=[],
        created_at=RECEIVED,
        updated_at=RECEIVED,
    )
    values.update(overrides)
    return Loop(**values)


def suggestion(text: str, days: int = 1) -> dict:
    return {
        "text": text,
        "playbook": "detractor",
        "within": f"{days}d",
        "due_at": (RECEIVED + timedelta(days=days)).isoformat(),
    }


ACKED = dict(acknowledged_by="U0ACK", acknowledged_at=RECEIVED + timedelta(hours=1))
OWNED = dict(ACKED, status="in_progress", owner_id="U0OWNER")
RESOLVED = dict(
    OWNED, status="resolved", resolved_by="U0DONE", resolved_at=RECEIVED + timedelta(days=1), outcome="refunded"
)
LOOPS = {
    "new": dict(status="new"),
    "acknowledged": dict(ACKED, status="acknowledged"),
    "in_progress": OWNED,
    "resolved": RESOLVED,
}


def text_objects(node):
    """Every Block Kit text object (plain_text or mrkdwn) anywhere in ``node``."""
    if isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn") and "text" in node:
            yield node
        for value in node.values():
            yield from text_objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from text_objects(item)


def mrkdwn_texts(card: dict) -> list[str]:
    return [obj["text"] for obj in text_objects(card["blocks"]) if obj["type"] == "mrkdwn"]


def header_text(card: dict) -> str:
    (header,) = [b for b in card["blocks"] if b["type"] == "header"]
    return header["text"]["text"]


def field_texts(card: dict) -> list[str]:
    (section,) = [b for b in card["blocks"] if b["type"] == "section" and "fields" in b]
    return [f["text"] for f in section["fields"]]


def comment_text(card: dict) -> str:
    (section,) = [
        b for b in card["blocks"] if b["type"] == "section" and b.get("text", {}).get("text", "").startswith(">")
    ]
    return section["text"]["text"]


def status_text(card: dict) -> str:
    (block,) = [b for b in card["blocks"] if b.get("block_id") == CardBlock.STATUS]
    return block["elements"][0]["text"]


def action_ids(card: dict) -> list[str]:
    actions = [b for b in card["blocks"] if b["type"] == "actions"]
    return [e["action_id"] for block in actions for e in block["elements"]]


def assert_entities_whole(text: str) -> None:
    """Every '&' starts a complete Slack entity: truncation never leaves '&am' behind."""
    for match in re.finditer("&", text):
        assert re.match(r"&(amp|lt|gt);", text[match.start() :]), (
            f"broken entity at {match.start()}: {text[match.start() : match.start() + 8]!r}"
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
