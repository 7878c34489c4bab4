"""Presentation helpers shared by every app's tables and pages.

Dates and times are written one way per language (omnisync/formats/<language>/formats.py):
the tables, the pages, the filter and form inputs and the e-mailed report all go
through these helpers or the same format names, so what staff read is what
they can type back.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime

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


def local_datetime(value: dt.datetime | None, empty: str = "—") -> str:
    """A moment in the shop's time zone, as the active language writes it ("03/12/2026 17.15", "3 Dec 2026, 17:15")."""
    if value is None:
        return empty
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATETIME_FORMAT")


def local_date(value: dt.date | None, empty: str = "—") -> str:
    """A day as the active language writes it ("03/12/2026", "3 Dec 2026")."""
    if value is None:
        return empty
    if isinstance(value, dt.datetime):
        return local_date(timezone.localtime(value).date() if timezone.is_aware(value) else value.date(), empty)
    return formats.date_format(value, "DATE_FORMAT")


class _TypedInput:
    """A text input that shows its value the way the pages write it and hints that format with an example.

    The browser's own date pickers show dates in the browser's locale, which
    is not the shop's language, and send ISO: staff would read one format in
    the tables and another in the filters. The field parses the same format
    back (DATE_INPUT_FORMATS and DATETIME_INPUT_FORMATS start with it).
    """

    input_type = "text"

    def as_text(self, value) -> str:
        raise NotImplementedError

    def example(self) -> str:
        raise NotImplementedError

    def parse(self, text: str):
        for pattern in formats.get_format(self.format_key):
            try:
                return dt.datetime.strptime(text, pattern)
            except ValueError:
                continue
        return None

    def format_value(self, value):
        if isinstance(value, str) and value.strip():
            # Typed in another accepted way (ISO in a link, or the other language's format before a switch):
            # shown back as this language writes it; left as typed when it does not parse, beside its error.
            value = self.parse(value.strip()) or value
        if isinstance(value, dt.date):
            return self.as_text(value)
        return value or None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].setdefault("placeholder", self.example())
        return context


class DateText(_TypedInput, forms.DateInput):
    def as_text(self, value) -> str:
        return local_date(value, "")

    def example(self) -> str:
        return local_date(timezone.localdate())


class DateTimeText(_TypedInput, forms.DateTimeInput):
    def parse(self, text: str):
        try:
            return parse_datetime(text) or super().parse(text)
        except ValueError:
            return None

    def as_text(self, value) -> str:
        return local_datetime(value, "")

    def example(self) -> str:
        return local_datetime(timezone.now().replace(minute=0, second=0, microsecond=0))
