"""The pieces of reading an alert: its score, its comment, its text."""

from __future__ import annotations

import pytest

from bot.intake.slack_alerts import message_text, read_comment, read_score
from tests.bot.intake.slack_messages import field, mrkdwn


@pytest.mark.parametrize(
    "text, expected",
    [
        ("New NPS response: 3 from dana@acme.io", (3, "nps")),
        ("dana@acme.io scored 3/10", (3, "nps")),
        ("Rated 4 out of 5", (4, "csat")),
        ("Rating: 4/5 stars", (4, "stars")),
        ("CES score: 6/7", (6, "ces")),
        ("gave us a 0/10", (0, "nps")),
        ("★★★☆☆", (3, "stars")),
        ("★★★★★", (5, "stars")),
        (":star: :star: :star:", (3, "stars")),
        ("5-star review", (5, "stars")),
        ("Score: 10", (10, "nps")),
        ("CSAT: Good, I'm satisfied", (5, "csat")),
        ("CSAT: Bad, I'm unsatisfied", (1, "csat")),
        ("NPS 12/10", None),
        ("Score: 100/10", None),
        ("Rating: 0/5", None),
        ("NPS 11", None),
        ("★★★★★★", None),
        ("New signup!", None),
        ("", None),
    ],
)
def test_read_score(text, expected):
    assert read_score(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Score: 3\nComment: Billing is a mess", "Billing is a mess"),
        ("Score: 3\nFeedback - Too slow", "Too slow"),
        ("Score: 3\nReason: Price", "Price"),
        ("★★☆☆☆\n> Took an hour\n> and still broken", "Took an hour\nand still broken"),
        ("NPS 3 “Billing is a mess”", "Billing is a mess"),
        ('NPS 3 "Billing is a mess"', "Billing is a mess"),
        ('NPS 3 "ok"', None),
        ("NPS 3", None),
    ],
)
def test_read_comment(text, expected):
    assert read_comment(text) == expected


@pytest.mark.parametrize(
    "message, expected",
    [
        ({"text": "Hi <mailto:x@y.com|x@y.com>"}, "Hi x@y.com"),
        (
            {"text": "See <https://example.com/r/1|the response> or <https://example.com/r/2>"},
            "See the response or https://example.com/r/2",
        ),
        ({"text": "*Bold* _italic_ ~struck~ `code` snake_case_name"}, "Bold italic struck code snake_case_name"),
        ({"text": "Tom &amp; Jerry &lt;3 &gt; &amp;lt;"}, "Tom & Jerry <3 > &lt;"),
        (
            {
                "text": "top",
                "attachments": [
                    {
                        "pretext": "pre",
                        "author_name": "Ann",
                        "title": "t",
                        "text": "body",
                        "fallback": "not shown when text is set",
                        "fields": [field("Score", "3")],
                    }
                ],
            },
            "top\npre\nAnn\nt\nbody\nScore: 3",
        ),
        (
            {"text": "", "attachments": [{"fallback": "only the fallback"}, "not an attachment", None]},
            "only the fallback",
        ),
        (
            {
                "blocks": [
                    {
                        "type": "rich_text",
                        "elements": [
                            {
                                "type": "rich_text_section",
                                "elements": [
                                    {"type": "text", "text": "rich "},
                                    {"type": "link", "url": "https://x.io", "text": "link"},
                                    {"type": "text", "text": "leaf"},
                                ],
                            }
                        ],
                    }
                ]
            },
            "rich \nleaf",
        ),
        (
            {
                "blocks": [
                    {
                        "type": "section",
                        "text": mrkdwn("a"),
                        "fields": [{"type": "plain_text", "text": "b"}],
                        "accessory": {"type": "button", "text": {"type": "plain_text", "text": "c"}},
                    }
                ]
            },
            "a\nb\nc",
        ),
        ({}, ""),
    ],
)
def test_message_text(message, expected):
    assert message_text(message) == expected
