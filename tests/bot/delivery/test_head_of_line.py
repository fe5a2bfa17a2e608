"""No head-of-line blocking: one card's failed or hanging post never holds the other cards of its channel;
the writes of one card still go out in order; rows another process writes are picked up without a wake."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from slack_sdk import WebClient

from bot.app import ON_POSTED, RENDERERS
from bot.delivery.worker import DeliveryWorker
from bot.demo.standin import Fault
from bot.loops.changes import Acknowledge, Actor
from bot.loops.lifecycle import change_loop
from models.base import utcnow
from models.db import new_session
from models.outbox import PENDING, SENT, list_outbox_items
from tests.bot.delivery.test_worker import WORKSPACE, drain, open_loop


def outbox(engine):
    with new_session(engine, read_only=True) as session:
        return {item.id: item for item in list_outbox_items(session=session)}


def posted_loops(standin, channel: str) -> list[int]:
    return [m["metadata"]["event_payload"]["loop_id"] for m in standin.messages(channel)]


@pytest.fixture
def worker(engine, standin):
    """A worker driven by the test (``run_once``)."""
    return DeliveryWorker(
        engine,
        WebClient(token=standin.bot_token, base_url=standin.url, timeout=2),
        renderers=RENDERERS,
        on_posted=ON_POSTED,
    )


@pytest.fixture
def running_worker(engine, standin):
    """The worker as `loopkeeper run` runs it (its own thread, a pool of senders), with a 5 s Slack timeout."""
    worker = DeliveryWorker(
        engine,
        WebClient(token=standin.bot_token, base_url=standin.url, timeout=5),
        renderers=RENDERERS,
        on_posted=ON_POSTED,
        poll_seconds=0.5,
    )
    yield worker
    worker.stop()


def test_a_failed_post_falls_behind_while_the_next_card_is_posted_and_its_own_order_is_kept(engine, worker, standin):
    standin.inject(Fault("chat.postMessage", error="internal_error", status=500, channel="C0FEED"))
    first, second = open_loop(engine, external_id="hol-1"), open_loop(engine, external_id="hol-2")
    change_loop(engine, actor=Actor(WORKSPACE, "U0ONE", "test", utcnow()), loop_id=first, change=Acknowledge())
    drain(worker)
    assert posted_loops(standin, "C0FEED") == [second, first]  # the failed post fell behind the next card
    [card] = [m for m in standin.messages("C0FEED") if m["metadata"]["event_payload"]["loop_id"] == first]
    assert [r["text"] for r in card["replies"]] == ["Acknowledged by <@U0ONE>"]  # its note came after its post
    assert {item.state for item in outbox(engine).values()} == {SENT}


def test_a_hanging_post_does_not_hold_the_next_card_of_its_channel(engine, running_worker, standin):
    # Answered after 8 s, past the worker's 5 s timeout: the first card's post hangs, then is in doubt.
    standin.inject(Fault("chat.postMessage", error="internal_error", status=500, channel="C0FEED", delay=8))
    first, second = open_loop(engine, external_id="hang-1"), open_loop(engine, external_id="hang-2")
    running_worker.start()
    standin.wait_for(lambda: second in posted_loops(standin, "C0FEED"), timeout=30)
    [hanging] = [item for item in outbox(engine).values() if item.loop_id == first]
    # The second card went out while the first card's call was still unanswered (nothing recorded for it yet).
    assert (hanging.state, hanging.attempts, hanging.last_error) == (PENDING, 1, None)
    standin.wait_for(lambda: first in posted_loops(standin, "C0FEED"), timeout=30)
    assert sorted(posted_loops(standin, "C0FEED")) == [first, second]  # each once


def test_rows_written_by_another_process_are_picked_up_without_a_wake(engine, database_url, running_worker, standin):
    running_worker.start()
    script = textwrap.dedent(
        f"""
        from bot.feedback import FeedbackIn
        from bot.intake.ingest import IntakePolicy, ingest
        from models.base import utcnow
        from models.db import make_engine

        feedback = FeedbackIn(source="generic", external_id="elsewhere", score=2, comment="from a CLI import")
        result = ingest(make_engine({database_url!r}), workspace_id={WORKSPACE!r}, feedback=feedback,
                        policy=IntakePolicy(default_channel="C0FEED"), now=utcnow())
        print(result.loop_id)
        """
    )
    written = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loop_id = int(written.stdout.strip())
    standin.wait_for(lambda: posted_loops(standin, "C0FEED") == [loop_id], timeout=30)
