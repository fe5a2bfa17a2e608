"""Alerts other survey tools' Slack apps post: read score, comment and customer when we can, keep the raw
text (unparsed) when we cannot, never fail on what a message holds."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.feedback import MAX_COMMENT, MAX_SHORT, SCALES, UNSCORED, FeedbackIn
from bot.intake.slack_alerts import (
    MAX_ALERT_TEXT,
    message_text,
    parse_alert,
    read_comment,
    read_score,
)

CHANNEL = "C0INTAKE"
TS = "1763900000.000100"


def bot_message(text: str = "", *, username: str, bot_id: str, **parts) -> dict:
    """A message event as Slack delivers an app's post: ``attachments`` and/or ``blocks`` in ``parts``."""
    return {
        "type": "message",
        "subtype": "bot_message",
        "bot_id": bot_id,
        "username": username,
        "text": text,
        "channel": CHANNEL,
        "ts": TS,
        "event_ts": TS,
        "channel_type": "channel",
        **parts,
    }


def field(title: str, value: str, short: bool = True) -> dict:
    return {"title": title, "value": value, "short": short}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


# Alerts as these tools' Slack apps post them (attachment fields, blocks, quotes, stars); people are made up.
DELIGHTED_FIELDS = bot_message(
    username="Delighted",
    bot_id="B0DELIGHTED",
    attachments=[
        {
            "fallback": "New NPS response from marta.silva@example.com: 3",
            "color": "d9534f",
            "pretext": "New NPS response",
            "title": "Marta Silva",
            "title_link": "https://app.delighted.com/r/cjoEdiHpqKQR5Yx3Gx68sEbWw608vRTZ",
            "fields": [
                field("Score", "3"),
                field("Customer", "Marta Silva"),
                field("Email", "<mailto:marta.silva@example.com|marta.silva@example.com>"),
                field("Company", "Harbor &amp; Pine Outfitters"),
                field("Comment", "We were billed for 14 seats after downgrading to 9 in February.", short=False),
            ],
        }
    ],
)
DELIGHTED_ONE_LINE = bot_message(
    "New NPS response: 3 from <mailto:dana@acme.io|dana@acme.io> — “Billing is a mess”",
    username="Delighted",
    bot_id="B0DELIGHTED",
)
TYPEFORM_BLOCKS = bot_message(
    "New response to Parcelwise quarterly NPS",
    username="Typeform",
    bot_id="B0TYPEFORM",
    blocks=[
        {
            "type": "section",
            "block_id": "head",
            "text": mrkdwn(
                "New response to *Parcelwise quarterly NPS* "
                "(<https://admin.typeform.com/form/Xk3pQ9aZ/results|view in Typeform>)"
            ),
        },
        {
            "type": "section",
            "block_id": "answers",
            "fields": [
                mrkdwn("*NPS score:* 6"),
                mrkdwn("*Email:* <mailto:jordan.reyes@example.com|jordan.reyes@example.com>"),
            ],
        },
        {
            "type": "section",
            "block_id": "reason",
            "text": mrkdwn("*Reason:* Label printing works, but the carrier sync drops about one order in twenty."),
        },
        {"type": "context", "elements": [mrkdwn("Submitted 11 Mar 2025 at 13:44 UTC")]},
    ],
)
# survey_response.created: Delighted has the score first; name and comment are still empty.
DELIGHTED_CREATED = bot_message(
    username="Delighted",
    bot_id="B0DELIGHTED",
    attachments=[
        {
            "fallback": "New NPS response from marta.silva@example.com: 4",
            "color": "f0ad4e",
            "fields": [
                field("Score", "4"),
                field("Name", ""),
                field("Email", "marta.silva@example.com"),
                field("Company", ""),
                field("Comment", "", short=False),
            ],
        }
    ],
)
ZENDESK_BAD = bot_message(
    "Ticket #48213 was rated *Bad, I'm unsatisfied*",
    username="Zendesk",
    bot_id="B0ZENDESK",
    attachments=[
        {
            "fallback": "Ticket #48213 was rated Bad, I'm unsatisfied",
            "color": "danger",
            "title": "#48213 Invoice PDF shows the wrong VAT number",
            "title_link": "https://harborpine.zendesk.com/agent/tickets/48213",
            "fields": [
                field("Requester", "Daniel Osei"),
                field("Email", "<mailto:daniel.osei@example.com|daniel.osei@example.com>"),
                field("Organization", "Brightwater Clinics"),
                field("Comment", "Third time I've asked for a corrected invoice.", short=False),
            ],
        }
    ],
)
ZENDESK_GOOD = bot_message(
    "Ticket #48377 was rated *Good, I'm satisfied*",
    username="Zendesk",
    bot_id="B0ZENDESK",
    attachments=[
        {
            "fallback": "Ticket #48377 was rated Good, I'm satisfied",
            "color": "good",
            "fields": [
                field("Requester", "Amira Haddad"),
                field("Comment", "Not bad at all, fixed within the hour.", short=False),
            ],
        }
    ],
)
INTERCOM_STARS = bot_message(
    "New conversation rating ★★☆☆☆",
    username="Intercom",
    bot_id="B0INTERCOM",
    attachments=[
        {
            "author_name": "Lena Fischer",
            "text": "&gt; Took over an hour and the export still only works if I split it by month.",
            "fields": [field("Customer", "Lena Fischer &lt;lena.fischer@example.com&gt;"), field("Teammate", "Priya")],
        }
    ],
)
APP_STORE_REVIEW = bot_message(
    "New review of *Parcelwise* on the App Store",
    username="AppFollow",
    bot_id="B0APPFOLLOW",
    attachments=[
        {
            "color": "#d9534f",
            "title": "Crashes every time I open it",
            "text": "1 star — “Since the last update the app crashes when I open a delivery.” by kiwi_driver (NZ)",
        }
    ],
)
ASKNICELY_SCORED = bot_message(
    "*Dana Whitfield* (<mailto:dana@acme.io|dana@acme.io>) scored 3/10",
    username="AskNicely",
    bot_id="B0ASKNICELY",
    attachments=[
        {
            "text": "“Support is slow to answer and the invoices are confusing.”",
            "fields": [field("Company", "Acme Logistics")],
        }
    ],
)
HOTJAR_OUT_OF = bot_message(
    "New NPS survey response: a visitor scored 9 out of 10\nComment: Love the new route planner.",
    username="Hotjar",
    bot_id="B0HOTJAR",
)
TRUSTPILOT_EMOJI = bot_message(
    "New Trustpilot review :star::star: by Sam Ortiz\n*Review:* Delivery tracking was wrong three times.",
    username="Trustpilot",
    bot_id="B0TRUSTPILOT",
)
ENTITIES = bot_message(
    "Rating: 4/5",
    username="Survicate",
    bot_id="B0SURVICATE",
    attachments=[
        {
            "fields": [
                field("Comment", "Billing charged us twice &amp; nobody replied &lt;sigh&gt;"),
                field("Account", "R&amp;D Labs"),
            ]
        }
    ],
)
SIGNUP = bot_message(
    "New signup! <https://app.example.com/accounts/881|Acme Logistics> just started a trial",
    username="Stripe",
    bot_id="B0STRIPE",
)
DEPLOY = bot_message(
    "Deploy finished",
    username="CI",
    bot_id="B0CI",
    attachments=[
        {"color": "good", "text": "*loopkeeper* v1.4.2 to production (<https://ci.example.com/builds/812|build 812>)"}
    ],
)

# (id, message, source, expected (score, scale, comment, email, name, account))
PARSED = [
    (
        "delighted-fields",
        DELIGHTED_FIELDS,
        "delighted",
        (
            3,
            "nps",
            "We were billed for 14 seats after downgrading to 9 in February.",
            "marta.silva@example.com",
            "Marta Silva",
            "Harbor & Pine Outfitters",
        ),
    ),
    (
        "delighted-one-line",
        DELIGHTED_ONE_LINE,
        "delighted",
        (3, "nps", "Billing is a mess", "dana@acme.io", None, None),
    ),
    # Empty values stay empty; the next line is not read as the name, company or comment.
    ("delighted-empty-fields", DELIGHTED_CREATED, "delighted", (4, "nps", None, "marta.silva@example.com", None, None)),
    (
        "typeform-blocks",
        TYPEFORM_BLOCKS,
        "typeform",
        (
            6,
            "nps",
            "Label printing works, but the carrier sync drops about one order in twenty.",
            "jordan.reyes@example.com",
            None,
            None,
        ),
    ),
    (
        "zendesk-bad",
        ZENDESK_BAD,
        "zendesk",
        (
            1,
            "csat",
            "Third time I've asked for a corrected invoice.",
            "daniel.osei@example.com",
            "Daniel Osei",
            "Brightwater Clinics",
        ),
    ),
    # The rating is the text Zendesk sends; words in the customer's comment must not overturn it.
    (
        "zendesk-good-comment-says-not-bad",
        ZENDESK_GOOD,
        "zendesk",
        (5, "csat", "Not bad at all, fixed within the hour.", None, "Amira Haddad", None),
    ),
    (
        "intercom-star-chars",
        INTERCOM_STARS,
        "intercom",
        (
            2,
            "stars",
            "Took over an hour and the export still only works if I split it by month.",
            "lena.fischer@example.com",
            "Lena Fischer",
            None,
        ),
    ),
    (
        "app-store-1-star",
        APP_STORE_REVIEW,
        None,
        (1, "stars", "Since the last update the app crashes when I open a delivery.", None, None, None),
    ),
    (
        "asknicely-scored-3-of-10",
        ASKNICELY_SCORED,
        None,
        (3, "nps", "Support is slow to answer and the invoices are confusing.", "dana@acme.io", None, "Acme Logistics"),
    ),
    ("hotjar-9-out-of-10", HOTJAR_OUT_OF, None, (9, "nps", "Love the new route planner.", None, None, None)),
    ("star-emoji", TRUSTPILOT_EMOJI, None, (2, "stars", "Delivery tracking was wrong three times.", None, None, None)),
    (
        "entities",
        ENTITIES,
        None,
        (4, "csat", "Billing charged us twice & nobody replied <sigh>", None, None, "R&D Labs"),
    ),
]


def reading(feedback: FeedbackIn) -> tuple:
    customer = feedback.customer
    return feedback.score, feedback.scale, feedback.comment, customer.email, customer.name, customer.account


@pytest.mark.parametrize("message, source, expected", [p[1:] for p in PARSED], ids=[p[0] for p in PARSED])
def test_scored_alerts_are_read(message, source, expected):
    feedback = parse_alert(message, channel_id=CHANNEL, source=source)
    assert reading(feedback) == expected
    assert feedback.unparsed is False and feedback.category != UNSCORED


UNSCORED_ALERTS = [
    # (id, message, comment: the readable text, links reduced to their labels)
    ("new-signup-with-link", SIGNUP, "New signup! Acme Logistics just started a trial"),
    ("new-signup-bare", bot_message("New signup!", username="Stripe", bot_id="B0STRIPE"), "New signup!"),
    ("deploy-finished", DEPLOY, "Deploy finished\nloopkeeper v1.4.2 to production (build 812)"),
    (
        "nps-12-of-10",
        bot_message(
            "New NPS response: 12/10 from <mailto:x@y.com|x@y.com>", username="Delighted", bot_id="B0DELIGHTED"
        ),
        "New NPS response: 12/10 from x@y.com",
    ),
    ("score-12-of-10", bot_message("Score: 12/10", username="Hotjar", bot_id="B0HOTJAR"), "Score: 12/10"),
    ("rating-6-of-5", bot_message("Rating: 6/5", username="Survicate", bot_id="B0SURVICATE"), "Rating: 6/5"),
    ("csat-0-of-5", bot_message("CSAT 0/5", username="Survicate", bot_id="B0SURVICATE"), "CSAT 0/5"),
    ("ces-8-of-7", bot_message("CES score 8/7", username="Survicate", bot_id="B0SURVICATE"), "CES score 8/7"),
    ("nps-11", bot_message("NPS score: 11", username="Hotjar", bot_id="B0HOTJAR"), "NPS score: 11"),
    ("six-star-chars", bot_message("Review ★★★★★★", username="AppFollow", bot_id="B0APPFOLLOW"), "Review ★★★★★★"),
]


@pytest.mark.parametrize("message, comment", [u[1:] for u in UNSCORED_ALERTS], ids=[u[0] for u in UNSCORED_ALERTS])
def test_alerts_without_a_readable_score_are_kept_unparsed_with_their_text(message, comment):
    feedback = parse_alert(message, channel_id=CHANNEL, source=None)
    assert (feedback.score, feedback.unparsed, feedback.comment, feedback.category) == (None, True, comment, UNSCORED)


@pytest.mark.parametrize(
    "channel, ts, source, external_id, source_name",
    [
        ("C0INTAKE", "1763900000.000100", "delighted", "C0INTAKE:1763900000.000100", "slack-delighted"),
        ("C0ALERTS", "1763900012.000200", None, "C0ALERTS:1763900012.000200", "slack"),
        ("C0ALERTS", "1763900012.000300", "", "C0ALERTS:1763900012.000300", "slack"),
    ],
)
def test_identity_is_channel_and_ts_and_source_says_slack(channel, ts, source, external_id, source_name):
    feedback = parse_alert({**DELIGHTED_FIELDS, "ts": ts}, channel_id=channel, source=source)
    assert (feedback.external_id, feedback.source) == (external_id, source_name)


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


# Slack accepts up to 40,000 characters of text from anyone posting in an intake channel; reading one message
# must stay quick, whatever its shape (it runs while the event's transaction is open).
SLOW_SHAPES = [
    ("blank-lines", "Score: 3\n" + "\n" * 8_000),
    ("one-long-word", "x" * 30_000),
    ("unclosed-quotes", "Score: 3\n" + "“" * 15_000),
]


@pytest.mark.parametrize("text", [s[1] for s in SLOW_SHAPES], ids=[s[0] for s in SLOW_SHAPES])
def test_reading_a_large_message_takes_well_under_a_second(text):
    started = time.perf_counter()
    parse_alert(bot_message(text, username="Hotjar", bot_id="B0HOTJAR"), channel_id=CHANNEL, source=None)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"reading a {len(text):,}-character message took {elapsed:.1f} s"


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


# -- property: any message shape Slack can deliver is read without failing -----------------------------------

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
