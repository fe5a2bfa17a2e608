"""POST /webhooks/generic end to end: signed requests in, cards in the stand-in, rows in the database."""

from __future__ import annotations

import json
import time

import pytest
from sqlmodel import select

from bot.ids import CardAction
from models import Feedback, Loop, LoopEvent, OutboxItem
from models.outbox import list_outbox_items
from tests.factories import feedback_payload


def count(harness, model) -> int:
    with harness.session() as session:
        return len(session.exec(select(model)).all())


def test_signed_webhook_posts_one_card_in_the_routed_channel(harness):
    response = harness.post_webhook(feedback_payload(id="nps-1"))

    assert response.status_code == 202
    body = response.json()
    assert body["duplicate"] is False and body["loop_id"] == body["loop_ids"][0]
    [card] = harness.cards("C0BILLING")
    assert card["blocks"][0]["type"] == "header"
    assert "NPS 3/10" in card["blocks"][0]["text"]["text"]
    assert harness.buttons(card) == [
        CardAction.ACKNOWLEDGE,
        CardAction.TAKE_OWNERSHIP,
        CardAction.ASSIGN,
        CardAction.SNOOZE,
        CardAction.RESOLVE,
        CardAction.MOVE,
        CardAction.ELEVATE,
    ]
    assert "Suggested next steps" in json.dumps(card["blocks"])
    harness.wait_until_delivered()
    with harness.session() as session:
        loop = session.get(Loop, body["loop_id"])
        [post] = [i for i in list_outbox_items(session=session) if i.kind == "card"]
        # the metadata names the loop, and the outbox item a re-send after a crash looks for
        assert card["metadata"] == {
            "event_type": "loopkeeper_card",
            "event_payload": {"loop_id": body["loop_id"], "outbox_id": post.id},
        }
        assert loop.channel_id == "C0BILLING" and loop.card_ts == card["ts"] and loop.status == "new"
        assert session.get(Feedback, body["feedback_id"]).category == "detractor"
        events = session.exec(select(LoopEvent).where(LoopEvent.loop_id == loop.id)).all()
        assert [e.kind for e in events] == ["opened"]
    assert len(harness.standin.calls_to("chat.postMessage")) == 1
    assert all(c.token == harness.settings.slack_bot_token for c in harness.standin.calls)


def test_unrouted_feedback_goes_to_the_default_channel(harness):
    response = harness.post_webhook(feedback_payload(touchpoint="website", score=9))
    assert response.status_code == 202
    [card] = harness.cards("C0DEFAULT")
    assert "Promoter" in card["blocks"][0]["text"]["text"]


def test_continue_route_sends_a_copy_to_its_team_and_keeps_matching(harness):
    payload = feedback_payload(customer={"name": "Big Co", "arr": 250000})
    body = harness.post_webhook(payload).json()
    assert len(body["loop_ids"]) == 2
    assert len(harness.cards("C0ESCAL")) == 1 and len(harness.cards("C0BILLING")) == 1


def test_same_id_again_is_a_duplicate_and_posts_nothing(harness):
    payload = feedback_payload(id="nps-dup")
    first = harness.post_webhook(payload)
    harness.cards("C0BILLING")
    harness.wait_until_delivered()
    second = harness.post_webhook(payload)

    assert second.status_code == 200
    assert second.json() == {**first.json(), "duplicate": True, "outcome": "duplicate"}
    harness.wait_until_delivered()
    assert len(harness.standin.calls_to("chat.postMessage")) == 1
    assert count(harness, Feedback) == 1 and count(harness, Loop) == 1


def test_concurrent_duplicates_store_one_feedback(harness):
    from concurrent.futures import ThreadPoolExecutor

    payload = feedback_payload(id="nps-race")
    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(r.status_code for r in pool.map(lambda _: harness.post_webhook(payload), range(8)))
    assert statuses == [200] * 7 + [202]
    harness.wait_until_delivered()
    assert count(harness, Feedback) == 1
    assert len(harness.standin.calls_to("chat.postMessage")) == 1


def test_customer_text_is_escaped_so_it_cannot_ping_or_fake_links(harness):
    payload = feedback_payload(
        comment="<!channel> see <https://evil.example|your invoice> & <@U0BOSS>", customer={"name": "<!here> Eve"}
    )
    harness.post_webhook(payload)
    [card] = harness.cards("C0BILLING")
    # mrkdwn is where Slack parses mentions and links; plain_text (the header) shows text as is.
    rendered = "\n".join(mrkdwn_texts(card["blocks"])) + card["text"]
    assert "<!channel>" not in rendered and "<!here>" not in rendered and "<@U0BOSS>" not in rendered
    assert "&lt;!channel&gt;" in rendered and "&amp;" in rendered
    assert "<https://evil.example|" not in rendered


def mrkdwn_texts(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") == "mrkdwn" else []
        return found + [t for value in node.values() for t in mrkdwn_texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in mrkdwn_texts(item)]
    return []


def _sign(harness, body: bytes, ts: str) -> dict:
    from bot.intake.signatures import sign_generic

    return {
        "X-Loopkeeper-Timestamp": ts,
        "X-Loopkeeper-Signature": sign_generic(harness.settings.webhook_secret, ts, body),
    }


BAD_BODIES = [
    (b"{not json", 400, "not valid JSON"),
    (b"[1, 2]", 400, "JSON object"),
    (json.dumps({"score": 3}).encode(), 422, "id: is required"),
    (json.dumps({"id": "x"}).encode(), 422, "score: is required"),
    (json.dumps({"id": "x", "score": 11}).encode(), 422, "score: must be between 0 and 10"),
    (json.dumps({"id": "x", "score": 6, "scale": "csat"}).encode(), 422, "between 1 and 5"),
    (json.dumps({"id": "x", "score": "7"}).encode(), 422, "score"),
    (json.dumps({"id": "x", "score": 3, "scale": "likert"}).encode(), 422, "scale: must be one of"),
    (json.dumps({"id": "", "score": 3}).encode(), 422, "id"),
    (json.dumps({"id": "x", "score": 3, "customer": {"arr": "lots"}}).encode(), 422, "customer.arr"),
    (json.dumps({"id": "x", "score": 3, "url": "javascript:alert(1)"}).encode(), 422, "url"),
    (json.dumps({"id": "x", "score": 3, "created_at": "yesterday"}).encode(), 422, "created_at"),
    (json.dumps({"id": "x", "score": 3, "tags": ["a"] * 50}).encode(), 422, "tags"),
]


@pytest.mark.parametrize("body,status,message", BAD_BODIES, ids=[m for _, _, m in BAD_BODIES])
def test_bad_bodies_are_refused_with_what_and_where_and_nothing_is_stored(harness, body, status, message):
    response = harness.post_webhook(None, raw=body)
    assert response.status_code == status
    assert message in response.json()["error"]
    assert count(harness, Feedback) == 0 and count(harness, OutboxItem) == 0


def test_body_over_64_kib_is_refused(harness):
    body = json.dumps(feedback_payload(comment="x" * (65 * 1024))).encode()
    response = harness.post_webhook(None, raw=body)
    assert response.status_code == 413
    assert "limit" in response.json()["error"]
    assert count(harness, Feedback) == 0


@pytest.mark.parametrize(
    "case", ["wrong secret", "missing signature", "missing timestamp", "stale", "future", "body changed"]
)
def test_bad_signatures_are_refused_with_401_and_nothing_is_stored(harness, case):
    payload = feedback_payload()
    body = json.dumps(payload).encode()
    now = int(time.time())
    kwargs = {
        "wrong secret": dict(secret="not-the-secret"),
        "missing signature": dict(headers={"X-Loopkeeper-Signature": ""}),
        "missing timestamp": dict(headers={"X-Loopkeeper-Timestamp": ""}),
        "stale": dict(timestamp=now - 301),
        "future": dict(timestamp=now + 301),
        "body changed": dict(headers=_sign(harness, body + b" ", str(now))),
    }[case]
    response = harness.post_webhook(payload, raw=body, **kwargs)
    assert response.status_code == 401
    assert "X-Loopkeeper" in response.json()["error"]
    assert count(harness, Feedback) == 0


def test_secret_never_appears_in_error_bodies(harness):
    response = harness.post_webhook(feedback_payload(), secret="wrong")
    assert harness.settings.webhook_secret not in response.text


def test_a_long_source_name_is_stored_on_every_database(harness):
    # Column limits are enforced by PostgreSQL, not SQLite: this once failed there only.
    response = harness.post_webhook(feedback_payload(source="customer-success-quarterly-pulse-survey-x"))
    assert response.status_code == 202
    harness.cards("C0BILLING")
