"""Property: any message shape Slack can deliver is read without failing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.feedback import MAX_COMMENT, SCALES, UNSCORED, FeedbackIn
from bot.intake.slack_alerts import parse_alert
from tests.bot.intake.slack_messages import CHANNEL

FRAGMENTS = st.sampled_from(
    [
        "NPS",
        "nps ",
        "Score: ",
        "scored ",
        "rating ",
        "Rated ",
        "CSAT ",
        "CES ",
        "gave us a ",
        "/10",
        "/5",
        "/7",
        " out of ",
        "★",
        "☆",
        ":star:",
        " stars",
        "1",
        "3",
        "0",
        "10",
        "12",
        "99",
        "\n",
        "Comment: ",
        "Customer: ",
        "Company: ",
        "&gt; ",
        "“",
        "”",
        '"',
        "<mailto:a@b.co|a@b.co>",
        "<https://x.io|x>",
        "<",
        ">",
        "|",
        "&amp;",
        "&lt;",
        "*",
        "_",
        "~",
        "`",
        "bad",
        "good",
        "satisfied",
        "\u202e",
        "\x00",
    ]
)
SCORE_PHRASES = st.builds(
    "{}{}{}".format,
    st.sampled_from(["NPS ", "Score: ", "scored ", "Rated ", "rating ", "CSAT ", "CES score ", "gave us a "]),
    st.integers(0, 120),
    st.sampled_from(["", "/10", "/5", "/7", " out of 10", " out of 5", " stars", "-star"]),
)
ALERT_TEXT = st.lists(st.one_of(FRAGMENTS, FRAGMENTS, SCORE_PHRASES, st.text(max_size=12)), max_size=25).map("".join)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | ALERT_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=15,
)
FIELDS = st.fixed_dictionaries(
    {}, optional={"title": ALERT_TEXT | JSON, "value": ALERT_TEXT | JSON, "short": st.booleans()}
)
ATTACHMENTS = st.fixed_dictionaries(
    {},
    optional={
        "fallback": ALERT_TEXT | JSON,
        "pretext": ALERT_TEXT | JSON,
        "author_name": ALERT_TEXT | JSON,
        "title": ALERT_TEXT | JSON,
        "text": ALERT_TEXT | JSON,
        "color": st.text(max_size=8),
        "fields": st.lists(FIELDS | JSON, max_size=5),
    },
)
BLOCK_TYPES = st.sampled_from(
    [
        "section",
        "context",
        "header",
        "rich_text",
        "rich_text_section",
        "rich_text_quote",
        "mrkdwn",
        "plain_text",
        "text",
        "link",
        "button",
        "actions",
    ]
)
BLOCKS = st.recursive(
    st.fixed_dictionaries({"type": BLOCK_TYPES}, optional={"text": ALERT_TEXT | JSON}) | JSON,
    lambda inner: st.fixed_dictionaries(
        {"type": BLOCK_TYPES},
        optional={
            "text": ALERT_TEXT | inner,
            "elements": st.lists(inner, max_size=4),
            "fields": st.lists(inner, max_size=4),
            "accessory": inner,
        },
    ),
    max_leaves=20,
)
MESSAGES = st.fixed_dictionaries(
    {"type": st.just("message"), "ts": st.text(max_size=20)},
    optional={
        "text": ALERT_TEXT | st.none(),
        "subtype": st.just("bot_message"),
        "bot_id": st.text(max_size=11),
        "username": st.text(max_size=20),
        "attachments": st.lists(ATTACHMENTS | JSON, max_size=3),
        "blocks": st.lists(BLOCKS, max_size=4),
    },
)


@settings(max_examples=300, deadline=None)
@given(message=MESSAGES, source=st.none() | st.sampled_from(["delighted", "zendesk"]))
def test_any_message_becomes_feedback_with_a_score_in_its_scale_or_none(message, source):
    feedback = parse_alert(message, channel_id=CHANNEL, source=source)
    assert isinstance(feedback, FeedbackIn)
    scale = SCALES[feedback.scale]
    if feedback.score is None:
        assert feedback.unparsed is True and feedback.category == UNSCORED
    else:
        assert scale.low <= feedback.score <= scale.high and feedback.unparsed is False
    assert feedback.comment is None or len(feedback.comment) <= MAX_COMMENT
    assert feedback.external_id == f"{CHANNEL}:{message['ts']}"
