"""The delivery worker against the Slack stand-in: retries, Retry-After, parking, order, leases."""

from __future__ import annotations

import json
import random
import time
from datetime import timedelta

import pytest
from slack_sdk import WebClient

from bot.app import ON_POSTED, RENDERERS
from bot.delivery.outcomes import BACKOFF_CAP_SECONDS, backoff
from bot.delivery.worker import DeliveryWorker
from bot.demo.standin import Fault
from bot.feedback import FeedbackIn
from bot.intake.ingest import IntakePolicy, ingest
from bot.loops.changes import Acknowledge, Actor, TakeOwnership
from bot.loops.lifecycle import change_loop
from models import Loop, OutboxItem
from models.base import utcnow
from models.db import new_session
from models.outbox import PARKED, PENDING, SENT, list_outbox_items

WORKSPACE = "T0LOOPKEEP"


@pytest.fixture
def worker(engine, standin):
    return DeliveryWorker(
        engine,
        WebClient(token=standin.bot_token, base_url=standin.url, timeout=2),
        renderers=RENDERERS,
        on_posted=ON_POSTED,
    )


def open_loop(engine, external_id="r1", channel="C0FEED") -> int:
    feedback = FeedbackIn(source="generic", external_id=external_id, score=2, comment="slow app")
    policy = IntakePolicy(default_channel=channel)
    return ingest(engine, workspace_id=WORKSPACE, feedback=feedback, policy=policy, now=utcnow()).loop_id


def acknowledge(engine, loop_id: int) -> None:
    change_loop(engine, actor=Actor(WORKSPACE, "U0ONE", "test", utcnow()), loop_id=loop_id, change=Acknowledge())


def items(engine, states=None) -> list[OutboxItem]:
    with new_session(engine, read_only=True) as session:
        return list_outbox_items(session=session, states=states)


def drain(worker, timeout=10.0) -> list[OutboxItem]:
    """Run the worker until nothing is pending (waiting out retry times), then return all items."""
    deadline = time.monotonic() + timeout
    while items(worker.engine, (PENDING,)):
        if worker.run_once() == 0:
            time.sleep(0.02)
        assert time.monotonic() < deadline, "outbox did not drain"
    return items(worker.engine)


def test_card_is_posted_and_its_ts_recorded(engine, worker, session, standin):
    loop_id = open_loop(engine)
    [item] = drain(worker)
    assert item.state == SENT and item.attempts == 1
    [message] = standin.messages("C0FEED")
    with new_session(worker.engine, read_only=True) as fresh:
        assert fresh.get(Loop, loop_id).card_ts == message["ts"] == item.result["ts"]


def test_rate_limited_post_waits_for_retry_after_then_is_sent_once(engine, worker, session, standin):
    standin.inject(Fault("chat.postMessage", error="ratelimited", status=429, retry_after=2))
    open_loop(engine)
    [item] = drain(worker)
    first, second = standin.calls_to("chat.postMessage")
    assert second.at - first.at >= 2.0
    assert item.state == SENT and item.attempts == 2
    assert len(standin.messages("C0FEED")) == 1


def test_server_errors_are_retried_with_backoff(engine, worker, session, standin):
    standin.inject(Fault("chat.postMessage", error="internal_error", status=500, times=2))
    open_loop(engine)
    [item] = drain(worker)
    assert item.state == SENT and item.attempts == 3
    assert len(standin.messages("C0FEED")) == 1


def test_connection_refused_is_retried(engine, session, standin):
    dead = DeliveryWorker(
        engine,
        WebClient(token=standin.bot_token, base_url="http://127.0.0.1:9/api/", timeout=1),
        renderers=RENDERERS,
        on_posted=ON_POSTED,
    )
    open_loop(engine)
    assert dead.run_once() == 1
    [item] = items(engine)
    assert item.state == PENDING and item.available_at > utcnow() and item.last_error
    assert standin.calls_to("chat.postMessage") == []


def test_permanent_error_parks_the_item_with_the_reason_and_holds_back_the_card(engine, worker, session, standin):
    standin.add_channel("C0GONE", "gone", is_archived=True)
    loop_id = open_loop(engine, channel="C0GONE")
    drain(worker)
    acknowledge(engine, loop_id)
    worker.run_once()  # only the acting person's Home tab goes out; the card's writes wait behind the parked post
    by_kind = {item.kind: item for item in items(worker.engine)}
    post = by_kind["card"]
    assert (post.state, post.last_error, post.attempts) == (PARKED, "is_archived", 1)
    assert by_kind["card_update"].state == by_kind["thread_reply"].state == PENDING
    assert by_kind["view"].state == SENT
    assert len(standin.calls_to("chat.postMessage")) == 1 and standin.calls_to("chat.update") == []


def test_a_change_before_the_post_went_out_is_in_the_post_not_an_extra_update(engine, worker, session, standin):
    standin.inject(Fault("chat.postMessage", status=429, retry_after=1))
    loop_id = open_loop(engine)
    worker.run_once()  # post rate limited
    acknowledge(engine, loop_id)
    assert {i.state for i in drain(worker)} == {SENT}
    methods = [c.method for c in standin.calls if c.method.startswith("chat.")]
    assert methods == ["chat.postMessage", "chat.postMessage", "chat.postMessage"]  # post, post again, thread note
    [card] = standin.messages("C0FEED")
    assert "Acknowledged" in json.dumps(card["blocks"])  # rendered when sent, with the state of then
    assert card["replies"][0]["text"] == "Acknowledged by <@U0ONE>"


def test_an_update_never_overtakes_its_post(engine, worker, session, standin):
    standin.inject(Fault("chat.postMessage", status=429, retry_after=1))
    loop_id = open_loop(engine)
    drain(worker)  # posted after the 429
    acknowledge(engine, loop_id)
    standin.inject(Fault("chat.update", status=500, error="internal_error"))
    change_loop(engine, actor=Actor(WORKSPACE, "U0TWO", "test", utcnow()), loop_id=loop_id, change=TakeOwnership())
    assert {i.state for i in drain(worker)} == {SENT}
    methods = [c.method for c in standin.calls if c.method.startswith("chat.")]
    # the update waits behind nothing, fails once and is retried before the thread notes that follow it
    assert methods == [
        "chat.postMessage",
        "chat.postMessage",
        "chat.update",
        "chat.update",
        "chat.postMessage",
        "chat.postMessage",
    ]


def test_other_cards_keep_flowing_while_one_waits(engine, worker, session, standin):
    standin.inject(Fault("chat.postMessage", status=429, retry_after=30, channel="C0HOT"))
    open_loop(engine, external_id="hot", channel="C0HOT")
    open_loop(engine, external_id="cool", channel="C0COOL")
    worker.run_once()
    assert len(standin.messages("C0COOL")) == 1 and standin.messages("C0HOT") == []


def test_expired_lease_is_claimed_again(engine, worker, session, standin):
    open_loop(engine)
    [item] = items(worker.engine)
    item.claimed_by, item.lease_until, item.attempts = "crashed-worker", utcnow() - timedelta(seconds=1), 1
    session.add(item)
    session.commit()
    [item] = drain(worker)
    assert item.state == SENT and item.claimed_by == worker.worker_id
    assert len(standin.messages("C0FEED")) == 1


def test_live_lease_is_not_claimed_twice(engine, worker, session, standin):
    open_loop(engine)
    [item] = items(worker.engine)
    item.claimed_by, item.lease_until = "other-worker", utcnow() + timedelta(seconds=60)
    session.add(item)
    session.commit()
    assert worker.run_once() == 0
    assert standin.calls_to("chat.postMessage") == []


@pytest.mark.parametrize("attempts", [1, 2, 5, 10, 30])
def test_backoff_grows_exponentially_with_jitter_and_a_cap(attempts):
    rng = random.Random(attempts)
    window = min(BACKOFF_CAP_SECONDS, 2 ** (attempts - 1))
    for _ in range(50):
        delay = backoff(attempts, rng=rng).total_seconds()
        assert window / 2 <= delay <= window


def test_not_in_channel_joins_a_public_channel_once_and_posts(engine, worker, session, standin):
    standin.add_channel("C0PUBLIC", "public", is_member=False)
    open_loop(engine, channel="C0PUBLIC")
    [item] = drain(worker)
    assert item.state == SENT and item.attempts == 1
    assert len(standin.calls_to("conversations.join")) == 1 and len(standin.messages("C0PUBLIC")) == 1


def test_parked_items_tell_each_admin_once_per_problem(engine, session, standin):
    worker = DeliveryWorker(
        engine,
        WebClient(token=standin.bot_token, base_url=standin.url, timeout=2),
        admins=("U0ADMIN", "U0OTHER"),
        renderers=RENDERERS,
        on_posted=ON_POSTED,
    )
    standin.add_channel("C0SECRET", "secret", is_private=True, is_member=False)
    open_loop(engine, external_id="a", channel="C0SECRET")
    open_loop(engine, external_id="b", channel="C0SECRET")
    drain(worker)
    parked = items(engine, (PARKED,))
    assert [i.last_error for i in parked] == ["channel_not_found", "channel_not_found"]
    for admin in ("U0ADMIN", "U0OTHER"):
        [notice] = standin.direct_messages(admin)
        assert "<#C0SECRET>" in notice["text"] and "`channel_not_found`" in notice["text"]
        assert "/loops deliveries" in notice["text"]


def test_a_post_in_doubt_is_looked_up_before_it_is_sent_again(engine, worker, session, standin):
    """Slack accepted the post, but the answer came after our timeout: no second card."""
    loop_id = open_loop(engine)
    standin.slow_fraction, standin.slow_seconds = 1.0, 3.0  # past the client's 2 s timeout
    worker.run_once()
    standin.slow_fraction = 0.0
    [item] = items(worker.engine)
    assert item.state == PENDING and item.in_doubt and item.last_error
    [item] = drain(worker)
    assert item.state == SENT and len(standin.messages("C0FEED")) == 1
    assert len(standin.calls_to("chat.postMessage")) == 1 and standin.calls_to("conversations.history")
    with new_session(worker.engine, read_only=True) as fresh:
        assert fresh.get(Loop, loop_id).card_ts == standin.messages("C0FEED")[0]["ts"]


def test_a_crash_after_slack_accepted_does_not_post_twice(engine, worker, session, standin):
    """The process died between Slack's answer and our commit: the lease runs out, the post is found."""
    open_loop(engine)
    [item] = items(worker.engine)
    posted = standin.handle(
        "chat.postMessage",
        {
            **item.payload,
            "text": "the card, posted before the crash",
            "metadata": {"event_type": "loopkeeper_card", "event_payload": {"outbox_id": item.id}},
        },
        standin.bot_token,
    )[1]
    item.claimed_by, item.lease_until, item.attempts = "killed-worker", utcnow() - timedelta(seconds=1), 1
    session.add(item)
    session.commit()
    [item] = drain(worker)
    assert item.state == SENT and item.result["ts"] == posted["ts"]
    assert len(standin.messages("C0FEED")) == 1


def test_without_history_access_a_post_in_doubt_is_sent_again(engine, worker, session, standin):
    """Documented: without channels:history the guarantee is at-least-once."""
    open_loop(engine)
    [item] = items(worker.engine)
    standin.handle(
        "chat.postMessage",
        {
            **item.payload,
            "text": "the card, posted before the crash",
            "metadata": {"event_type": "loopkeeper_card", "event_payload": {"outbox_id": item.id}},
        },
        standin.bot_token,
    )
    item.claimed_by, item.lease_until, item.attempts = "killed-worker", utcnow() - timedelta(seconds=1), 1
    session.add(item)
    session.commit()
    standin.inject(Fault("conversations.history", error="missing_scope", status=200))
    [item] = drain(worker)
    assert item.state == SENT and len(standin.messages("C0FEED")) == 2


def test_a_busy_channel_is_held_to_its_rate_and_does_not_hold_up_others(engine, session, standin):
    worker = DeliveryWorker(
        engine,
        WebClient(token=standin.bot_token, base_url=standin.url, timeout=2),
        renderers=RENDERERS,
        on_posted=ON_POSTED,
    )
    for n in range(6):
        open_loop(engine, external_id=f"hot{n}", channel="C0HOT")
    open_loop(engine, external_id="cool", channel="C0COOL")
    assert worker.run_once() == 4  # the hot channel's burst of 3, and the cool channel
    assert len(standin.messages("C0HOT")) == 3 and len(standin.messages("C0COOL")) == 1
    waiting = items(engine, (PENDING,))
    assert len(waiting) == 3 and all(i.attempts == 0 for i in waiting)  # held back by us: not an attempt
    drain(worker)
    hot_posts = [c.at for c in standin.calls_to("chat.postMessage") if c.args["channel"] == "C0HOT"]
    assert len(hot_posts) == 6 and hot_posts[-1] - hot_posts[2] >= 2.5  # then about one a second


def test_one_channels_posts_go_out_in_the_order_they_were_queued(engine, worker, session, standin):
    loop_ids = [open_loop(engine, external_id=f"order{n}") for n in range(8)]
    drain(worker)
    posted = [m["metadata"]["event_payload"]["loop_id"] for m in standin.messages("C0FEED")]
    assert posted == loop_ids
