"""What every service call needs from the running app: database, clock, identity."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.settings import Settings
from models.base import utcnow
from models.db import new_session


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    workspace_id: str
    bot_user_id: str | None = None
    clock: Callable[[], datetime] = utcnow
    # Called after a transaction that wrote to the outbox committed.
    on_outbox_write: Callable[[], None] = field(default=lambda: None)

    def session(self, *, read_only: bool = False) -> Session:
        """A database session; ``read_only`` ones never wait for or block writers on SQLite."""
        return new_session(self.engine, read_only=read_only)
