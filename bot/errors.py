"""Typed errors the services raise; handlers turn them into HTTP or Slack answers."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError


class LoopkeeperError(Exception):
    """Base of every error meant to be shown to a person."""


class ConfigError(LoopkeeperError):
    """Settings or a config file are unusable; the message names what to fix."""


class InvalidFeedback(LoopkeeperError):
    """An intake payload is malformed; ``where`` names the field."""

    def __init__(self, message: str, *, where: str | None = None):
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where


class NotFound(LoopkeeperError):
    """What a request points at (a team, a delivery) does not exist here."""


class LoopNotFound(NotFound):
    """The loop a card or command points at no longer exists here."""


class CommandError(LoopkeeperError):
    """A slash command could not be understood; ``example`` shows a correct one."""

    def __init__(self, message: str, *, example: str | None = None):
        super().__init__(message)
        self.example = example


class NotAuthorized(LoopkeeperError):
    """The person may not do this; the message says why and who can."""


class LoopMovedElsewhere(LoopkeeperError):
    """A click came from the card a loop left behind when it moved to another channel."""

    def __init__(self, loop_id: int, channel_id: str):
        super().__init__(f"Loop #{loop_id} has moved to <#{channel_id}>; act on its card there.")
        self.channel_id = channel_id


class BadRequest(LoopkeeperError):
    """A request (a Slack payload, a form) is malformed; ``field`` names the part, when there is one."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class SlackUnavailable(LoopkeeperError):
    """Slack did not answer a question we had to ask it (a timeout, a dropped connection)."""


# PostgreSQL's SQLSTATEs for a database that cannot take work now: connection (08), read-only transaction
# (25006, e.g. a replica), insufficient resources such as a full disk (53), operator intervention (57).
_UNAVAILABLE_STATES = ("08", "25006", "53", "57")


def database_unavailable(error: BaseException) -> bool:
    """True for a database that cannot be reached or written (down, read-only, full, locked too long)."""
    if isinstance(error, (OperationalError, InterfaceError)):
        return True
    state = getattr(getattr(error, "orig", None), "sqlstate", None) if isinstance(error, DBAPIError) else None
    return isinstance(state, str) and state.startswith(_UNAVAILABLE_STATES)
