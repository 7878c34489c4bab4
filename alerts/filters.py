"""The alerts page's filters."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from alerts.models import Alert, AlertKind, Severity
from channels_app.filters import channels
from omnisync.lib.filters import FilterSet, SelectorChoice

STATE_CHOICES = (("open", _("open")), ("resolved", _("resolved in the last 7 days")))


class AlertFilter(FilterSet):
    state = SelectorChoice(choices=STATE_CHOICES, label=_("State"), empty_label=_("open and recently resolved"))
    kind = filters.ChoiceFilter(choices=AlertKind.choices, label=_("Kind"), empty_label=_("all"))
    severity = filters.ChoiceFilter(choices=Severity.choices, label=_("Severity"), empty_label=_("all"))
    channel = filters.ModelChoiceFilter(queryset=channels, label=_("Channel"), empty_label=_("all"))

    class Meta(FilterSet.Meta):
        model = Alert
        fields = ()
