"""Filters of the listings and stock-discrepancy lists."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from channels_app.filters import channels
from inventory.models import Listing, PushState, Sku
from inventory.targets import CAUSES
from omnisync.lib.filters import FilterSet, SearchFilter, SelectorChoice, SelectorModelChoice, search

LISTING_TAB_CHOICES = (
    ("mapped", _("Mapped")),
    ("not_in_pos", _("Not in POS")),
    ("not_in_channel", _("Not in Channel")),
    ("multiple", _("Multiple listed")),
)


class DiscrepancyFilter(FilterSet):
    q = SearchFilter(fields=("sku__code", "seller_sku", "title"))
    channel = filters.ModelChoiceFilter(queryset=channels, label=_("Channel"), empty_label=_("all"))
    direction = filters.ChoiceFilter(
        label=_("Channel shows"), method="filter_direction", empty_label=_("more or less"),
        choices=(("more", _("more than the target")), ("less", _("less than the target"))),
    )
    cause = filters.ChoiceFilter(label=_("Likely cause"), method="filter_cause", empty_label=_("all"), choices=list(CAUSES.items()))

    class Meta(FilterSet.Meta):
        model = Listing
        fields = ()

    def filter_direction(self, qs, name, value):
        if value == "more":
            return qs.filter(difference__gt=0)
        if value == "less":
            return qs.filter(difference__lt=0)
        return qs

    def filter_cause(self, qs, name, value):
        return qs.filter(discrepancy_cause_condition(value)) if value in CAUSES else qs


def discrepancy_cause_condition(code: str) -> Q:
    """The listings whose likely cause is `code`, as a WHERE condition, so the list still pages by key.

    The same rules, in the same order, as inventory.targets.discrepancy_cause_code: each cause
    holds only where none before it does. Needs the `target` annotation (inventory.targets).
    """
    failed = Q(last_push_state=PushState.FAILED)
    never = Q(last_pushed_at__isnull=True)
    moved = Q(pushed_target__isnull=False) & ~Q(pushed_target=F("target"))
    steps = [
        ("orders_not_imported", Q(channel__orders_missing__gt=0)),
        ("push_failed", failed),
        ("never_pushed", never),
        ("pos_changed", moved),
        ("changed_on_channel", Q()),
    ]
    earlier = Q()
    for cause, condition in steps:
        if cause == code:
            return condition & ~earlier if earlier else condition
        earlier |= condition
    raise ValueError(code)


class ListingFilter(FilterSet):
    """The tab and the channel pick the rows (inventory.selectors.listings_tab); the search narrows them."""

    q = filters.CharFilter(
        method="filter_search", label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Search…")}),
    )
    channel = SelectorModelChoice(queryset=channels, label=_("Channel"), empty_label=_("all"))
    tab = SelectorChoice(choices=LISTING_TAB_CHOICES, widget=forms.HiddenInput)

    class Meta(FilterSet.Meta):
        model = Listing
        fields = ()

    def filter_search(self, qs, name, value):
        if qs.model is Sku:
            return search(qs, value, ("code", "name"))
        return search(qs, value, ("seller_sku", "title", "external_item_id"))
