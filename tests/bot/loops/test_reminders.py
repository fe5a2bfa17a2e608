"""SLA reminders with a controllable clock: once per step, across restarts, replicas and downtime."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlmodel import select

from bot.ids import CardAction
from bot.loops.reminders import check_reminders
from models import Loop, Reminder
from tests.factories import feedback_payload
from tests.harness import Harness


def setup_loop(harness) -> tuple[dict, Loop]:
    harness.slash("team set billing sla ack 2h close 1d", user_id="U0ADMIN")
    loop_id = harness.post_webhook(feedback_payload()).json()["loop_id"]
    [card] = harness.cards("C0BILLING")
    harness.wait_until_delivered()
    with harness.session() as session:
        return card, session.get(Loop, loop_id)


def tick(harness, now) -> int:
    harness.clock.travel_to(now)  # the scheduler's time is the whole app's: cards render as of then
    sent = check_reminders(harness.app.engine, now=now)
    harness.app.worker.wake()
    harness.wait_until_delivered()
    return sent


def thread(harness, card) -> list[str]:
    return [r["text"] for r in harness.standin.replies("C0BILLING", card["ts"])]


def reminders(harness, loop_id) -> list[tuple[str, int]]:
    with harness.session() as session:
        return sorted((r.kind, r.step) for r in session.exec(select(Reminder).where(Reminder.loop_id == loop_id)))


def test_due_times_come_from_the_team_sla(harness):
    _, loop = setup_loop(harness)
    assert loop.ack_due_at - loop.created_at == timedelta(hours=2)
    assert loop.resolve_due_at - loop.created_at == timedelta(days=1)


def test_each_step_once_even_across_a_restart(harness, settings, standin):
    card, loop = setup_loop(harness)
    assert tick(harness, loop.ack_due_at - timedelta(minutes=1)) == 0
    assert tick(harness, loop.ack_due_at + timedelta(minutes=1)) == 1
    [first] = thread(harness, card)
    assert first.startswith(":alarm_clock: <@U0BILLLEAD> loop #") and "should have been acknowledged" in first
    assert ":rotating_light: *Overdue*" in str(harness.card("C0BILLING", card["ts"])["blocks"])
    assert tick(harness, loop.ack_due_at + timedelta(minutes=2)) == 0

    harness.stop()
    restarted = Harness(settings, standin, clock=harness.clock)
    restarted.start()
    try:
        assert tick(restarted, loop.ack_due_at + timedelta(minutes=3)) == 0
        assert tick(restarted, loop.ack_due_at + timedelta(hours=2)) == 1
        assert tick(restarted, loop.ack_due_at + timedelta(hours=3)) == 0
        texts = thread(restarted, card)
        assert len(texts) == 2 and texts[1].startswith(":alarm_clock: Second reminder: <@U0BILLLEAD>")
        assert reminders(restarted, loop.id) == [("ack", 1), ("ack", 2)]
    finally:
        restarted.stop()
        harness.start()  # the fixture stops it again


def test_downtime_past_both_steps_sends_one_reminder(harness):
    card, loop = setup_loop(harness)
    assert tick(harness, loop.ack_due_at + timedelta(hours=5)) == 1
    assert tick(harness, loop.ack_due_at + timedelta(hours=6)) == 0
    [only] = thread(harness, card)
    assert "Second reminder" in only
    assert reminders(harness, loop.id) == [("ack", 1), ("ack", 2)]


def test_the_owner_is_reminded_first_and_acknowledged_loops_are_held_to_the_resolve_sla(harness):
    card, loop = setup_loop(harness)
    harness.click(card, CardAction.TAKE_OWNERSHIP, user_id="U0PRIYA")
    harness.standin.wait_for(lambda: harness.standin.calls_to("chat.update"))
    harness.wait_until_delivered()
    assert tick(harness, loop.ack_due_at + timedelta(minutes=1)) == 0  # acknowledged: ack SLA met
    assert tick(harness, loop.resolve_due_at + timedelta(minutes=1)) == 1
    assert "<@U0PRIYA> loop #" in thread(harness, card)[-1] and "should have been resolved" in thread(harness, card)[-1]


def test_snooze_pauses_reminders_until_it_ends(harness):
    card, loop = setup_loop(harness)
    harness.select(card, CardAction.SNOOZE, option="1w")
    harness.standin.wait_for(lambda: harness.standin.replies("C0BILLING", card["ts"]))
    with harness.session() as session:
        until = session.get(Loop, loop.id).snoozed_until
    assert tick(harness, loop.ack_due_at + timedelta(minutes=5)) == 0
    assert tick(harness, until + timedelta(minutes=1)) == 1


def test_two_replicas_ticking_at_once_send_one_reminder(harness):
    card, loop = setup_loop(harness)
    results = []
    barrier = threading.Barrier(2)

    def replica():
        barrier.wait()
        results.append(check_reminders(harness.app.engine, now=loop.ack_due_at + timedelta(minutes=1)))

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(results) == [0, 1]
    harness.app.worker.wake()
    harness.wait_until_delivered()
    assert len(thread(harness, card)) == 1
