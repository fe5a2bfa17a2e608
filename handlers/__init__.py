"""The doors into Loopkeeper: Slack listeners and HTTP endpoints, each module with `register`."""

from __future__ import annotations

from slack_bolt import App

from bot.context import AppContext
from handlers import actions, commands, errors, events, guards, spikes, themes, views


def register_all(app: App, ctx: AppContext) -> None:
    """Attach every Slack listener to ``app``."""
    errors.register(app, ctx)
    guards.register(app, ctx)
    events.register(app, ctx)
    actions.register(app, ctx)
    commands.register(app, ctx)
    views.register(app, ctx)
    themes.register(app, ctx)
    spikes.register(app, ctx)
