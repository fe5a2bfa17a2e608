"""The outer loop end to end over signed HTTP: elevate loops from two teams into one theme owned by a third,
ship the fix, tell the customers; merge, decline, races and bad input."""

from __future__ import annotations

import json
import threading

import pytest
from sqlmodel import select

from bot.demo import slack_requests
from bot.ids import CardAction, ThemeAction
from models import AuditEntry, Loop, Theme, ThemeLink, Workspace
from tests.factories import feedback_payload

FINANCE = "C0FINANCE"


@pytest.fixture
def finance(harness):
    """A third team that fixes billing causes, with a lead."""
    assert "works in" in harness.slash("team add finance <#C0FINANCE|finance>", user_id="U0ADMIN").json()["text"]
    assert "updated" in harness.slash("team set finance lead <@U0FINLEAD>", user_id="U0ADMIN").json()["text"]
    return "finance"


def text_of(message: dict) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def two_loops(harness) -> tuple[dict, dict]:
    """A billing detractor (Acme, $48,000) and a support CSAT 1 (Globex, $20,000), each owned by someone."""
    harness.post_webhook(feedback_payload(comment="We were charged twice on the annual invoice"))
    harness.post_webhook(
        feedback_payload(
            scale="csat",
            score=1,
            touchpoint="support",
            comment="Charged twice again, and support took a week",
            customer={"id": "cus_9", "email": "lee@globex.io", "name": "Lee Park", "account": "Globex", "arr": 20000},
        )
    )
    [billing], [support] = harness.cards("C0BILLING"), harness.cards("C0SUPPORT")
    harness.wait_until_delivered()
    harness.click(billing, CardAction.TAKE_OWNERSHIP, user_id="U0DANA")
    harness.click(support, CardAction.TAKE_OWNERSHIP, user_id="U0SAM")
    harness.wait_until_delivered()
    return billing, support


def elevate(harness, card: dict, *, user_id: str = "U0PRIYA", **values) -> dict:
    view = harness.open_modal(card, CardAction.ELEVATE, user_id=user_id)
    fields = {"impact": slack_requests.selected(values.pop("impact", "attrition_risk"))}
    if "theme" in values:
        fields["theme"] = slack_requests.selected(str(values.pop("theme")))
    if "new_theme" in values:
        fields["new_theme"] = slack_requests.typed(values.pop("new_theme"))
    if "owner_team" in values:
        fields["owner_team"] = slack_requests.selected(values.pop("owner_team"))
    response = harness.submit(view, fields, user_id=user_id)
    assert response.status_code == 200
    return response.json() if response.content else {}


def theme_card(harness) -> dict:
    harness.wait_until_delivered()
    [card] = harness.cards(FINANCE)
    return harness.card(FINANCE, card["ts"])


def rows(harness, model, **where) -> list:
    with harness.session() as session:
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return list(session.exec(query))


def test_two_teams_elevate_one_theme_it_ships_and_every_customer_is_told(harness, finance):
    billing, support = two_loops(harness)
    assert elevate(harness, billing, new_theme="Double charges on annual invoices", owner_team=finance) == {}
    view = harness.open_modal(support, CardAction.ELEVATE, user_id="U0PRIYA")
    [theme_option] = [b for b in view["blocks"] if b.get("block_id") == "theme"][0]["element"]["options"]
    assert theme_option["text"]["text"].startswith("#1 Double charges on annual invoices (finance)")
    assert elevate(harness, support, theme=1, impact="complaint") == {}

    card = theme_card(harness)
    shown = text_of(card)
    assert "Theme #1 — Double charges on annual invoices" in shown
    assert "*Customers affected*\\n2" in shown and "*ARR affected*\\n$68,000" in shown
    assert "*Detractors and negative ratings*\\n2" in shown and "2 open" in shown
    assert "charged twice on the annual invoice" in shown and "<@U0PRIYA>" in shown
    billing_now = harness.card("C0BILLING", billing["ts"])
    assert "Elevated to theme #1" in text_of(billing_now) and "owned by <#C0FINANCE>" in text_of(billing_now)

    harness.click(card, ThemeAction.ACCEPT, user_id="U0FINLEAD")
    harness.wait_until_delivered()
    harness.click(theme_card(harness), ThemeAction.SHIP, user_id="U0FINLEAD")
    harness.wait_until_delivered()

    for channel, card_ts in (("C0BILLING", billing["ts"]), ("C0SUPPORT", support["ts"])):
        notes = [r["text"] for r in harness.standin.replies(channel, card_ts)]
        assert any("The fix for *Double charges on annual invoices* shipped — tell the customer" in n for n in notes)
        assert CardAction.CUSTOMER_TOLD in harness.buttons(harness.card(channel, card_ts))
    [dana] = harness.standin.direct_messages("U0DANA")
    [sam] = harness.standin.direct_messages("U0SAM")
    assert "Dana Whitfield" in dana["text"] and "Lee Park" not in dana["text"]
    assert "Lee Park" in sam["text"] and "Customer told" in sam["text"]
    [priya] = harness.standin.direct_messages("U0PRIYA")
    assert "which you elevated, shipped" in priya["text"]

    harness.click(harness.card("C0BILLING", billing["ts"]), CardAction.CUSTOMER_TOLD, user_id="U0DANA")
    assert "*Customers told:* 1 of 2" in text_of(theme_card(harness))
    told = harness.card("C0BILLING", billing["ts"])
    assert "customer told by <@U0DANA>" in text_of(told) and CardAction.CUSTOMER_TOLD not in harness.buttons(told)
    assert [e.action for e in rows(harness, AuditEntry) if e.action.startswith("theme.")] == [
        "theme.elevate",
        "theme.elevate",
        "theme.accept",
        "theme.ship",
    ]


def test_merge_moves_loops_and_figures_and_the_old_card_says_where(harness, finance):
    billing, support = two_loops(harness)
    elevate(harness, billing, new_theme="Double charges", owner_team=finance)
    elevate(harness, support, new_theme="Invoices charged twice", owner_team=finance)
    harness.wait_until_delivered()
    first, second = harness.cards(FINANCE, count=2)
    view = harness.open_modal(harness.card(FINANCE, second["ts"]), ThemeAction.MERGE, user_id="U0DANA")
    refused = harness.submit(view, {"merge_into": slack_requests.selected("1")}, user_id="U0DANA")
    assert refused.json()["errors"]["merge_into"] == (
        "only finance's leads and Loopkeeper admins may merge its themes; ask <@U0FINLEAD>"
    )
    assert [t.status for t in rows(harness, Theme)] == ["new", "new"]

    assert harness.submit(view, {"merge_into": slack_requests.selected("1")}, user_id="U0FINLEAD").status_code == 200
    harness.wait_until_delivered()
    assert {link.theme_id for link in rows(harness, ThemeLink)} == {1}
    assert "merged into theme #1 — *Double charges*" in text_of(harness.card(FINANCE, second["ts"]))
    assert "*Customers affected*\\n2" in text_of(harness.card(FINANCE, first["ts"]))
    assert "theme #1" in text_of(harness.card("C0SUPPORT", support["ts"]))


def test_decline_needs_a_reason_and_everyone_who_elevated_is_told(harness, finance):
    billing, _ = two_loops(harness)
    elevate(harness, billing, new_theme="Prices in euros", owner_team=finance, user_id="U0PRIYA")
    view = harness.open_modal(theme_card(harness), ThemeAction.DECLINE, user_id="U0FINLEAD")
    empty = harness.submit(view, {"reason": slack_requests.typed("   ")}, user_id="U0FINLEAD")
    assert "say why" in empty.json()["errors"]["reason"]
    harness.submit(view, {"reason": slack_requests.typed("Not on the roadmap this year")}, user_id="U0FINLEAD")
    harness.wait_until_delivered()
    [notice] = harness.standin.direct_messages("U0PRIYA")
    assert "declined *Prices in euros*" in notice["text"] and "Not on the roadmap this year" in notice["text"]
    assert "because: Not on the roadmap this year" in text_of(theme_card(harness))


def test_twenty_simultaneous_accepts_make_one_change(harness, finance):
    billing, _ = two_loops(harness)
    elevate(harness, billing, new_theme="Double charges", owner_team=finance)
    card = theme_card(harness)
    threads = [
        threading.Thread(target=harness.click, args=(card, ThemeAction.ACCEPT), kwargs={"user_id": f"U0CLICK{n:02d}"})
        for n in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    harness.wait_until_delivered()
    assert [e.action for e in rows(harness, AuditEntry)].count("theme.accept") == 1
    notes = [r["text"] for r in harness.standin.replies(FINANCE, card["ts"])]
    assert sum("accepted this theme" in note for note in notes) == 1
    losers = [c for c in harness.standin.calls_to("chat.postEphemeral") if "already accepted" in c.args["text"]]
    assert len(losers) == 19


@pytest.mark.parametrize("case", ["no theme and no name", "another workspace's theme", "a removed team", "both"])
def test_bad_elevations_are_answered_in_the_form_and_write_nothing(harness, finance, case):
    billing, _ = two_loops(harness)
    if case == "another workspace's theme":
        with harness.session(read_only=False) as session:
            session.add(Workspace(id="T0ELSEWHERE"))
            session.flush()
            session.add(
                Theme(
                    workspace_id="T0ELSEWHERE",
                    name="Theirs",
                    owner_team_id=1,
                    channel_id="C0THEIRS",
                    created_by="U0OTHER",
                )
            )
            session.commit()
    values = {
        "no theme and no name": {},
        "another workspace's theme": {"theme": 1},
        "a removed team": {"new_theme": "Double charges", "owner_team": "ghost"},
        "both": {"theme": 1, "new_theme": "Double charges", "owner_team": finance},
    }[case]
    answer = elevate(harness, billing, **values)
    field, message = next(iter(answer["errors"].items()))
    expected = {
        "no theme and no name": ("new_theme", "choose a theme, or name a new one"),
        "another workspace's theme": ("theme", "that theme does not exist here"),
        "a removed team": ("owner_team", "there is no team called ghost any more"),
        "both": ("new_theme", "choose an existing theme or name a new one, not both"),
    }[case]
    assert field == expected[0] and message.startswith(expected[1])
    assert rows(harness, ThemeLink) == []
    assert [t.workspace_id for t in rows(harness, Theme)] == (
        ["T0ELSEWHERE"] if case == "another workspace's theme" else []
    )
    with harness.session() as session:
        assert session.get(Loop, 1).status == "in_progress"


def test_resolve_with_needs_a_fix_elsewhere_goes_straight_to_elevate(harness, finance):
    billing, _ = two_loops(harness)
    view = harness.open_modal(billing, CardAction.RESOLVE, user_id="U0DANA")
    causes = [
        o["value"] for o in [b for b in view["blocks"] if b.get("block_id") == "root_cause"][0]["element"]["options"]
    ]
    assert causes == [
        "Product bug",
        "Missing feature",
        "Billing error",
        "Slow support",
        "Onboarding gap",
        "Communication",
        "Expectations",
        "Other",
    ]
    answer = harness.submit(
        view,
        {
            "outcome": slack_requests.selected("contacted_not_fixable"),
            "root_cause": slack_requests.selected("Billing error"),
            "elevate": {"type": "checkboxes", "selected_options": [{"value": "elevate"}]},
        },
        user_id="U0DANA",
    ).json()
    assert answer["response_action"] == "update" and answer["view"]["callback_id"] == "loop_elevate_modal"
    with harness.session() as session:
        assert session.get(Loop, 1).status == "resolved" and session.get(Loop, 1).root_cause == "Billing error"


def test_after_shipping_the_card_compares_before_and_after_and_a_lead_verifies(harness, finance):
    billing, _ = two_loops(harness)
    elevate(harness, billing, new_theme="Double charges", owner_team=finance)
    harness.click(theme_card(harness), ThemeAction.ACCEPT, user_id="U0FINLEAD")
    harness.click(theme_card(harness), ThemeAction.SHIP, user_id="U0FINLEAD")
    shipped = theme_card(harness)
    assert "*Since the fix* (1 day after vs before): new linked feedback 0 vs 1" in text_of(shipped)
    assert "detractor rate at billing — (no scored feedback) vs 100 % (1/1)" in text_of(shipped)
    harness.click(shipped, ThemeAction.VERIFY, user_id="U0DANA")
    [refusal] = harness.standin.wait_for(lambda: harness.standin.calls_to("response_url"))
    assert "only finance's leads and Loopkeeper admins may verify its themes" in refusal.args["text"]
    harness.click(shipped, ThemeAction.VERIFY, user_id="U0FINLEAD")
    assert "*Verified*" in text_of(theme_card(harness))
