"""Signing requests the way each vendor does, written from their docs (independent of bot/)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

from tests.factories import SOURCE_SECRETS


def _secret(source: str) -> bytes:
    return SOURCE_SECRETS[f"LOOPKEEPER_WEBHOOK_SECRET_{source.upper()}"].encode()


def vendor_headers(
    source: str, body: bytes, *, secret: bytes | None = None, sent_at: datetime | None = None
) -> dict[str, str]:
    key = secret or _secret(source)
    if source == "delighted":
        return {"X-Delighted-Webhook-Signature": "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()}
    if source == "typeform":
        digest = base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()
        return {"Typeform-Signature": f"sha256={digest}"}
    if source == "zendesk":
        stamp = (sent_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        digest = base64.b64encode(hmac.new(key, stamp.encode() + body, hashlib.sha256).digest()).decode()
        return {"X-Zendesk-Webhook-Signature": digest, "X-Zendesk-Webhook-Signature-Timestamp": stamp}
    if source == "intercom":
        return {"X-Hub-Signature": "sha1=" + hmac.new(key, body, hashlib.sha1).hexdigest()}
    raise ValueError(source)
