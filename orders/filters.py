"""Filters of the orders and mismatched-orders lists."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _

from channels_app.filters import channels
from omnisync.lib.filters import DATE, FilterSet, SearchFilter, SelectorChoice
from orders.models import CanonicalStatus, Order, RemoteOrder
from orders.selectors import KIND_LABELS


class MismatchFilter(FilterSet):
    q = SearchFilter(fields=("external_id",), label=_("Order id"))
    channel = filters.ModelMultipleChoiceFilter(queryset=channels, label=_("Channel"), widget=forms.CheckboxSelectMultiple)
    #: which set of orders the selector builds (orders.selectors.mismatched_orders)
    kind = SelectorChoice(label=_("Kind"), empty_label=_("all"), choices=tuple(KIND_LABELS.items()))
    updated_from = filters.DateFilter(field_name="channel_updated_at", lookup_expr="date__gte", label=_("Updated from"), widget=DATE)
    updated_to = filters.DateFilter(field_name="channel_updated_at", lookup_expr="date__lte", label=_("to"), widget=DATE)

    class Meta(FilterSet.Meta):
        model = RemoteOrder
        fields = ()


class OrderFilter(FilterSet):
    q = SearchFilter(fields=("external_id", "buyer_name"), label=_("Search"))
    channel = filters.ModelChoiceFilter(queryset=channels, label=_("Channel"), empty_label=_("all"))
    status = filters.ChoiceFilter(choices=CanonicalStatus.choices, label=_("Status"), empty_label=_("all"))
    created_from = filters.DateFilter(field_name="channel_created_at", lookup_expr="date__gte", label=_("Created from"), widget=DATE)
    created_to = filters.DateFilter(field_name="channel_created_at", lookup_expr="date__lte", label=_("to"), widget=DATE)

    class Meta(FilterSet.Meta):
        model = Order
        fields = ()
