"""What a receiver's answer means for the outbox row (pure), and that log lines never carry a hook's secret."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.hooks.sending import judge, retry_or_park
from bot.logs import SecretFilter
from models.outbox import PARKED, PENDING, SENT, OutboxItem

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def item(attempts: int) -> OutboxItem:
    return OutboxItem(
        workspace_id="T1", ordering_key="hook:1:loop:1", kind="hook_event", method="hook.post", attempts=attempts
    )


@pytest.mark.parametrize(
    ("status", "retry_after", "attempts", "state", "error"),
    [
        (200, None, 1, SENT, None),
        (204, None, 3, SENT, None),
        (500, None, 1, PENDING, "http 500"),
        (503, None, 19, PENDING, "http 503"),
        (503, None, 20, PARKED, "gave up after 20 attempts (http 503)"),
        (408, None, 1, PENDING, "http 408"),
        (429, "30", 1, PENDING, "http 429"),
        (404, None, 1, PARKED, "http 404"),
        (401, None, 1, PARKED, "http 401"),
        (410, None, 1, PARKED, "http 410"),
        (301, None, 1, PARKED, "http 301: redirects are not followed; give the hook its final URL"),
    ],
)
def test_answers(status, retry_after, attempts, state, error):
    outcome = judge(item(attempts), status, retry_after, NOW, 20)
    assert (outcome.state, outcome.error) == (state, error)
    if state == PENDING:
        assert outcome.retry_at is not None and outcome.retry_at > NOW and outcome.in_doubt


def test_a_429_holds_the_hook_as_long_as_the_receiver_asks_and_a_5xx_holds_only_its_event():
    asked = judge(item(1), 429, "30", NOW, 20)
    assert (asked.retry_at, asked.retry_after) == (NOW + timedelta(seconds=30), 30)
    assert judge(item(1), 503, None, NOW, 20).retry_after is None


def test_a_receiver_that_cannot_be_reached_holds_its_hook_until_the_retry():
    outcome = retry_or_park(item(3), "timeout", NOW + timedelta(seconds=3.2), NOW, 20, hold=True)
    assert (outcome.state, outcome.retry_after) == (PENDING, 4)
    assert retry_or_park(item(20), "timeout", NOW, NOW, 20, hold=True).state == PARKED


def test_log_lines_never_carry_a_hook_secret():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hook %s secret %s", (3, "lkhook_AbC-d_9xYz"), None)
    SecretFilter(()).filter(record)
    assert record.getMessage() == "hook 3 secret [redacted]"
