"""The customer-outcome team end to end over signed HTTP: account owners (by command, by import, from the
accounts feed), the owner told of a high-ARR detractor (one thread mention, one DM a day), Join this loop,
/loops account across teams, My accounts and the weekly message."""

from __future__ import annotations

import csv
import json
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.digest.owners import send_due_owner_digests
from bot.ids import CardAction
from models import Account, AuditEntry, LoopCollaborator, OwnerDigestRun
from tests.bot.cli.test_cli import loopkeeper
from tests.factories import feedback_payload
from tests.handlers.test_themes import elevate

OWNER = "U0AMOS"
ACME = {"id": "cus_1", "email": "dana@acme.io", "name": "Dana Whitfield", "account": "Acme", "arr": 48000}


@pytest.fixture
def amos(harness):
    """An account manager Slack knows by email."""
    harness.standin.add_user(OWNER, "amos", email="amos@ours.example")
    return OWNER


def admin(harness, text: str) -> str:
    return harness.slash(text, user_id="U0ADMIN").json()["text"]


def accounts(harness) -> list[Account]:
    with harness.session() as session:
        return list(session.exec(select(Account)))


def acme_detractor(harness, **overrides) -> dict:
    customer = {**ACME, **overrides.pop("customer", {})}
    harness.post_webhook(feedback_payload(customer=customer, **overrides))
    harness.wait_until_delivered()
    return harness.standin.messages("C0BILLING")[-1] | {"channel": "C0BILLING"}


def test_an_owner_set_by_command_is_named_on_the_cards(harness, amos):
    acme_detractor(harness)  # Acme is known only from feedback so far
    answer = admin(harness, f'account owner "acme" <@{OWNER}|amos>')
    assert answer.startswith(f":white_check_mark: <@{OWNER}> owns *Acme*")
    [account] = accounts(harness)
    assert (account.name, account.owner_id, account.owner_name, account.source) == ("Acme", OWNER, "amos", "slack")
    with harness.session() as session:
        [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "account.owner")).all()
        assert (entry.actor, entry.after) == ("U0ADMIN", OWNER)
    card = acme_detractor(harness, customer={"id": "cus_2", "email": "lee@acme.io", "name": "Lee"})
    fields = json.dumps(card["blocks"])
    assert "Account owner: amos" in fields and f"<@{OWNER}>" not in fields  # named, not pinged on every card


def test_an_owner_given_by_email_is_looked_up_in_slack(harness, amos):
    acme_detractor(harness)
    assert admin(harness, "account owner Acme amos@ours.example").startswith(f":white_check_mark: <@{OWNER}>")
    assert accounts(harness)[0].owner_email == "amos@ours.example"
    assert [c.args["email"] for c in harness.standin.calls_to("users.lookupByEmail")] == ["amos@ours.example"]


@pytest.mark.parametrize(
    ("text", "user", "expected"),
    [
        ("account owner Acme nobody@ours.example", "U0ADMIN", "no Slack user has the email nobody@ours.example"),
        ("account owner Initech <@U0AMOS|amos>", "U0ADMIN", "no account here is called or has the email"),
        ("account owner Acme <@U0AMOS|amos>", "U0DANA", "only Loopkeeper admins"),
        ("account owner Ac <@U0AMOS|amos>", "U0ADMIN", "*2 accounts match* `Ac` — say which:"),
        ("account owner Acme", "U0ADMIN", "missing the account and its owner"),
    ],
)
def test_bad_owner_commands_say_why_and_change_nothing(harness, amos, text, user, expected):
    acme_detractor(harness)
    harness.post_webhook(feedback_payload(customer={"id": "cus_9", "name": "Kim", "account": "Acme Corp"}))
    answer = harness.slash(text, user_id=user).json()["text"]
    assert expected in answer, answer
    assert "/loops account owner" in answer  # a correct example to copy
    assert accounts(harness) == []


def test_ambiguous_names_are_listed_to_choose_from(harness):
    acme_detractor(harness)
    harness.post_webhook(feedback_payload(customer={"id": "cus_9", "name": "Kim", "account": "Acme Corp"}))
    answer = harness.slash("account acm").json()["text"]
    assert answer.startswith(":warning: *2 accounts match* `acm` — say which:")
    assert '• Acme: `/loops account "Acme"`' in answer
    assert '• Acme Corp: `/loops account "Acme Corp"`' in answer
    assert "Acme Corp" in harness.slash('account "acme corp"').json()["text"].splitlines()[0]


def test_owners_from_the_accounts_feed_and_its_import(harness, amos, tmp_path):
    refused = harness.post_accounts(
        {"event": "renewed", "account": "Acme", "effective_at": "2026-11-01", "owner_email": "ghost@ours.example"}
    )
    assert refused.status_code == 422 and refused.json()["field"] == "owner_email"
    assert "no Slack user has the email ghost@ours.example" in refused.json()["error"]
    assert accounts(harness) == []
    path = tmp_path / "accounts.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "event", "account", "effective_at", "owner_email"])
        writer.writerow(["r1", "renewed", "Acme", "2026-11-01", "AMOS@ours.example"])
        writer.writerow(["r2", "renewed", "Globex", "2026-11-01", "ghost@ours.example"])
    env = {
        "DATABASE_URL": harness.settings.database_url,
        "SLACK_BOT_TOKEN": harness.standin.bot_token,
        "SLACK_API_URL": harness.standin.url,
        "SLACK_SIGNING_SECRET": "a1b2c3d4e5f6",
        "LOOPKEEPER_WEBHOOK_SECRET": "f6e5d4c3b2a1",
    }
    result = loopkeeper("import-accounts", str(path), "--workspace", harness.workspace_id, env=env)
    assert "recorded: 1  duplicates: 0  rejected: 1" in result.stdout, result.stdout + result.stderr
    assert "line 3: owner_email: no Slack user has the email ghost@ours.example" in result.stdout
    [account] = accounts(harness)
    assert (account.name, account.owner_id, account.owner_name) == ("Acme", OWNER, "Amos")  # Slack's name for them


@pytest.fixture
def watched(harness, amos):
    """Acme ($48,000) owned by Amos; billing tells its owner of detractors from $40,000 ARR up."""
    acme_detractor(harness, score=10, customer={"id": "cus_0", "email": "first@acme.io", "name": "First"})
    admin(harness, f"account owner Acme <@{OWNER}|amos>")
    assert "updated" in admin(harness, "team set billing notify-owner-above $40k")
    return harness


def test_a_high_arr_detractor_tells_the_owner_once_in_the_thread_and_once_a_day_by_dm(watched):
    harness = watched
    card = acme_detractor(harness)
    [mention] = [r for r in harness.standin.replies("C0BILLING", card["ts"]) if OWNER in r["text"]]
    assert mention["text"].startswith(f":bust_in_silhouette: <@{OWNER}>, you own this account ($48,000 ARR):")
    [dm] = harness.standin.direct_messages(OWNER)
    assert dm["text"] == "Acme: 1 unhappy customer today"
    assert "Join this loop" in json.dumps(dm["blocks"])
    # A second detractor of Acme the same day: its own thread mention, but the same one DM, now listing both.
    second = acme_detractor(harness, customer={"id": "cus_2", "email": "lee@acme.io", "name": "Lee Park"})
    assert [r for r in harness.standin.replies("C0BILLING", second["ts"]) if OWNER in r["text"]]
    [dm] = harness.standin.direct_messages(OWNER)
    assert dm["text"] == "Acme: 2 unhappy customers today"
    assert len(harness.standin.calls_to("chat.update")) >= 1
    # Below the threshold: nothing for the owner.
    admin(harness, "team set billing notify-owner-above 100000")
    third = acme_detractor(harness, customer={"id": "cus_3", "email": "kim@acme.io", "name": "Kim"})
    assert not [r for r in harness.standin.replies("C0BILLING", third["ts"]) if OWNER in r["text"]]
    assert harness.standin.direct_messages(OWNER)[0]["text"] == "Acme: 2 unhappy customers today"


def test_join_this_loop_makes_a_collaborator_shown_on_the_card_and_in_their_home(watched):
    harness = watched
    card = acme_detractor(harness)
    [dm] = harness.standin.direct_messages(OWNER)
    loop_id = card["blocks"][-1]["block_id"].split(":")[1]
    dm = {**dm, "channel": "D" + OWNER[1:]}
    assert harness.click(dm, CardAction.JOIN, user_id=OWNER, value=loop_id).status_code == 200
    harness.wait_until_delivered()
    with harness.session() as session:
        [joined] = session.exec(select(LoopCollaborator)).all()
        assert (joined.loop_id, joined.user_id) == (int(loop_id), OWNER)
    status = json.dumps(harness.card("C0BILLING", card["ts"])["blocks"])
    assert f"with <@{OWNER}>" in status
    assert any(f"<@{OWNER}> joined this loop" == r["text"] for r in harness.standin.replies("C0BILLING", card["ts"]))
    [dm] = harness.standin.direct_messages(OWNER)
    assert "You are in this loop" in json.dumps(dm["blocks"])  # the DM no longer offers to join it
    harness.event({"type": "app_home_opened", "user": OWNER, "tab": "home"}, event_id="Ev0HOME1")
    harness.wait_until_delivered()
    home = json.dumps(harness.standin.calls_to("views.publish")[-1].args, ensure_ascii=False)
    assert "Loops I joined (1)" in home and "My accounts at risk (1)" in home
    # Joining twice changes nothing and says so.
    harness.click({**dm, "channel": "D" + OWNER[1:]}, CardAction.JOIN, user_id=OWNER, value=loop_id)
    answers = harness.standin.wait_for(lambda: (a := harness.standin.calls_to("response_url")) and len(a) >= 2 and a)
    assert answers[0].args["text"] == f":white_check_mark: You joined loop #{loop_id}: it is in your Home tab now."
    assert answers[1].args["text"].startswith(f"You are in loop #{loop_id} already")
    with harness.session() as session:
        assert len(session.exec(select(LoopCollaborator)).all()) == 1


def test_the_account_view_across_teams(harness, amos):
    acme_detractor(harness)  # billing team
    harness.post_webhook(
        feedback_payload(
            scale="csat", score=1, touchpoint="support", customer={**ACME, "id": "cus_5", "email": "ops@acme.io"}
        )
    )  # support team
    harness.wait_until_delivered()
    admin(harness, f"account owner Acme <@{OWNER}|amos>")
    harness.post_accounts(
        {"id": "c1", "event": "cancellation_scheduled", "account": "Acme", "effective_at": "2026-12-31"}
    )
    harness.wait_until_delivered()
    [told] = harness.standin.direct_messages(OWNER)  # the owner hears of the cancellation directly
    assert told["text"].startswith(":rotating_light: *Acme*, which you own, scheduled a cancellation for 31 Dec.")
    assert "Open loops: #1 (" in told["text"] and "#2 (" in told["text"]
    [billing] = harness.standin.messages("C0BILLING")
    harness.click({**billing, "channel": "C0BILLING"}, CardAction.TAKE_OWNERSHIP, user_id="U0DANA")
    elevate(harness, {**billing, "channel": "C0BILLING"}, new_theme="Charged twice", owner_team="support")
    text = harness.slash("account acme").json()["text"]
    lines = text.splitlines()
    assert lines[0] == f"*Acme* · account owner <@{OWNER}>"
    assert lines[1].startswith(":rotating_light: *Cancellation scheduled for 31 Dec*")
    assert "*Open loops* (2)" in text
    assert "• billing (<#C0BILLING>): *#1* NPS 3/10 · Dana Whitfield" in text
    assert "• support (<#C0SUPPORT>): *#2* CSAT 1/5" in text
    assert "open card>" in text  # links to the cards
    assert text.count("NPS:") == 1 and "CSAT:" in text
    assert "*Themes its feedback feeds*\n• #1 Charged twice — New · owned by support" in text


def test_the_weekly_message_goes_out_once(watched):
    harness = watched
    acme_detractor(harness)
    monday = harness.clock()
    while monday.weekday() != 0:
        monday += timedelta(days=1)
    nine = monday.replace(hour=9, minute=5)
    assert send_due_owner_digests(harness.app.engine, now=nine) == 1
    assert send_due_owner_digests(harness.app.engine, now=nine + timedelta(hours=1)) == 0
    harness.wait_until_delivered()
    weekly = [m for m in harness.standin.direct_messages(OWNER) if "at risk this week" in m["text"]]
    assert len(weekly) == 1
    assert weekly[0]["text"].startswith("*Your accounts at risk this week* (1, most ARR first)\n• *Acme* · $48,000 ARR")
    assert "1 open unhappy loop: #2 (" in weekly[0]["text"]
    with harness.session() as session:
        assert len(session.exec(select(OwnerDigestRun)).all()) == 1


def test_owners_and_thresholds_are_configuration_as_code(watched):
    harness = watched
    exported = harness.slash("config export", user_id="U0ADMIN").json()["text"]
    assert "notify_owner_above: 40000" in exported
    assert f"account_owners:\n- account: Acme\n  owner: {OWNER}" in exported


def test_account_owners_round_trip_through_a_config_file(watched, tmp_path):
    harness = watched
    from bot.admin.config.apply import import_config
    from bot.admin.config.parse import parse_config

    doc = {
        "teams": [{"name": "billing", "channel": "C0BILLING", "notify_owner_above": 75000}],
        "account_owners": [{"account": "Globex", "owner": "U0KIM"}, {"email": "ops@initech.example", "owner": OWNER}],
    }
    result = import_config(harness.app.engine, workspace_id=harness.workspace_id, doc=parse_config(doc), dry_run=True)
    assert "\n-- account: Acme\n+- account: Globex\n+  owner: U0KIM\n+- email: ops@initech.example\n" in result.diff
    import_config(harness.app.engine, workspace_id=harness.workspace_id, doc=parse_config(doc))
    owned = {(a.name or a.email): a.owner_id for a in accounts(harness)}
    assert owned == {"Acme": None, "Globex": "U0KIM", "ops@initech.example": OWNER}  # exactly the file's owners
    with pytest.raises(Exception, match=r"account_owners\[0\].owner: must be a user ID"):
        parse_config({"account_owners": [{"account": "Globex", "owner": "kim"}]})
