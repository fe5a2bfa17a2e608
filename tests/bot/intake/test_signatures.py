"""Webhook signatures: HMAC of timestamp and raw body, within five minutes of our clock."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest

from bot.intake.signatures import (
    MAX_SKEW_SECONDS,
    BadSignature,
    sign_generic,
    verify_generic,
)

SECRET = "s3cret-signing-key"
NOW = 1_764_000_000
BODY = b'{"id": "resp-1", "score": 3}'
TS = str(NOW)
SIGNATURE = sign_generic(SECRET, TS, BODY)


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    # The documented recipe senders implement: hex HMAC-SHA256 over b"<timestamp>.<body>".
    expected = hmac.new(SECRET.encode(), TS.encode() + b"." + BODY, hashlib.sha256).hexdigest()
    assert f"sha256={expected}" == SIGNATURE


ACCEPTED = [
    # (signature, timestamp, body, now)
    (SIGNATURE, TS, BODY, NOW),
    (f"  {SIGNATURE}\n", TS, BODY, NOW),
    (SIGNATURE, TS, BODY, NOW + MAX_SKEW_SECONDS),
    (SIGNATURE, TS, BODY, NOW - MAX_SKEW_SECONDS),
    (SIGNATURE, TS, BODY, NOW + 299.5),
    (sign_generic(SECRET, TS, b""), TS, b"", NOW),
]


@pytest.mark.parametrize("signature, timestamp, body, now", ACCEPTED)
def test_genuine_requests_are_accepted(signature, timestamp, body, now):
    assert verify_generic(SECRET, signature=signature, timestamp=timestamp, body=body, now=now) is None


def test_default_clock_is_now():
    timestamp = str(int(time.time()))
    assert (
        verify_generic(SECRET, signature=sign_generic(SECRET, timestamp, BODY), timestamp=timestamp, body=BODY) is None
    )


def rejected(name, *, secret=SECRET, signature=SIGNATURE, timestamp=TS, body=BODY, now=NOW, header):
    return pytest.param(secret, signature, timestamp, body, now, header, id=name)


SIG, STAMP = "X-Loopkeeper-Signature", "X-Loopkeeper-Timestamp"
REJECTED = [
    rejected("wrong-secret", secret="other-secret", header=SIG),
    rejected("body-appended", body=BODY + b" ", header=SIG),
    rejected("body-altered", body=b'{"id": "resp-1", "score": 9}', header=SIG),
    rejected("timestamp-altered", timestamp=str(NOW + 1), header=SIG),
    rejected("no-prefix", signature=SIGNATURE.removeprefix("sha256="), header=SIG),
    rejected("non-ascii-signature", signature="sha256=\u00e9", header=SIG),
    rejected("signature-missing", signature=None, header=SIG),
    rejected("signature-empty", signature="", header=SIG),
    rejected("timestamp-missing", timestamp=None, header=STAMP),
    rejected("timestamp-empty", timestamp="", header=STAMP),
    rejected("timestamp-word", timestamp="yesterday", header=STAMP),
    rejected("timestamp-fraction", timestamp=f"{NOW}.5", header=STAMP),
    rejected("timestamp-negative", timestamp=f"-{NOW}", header=STAMP),
    rejected("timestamp-space", timestamp=f" {NOW}", header=STAMP),
    # '\u00b2' (byte 0xB2 in a latin-1 decoded header) passes str.isdigit() but not int().
    rejected("timestamp-superscript", timestamp=f"{NOW}\u00b2", header=STAMP),
    rejected("stale-by-301s", now=NOW + MAX_SKEW_SECONDS + 1, header=STAMP),
    rejected("stale-by-300.001s", now=NOW + 300.001, header=STAMP),
    rejected("stale-by-1h", now=NOW + 3600, header=STAMP),
    rejected("future-by-301s", now=NOW - MAX_SKEW_SECONDS - 1, header=STAMP),
    rejected("future-by-1d", now=NOW - 86_400, header=STAMP),
]


@pytest.mark.parametrize("secret, signature, timestamp, body, now, header", REJECTED)
def test_forged_or_stale_requests_are_rejected_naming_the_header(secret, signature, timestamp, body, now, header):
    with pytest.raises(BadSignature, match=header):
        verify_generic(secret, signature=signature, timestamp=timestamp, body=body, now=now)


def test_stale_signature_is_rejected_even_when_the_hmac_is_right():
    old = str(NOW - 600)
    with pytest.raises(BadSignature, match="more than 5 minutes off"):
        verify_generic(SECRET, signature=sign_generic(SECRET, old, BODY), timestamp=old, body=BODY, now=NOW)
