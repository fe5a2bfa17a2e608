"""Billing amounts: from a currency's minor unit (cents, yen, fils) to major units."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

# Billing systems send amounts in the currency's minor unit (docs.stripe.com/currencies): whole units for
# the zero-decimal currencies, thousandths for the three-decimal ones, cents for the rest. Stripe sends
# ISK, HUF and TWD with two decimals for backward compatibility, so they stay in the default.
ZERO_DECIMAL = frozenset(
    ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]
)
THREE_DECIMAL = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])


def decimals(currency: str) -> int:
    """How many decimal places a minor-unit amount in ``currency`` (ISO code, any case) carries."""
    code = currency.lower()
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def to_major(minor: Decimal | int, currency: str) -> Decimal:
    """Minor units to major units, rounded half up to the currency's smallest unit."""
    places = decimals(currency)
    with localcontext() as context:
        context.prec = 60  # room for large sums of large amounts, to the last cent
        return (Decimal(minor) / Decimal(10) ** places).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
