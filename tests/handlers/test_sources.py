"""Each vendor's documented payload, signed the vendor's way, end to end through /webhooks/<source>."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from sqlmodel import select

from bot.app import Loopkeeper
from bot.ids import CardAction
from bot.server import BackgroundServer
from models import Feedback, Loop, LoopEvent
from tests.factories import feedback_payload
from tests.vendor_signing import vendor_headers

FIXTURES = Path(__file__).parent.parent / "fixtures" / "webhooks"
# source, fixture, channel the test routing sends it to, header text expected on the card
DOCUMENTED = [
    ("delighted", "delighted/created.json", "C0BILLING", "NPS 4/10"),
    ("typeform", "typeform/form_response.json", "C0DEFAULT", "NPS 6/10"),
    ("zendesk", "zendesk/csat_bad.json", "C0SUPPORT", "CSAT 1/5"),
    ("intercom", "intercom/conversation_rating_added.json", "C0SUPPORT", "CSAT 2/5"),
]


def fixture(path: str) -> bytes:
    return (FIXTURES / path).read_bytes()


def feedback_rows(harness) -> list[Feedback]:
    with harness.session() as session:
        return list(session.exec(select(Feedback).order_by(Feedback.id)))


@pytest.mark.parametrize("source,path,channel,header", DOCUMENTED, ids=[d[0] for d in DOCUMENTED])
def test_documented_payload_signed_by_the_vendor_makes_one_card(harness, source, path, channel, header):
    body = fixture(path)
    response = harness.post_source(source, body, vendor_headers(source, body))

    assert response.status_code == 202, response.text
    assert response.json()["outcome"] == "created"
    [card] = harness.cards(channel)
    assert header in card["blocks"][0]["text"]["text"]
    assert harness.buttons(card)[0] == CardAction.ACKNOWLEDGE
    [row] = feedback_rows(harness)
    assert row.source == source


@pytest.mark.parametrize("source,path", [(d[0], d[1]) for d in DOCUMENTED], ids=[d[0] for d in DOCUMENTED])
def test_replay_is_a_duplicate(harness, source, path):
    body = fixture(path)
    assert harness.post_source(source, body, vendor_headers(source, body)).status_code == 202
    harness.wait_until_delivered()
    again = harness.post_source(source, body, vendor_headers(source, body))
    assert again.status_code == 200 and again.json()["duplicate"] is True
    harness.wait_until_delivered()
    assert len(harness.standin.calls_to("chat.postMessage")) == 1 and len(feedback_rows(harness)) == 1


@pytest.mark.parametrize("source,path", [(d[0], d[1]) for d in DOCUMENTED], ids=[d[0] for d in DOCUMENTED])
def test_bad_signature_is_401_and_nothing_is_stored(harness, source, path):
    body = fixture(path)
    response = harness.post_source(source, body, vendor_headers(source, body, secret=b"someone-else"))
    assert response.status_code == 401
    assert "does not match" in response.json()["error"]
    unsigned = harness.post_source(source, body, {})
    assert unsigned.status_code == 401 and "missing" in unsigned.json()["error"]
    assert feedback_rows(harness) == []


def test_zendesk_signature_covers_the_timestamp(harness):
    body = fixture("zendesk/csat_bad.json")
    headers = vendor_headers("zendesk", body)
    headers["X-Zendesk-Webhook-Signature-Timestamp"] = "2030-01-01T00:00:00Z"
    assert harness.post_source("zendesk", body, headers).status_code == 401


def test_delighted_update_changes_the_card_in_place_and_says_what_changed(harness):
    created, updated = fixture("delighted/created.json"), fixture("delighted/updated.json")
    loop_id = harness.post_source("delighted", created, vendor_headers("delighted", created)).json()["loop_id"]
    [card] = harness.cards("C0BILLING")
    harness.wait_until_delivered()

    response = harness.post_source("delighted", updated, vendor_headers("delighted", updated))

    assert response.status_code == 200 and response.json()["outcome"] == "updated"
    harness.standin.wait_for(lambda: harness.standin.calls_to("chat.update"))
    [reply] = harness.standin.wait_for(lambda: harness.standin.replies("C0BILLING", card["ts"]))
    assert "score 4 → 3" in reply["text"] and "comment added" in reply["text"]
    harness.wait_until_delivered()
    after = harness.card("C0BILLING", card["ts"])
    assert "NPS 3/10" in after["blocks"][0]["text"]["text"] and "billed for 14 seats" in json.dumps(after["blocks"])
    assert len(harness.standin.messages("C0BILLING")) == 1
    [row] = feedback_rows(harness)
    assert row.score == 3 and row.comment.startswith("We were billed") and row.updated_at is not None
    with harness.session() as session:
        kinds = [e.kind for e in session.exec(select(LoopEvent).where(LoopEvent.loop_id == loop_id))]
    assert kinds == ["opened", "feedback_updated"]


def test_category_change_moves_the_loop_with_a_note_in_both_places(harness):
    first = feedback_payload(id="m-1", score=8, touchpoint="website", customer={"email": "a@big.co", "arr": 150000})
    loop_id = harness.post_webhook(first).json()["loop_id"]
    [old] = harness.cards("C0DEFAULT")
    harness.wait_until_delivered()

    response = harness.post_webhook({**first, "score": 2})

    assert response.json()["outcome"] == "updated"
    [new] = harness.cards("C0ESCAL")
    harness.wait_until_delivered()
    left_behind = harness.card("C0DEFAULT", old["ts"])
    assert "Moved* to <#C0ESCAL>" in json.dumps(left_behind["blocks"]) and harness.buttons(left_behind) == []
    [old_note] = harness.standin.replies("C0DEFAULT", old["ts"])
    [new_note] = harness.standin.replies("C0ESCAL", new["ts"])
    assert "Moved to <#C0ESCAL>" in old_note["text"] and "passive → detractor" in old_note["text"]
    assert "Moved here from <#C0DEFAULT>" in new_note["text"]
    with harness.session() as session:
        loop = session.get(Loop, loop_id)
        assert (loop.channel_id, loop.card_ts) == ("C0ESCAL", new["ts"])
        assert [s["playbook"] for s in loop.suggestions][0] == "high-arr-at-risk"
    # The moved card still works.
    harness.click(new, CardAction.ACKNOWLEDGE)
    harness.standin.wait_for(
        lambda: any(c.args.get("ts") == new["ts"] for c in harness.standin.calls_to("chat.update"))
    )


def test_more_feedback_from_a_customer_with_an_open_loop_joins_it(harness):
    harness.post_webhook(feedback_payload(id="c-1", customer={"email": "Dana@Acme.io", "name": "Dana"}))
    [card] = harness.cards("C0BILLING")
    harness.wait_until_delivered()

    response = harness.post_webhook(
        feedback_payload(id="c-2", score=1, comment="Still waiting for the refund.", customer={"email": "dana@acme.io"})
    )

    assert response.status_code == 202 and response.json()["outcome"] == "attached"
    [reply] = harness.standin.wait_for(lambda: harness.standin.replies("C0BILLING", card["ts"]))
    assert "Still waiting for the refund." in reply["text"] and "NPS 1/10" in reply["text"]
    harness.wait_until_delivered()
    assert len(harness.standin.messages("C0BILLING")) == 1
    assert "1 more response from this customer" in json.dumps(harness.card("C0BILLING", card["ts"])["blocks"])
    first, second = feedback_rows(harness)
    assert first.loop_id == second.loop_id


def test_a_resolved_loop_does_not_absorb_new_feedback(harness):
    harness.post_webhook(feedback_payload(id="r-1", customer={"email": "dana@acme.io"}))
    [card] = harness.cards("C0BILLING")
    harness.wait_until_delivered()
    harness.resolve(card)
    harness.standin.wait_for(lambda: harness.standin.calls_to("chat.update"))
    response = harness.post_webhook(feedback_payload(id="r-2", customer={"email": "dana@acme.io"}))
    assert response.json()["outcome"] == "created"
    assert len(harness.cards("C0BILLING", count=2)) == 2


def test_unknown_source_is_404_listing_the_known_ones(harness):
    response = harness.post_source("surveymonkey", b"{}")
    assert response.status_code == 404
    assert response.json()["error"] == (
        "unknown source 'surveymonkey'; known sources: delighted, generic, intercom, typeform, zendesk"
    )


def test_source_without_a_secret_refuses_with_503_naming_the_setting(settings, standin):
    bare = dataclasses.replace(settings, source_secrets={})
    app = Loopkeeper(bare)
    server = BackgroundServer(app.asgi).start()
    try:
        import httpx

        body = fixture("intercom/conversation_rating_added.json")
        response = httpx.post(server.url + "/webhooks/intercom", content=body, headers=vendor_headers("intercom", body))
    finally:
        server.stop()
        app.stop()
    assert response.status_code == 503
    assert "LOOPKEEPER_WEBHOOK_SECRET_INTERCOM" in response.json()["error"]


@pytest.mark.parametrize(
    "source,payload",
    [
        ("delighted", {"event_type": "unsubscribe.created", "event_id": "e1", "event_data": {"person": {}}}),
        ("intercom", {"type": "notification_event", "topic": "ping", "data": {"item": {}}}),
        ("typeform", {"event_type": "form_partial", "form_response": {}}),
        ("zendesk", {"ticket": {"id": "1"}, "satisfaction": {"score": "offered"}}),
    ],
)
def test_deliveries_without_feedback_are_acknowledged_and_ignored(harness, source, payload):
    body = json.dumps(payload).encode()
    response = harness.post_source(source, body, vendor_headers(source, body))
    assert response.status_code == 200 and "ignored" in response.json()
    assert feedback_rows(harness) == []


def test_typeform_form_mapping_from_config(harness):
    from bot.admin.config.apply import import_config
    from bot.admin.config.parse import parse_config
    from tests.conftest import TEST_CONFIG

    config = {
        **TEST_CONFIG,
        "sources": {
            "typeform": {
                "forms": {
                    "Xk3pQ9aZ": {
                        "score": "nps_score",
                        "comment": "nps_reason",
                        "email": "contact_email",
                        "touchpoint": "billing",
                    }
                }
            }
        },
    }
    import_config(harness.app.engine, workspace_id=harness.workspace_id, doc=parse_config(config))
    body = fixture("typeform/form_response.json")
    assert harness.post_source("typeform", body, vendor_headers("typeform", body)).status_code == 202
    [card] = harness.cards("C0BILLING")  # routed by the mapped touchpoint
    [row] = feedback_rows(harness)
    assert row.touchpoint == "billing" and row.customer_email == "jordan.reyes@example.com"


@pytest.mark.parametrize(
    "source,path,mutate,where",
    [
        ("delighted", "delighted/created.json", lambda d: d["event_data"].pop("score"), "event_data.score"),
        ("delighted", "delighted/created.json", lambda d: d["event_data"].update(score=11), "score"),
        (
            "delighted",
            "delighted/created.json",
            lambda d: d["event_data"].update(survey_type="mood"),
            "event_data.survey_type",
        ),
        (
            "typeform",
            "typeform/form_response.json",
            lambda d: d["form_response"].update(answers=[]),
            "form_response.answers",
        ),
        (
            "zendesk",
            "zendesk/csat_bad.json",
            lambda d: d["satisfaction"].update(score="meh", rating="meh"),
            "satisfaction.score",
        ),
        ("zendesk", "zendesk/csat_bad.json", lambda d: d.pop("ticket"), "ticket.id"),
        (
            "intercom",
            "intercom/conversation_rating_added.json",
            lambda d: d["data"]["item"]["conversation_rating"].update(rating="great"),
            "conversation_rating.rating",
        ),
    ],
)
def test_malformed_vendor_payloads_are_422_saying_where(harness, source, path, mutate, where):
    data = json.loads(fixture(path))
    mutate(data)
    body = json.dumps(data).encode()
    response = harness.post_source(source, body, vendor_headers(source, body))
    assert response.status_code == 422, response.text
    assert where in response.json()["error"]
    assert feedback_rows(harness) == []


UPDATES = [
    (
        "delighted",
        "delighted/created.json",
        "C0BILLING",
        lambda d: d["event_data"].update(comment="Actually the invoice is fixed now", score=7),
    ),
    (
        "typeform",
        "typeform/form_response.json",
        "C0DEFAULT",
        lambda d: d["form_response"]["answers"][1].update(text="Support replied after all."),
    ),
    (
        "zendesk",
        "zendesk/csat_bad.json",
        "C0SUPPORT",
        lambda d: d["satisfaction"].update(comment="Fixed the next day, thanks."),
    ),
    (
        "intercom",
        "intercom/conversation_rating_added.json",
        "C0SUPPORT",
        lambda d: d["data"]["item"]["conversation_rating"].update(rating=1, remark="Export broke again."),
    ),
]


@pytest.mark.parametrize("source,path,channel,change", UPDATES, ids=[u[0] for u in UPDATES])
def test_each_source_updates_its_card_in_place(harness, source, path, channel, change):
    body = fixture(path)
    harness.post_source(source, body, vendor_headers(source, body))
    [card] = harness.cards(channel)
    harness.wait_until_delivered()
    data = json.loads(body)
    change(data)
    updated = json.dumps(data).encode()

    response = harness.post_source(source, updated, vendor_headers(source, updated))

    assert response.status_code == 200 and response.json()["outcome"] == "updated"
    [update] = harness.standin.wait_for(lambda: harness.standin.calls_to("chat.update"))
    assert update.args["ts"] == card["ts"]
    [reply] = harness.standin.wait_for(lambda: harness.standin.replies(channel, card["ts"]))
    assert reply["text"].startswith(":pencil2: Updated in")
    harness.wait_until_delivered()
    assert len(harness.standin.messages(channel)) == 1 and len(feedback_rows(harness)) == 1
