"""Our HMAC-SHA256 scheme with a timestamp: how senders sign POST /webhooks/generic, and how we sign outgoing hooks.

One scheme both ways, so a team that can send us feedback can verify what we send them with the same code.
The signature covers ``<timestamp>.<body>``; the receiver refuses a timestamp more than 5 minutes off.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Loopkeeper-Timestamp"
SIGNATURE_HEADER = "X-Loopkeeper-Signature"


def sign_generic(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Loopkeeper-Signature`` value for a body sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def generic_webhook_headers(secret: str, body: bytes, *, timestamp: str | None = None) -> dict[str, str]:
    """The headers that sign ``body`` (JSON) now, or at ``timestamp``: the generic intake's and every hook's."""
    timestamp = timestamp or str(int(time.time()))
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign_generic(secret, timestamp, body),
    }
