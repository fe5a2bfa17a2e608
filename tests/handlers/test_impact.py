"""/loops impact, the digest's monthly impact section and its chart, end to end: the real app over HTTP, the
chart uploaded through the outbox to the Slack stand-in (files.getUploadURLExternal, the bytes, the share)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.demo.standin import Fault
from bot.digest.periods import period
from models.db import transaction
from models.team import get_team_by_name
from tests.bot.impact.seeding import Seeder
from tests.factories import feedback_payload

ADMIN = "U0ADMIN"
PNG = b"\x89PNG\r\n\x1a\n"


def say(harness, text: str, user: str = "U0DANA") -> str:
    response = harness.slash(text, user_id=user)
    assert response.status_code == 200, response.text
    assert response.json()["response_type"] == "ephemeral"
    return response.json()["text"]


def seed(harness, counts: dict[str, tuple[int, int]], *, received: datetime, billed: bool = True) -> None:
    """Detractor loops of the billing team, written as intake and billing would have left them."""
    with transaction(harness.app.engine) as session:
        team = get_team_by_name(session=session, workspace_id=harness.workspace_id, name="billing")
        seeder = Seeder(session, workspace_id=harness.workspace_id, now=harness.clock())
        seeder.groups(counts, team=team, received=received, billed=billed)


def month_turning(harness) -> datetime:
    """Travel to a day whose last week (Monday to Monday, UTC) crosses into a new month: its digest has the
    monthly impact section. The scheduler is paused first, so only the digest the test sends goes out."""
    harness.app.scheduler.pause()
    day = harness.clock()
    while (chosen := period("last-week", now=day)).start.month == chosen.end.month:
        day += timedelta(days=1)
    harness.clock.travel_to(day)
    return chosen.end


def test_impact_through_the_real_app(harness):
    seed(harness, {"within_sla": (40, 4), "never": (40, 16)}, received=harness.clock() - timedelta(days=30))
    text = say(harness, "impact billing")
    assert text.startswith("*Impact — billing*, last 90 days (")
    assert "*80 loops counted*: one per billing account, its first in the period" in text
    assert "• closed within SLA: 10 % churned (4 of 40, 95 % CI 4–23 %) · ARR lost $48,000" in text
    assert "• never closed: 40 % churned (16 of 40, 95 % CI 26–55 %) · ARR lost $192,000" in text
    assert "*Closed loops churned less than never-closed ones*: 10 % vs 40 % (Fisher's exact test" in text
    assert say(harness, "impact last-week").count("*0 loops counted*") == 1  # a month ago is not last week
    help_text = say(harness, "help impact")
    assert "*/loops impact [team] [period] [chart]*" in help_text and "*/loops impact unmatched*" in help_text


def test_impact_chart_goes_to_the_askers_dm(harness):
    seed(harness, {"within_sla": (12, 1), "never": (12, 6)}, received=harness.clock() - timedelta(days=20))
    text = say(harness, "impact billing chart")
    assert text.endswith(":bar_chart: The chart is on its way to your DMs with me.")
    [shared] = harness.standin.wait_for(harness.standin.shared_files)
    assert shared["bytes"].startswith(PNG)
    [where] = shared["shares"]
    assert where["channel"] == "D0DANA" and where["thread_ts"] is None
    assert shared["title"].startswith("Impact — billing, last 90 days")
    assert harness.standin.calls_to("conversations.open")[0].args["users"] == "U0DANA"


def test_without_billing_data_impact_says_how_to_connect_it(harness):
    seed(harness, {"never": (12, 0)}, received=harness.clock() - timedelta(days=5), billed=False)
    text = say(harness, "impact")
    assert text.startswith(":information_source: *No billing data yet*")
    assert "/webhooks/stripe" in text and "LOOPKEEPER_WEBHOOK_SECRET_STRIPE" in text and "/webhooks/accounts" in text
    assert "0 %" not in text and "churned" not in text.split("Connect billing")[0]
    assert say(harness, "impact billing chart").startswith(":information_source: *No billing data yet*")
    harness.wait_until_delivered()
    assert harness.standin.calls_to("files.getUploadURLExternal") == []


BAD = [
    ("impact nowhere", "`nowhere` is neither a team (billing, escalations, support) nor a period (last-30-days"),
    ("impact billing support", "`support` after the team `billing`: give one team, or none for all teams"),
    ("impact last-week last-month", "two periods, `last-week` and `last-month`: give one"),
    ("impact 999d", "`999d`: a period is 1 to 730 days"),
    ("impact billing chart chart", "`chart` is said twice"),
    ("impact billing last-week chart more", "`/loops impact` takes 3 words after it"),
    ("impact unmatched please", "`/loops impact unmatched` takes no words after it"),
]


@pytest.mark.parametrize(("command", "problem"), BAD)
def test_a_mistyped_impact_says_what_and_shows_an_example(harness, command, problem):
    text = say(harness, command)
    assert text.startswith(":warning:") and problem in text, text
    assert "\nFor example: `/loops impact" in text


def test_unmatched_billing_events_are_listed_until_feedback_joins_them(harness):
    event = {
        "id": "evt-northwind-1",
        "event": "churned",
        "email": "ops@northwind.example",
        "account": "Northwind Traders",
        "arr_before": 24000,
        "arr_after": 0,
        "effective_at": "2026-10-02",
    }
    assert harness.post_accounts(event).status_code == 202
    text = say(harness, "impact unmatched")
    assert text.startswith("*Billing events no feedback joins yet: 1*")
    assert "• 2 Oct" in text and "— *churned* — Northwind Traders · ops@northwind.example · ARR $24,000 → $0" in text
    # Feedback from someone at Northwind, by email: the event now joins it, and is no longer listed.
    customer = {"id": "cus_nw_7", "email": "OPS@northwind.example", "name": "Olu", "account": "NW"}
    assert harness.post_webhook(feedback_payload(customer=customer)).status_code == 202
    assert say(harness, "impact unmatched").startswith(":white_check_mark: Every account event from billing joins")


def test_the_first_digest_of_a_month_has_the_impact_section_and_its_chart_once(harness):
    end = month_turning(harness)
    seed(harness, {"within_sla": (12, 1), "late": (3, 1), "never": (12, 5)}, received=end - timedelta(days=20))
    assert "*Impact — billing*, last 90 days" in say(harness, "digest preview billing")  # what it will say
    assert ":outbox_tray:" in say(harness, "digest send billing", user=ADMIN)
    [digest] = harness.cards("C0BILLING")
    harness.wait_until_delivered()
    assert "*Impact — billing*, last 90 days" in str(digest["blocks"])
    assert "The chart is in this digest's thread." in str(digest["blocks"])
    [chart] = harness.standin.replies("C0BILLING", digest["ts"])
    [file] = chart["files"]
    assert file["name"].startswith("loopkeeper-impact-") and file["name"].endswith(".png")
    [shared] = harness.standin.shared_files()
    assert shared["bytes"].startswith(PNG) and len(shared["bytes"]) == shared["length"]
    assert shared["shares"] == [
        {"channel": "C0BILLING", "ts": chart["ts"], "thread_ts": digest["ts"], "comment": chart["text"]}
    ]
    calls = [c.method for c in harness.standin.calls if c.method.startswith("files.") or c.method == "upload"]
    assert calls == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    # Sending it again changes nothing: one digest per period, so one chart.
    assert "was already sent" in say(harness, "digest send billing", user=ADMIN)
    harness.wait_until_delivered()
    assert len(harness.standin.shared_files()) == 1


@pytest.mark.parametrize(
    ("failing", "expected"),
    [
        ("files.getUploadURLExternal", ["files.getUploadURLExternal", "files.getUploadURLExternal", "upload"]),
        ("upload", ["files.getUploadURLExternal", "upload", "files.getUploadURLExternal", "upload"]),
        (
            "files.completeUploadExternal",
            ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
            + ["files.getUploadURLExternal", "upload"],
        ),
    ],
)
def test_a_5xx_during_the_upload_is_retried_and_the_chart_shared_once(harness, failing, expected):
    end = month_turning(harness)
    seed(harness, {"within_sla": (12, 1), "never": (12, 5)}, received=end - timedelta(days=20))
    harness.standin.inject(Fault(failing, error="internal_error", status=500))
    say(harness, "digest send billing", user=ADMIN)
    [digest] = harness.cards("C0BILLING")
    [shared] = harness.standin.wait_for(harness.standin.shared_files, timeout=15)
    assert shared["bytes"].startswith(PNG)
    assert [s["thread_ts"] for s in shared["shares"]] == [digest["ts"]]
    calls = [c.method for c in harness.standin.calls if c.method.startswith("files.") or c.method == "upload"]
    assert calls == [*expected, "files.completeUploadExternal"]
    harness.wait_until_delivered()
    assert len(harness.standin.replies("C0BILLING", digest["ts"])) == 1


def test_a_workspace_without_billing_data_gets_no_impact_section(harness):
    end = month_turning(harness)
    seed(harness, {"within_sla": (12, 1), "never": (12, 5)}, received=end - timedelta(days=20), billed=False)
    say(harness, "digest send billing", user=ADMIN)
    [digest] = harness.cards("C0BILLING")
    harness.wait_until_delivered()
    assert "Closed this period" in str(digest["blocks"])  # the digest itself is there
    assert "Impact" not in str(digest["blocks"]) and "churned (" not in str(digest["blocks"])
    assert harness.standin.replies("C0BILLING", digest["ts"]) == []
    assert harness.standin.calls_to("files.getUploadURLExternal") == []


def test_an_upload_whose_answer_was_lost_is_found_in_the_thread_not_shared_again(harness):
    end = month_turning(harness)
    seed(harness, {"within_sla": (12, 1), "never": (12, 5)}, received=end - timedelta(days=20))
    # Slack shares the file but answers after the client's 2-second timeout: the upload is in doubt.
    harness.standin.method_delays["files.completeUploadExternal"] = 3
    say(harness, "digest send billing", user=ADMIN)
    [digest] = harness.cards("C0BILLING")
    harness.standin.wait_for(lambda: harness.standin.calls_to("conversations.replies"), timeout=20)
    harness.wait_until_delivered(timeout=20)
    assert len(harness.standin.shared_files()) == 1
    assert len(harness.standin.replies("C0BILLING", digest["ts"])) == 1
    assert len(harness.standin.calls_to("files.completeUploadExternal")) == 1
