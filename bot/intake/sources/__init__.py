"""Feedback sources: one module per tool, each exposing ``SOURCE``, discovered automatically.

Adding a source is one module here (a ``verify`` and a ``normalize`` function)
plus its fixtures under tests/fixtures/webhooks/<name>/; nothing else changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy.engine import Engine

from bot.feedback import FeedbackIn
from models.db import new_session
from models.workspace import source_options


@dataclass(frozen=True)
class Source:
    name: str
    # Environment variable holding this source's signing secret.
    secret_setting: str
    # (secret, headers, raw body, now) -> None; raises BadSignature.
    verify: Callable[[str, Mapping[str, str], bytes, float], None]
    # (raw body, per-workspace options) -> FeedbackIn; raises InvalidFeedback, or IgnoredEvent
    # for deliveries that carry no feedback (pings, other event types).
    normalize: Callable[[bytes, Mapping[str, Any]], FeedbackIn]


@cache
def all_sources() -> dict[str, Source]:
    """Every source module in this package, by name."""
    sources = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        source = getattr(module, "SOURCE", None)
        if isinstance(source, Source):
            sources[source.name] = source
    return dict(sorted(sources.items()))


def options_for(engine: Engine, *, workspace_id: str, source: str) -> dict[str, Any]:
    """The workspace's options for one source (e.g. Typeform field mappings), from its configuration."""
    with new_session(engine, read_only=True) as session:
        return source_options(session=session, workspace_id=workspace_id, source=source)
