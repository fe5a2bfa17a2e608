"""Amounts of money as people read them: $80,000, €1,250.50, 9,000 CHF."""

from __future__ import annotations

from decimal import Decimal

SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "cad": "CA$", "aud": "A$", "inr": "₹", "brl": "R$"}


def format_money(amount: Decimal, currency: str | None = None) -> str:
    """Whole amounts without cents; dollars when the currency is not known (what surveys' ARR fields mean)."""
    number = f"{int(amount):,}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    code = (currency or "usd").lower()
    symbol = SYMBOLS.get(code)
    if symbol is None:
        return f"{number} {code.upper()}"
    return f"-{symbol}{number[1:]}" if number.startswith("-") else f"{symbol}{number}"
