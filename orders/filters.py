"""Filters of the orders and mismatched-orders lists."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from channels_app.filters import channels
from omnisync.lib.filters import DATE, FilterSet, SearchFilter, SelectorChoice
from orders.models import CanonicalStatus, Order, RemoteOrder
from orders.selectors import KIND_LABELS

#: Searches this long and longer find the text anywhere in a field; shorter ones find the fields starting with it.
SUBSTRING_FROM = 3
SEARCH_HELP = _("From 3 characters the text is found anywhere; 1 or 2 characters find values that start with them.")


class OrderSearchFilter(SearchFilter):
    """Substring search from SUBSTRING_FROM characters; a shorter term matches the start of each field.

    The trigram indexes (PostgreSQL) find substrings of three characters and
    more. One or two letters inside a text match a large share of a million
    orders and no index can find them (every row is read, about half a
    second), while the start of an order id or a buyer's name is found through
    the same indexes. The rule is in the field's help text.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", SEARCH_HELP)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "search", "placeholder": _("Search…"), "title": SEARCH_HELP}))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value or len(value) >= SUBSTRING_FROM:
            return super().filter(qs, value)
        starts = Q()
        for name in self.search_fields:
            starts |= Q(**{f"{name}__istartswith": value})
        return qs.filter(starts)


class MismatchFilter(FilterSet):
    q = OrderSearchFilter(fields=("external_id",), label=_("Order id"))
    channel = filters.ModelMultipleChoiceFilter(queryset=channels, label=_("Channel"), widget=forms.CheckboxSelectMultiple)
    #: which set of orders the selector builds (orders.selectors.mismatched_orders)
    kind = SelectorChoice(label=_("Kind"), empty_label=_("all"), choices=tuple(KIND_LABELS.items()))
    updated_from = filters.DateFilter(field_name="channel_updated_at", lookup_expr="date__gte", label=_("Updated from"), widget=DATE)
    updated_to = filters.DateFilter(field_name="channel_updated_at", lookup_expr="date__lte", label=_("to"), widget=DATE)

    class Meta(FilterSet.Meta):
        model = RemoteOrder
        fields = ()


class OrderFilter(FilterSet):
    q = OrderSearchFilter(fields=("external_id", "buyer_name"), label=_("Search"))
    channel = filters.ModelChoiceFilter(queryset=channels, label=_("Channel"), empty_label=_("all"))
    status = filters.ChoiceFilter(choices=CanonicalStatus.choices, label=_("Status"), empty_label=_("all"))
    created_from = filters.DateFilter(field_name="channel_created_at", lookup_expr="date__gte", label=_("Created from"), widget=DATE)
    created_to = filters.DateFilter(field_name="channel_created_at", lookup_expr="date__lte", label=_("to"), widget=DATE)

    class Meta(FilterSet.Meta):
        model = Order
        fields = ()
