"""Routing regexes: the length limit, hostile text, the searched prefix, and the time budget (a pattern that
really works too long counts as no match, with a warning; one whose thread only waited for a busy machine is
tried again and routes as written)."""

from __future__ import annotations

import logging
import time

import pytest

from bot import routing
from bot.routing import MAX_MATCHED_TEXT, MAX_REGEX_LENGTH, REGEX_TIMEOUT_SECONDS, parse_matcher


class Preempted:
    """A pattern whose first search runs out of wall time while its thread does no work (the machine was busy)."""

    def __init__(self, pattern) -> None:
        self.pattern, self.calls = pattern, []

    def search(self, text, timeout):
        self.calls.append(timeout)
        if len(self.calls) == 1:
            time.sleep(REGEX_TIMEOUT_SECONDS)  # the wall clock runs; this thread's CPU clock does not
            raise TimeoutError("regex timed out")
        return self.pattern.search(text, timeout=timeout)


class Working:
    """A pattern that spends its whole budget working (a pathological regex on hostile text)."""

    def __init__(self) -> None:
        self.calls = 0

    def search(self, text, timeout):
        self.calls += 1
        deadline = time.thread_time() + timeout
        while time.thread_time() < deadline:
            pass
        raise TimeoutError("regex timed out")


def test_a_timeout_while_waiting_for_the_machine_is_tried_again_and_matches(caplog):
    matcher = parse_matcher(r"comment=~\b(refund|invoice)\b")
    waiting = Preempted(matcher.value)
    with caplog.at_level(logging.WARNING, logger=routing.log.name):
        assert routing._search(waiting, "my invoice was wrong", matcher.text) is True
    assert waiting.calls == [REGEX_TIMEOUT_SECONDS, REGEX_TIMEOUT_SECONDS * routing.BUSY_MACHINE_ALLOWANCE]
    assert caplog.records == []


def test_a_pattern_that_works_past_its_budget_counts_as_no_match_with_a_warning(caplog):
    working = Working()
    with caplog.at_level(logging.WARNING, logger=routing.log.name):
        assert routing._search(working, "aaaa", "comment=~(a+)+b") is False
    assert working.calls == 1  # not tried again: it was working, not waiting
    assert "took too long and counts as no match" in caplog.text


def test_regex_at_the_length_limit_is_accepted():
    matcher = parse_matcher("comment=~" + "a" * MAX_REGEX_LENGTH)
    assert matcher.matches({"comment": "a" * MAX_REGEX_LENGTH})


ACCEPTED_REGEXES = ["a+b", "(ab)+c", "(?:ab|cd)+e", "(a|b)*c", "a{1,50}b", "^a+$", "\\b(bill|billing)\\b"]


@pytest.mark.parametrize("pattern", ACCEPTED_REGEXES)
def test_accepted_regex_on_adversarial_text_returns(pattern):
    matcher = parse_matcher(f"comment=~{pattern}")
    result = matcher.matches({"comment": "a" * 100_000 + "!"})
    assert isinstance(result, bool)


def test_text_beyond_the_matched_limit_is_not_searched():
    matcher = parse_matcher("comment=~refund")
    assert matcher.matches({"comment": "x" * (MAX_MATCHED_TEXT - 6) + "refund"}) is True
    assert matcher.matches({"comment": "x" * MAX_MATCHED_TEXT + "refund"}) is False
