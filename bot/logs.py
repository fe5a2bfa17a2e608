"""Logging set-up that makes every record safe to keep, whatever logged it; text or JSON lines.

Our own log calls carry ids (loop, outbox item, channel, event), never tokens or customer text. Whatever
logs, secrets are replaced, control characters escaped (a value with a newline cannot forge a log line)
and each argument capped (a megabyte of input cannot grow the log by a megabyte).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from types import TracebackType

REDACTED = "[redacted]"
MAX_ARGUMENT = 300  # characters one argument of a log call may add
MAX_TRACEBACK = 20_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Outgoing webhooks' signing secrets live in the database, not the settings: recognised by their prefix.
HOOK_SECRET = re.compile(r"lkhook_[A-Za-z0-9_-]+")


def escape_controls(text: str) -> str:
    """Control characters as visible escapes (\\n, \\x1b): one record stays one line."""
    return _CONTROL.sub(
        lambda m: {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(m.group(), f"\\x{ord(m.group()):02x}"), text
    )


def capped(value: object) -> str:
    """An argument's text, at most MAX_ARGUMENT characters (and says how much was left out)."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= MAX_ARGUMENT:
        return text
    return f"{text[:MAX_ARGUMENT]}…({len(text) - MAX_ARGUMENT} more characters)"


class SecretFilter(logging.Filter):
    """Makes a record's message safe: arguments capped, control characters escaped, secrets replaced."""

    def __init__(self, secrets: tuple[str, ...]):
        super().__init__()
        self.secrets = tuple(s for s in secrets if s and len(s) >= 6)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            if isinstance(record.args, tuple):
                record.args = tuple(a if isinstance(a, (int, float)) else capped(a) for a in record.args)
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call of someone else's: keep what it said, safely
            message = capped(record.msg)
        message = escape_controls(capped(message) if not record.args else message)
        for secret in self.secrets:
            message = message.replace(secret, REDACTED)
        record.msg, record.args = HOOK_SECRET.sub(REDACTED, message), None
        return True


class SafeFormatter(logging.Formatter):
    """Text lines; a traceback's lines are marked as its own, so a forged line inside one cannot pass for a record."""

    def formatException(  # noqa: N802  (logging's own method name)
        self, ei: tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]
    ) -> str:
        text = super().formatException(ei)[:MAX_TRACEBACK]
        return "\n".join("  | " + escape_controls(line) for line in text.splitlines())


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, thread, and the exception if any."""

    def __init__(self, secrets: tuple[str, ...] = ()):
        super().__init__()
        self.secrets = tuple(s for s in secrets if s and len(s) >= 6)

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "thread": record.threadName,
        }
        if record.exc_info:
            entry["error"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            entry["traceback"] = self.formatException(record.exc_info)[:MAX_TRACEBACK]
        line = json.dumps(entry, ensure_ascii=False)
        for secret in self.secrets:
            line = line.replace(secret, REDACTED)
        return HOOK_SECRET.sub(REDACTED, line)


def configure_logging(secrets: tuple[str, ...], *, level: int = logging.INFO, fmt: str = "text") -> None:
    """Log to stderr with secrets replaced by ``[redacted]``, as text or JSON lines."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter(secrets) if fmt == "json" else SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(SecretFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
