"""Dashboard pages. Views only translate: parse, check access, call one selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from channels_app import selectors as run_selectors
from channels_app.filters import RunFilter, RunIssueFilter
from channels_app.models import Channel, RunKind, SyncRun
from channels_app.runs import run_request
from channels_app.selectors import channel_choices
from channels_app.tables import RunIssueTable, RunTable
from inventory import selectors as inventory_selectors
from inventory.filters import LISTING_TAB_CHOICES, DiscrepancyFilter, ListingFilter
from inventory.planning import inventory_plan
from inventory.tables import LISTING_TABLES, DiscrepancyTable, MappedListingTable
from omnisync.dashboard import selectors
from omnisync.dashboard.chart import report_chart_svg
from omnisync.dashboard.forms import DownloadOrdersForm, JobForm
from omnisync.lib.listview import FilteredTableView
from omnisync.report_list import ReportFilter, ReportTable, report_rows
from omnisync.routine import routine_request
from orders import selectors as order_selectors
from orders.filters import MismatchFilter, OrderFilter
from orders.models import Order
from orders.tables import MismatchTable, OrderTable

RUN_JOBS = "channels_app.run_jobs"


def _require_run_jobs(request) -> None:
    if not request.user.has_perm(RUN_JOBS):
        raise PermissionDenied


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


# --- dashboard and buttons ----------------------------------------------------

def dashboard(request):
    cards = selectors.dashboard_cards()
    can_run = request.user.has_perm(RUN_JOBS)
    for card in cards:
        card.download_form = DownloadOrdersForm(initial={"channel": card.channel.pk}, auto_id=f"dl{card.channel.pk}-%s") if can_run else None
    steps = selectors.setup_checklist()
    setup = None if all(step.done for step in steps) else steps
    return render(request, "dashboard/index.html", {"cards": cards, "can_run": can_run, "setup": setup})


def channel_stats(request, pk: int):
    cards = selectors.dashboard_cards([pk])
    if not cards:
        raise Http404
    return render(request, "dashboard/includes/channel_stats.html", {"card": cards[0]})


def _run_response(request, run: SyncRun, template="dashboard/includes/run_progress.html", context=None):
    if not _is_htmx(request):
        return redirect("run_detail", pk=run.pk)
    return render(request, template, {"run": run, **(context or {})})


@require_POST
def job_start(request):
    _require_run_jobs(request)
    form = JobForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("That job cannot be started: %(errors)s") % {"errors": form.errors.as_text()}, status=400)
    channel, kind = form.cleaned_data["channel"], form.cleaned_data["kind"]
    if kind == RunKind.ROUTINE:
        [(run, _created)] = routine_request([channel], user=request.user)
    else:
        run, _created = run_request(channel, kind, params=form.params(), user=request.user)
    return _run_response(request, run)


@require_POST
def routine_all_start(request):
    """Run routine on every active channel: one plan, step by step across them (see omnisync.routine)."""
    _require_run_jobs(request)
    results = routine_request(list(Channel.objects.filter(active=True).order_by("name")), user=request.user)
    started = sum(created for _run, created in results)
    messages.success(request, ngettext(
        "The routine started on %(n)s channel: scan, then download orders, then update inventory.",
        "The routine started on %(n)s channels: every channel is scanned, then every channel's orders are downloaded, then stock is pushed.",
        started) % {"n": started})
    return redirect("dashboard")


def download_start(request):
    """GET shows the Download Orders form for one channel; POST validates the range and starts the run."""
    _require_run_jobs(request)
    channel_id = request.POST.get("channel") or request.GET.get("channel")
    channel = get_object_or_404(Channel, pk=channel_id) if channel_id and str(channel_id).isdigit() else None
    auto_id = f"dl{channel.pk}-%s" if channel else "id_%s"
    if request.method != "POST" or channel is None:
        form = DownloadOrdersForm(initial={"channel": channel.pk if channel else None}, auto_id=auto_id)
        return render(request, "dashboard/download.html", {"form": form, "channel": channel})
    form = DownloadOrdersForm(request.POST, auto_id=auto_id)
    template = "dashboard/includes/download_form.html" if _is_htmx(request) else "dashboard/download.html"
    if not form.is_valid():
        return render(request, template, {"form": form, "channel": channel}, status=200 if _is_htmx(request) else 400)
    run, _created = run_request(channel, RunKind.DOWNLOAD_ORDERS, params=form.params(), user=request.user)
    if not _is_htmx(request):
        return redirect("run_detail", pk=run.pk)
    fresh = DownloadOrdersForm(initial={"channel": channel.pk}, auto_id=auto_id)
    return render(request, template, {"form": fresh, "channel": channel, "run": run})


def run_progress(request, pk: int):
    run = get_object_or_404(SyncRun.objects.select_related("channel"), pk=pk)
    response = render(request, "dashboard/includes/run_progress.html", {"run": run})
    if not run.is_active and _is_htmx(request):
        # Tells the channel cards on the page to refresh their counts.
        response["HX-Trigger"] = "run-finished"
    return response


def inventory_preview(request, pk: int):
    """The dry-run plan of Update Inventory: what would be pushed or held back, before anything is pushed."""
    channel = get_object_or_404(Channel.objects.select_related("location"), pk=pk)
    force = request.GET.get("force") == "1"
    plan = inventory_plan(channel, force=force)
    pushes = sum(1 for p in plan if p.action == "push")
    return render(request, "dashboard/preview.html", {
        "channel": channel, "plan": plan[:1000], "plan_size": len(plan), "pushes": pushes,
        "holds": len(plan) - pushes, "force": force, "can_run": request.user.has_perm(RUN_JOBS),
    })


def order_detail(request, pk: int):
    try:
        detail = order_selectors.order_detail(pk)
    except Order.DoesNotExist:
        raise Http404 from None
    return render(request, "dashboard/order_detail.html", {"d": detail})


# --- lists: each declares its selector, filterset and table (omnisync.lib.listview does the rest) ------

class MismatchesView(FilteredTableView):
    title = _("Mismatched orders")
    table_class = MismatchTable
    filterset_class = MismatchFilter
    template_name = "dashboard/mismatches.html"
    csv_filename = "mismatched-orders.csv"

    def get_queryset(self, filters):
        return order_selectors.mismatched_orders(kind=filters.get("kind") or None)

    def get_context_data(self, **kwargs):
        chosen = kwargs["filter"].form.cleaned_data.get("channel")
        return {
            **super().get_context_data(**kwargs),
            "download_channels": list(chosen) if chosen else channel_choices(),
            "can_run": self.request.user.has_perm(RUN_JOBS),
        }


class OrdersView(FilteredTableView):
    title = _("Orders")
    table_class = OrderTable
    filterset_class = OrderFilter
    csv_filename = "orders.csv"

    def get_queryset(self, filters):
        return order_selectors.orders_list()


class DiscrepanciesView(FilteredTableView):
    title = _("Stock discrepancies")
    table_class = DiscrepancyTable
    filterset_class = DiscrepancyFilter
    template_name = "dashboard/discrepancies.html"
    csv_filename = "stock-discrepancies.csv"

    def get_queryset(self, filters):
        return inventory_selectors.stock_discrepancies()

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "channels": channel_choices()}


class ListingsView(FilteredTableView):
    title = _("Listings")
    filterset_class = ListingFilter
    template_name = "dashboard/listings.html"
    csv_filename = "listings.csv"

    def get_table_class(self, filters):
        return LISTING_TABLES.get(filters.get("tab") or "", MappedListingTable)

    def get_queryset(self, filters):
        channel = filters.get("channel")
        return inventory_selectors.listings_tab(filters.get("tab") or None, channel.pk if channel else None)

    def get_context_data(self, **kwargs):
        tab = kwargs["filter"].form.cleaned_data.get("tab") or LISTING_TAB_CHOICES[0][0]
        return {**super().get_context_data(**kwargs), "tabs": LISTING_TAB_CHOICES, "tab": tab}


class RunsView(FilteredTableView):
    title = _("Runs")
    table_class = RunTable
    filterset_class = RunFilter
    csv_filename = "runs.csv"

    def get_queryset(self, filters):
        return run_selectors.runs_list()


class RunDetailView(FilteredTableView):
    """The run's progress and counts on top; its issues are the list."""

    table_class = RunIssueTable
    filterset_class = RunIssueFilter
    template_name = "dashboard/run_detail.html"
    csv_filename = "run-issues.csv"

    def dispatch(self, request, *args, **kwargs):
        try:
            self.run = run_selectors.run_get(kwargs["pk"])
        except SyncRun.DoesNotExist:
            raise Http404 from None
        return super().dispatch(request, *args, **kwargs)

    @property
    def title(self):
        return f"{self.run.get_kind_display()} · {self.run.channel} · #{self.run.pk}"

    def get_queryset(self, filters):
        return run_selectors.run_issues(self.run.pk)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "run": self.run}


class ReportView(FilteredTableView):
    title = _("Daily discrepancy report")
    table_class = ReportTable
    filterset_class = ReportFilter
    template_name = "dashboard/report.html"
    summary_template_name = "dashboard/includes/report_chart.html"
    csv_filename = "daily-report.csv"
    per_page = 100

    def get_queryset(self, filters):
        return report_rows()

    def get_summary(self, queryset, filters):
        bars = selectors.report_chart(queryset, filters.get("day_from"), filters.get("day_to"))
        return {"chart": report_chart_svg(bars)}
