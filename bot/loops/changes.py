"""What a person can do to a loop, as values: who acts (Actor) and the change they ask for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Actor:
    """Who changes a loop, from where and when; ``clicked_in`` is the channel of the card clicked, if any."""

    workspace_id: str
    user_id: str
    via: str
    now: datetime
    clicked_in: str | None = None


@dataclass(frozen=True)
class Acknowledge:
    """I have seen it (only the first acknowledgement counts)."""


@dataclass(frozen=True)
class TakeOwnership:
    """I own it; taking ownership also acknowledges a new loop."""


@dataclass(frozen=True)
class Assign:
    """Make ``owner_id`` the owner, from any open state."""

    owner_id: str


@dataclass(frozen=True)
class Snooze:
    """Pause reminders until a time, or a menu ``choice`` (1h, 4h, tomorrow, 1w); the loop stays visible."""

    until: datetime | None = None
    choice: str | None = None


@dataclass(frozen=True)
class Resolve:
    """Close the loop with an outcome, how the customer was reached, what caused it, and a note."""

    outcome: str | None = None
    contact_method: str | None = None
    note: str | None = None
    root_cause: str | None = None


@dataclass(frozen=True)
class Join:
    """Follow the loop as a collaborator (an account owner, a CSM): it is in my Home tab, its reminders reach me."""


@dataclass(frozen=True)
class Reopen:
    """Bring a resolved loop back to in progress (owner kept, or the person reopening it)."""


@dataclass(frozen=True)
class MoveToTeam:
    """Hand the loop to another team's channel, saying why."""

    team_name: str
    reason: str = ""


Change = Acknowledge | TakeOwnership | Assign | Snooze | Resolve | Reopen | MoveToTeam | Join
