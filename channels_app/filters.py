"""Filters of the runs list and of a run's issues."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from channels_app.models import RunIssue, RunKind, RunStatus, SyncRun
from channels_app.selectors import channel_choices
from omnisync.lib.filters import DATE, FilterSet, SearchFilter


def channels(request):
    """The channel choices of every list's filter form (a callable, so the form reads them per request)."""
    return channel_choices()


class RunFilter(FilterSet):
    channel = filters.ModelChoiceFilter(queryset=channels, label=_("Channel"), empty_label=_("all"))
    kind = filters.ChoiceFilter(choices=RunKind.choices, label=_("Kind"), empty_label=_("all"))
    status = filters.ChoiceFilter(choices=RunStatus.choices, label=_("Status"), empty_label=_("all"))
    created_from = filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("From"), widget=DATE)
    created_to = filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("to"), widget=DATE)

    class Meta(FilterSet.Meta):
        model = SyncRun
        fields = ()


class RunIssueFilter(FilterSet):
    q = SearchFilter(fields=("object_ref", "reason", "code"))
    severity = filters.ChoiceFilter(choices=(("warning", _("warning")), ("error", _("error"))), label=_("Severity"), empty_label=_("all"))

    class Meta(FilterSet.Meta):
        model = RunIssue
        fields = ()
