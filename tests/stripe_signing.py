"""Signing Stripe webhook bodies in tests the way Stripe does, with stripe-python's helper for tests."""

from __future__ import annotations

from collections.abc import Sequence

import stripe


def sign(secret: str, body: bytes, timestamp: int, extra_secrets: Sequence[str] = ()) -> str:
    """A ``Stripe-Signature`` value with one v1 per secret, in order, as Stripe sends while a secret rolls."""
    signatures = []
    for key in (secret, *extra_secrets):
        # generate_signature_header (stripe>=15.5) gives "t=<timestamp>,v1=<hex>" for a single secret.
        header = stripe.WebhookSignature.generate_signature_header(body.decode("utf-8"), key, timestamp=timestamp)
        stamp, _, signature = header.partition(",v1=")
        assert stamp == f"t={timestamp}" and signature, header
        signatures.append(f"v1={signature}")
    return ",".join([f"t={timestamp}", *signatures])


def stripe_headers(secret: str, body: bytes, timestamp: int, extra_secrets: Sequence[str] = ()) -> dict[str, str]:
    """The headers Stripe attaches to a webhook delivery of ``body``."""
    return {
        "Content-Type": "application/json; charset=utf-8",
        "Stripe-Signature": sign(secret, body, timestamp, extra_secrets),
    }
