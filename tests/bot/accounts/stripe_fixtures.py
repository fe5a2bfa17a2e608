"""Stripe's documented webhook events, stored as sent (tests/fixtures/webhooks/stripe), and readers for them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

FIXTURES = Path(__file__).parents[2] / "fixtures" / "webhooks" / "stripe"


def at(text: str) -> datetime:
    """A UTC time written without its zone."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def fixture(name: str) -> dict:
    """A stored event, parsed afresh so a test may change it."""
    return json.loads((FIXTURES / f"{name}.json").read_bytes())
