"""Account outcomes from any CRM or billing system: POST /webhooks/accounts (signed) and `loopkeeper
import-accounts`, matched to loops by customer id, email or account name."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

import pytest
from sqlmodel import select

from models import Account, AccountEvent, BillingReceipt
from tests.bot.cli.test_cli import loopkeeper
from tests.factories import feedback_payload

GLOBEX = {"customer_id": "CRM-77", "email": "lee@globex.io", "account": "Globex"}


def churn(**overrides) -> dict:
    event = {
        "id": "crm-evt-1",
        "event": "churned",
        **GLOBEX,
        "arr_before": 20000,
        "effective_at": "2026-11-20",
        "reason": "budget",
    }
    event.update(overrides)
    return {k: v for k, v in event.items() if v is not None}


def globex_detractor(harness, **customer) -> dict:
    person = {"id": "CRM-77", "email": "lee@globex.io", "name": "Lee Park", "account": "Globex", "arr": 20000}
    person.update(customer)
    harness.post_webhook(
        feedback_payload(customer={k: v for k, v in person.items() if v is not None}, touchpoint="billing")
    )
    [card] = harness.cards("C0BILLING")
    harness.wait_until_delivered()
    return card


def stored(harness, model) -> list:
    with harness.session() as session:
        return list(session.exec(select(model)))


def test_a_churn_is_recorded_once_and_marks_the_card(harness):
    card = globex_detractor(harness)
    first = harness.post_accounts(churn())
    assert first.status_code == 202, first.text
    assert first.json()["events"] == ["churned"] and first.json()["loops_told"] == []  # open loop: card only
    again = harness.post_accounts(churn())
    assert again.status_code == 200 and again.json()["duplicate"] is True
    [event] = stored(harness, AccountEvent)
    assert (event.kind, event.arr_before, event.arr_after) == ("churned", Decimal("20000.00"), Decimal("0.00"))
    harness.wait_until_delivered()
    assert ":x: *Churned on 20 Nov* (billing)" in json.dumps(harness.card("C0BILLING", card["ts"])["blocks"])


@pytest.mark.parametrize(
    "keys",
    [
        {"customer_id": "CRM-77", "email": None, "account": None},
        {"customer_id": None, "email": "LEE@globex.io", "account": None},
        {"customer_id": None, "email": None, "account": "  globex "},
    ],
    ids=["by-id", "by-email", "by-name"],
)
def test_a_scheduled_cancellation_finds_its_loop_by_any_key(harness, keys):
    card = globex_detractor(harness)
    response = harness.post_accounts(
        churn(event="cancellation_scheduled", effective_at="2026-12-31", arr_before=None, **keys)
    )
    assert response.status_code == 202 and response.json()["loops_told"] == [1], response.text
    harness.wait_until_delivered()
    [note] = harness.standin.replies("C0BILLING", card["ts"])
    assert note["text"].startswith(":rotating_light: *Cancellation scheduled on 31 Dec* — billing says Globex")
    assert "reason: budget" in note["text"]


def test_an_event_for_an_account_with_no_feedback_is_kept_and_joins_later_feedback(harness):
    response = harness.post_accounts(churn(event="cancellation_scheduled", effective_at="2026-12-31"))
    assert response.status_code == 202 and response.json()["loops_told"] == []
    [account] = stored(harness, Account)
    assert (account.status, account.email, account.name) == ("cancellation_scheduled", "lee@globex.io", "Globex")
    card = globex_detractor(harness)  # the feedback comes after: its card already shows billing's word
    assert "*Cancellation scheduled for 31 Dec* (billing)" in json.dumps(card["blocks"])


def test_a_batch_is_taken_whole_or_not_at_all(harness):
    good = churn()
    bad = churn(id="crm-evt-2", event="expanded", arr_before=100, arr_after=50)
    response = harness.post_accounts([good, bad])
    assert response.status_code == 422
    assert response.json()["field"] == "[1].arr_after"
    assert response.json()["error"] == "[1].arr_after: an expansion needs arr_after above arr_before"
    assert response.json()["example"]["event"] == "churned"
    assert stored(harness, AccountEvent) == [] and stored(harness, BillingReceipt) == []
    ok = harness.post_accounts([good, churn(id="crm-evt-2", event="renewed", effective_at="2026-11-21")])
    assert ok.status_code == 202 and [r["events"] for r in ok.json()["results"]] == [["churned"], ["renewed"]]
    assert stored(harness, Account)[0].status == "active"  # renewed after churning: paying again


@pytest.mark.parametrize(
    ("payload", "field", "error"),
    [
        ({"event": "churned", "effective_at": "2026-11-20"}, None, "name the account"),
        (churn(event="cancelled"), "event", "must be one of churned, renewed"),
        (churn(effective_at="20/11/2026"), "effective_at", "must be an ISO date"),
        (churn(arr_before="lots"), "arr_before", "must be an amount"),
        (churn(email="not-an-email"), "email", "must be an email address"),
        (churn(plan="gold"), "plan", "unknown field 'plan'"),
        ([], None, "is an empty list"),
    ],
)
def test_bad_input_is_a_4xx_that_says_what_and_where(harness, payload, field, error):
    response = harness.post_accounts(payload)
    assert 400 <= response.status_code < 500, response.text
    assert error in response.json()["error"]
    assert response.json().get("field") == field
    assert stored(harness, BillingReceipt) == []


def test_unsigned_or_wrongly_signed_is_refused(harness):
    response = harness.post_accounts(churn(), secret="not-the-secret-0123456789")
    assert response.status_code == 401
    assert stored(harness, Account) == []


def test_import_accounts_from_csv(tmp_path, harness):
    globex_detractor(harness)
    path = tmp_path / "accounts.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "event", "customer_id", "email", "account", "arr_before", "arr_after", "effective_at"])
        writer.writerow(["a1", "renewed", "", "ops@initech.example", "Initech", "9000", "9000", "2026-10-01"])
        writer.writerow(["a2", "expanded", "CRM-9", "", "Umbrella", "1,000", "2,500", "2026-10-02"])
        writer.writerow(["a3", "cancellation_scheduled", "CRM-77", "", "", "", "", "2026-12-31"])
        writer.writerow(["a4", "contracted", "CRM-9", "", "", "2500", "3000", "2026-10-03"])  # not a contraction
        writer.writerow(["a1", "renewed", "", "ops@initech.example", "Initech", "9000", "9000", "2026-10-01"])
        writer.writerow(["", "churned", "", "", "", "", "", "2026-10-04"])  # names no account
    env = {
        "DATABASE_URL": harness.settings.database_url,
        "SLACK_BOT_TOKEN": "xoxb-1-2-import",
        "SLACK_SIGNING_SECRET": "a1b2c3d4e5f6",
        "LOOPKEEPER_WEBHOOK_SECRET": "f6e5d4c3b2a1",
    }
    dry = loopkeeper("import-accounts", str(path), "--dry-run", "--workspace", harness.workspace_id, env=env)
    assert "would record: 3  duplicates: 1  rejected: 2" in dry.stdout, dry.stdout + dry.stderr
    assert stored(harness, AccountEvent) == []
    result = loopkeeper("import-accounts", str(path), "--workspace", harness.workspace_id, env=env)
    assert result.returncode == 1, result.stderr  # 1: some rows were rejected
    assert "recorded: 3  duplicates: 1  rejected: 2" in result.stdout
    assert "notes queued on 1 open loops" in result.stdout
    assert "line 5: arr_after: a contraction needs arr_after below arr_before" in result.stdout
    assert "line 7: name the account: give customer_id, email or account" in result.stdout
    assert "6/6 rows (100%)" in result.stderr
    rejects = list(csv.reader((tmp_path / "accounts.csv.rejected.csv").open()))
    assert [row[0] for row in rejects] == ["line", "5", "7"]
    assert sorted(e.kind for e in stored(harness, AccountEvent)) == ["cancellation_scheduled", "expanded", "renewed"]
    again = loopkeeper("import-accounts", str(path), "--workspace", harness.workspace_id, env=env)
    assert "recorded: 0  duplicates: 4  rejected: 2" in again.stdout
