"""Alerts other survey tools' Slack apps post: read score, comment and customer when we can, keep the raw
text (unparsed) when we cannot."""

from __future__ import annotations

import pytest

from bot.feedback import UNSCORED, FeedbackIn
from bot.intake.slack_alerts import parse_alert
from tests.bot.intake.slack_messages import CHANNEL, bot_message, field, mrkdwn

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
