"""Webhook signature checks, always on the raw bytes before anything is parsed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from bot.errors import LoopkeeperError
from bot.signing import generic_webhook_headers, sign_generic

__all__ = [
    "BadSignature",
    "check_hmac",
    "check_signed_time",
    "generic_webhook_headers",
    "sign_generic",
    "verify_generic",
]

MAX_SKEW_SECONDS = 300


class BadSignature(LoopkeeperError):
    """The request was not signed with our secret (or is too old to trust)."""


def verify_generic(
    secret: str, *, signature: str | None, timestamp: str | None, body: bytes, now: float | None = None
) -> None:
    """Raise BadSignature unless the headers prove ``body`` came from a holder of ``secret``."""
    if not signature:
        raise BadSignature("missing X-Loopkeeper-Signature header")
    if not timestamp:
        raise BadSignature("missing X-Loopkeeper-Timestamp header")
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise BadSignature("X-Loopkeeper-Timestamp must be unix seconds")
    check_signed_time(int(timestamp), now=time.time() if now is None else now, header="X-Loopkeeper-Timestamp")
    expected = sign_generic(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise BadSignature("X-Loopkeeper-Signature does not match the body")


def check_signed_time(sent_at: float, *, now: float, header: str) -> None:
    """Refuse a signed time more than 5 minutes from now: a replayed old delivery, or a sender's wrong clock."""
    if abs(now - sent_at) > MAX_SKEW_SECONDS:
        raise BadSignature(f"{header} is more than 5 minutes off; an old delivery replayed, or the sender's clock")


def check_hmac(
    secret: str,
    message: bytes,
    *,
    header: str,
    value: str | None,
    algorithm: str = "sha256",
    encoding: str = "hex",
    prefix: str = "",
) -> None:
    """Raise BadSignature unless ``value`` is ``prefix`` + the encoded HMAC of ``message``.

    For the vendors' schemes: Delighted (sha256, hex), Typeform (sha256=, base64),
    Zendesk (sha256, base64 over timestamp + body), Intercom (sha1=, hex).
    """
    if not value:
        raise BadSignature(f"missing {header} header")
    digest = hmac.new(secret.encode(), message, getattr(hashlib, algorithm)).digest()
    encoded = digest.hex() if encoding == "hex" else base64.b64encode(digest).decode()
    given = value.strip()
    if prefix and not given.startswith(prefix):
        given_ok = False
    else:
        given_ok = hmac.compare_digest((prefix + encoded).encode(), given.encode())
    if not given_ok:
        raise BadSignature(f"{header} does not match the body; check the signing secret")
