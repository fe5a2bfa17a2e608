"""What the Slack stand-in keeps: the calls it was sent, the faults it was told to answer with, its channels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float
    token: str | None


@dataclass
class Fault:
    """Answer ``method`` (optionally only for one channel) with an error ``times`` times; ``"upload"`` is the POST of
    a file's bytes to its upload URL."""

    method: str
    error: str = "ratelimited"
    status: int = 429
    retry_after: int | None = None
    channel: str | None = None
    times: int = 1
    delay: float = 0.0


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_member: bool = True
    is_archived: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)
