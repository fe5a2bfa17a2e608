"""Our side of Slack's rate limits, on a controllable clock."""

from __future__ import annotations

import pytest

from bot.delivery.rate_limits import RateLimiter, rate_key


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


def test_posts_are_limited_per_channel_with_a_burst(clock):
    limiter = RateLimiter(post_per_second=1, post_burst=3, clock=clock)
    hot, cool = (
        rate_key("T1", "chat.postMessage", {"channel": "C1"}),
        rate_key("T1", "chat.postMessage", {"channel": "C2"}),
    )
    assert [limiter.acquire(hot, timeout=0) for _ in range(4)] == [True, True, True, False]
    assert limiter.room(cool) == 3 and limiter.full_keys() == {hot}
    assert limiter.next_ready() == pytest.approx(1.0)
    clock.now += 1.0
    assert limiter.acquire(hot, timeout=0) and not limiter.acquire(hot, timeout=0)
    clock.now += 10
    assert limiter.room(hot) == 3  # the burst refills, no further


def test_retry_after_holds_the_key_until_it_has_passed(clock):
    limiter = RateLimiter(clock=clock)
    key = rate_key("T1", "chat.update", {"channel": "C1"})
    limiter.hold(key, 30)
    assert limiter.room(key) == 0 and key in limiter.full_keys()
    clock.now += 29.9
    assert not limiter.acquire(key, timeout=0)
    clock.now += 0.2
    assert limiter.acquire(key, timeout=0)


def test_other_methods_are_limited_per_workspace_by_tier(clock):
    limiter = RateLimiter(clock=clock)
    update = rate_key("T1", "chat.update", {"channel": "C1"})
    assert update == rate_key("T1", "chat.update", {"channel": "C2"}) == "T1:chat.update"
    assert limiter.room(update) == 25  # tier 3: 50 a minute, half of it at once
    assert limiter.room(rate_key("T1", "views.publish", {})) == 50  # tier 4: 100 a minute
    for _ in range(25):
        assert limiter.acquire(update, timeout=0)
    assert not limiter.acquire(update, timeout=0)
    clock.now += 60 / 50
    assert limiter.acquire(update, timeout=0)
