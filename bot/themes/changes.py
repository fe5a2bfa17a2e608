"""What people do to themes, as values: elevate a loop to one, and move a theme through its statuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

IMPACT_LABELS = {
    "attrition_risk": "Attrition risk",
    "complaint": "Complaint",
    "annoyance": "Annoyance",
    "opportunity": "Opportunity",
}
STATUS_LABELS = {
    "new": "New",
    "accepted": "Accepted",
    "fix_planned": "Fix planned",
    "shipped": "Shipped",
    "verified": "Verified",
    "declined": "Declined",
    "merged": "Merged",
}
THEME_NAME_LENGTH = 120


@dataclass(frozen=True)
class Elevate:
    """Link a loop to an existing theme (``theme_id``) or to a new one (``new_name``, owned by ``owner_team``)."""

    impact: str
    theme_id: int | None = None
    new_name: str | None = None
    owner_team: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Accept:
    """The owner team takes the theme on."""


@dataclass(frozen=True)
class PlanFix:
    """A fix is planned, optionally by a date."""

    due: date | None = None


@dataclass(frozen=True)
class Ship:
    """The fix shipped: every linked loop's customer is to be told."""


@dataclass(frozen=True)
class Decline:
    """The owner team will not fix it, and says why (everyone who elevated is told)."""

    reason: str


@dataclass(frozen=True)
class Merge:
    """It is the same cause as another theme: its loops and figures move there."""

    into_theme_id: int


@dataclass(frozen=True)
class Verify:
    """A lead confirms the fix worked (feedback after shipping says so)."""


ThemeChange = Accept | PlanFix | Ship | Decline | Merge | Verify
