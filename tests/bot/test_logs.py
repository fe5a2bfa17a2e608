"""Logs: secrets scrubbed whatever logged them; JSON lines carry ids, never tokens."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.logs import MAX_ARGUMENT, JsonFormatter, SafeFormatter, SecretFilter

TOKEN = "xoxb-1234-5678-secretsecret"


@pytest.fixture
def capture():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("loopkeeper.test.logs")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    yield logger, handler, stream
    logger.handlers[:] = []


def test_text_logs_scrub_secrets_in_arguments(capture):
    logger, handler, stream = capture
    handler.addFilter(SecretFilter((TOKEN,)))
    logger.info("calling Slack with %s for outbox item %s", TOKEN, 42)
    assert TOKEN not in stream.getvalue() and "[redacted] for outbox item 42" in stream.getvalue()


def test_json_logs_are_one_object_per_line_without_secrets(capture):
    logger, handler, stream = capture
    handler.setFormatter(JsonFormatter((TOKEN,)))
    handler.addFilter(SecretFilter((TOKEN,)))
    logger.warning("outbox item %s (%s) parked: %s", 7, "chat.postMessage", "is_archived")
    try:
        raise RuntimeError(f"boom with {TOKEN}")
    except RuntimeError:
        logger.exception("delivery pass failed")
    first, second = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert first["level"] == "warning" and first["logger"] == "loopkeeper.test.logs"
    assert first["message"] == "outbox item 7 (chat.postMessage) parked: is_archived" and first["time"].endswith(
        "+00:00"
    )
    assert second["error"] == "RuntimeError" and "Traceback" in second["traceback"]
    assert TOKEN not in stream.getvalue()


def test_a_value_with_a_newline_cannot_forge_a_log_line(capture):
    logger, handler, stream = capture
    handler.addFilter(SecretFilter(()))
    logger.warning("refused a request for workspace %s", "T1\n2026-11-29 ERROR loopkeeper: forged\x1b[31m")
    [line] = stream.getvalue().splitlines()
    assert line == "refused a request for workspace T1\\n2026-11-29 ERROR loopkeeper: forged\\x1b[31m"


def test_one_argument_adds_at_most_a_few_hundred_characters(capture):
    logger, handler, stream = capture
    handler.addFilter(SecretFilter(()))
    logger.info("body was %s", "A" * 1_000_000)
    line = stream.getvalue().strip()
    assert len(line) < MAX_ARGUMENT + 100 and line.endswith("…(999700 more characters)")


def test_a_traceback_is_marked_line_by_line_so_a_forged_line_stands_out(capture):
    logger, handler, stream = capture
    handler.setFormatter(SafeFormatter("%(levelname)s %(message)s"))
    try:
        raise ValueError("bad\nERROR forged: admin added")
    except ValueError:
        logger.exception("it failed")
    first, *rest = stream.getvalue().splitlines()
    assert first == "ERROR it failed" and rest and all(line.startswith("  | ") for line in rest)
