"""Typed errors the services raise; handlers turn them into HTTP or Slack answers."""

from __future__ import annotations


class LoopkeeperError(Exception):
    """Base of every error meant to be shown to a person."""


class ConfigError(LoopkeeperError):
    """Settings or a config file are unusable; the message names what to fix."""


class InvalidFeedback(LoopkeeperError):
    """An intake payload is malformed; ``where`` names the field."""

    def __init__(self, message: str, *, where: str | None = None):
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where


class LoopNotFound(LoopkeeperError):
    """The loop a card or command points at no longer exists here."""


class CommandError(LoopkeeperError):
    """A slash command could not be understood; ``example`` shows a correct one."""

    def __init__(self, message: str, *, example: str | None = None):
        super().__init__(message)
        self.example = example


class NotAuthorized(LoopkeeperError):
    """The person may not do this; the message says why and who can."""
