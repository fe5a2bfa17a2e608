"""Stripe webhooks: Stripe's signature checked by its own library, against our clock."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
import stripe
from starlette.datastructures import Headers

from bot.accounts.stripe import verify
from bot.errors import ConfigError, InvalidFeedback
from bot.intake.signatures import BadSignature
from tests.bot.accounts.stripe_fixtures import FIXTURES
from tests.stripe_signing import sign, stripe_headers

SECRET = "whsec_test_5f1c0a9e2b7d4c3a8e6f1b0d9c2a7e4f"
OLD_SECRET = "whsec_test_old_0a1b2c3d4e5f6a7b8c9d0e1f2a3b"
NOW = 1_792_946_600  # 2026-10-25T16:43:20Z
BODY = (FIXTURES / "subscription_updated_cancel_at_period_end.json").read_bytes()


def headers(signature: str) -> dict[str, str]:
    return {"Stripe-Signature": signature}


def test_the_library_signs_as_stripe_documents_it():
    # Hex HMAC-SHA256 of "<t>.<body>", keyed with the whole whsec_ string: checked by hand, not by the library.
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, BODY, NOW) == f"t={NOW},v1={expected}"


def test_right_secret_gives_the_event():
    assert verify(SECRET, headers(sign(SECRET, BODY, NOW)), BODY, NOW) == json.loads(BODY)


@pytest.mark.parametrize("name", sorted(path.stem for path in FIXTURES.glob("*.json")))
def test_every_fixture_verifies_as_sent(name):
    body = (FIXTURES / f"{name}.json").read_bytes()
    assert verify(SECRET, stripe_headers(SECRET, body, NOW), body, NOW)["id"].startswith("evt_")


@pytest.mark.parametrize("mapping", [dict, Headers], ids=["dict", "starlette"])
@pytest.mark.parametrize("key", ["Stripe-Signature", "stripe-signature", "STRIPE-SIGNATURE"])
def test_header_name_in_any_case(key, mapping):
    assert verify(SECRET, mapping({key: sign(SECRET, BODY, NOW)}), BODY, NOW)["type"] == "customer.subscription.updated"


def test_the_age_check_uses_now_not_the_machine_clock():
    # Signed in 2020: the library's own tolerance (time.time()) refuses it; verify() judges by ``now``.
    then = 1_600_000_000
    signature = sign(SECRET, BODY, then)
    assert verify(SECRET, headers(signature), BODY, then + 10)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(BODY.decode(), signature, SECRET, tolerance=300)


def test_secret_rolling_only_the_second_v1_matches():
    signature = sign(OLD_SECRET, BODY, NOW, extra_secrets=(SECRET,))
    assert signature.count("v1=") == 2
    assert verify(SECRET, headers(signature), BODY, NOW)["id"] == "evt_1SxAcmeCancelAtPeriodEnd"


def test_test_mode_v0_is_ignored_beside_a_good_v1():
    # Stripe adds a fake v0 to test-mode events; it is not a scheme to check.
    assert verify(SECRET, headers(sign(SECRET, BODY, NOW) + ",v0=" + "0" * 64), BODY, NOW)


@pytest.mark.parametrize("skew", [-300, 0, 299.9, 300])
def test_within_five_minutes_either_way(skew):
    assert verify(SECRET, headers(sign(SECRET, BODY, NOW)), BODY, NOW + skew)


def rejected(name, *, secret=SECRET, signature=None, body=BODY, now=NOW, says):
    signature = sign(SECRET, BODY, NOW) if signature is None else signature
    return pytest.param(secret, signature, body, now, says, id=name)


REJECTED = [
    rejected("wrong-secret", secret="whsec_someone_else", says="no v1 signature of this body"),
    rejected("body-altered", body=BODY.replace(b"too_expensive", b"unused"), says="no v1 signature"),
    rejected("stale-6-minutes", now=NOW + 360, says="more than 5 minutes"),
    rejected("stale-301s", now=NOW + 301, says="more than 5 minutes"),
    rejected("future-6-minutes", now=NOW - 360, says="more than 5 minutes"),
    rejected("old-secret-only", signature=sign(OLD_SECRET, BODY, NOW), says="no v1 signature"),
    rejected(
        "signed-at-another-time",
        signature=sign(SECRET, BODY, NOW - 1).replace(f"t={NOW - 1}", f"t={NOW}"),
        says="no v1 signature",
    ),
    rejected("missing", signature="", says="missing Stripe-Signature"),
    rejected("garbage", signature="garbage", says="exactly one t="),
    rejected("no-t", signature="v1=" + "a" * 64, says="exactly one t="),
    rejected("t-not-a-number", signature="t=yesterday,v1=" + "a" * 64, says="unix seconds"),
    rejected("t-negative", signature=f"t=-{NOW},v1=" + "a" * 64, says="unix seconds"),
    rejected("t-absurd", signature="t=" + "9" * 5000 + ",v1=" + "a" * 64, says="unix seconds"),
    rejected("no-v1", signature=f"t={NOW}", says="no v1 signature"),
    rejected("v0-only", signature=sign(SECRET, BODY, NOW).replace("v1=", "v0="), says="no v1 signature"),
    rejected("v1-empty", signature=f"t={NOW},v1=", says="no v1 signature"),
    rejected("non-ascii", signature=f"t={NOW},v1=\u00e9" + "a" * 63, says="ASCII"),
    # An old signature with a fresh "t" added must not pass the age check: the library checks the first "t".
    rejected("second-t", signature=sign(SECRET, BODY, NOW - 3600) + f",t={NOW}", says="exactly one t="),
    rejected("padded-t", signature=f" t={NOW}," + sign(SECRET, BODY, NOW - 3600), says="exactly one t="),
    rejected("not-utf8", body=BODY + b"\xff", says="not UTF-8"),
]


@pytest.mark.parametrize("secret, signature, body, now, says", REJECTED)
def test_rejected_signatures_say_why_without_the_secret_or_body(secret, signature, body, now, says):
    with pytest.raises(BadSignature) as caught:
        verify(secret, headers(signature), body, now)
    message = str(caught.value)
    assert says in message
    assert "whsec_" not in message and "too_expensive" not in message and "Acme" not in message
    # The library's own error carries the header and body; it must not ride along as the cause.
    error = caught.value
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def test_missing_header():
    with pytest.raises(BadSignature, match="missing Stripe-Signature header"):
        verify(SECRET, {"Content-Type": "application/json"}, BODY, NOW)


def test_empty_secret_is_a_configuration_error():
    with pytest.raises(ConfigError, match="LOOPKEEPER_WEBHOOK_SECRET_STRIPE"):
        verify("  ", headers(sign(SECRET, BODY, NOW)), BODY, NOW)


@pytest.mark.parametrize(
    "body, where",
    [
        (b"not json", None),
        (b"[1, 2]", None),
        (b'{"object": "customer", "id": "cus_1"}', "object"),
        (b'{"object": "v2.core.event", "id": "evt_1", "type": "v1.billing.meter.error_report_triggered"}', "object"),
        (b'{"object": "event", "type": "customer.created"}', "id"),
        (b'{"object": "event", "id": "evt_1", "type": 7}', "type"),
    ],
)
def test_signed_body_that_is_not_a_json_event(body, where):
    with pytest.raises(InvalidFeedback) as caught:
        verify(SECRET, headers(sign(SECRET, body, NOW)), body, NOW)
    assert caught.value.where == where
