"""What every handler needs from the running app: database, clock, identity and the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.admin.runner import CommandRunner
from bot.after_ack import AfterAck
from bot.delivery.slack_directory import SlackDirectory
from bot.intake.group_commit import GroupCommit
from bot.intake.ingest import IntakePolicy
from bot.metrics import Metrics
from bot.settings import Settings
from models.base import utcnow
from models.db import new_session


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    workspace_id: str
    # Runs /loops subcommands (it holds the Slack directory they may ask).
    commands: CommandRunner
    # What handlers may ask Slack before a transaction opens (the same, caching, directory).
    directory: SlackDirectory
    bot_user_id: str | None = None
    bot_id: str | None = None
    clock: Callable[[], datetime] = utcnow
    # Called after a transaction that wrote to the outbox committed.
    on_outbox_write: Callable[[], None] = field(default=lambda: None)
    metrics: Metrics = field(default_factory=Metrics)
    # Work that must not hold up Slack's answer (modals, response_url answers, slow commands).
    after_ack: AfterAck = field(default_factory=AfterAck)
    # Webhook intake's shared write transactions (group commit); made from the engine when not given.
    intake_writes: GroupCommit | None = None

    def __post_init__(self) -> None:
        if self.intake_writes is None:
            # looked up when called: the composition root may set on_outbox_write after this
            self.intake_writes = GroupCommit(self.engine, on_commit=lambda: self.on_outbox_write())  # noqa: PLW0108

    def session(self, *, read_only: bool = False) -> Session:
        """A database session; ``read_only`` ones never wait for or block writers on SQLite."""
        return new_session(self.engine, read_only=read_only)

    @property
    def own_ids(self) -> set[str]:
        """The bot's own user and bot ids: messages from these are never read as feedback."""
        return {i for i in (self.bot_user_id, self.bot_id) if i}

    def intake_policy(self, *, via: str = "webhook") -> IntakePolicy:
        """How new feedback is handled, from the settings."""
        return IntakePolicy(
            default_channel=self.settings.default_channel,
            customer_window=timedelta(days=self.settings.customer_window_days),
            via=via,
        )
