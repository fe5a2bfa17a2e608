"""Sums of ARR by currency: billing may know several, and they are never added together."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from bot.money import format_money

DEFAULT_CURRENCY = "usd"


@dataclass
class Amounts:
    """Money summed per currency; shown as ``$120,000`` or ``$120,000 + €5,000``."""

    by_currency: dict[str, Decimal] = field(default_factory=dict)

    def add(self, amount: Decimal | None, currency: str | None) -> None:
        code = (currency or DEFAULT_CURRENCY).lower()
        self.by_currency[code] = self.by_currency.get(code, Decimal(0)) + (amount or Decimal(0))

    @property
    def ranking(self) -> Decimal:
        """What lists are ordered by: the plain sum (almost every workspace bills in one currency)."""
        return sum(self.by_currency.values(), Decimal(0))

    def __str__(self) -> str:
        shown = [format_money(amount, code) for code, amount in sorted(self.by_currency.items()) if amount]
        return " + ".join(shown) if shown else format_money(Decimal(0))
