"""Only one process runs the scheduler; when it goes, another takes over (PostgreSQL); SQLite leads at once."""

from __future__ import annotations

import dataclasses
import time

from bot.app import Loopkeeper


def wait_until(predicate, timeout=10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_one_leader_and_takeover(settings, standin, database_url):
    fast = dataclasses.replace(settings, leader_poll_seconds=0.1)
    first, second = Loopkeeper(fast), Loopkeeper(fast)
    try:
        first.start_workers()
        assert wait_until(lambda: first.scheduler.running)
        if database_url.startswith("sqlite"):
            return  # one process per SQLite database: it leads straight away
        second.start_workers()
        time.sleep(0.5)
        assert first.leadership.is_leader and not second.leadership.is_leader
        assert not second.scheduler.running
        assert second.worker_status()["scheduler"] == "standby (another process leads)"
        first.stop()
        assert wait_until(lambda: second.scheduler.running), "the follower did not take over"
        assert second.leadership.is_leader
    finally:
        first.stop()
        second.stop()


def test_stopping_releases_the_lock_at_once(engine):
    """The lock's connection is not handed back to the pool (where its session, and the lock, would live on)."""
    from bot.leader import Leadership, leader_lock_held

    if engine.dialect.name != "postgresql":
        return  # no lock on SQLite
    leadership = Leadership(engine, lambda: None, poll_seconds=0.05)
    leadership.start()
    assert wait_until(lambda: leadership.is_leader)
    assert leader_lock_held(engine)
    leadership.stop()
    assert not leader_lock_held(engine)  # the engine (and its pool) is still in use
