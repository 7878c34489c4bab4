"""Presentation helpers shared by every app's tables and pages."""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats

#: currencies sold without minor units on the channels we serve
ZERO_DECIMAL = {"IDR", "VND", "JPY", "KRW"}
SYMBOLS = {"IDR": "Rp", "MYR": "RM", "SGD": "S$", "PHP": "₱", "THB": "฿", "VND": "₫", "USD": "$"}


def money(amount, currency: str) -> str:
    """Amount with the channel's currency, grouped the way the active language writes numbers."""
    if amount is None:
        return "—"
    currency = (currency or "").upper()
    places = 0 if currency in ZERO_DECIMAL else 2
    number = formats.number_format(Decimal(amount), places, use_l10n=True, force_grouping=True)
    return f"{SYMBOLS.get(currency, currency)} {number}".strip()
