"""The alerts page and its Acknowledge button. Views only translate."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from alerts import selectors
from alerts.filters import AlertFilter
from alerts.services import alert_acknowledge
from alerts.tables import AlertTable, ReadOnlyAlertTable
from omnisync.lib.listview import FilteredTableView

ACKNOWLEDGE = "alerts.acknowledge_alert"


class AlertsView(FilteredTableView):
    title = _("Alerts")
    table_class = AlertTable
    filterset_class = AlertFilter
    template_name = "alerts/alerts.html"
    partial_template_name = "alerts/includes/alerts_partial.html"
    results_id = "alert-results"
    csv_filename = "alerts.csv"

    def get_table_class(self, filters):
        return AlertTable if self.request.user.has_perm(ACKNOWLEDGE) else ReadOnlyAlertTable

    def get_queryset(self, filters):
        return selectors.alerts_list(filters.get("state") or None)


@require_GET
def alerts_banner(request):
    """The banner's content, fetched by every page after it loaded."""
    return render(request, "alerts/includes/banner.html", {"count": selectors.alerts_unacknowledged_count()})


@require_POST
def alert_acknowledge_view(request, pk: int):
    """Acknowledge, then answer htmx with the list as the page showed it (its filters are in the page's address)."""
    if not request.user.has_perm(ACKNOWLEDGE):
        raise PermissionDenied
    alert_acknowledge(pk, request.user)
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return redirect("alerts")
    request.GET = QueryDict(urlsplit(htmx.current_url or "").query)
    request.method = "GET"
    return AlertsView.as_view()(request)
