"""The dashboard's filtersets (django-filter), one per list."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from channels_app.models import Channel, RunKind, RunStatus
from orders.models import CanonicalStatus

DATE = forms.DateInput(attrs={"type": "date"})


def _channels(request):
    return Channel.objects.order_by("name")


class SearchFilter(filters.CharFilter):
    """Free-text search over a few fields (icontains, OR-ed)."""

    def __init__(self, *args, fields: tuple[str, ...], **kwargs):
        kwargs.setdefault("label", _("Search"))
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "search", "placeholder": _("Search…")}))
        super().__init__(*args, **kwargs)
        self.search_fields = fields

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        q = Q()
        for name in self.search_fields:
            q |= Q(**{f"{name}__icontains": value})
        return qs.filter(q)


class MismatchFilter(filters.FilterSet):
    q = SearchFilter(fields=("external_id",), label=_("Order id"))
    channel = filters.ModelMultipleChoiceFilter(queryset=_channels, label=_("Channel"), widget=forms.CheckboxSelectMultiple)
    kind = filters.ChoiceFilter(
        label=_("Kind"), method="filter_noop", empty_label=_("all"),
        choices=(("missing", _("missing in POS")), ("wrong_status", _("wrong status in POS")), ("unknown_status", _("unknown status"))),
    )
    updated_from = filters.DateFilter(field_name="channel_updated_at", lookup_expr="date__gte", label=_("Updated from"), widget=DATE)
    updated_to = filters.DateFilter(field_name="channel_updated_at", lookup_expr="date__lte", label=_("to"), widget=DATE)

    def filter_noop(self, qs, name, value):
        """The kind is applied by the selector (it picks the set), not here."""
        return qs

    def selected_channel_ids(self) -> list[int]:
        if not self.is_bound or not self.form.is_valid():
            return []
        return [c.pk for c in self.form.cleaned_data.get("channel") or []]


class OrderFilter(filters.FilterSet):
    q = SearchFilter(fields=("external_id", "buyer_name"), label=_("Search"))
    channel = filters.ModelChoiceFilter(queryset=_channels, label=_("Channel"), empty_label=_("all"))
    status = filters.ChoiceFilter(choices=CanonicalStatus.choices, label=_("Status"), empty_label=_("all"))
    created_from = filters.DateFilter(field_name="channel_created_at", lookup_expr="date__gte", label=_("Created from"), widget=DATE)
    created_to = filters.DateFilter(field_name="channel_created_at", lookup_expr="date__lte", label=_("to"), widget=DATE)


class DiscrepancyFilter(filters.FilterSet):
    q = SearchFilter(fields=("sku__code", "seller_sku", "title"))
    channel = filters.ModelChoiceFilter(queryset=_channels, label=_("Channel"), empty_label=_("all"))
    direction = filters.ChoiceFilter(
        label=_("Channel shows"), method="filter_direction", empty_label=_("more or less"),
        choices=(("more", _("more than the target")), ("less", _("less than the target"))),
    )

    def filter_direction(self, qs, name, value):
        if value == "more":
            return qs.filter(difference__gt=0)
        if value == "less":
            return qs.filter(difference__lt=0)
        return qs


class ListingFilter(filters.FilterSet):
    """Channel and search; the tab itself is a URL parameter the view reads to pick the rows."""

    q = SearchFilter(fields=("seller_sku", "title", "external_item_id"))
    channel = filters.ModelChoiceFilter(queryset=_channels, label=_("Channel"), empty_label=_("all"), method="filter_noop")
    tab = filters.CharFilter(method="filter_noop", widget=forms.HiddenInput)

    def filter_noop(self, qs, name, value):
        return qs


class SkuListingFilter(ListingFilter):
    q = SearchFilter(fields=("code", "name"))


class RunFilter(filters.FilterSet):
    channel = filters.ModelChoiceFilter(queryset=_channels, label=_("Channel"), empty_label=_("all"))
    kind = filters.ChoiceFilter(choices=RunKind.choices, label=_("Kind"), empty_label=_("all"))
    status = filters.ChoiceFilter(choices=RunStatus.choices, label=_("Status"), empty_label=_("all"))
    created_from = filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("From"), widget=DATE)
    created_to = filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("to"), widget=DATE)


class RunIssueFilter(filters.FilterSet):
    q = SearchFilter(fields=("object_ref", "reason", "code"))
    severity = filters.ChoiceFilter(choices=(("warning", _("warning")), ("error", _("error"))), label=_("Severity"), empty_label=_("all"))


class ReportFilter(filters.FilterSet):
    """Date range defaults to the last 30 days (the view fills it in when absent)."""

    day_from = filters.DateFilter(field_name="day", lookup_expr="gte", label=_("From"), widget=DATE)
    day_to = filters.DateFilter(field_name="day", lookup_expr="lte", label=_("to"), widget=DATE)
    channel = filters.ModelChoiceFilter(queryset=_channels, label=_("Channel"), empty_label=_("all"))
