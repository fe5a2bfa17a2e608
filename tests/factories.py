"""Feedback payloads shaped as the generic webhook documents them."""

from __future__ import annotations

import itertools

from alembic.script import ScriptDirectory

from models.db import alembic_config, latest_migration

_ids = itertools.count(1)

SOURCE_SECRETS = {
    "LOOPKEEPER_WEBHOOK_SECRET_DELIGHTED": "delighted-api-key-0123456789",
    "LOOPKEEPER_WEBHOOK_SECRET_TYPEFORM": "typeform-secret-0123456789",
    "LOOPKEEPER_WEBHOOK_SECRET_ZENDESK": "zendesk-secret-0123456789",
    "LOOPKEEPER_WEBHOOK_SECRET_INTERCOM": "intercom-client-secret-0123456789",
    "LOOPKEEPER_WEBHOOK_SECRET_STRIPE": "whsec_test0123456789abcdefghijklmnop",
    "LOOPKEEPER_WEBHOOK_SECRET_ACCOUNTS": "accounts-feed-secret-0123456789",
}


def feedback_payload(**overrides) -> dict:
    payload = {
        "id": f"resp-{next(_ids)}",
        "source": "delighted",
        "score": 3,
        "scale": "nps",
        "comment": "Invoice was wrong twice this quarter.",
        "customer": {
            "id": "cus_1",
            "email": "dana@acme.io",
            "name": "Dana Whitfield",
            "account": "Acme",
            "segment": "enterprise",
            "arr": 48000,
        },
        "touchpoint": "billing",
        "product": "Fleet Planner",
        "tags": ["invoice"],
        "created_at": "2026-11-23T08:12:00Z",
        "url": "https://app.delighted.com/r/1",
    }
    payload.update(overrides)
    return payload


def previous_migration() -> str:
    """The revision just before the newest (what the ``old_schema_url`` fixture leaves a database at)."""
    revision = ScriptDirectory.from_config(alembic_config("")).get_revision(latest_migration())
    assert revision is not None and isinstance(revision.down_revision, str)
    return revision.down_revision
