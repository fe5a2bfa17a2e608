"""One place where unexpected listener errors are logged (with ids only, never payload text)."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.context import AppContext

log = logging.getLogger(__name__)


def register(app: App, ctx: AppContext) -> None:
    @app.error
    def on_error(error: Exception, body: dict) -> None:
        kind = body.get("type") if isinstance(body, dict) else None
        log.error("listener failed on %s request: %s", kind, type(error).__name__, exc_info=error)
