"""A huge or hostile alert message: only its head is read, and what comes out is bounded."""

from __future__ import annotations

import pytest

from bot.feedback import MAX_COMMENT, MAX_SHORT
from bot.intake import slack_alerts
from bot.intake.slack_alerts import MAX_ALERT_TEXT, message_text, parse_alert
from tests.bot.intake.slack_messages import CHANNEL, bot_message, field

PROSE = "The route export failed again for the Tuesday depot run, and the retry button did nothing. "


@pytest.mark.parametrize(
    "message, score, comment_start",
    [
        (bot_message(PROSE * 560, username="Hotjar", bot_id="B0HOTJAR"), None, "The route export failed"),
        (
            bot_message("Score: 2\nComment: " + PROSE * 560, username="Hotjar", bot_id="B0HOTJAR"),
            2,
            "The route export failed",
        ),
        (
            bot_message(
                "",
                username="Hotjar",
                bot_id="B0HOTJAR",
                attachments=[
                    {
                        "fields": [
                            field("Score", "2"),
                            field("Customer", "Dana Whitfield " * 3_400),
                            field("Company", "Acme Logistics " * 3_400),
                        ]
                    }
                ],
            ),
            2,
            None,
        ),
    ],
    ids=["unparsed", "scored-comment", "huge-name-and-account"],
)
def test_a_huge_message_yields_bounded_text(message, score, comment_start):
    assert len(message_text(message)) <= MAX_ALERT_TEXT  # only the head of a huge message is read
    feedback = parse_alert(message, channel_id=CHANNEL, source=None)
    assert feedback.score == score
    if comment_start is None:
        assert feedback.comment is None
    else:
        assert feedback.comment.startswith(comment_start) and len(feedback.comment) <= MAX_COMMENT
    assert len(feedback.customer.name or "") <= MAX_SHORT and len(feedback.customer.account or "") <= MAX_SHORT


# Slack accepts up to 40,000 characters of text from anyone posting in an intake channel; the patterns only
# ever see the head of one, whatever its shape (reading runs while the event's transaction is open).
SLOW_SHAPES = [
    ("blank-lines", "Score: 3\n" + "\n" * 8_000),
    ("one-long-word", "x" * 30_000),
    ("unclosed-quotes", "Score: 3\n" + "“" * 15_000),
]


@pytest.mark.parametrize("text", [s[1] for s in SLOW_SHAPES], ids=[s[0] for s in SLOW_SHAPES])
def test_only_the_head_of_a_large_message_is_read(text, monkeypatch):
    seen: list[int] = []
    real_search = slack_alerts._NAME_LABEL.search
    monkeypatch.setattr(slack_alerts, "_NAME_LABEL", _Spy(real_search, seen))
    parse_alert(bot_message(text, username="Hotjar", bot_id="B0HOTJAR"), channel_id=CHANNEL, source=None)
    assert seen and max(seen) <= MAX_ALERT_TEXT, seen


class _Spy:
    """Stands in for a compiled pattern and notes how long each text it is asked to search is."""

    def __init__(self, search, seen: list[int]) -> None:
        self._search, self._seen = search, seen

    def search(self, text: str, *args):
        self._seen.append(len(text))
        return self._search(text, *args)
