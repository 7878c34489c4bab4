"""The Returns page: parcels on their way back, and the Receive button that puts their units back in the books.

A returned line (or one cancelled after shipping) keeps its units deducted
until staff say what came back (orders.services.returns). Units received back
to stock raise what the channels may sell, so a receipt is followed by Update
Inventory on the channels selling from that location, as a stock correction is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import django_filters as filters
import django_tables2 as tables
from django.contrib import messages
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from channels_app.filters import channels
from channels_app.models import Channel, Location, RunKind, RunStatus
from channels_app.runs import run_request
from omnisync.dashboard.stock import channels_selling_from
from omnisync.dashboard.views import RUN_JOBS, _require_run_jobs
from omnisync.lib.filters import FilterSet, SearchFilter
from omnisync.lib.listview import FilteredTableView
from omnisync.lib.tables import BaseTable, LocalDateTimeColumn
from orders.models import OrderLine, ReturnCondition
from orders.selectors import returns_awaiting
from orders.services.returns import ReceiveItem, ReceiveResult, not_coming_back, returns_receive


class ReturnsFilter(FilterSet):
    q = SearchFilter(fields=("order__external_id", "seller_sku"), label=gettext_lazy("Order id or SKU"))
    channel = filters.ModelChoiceFilter(field_name="order__channel", queryset=channels, label=gettext_lazy("Channel"),
                                        empty_label=gettext_lazy("all"))

    class Meta(FilterSet.Meta):
        model = OrderLine
        fields = ()


class ReturnsTable(BaseTable):
    channel = tables.Column(verbose_name=gettext_lazy("channel"), accessor="order__channel__name", order_by=("order__channel",))
    order = tables.Column(verbose_name=gettext_lazy("order id"), accessor="order__external_id")
    sku = tables.Column(verbose_name=gettext_lazy("SKU"), accessor="seller_sku")
    channel_status = tables.Column(verbose_name=gettext_lazy("channel status"), accessor="raw_status", orderable=False)
    status_updated_at = LocalDateTimeColumn(verbose_name=gettext_lazy("since"))
    quantity = tables.Column(verbose_name=gettext_lazy("sold"), orderable=False)
    awaiting = tables.Column(verbose_name=gettext_lazy("awaiting receipt"), orderable=False)

    default_sort = ("-status_updated_at",)

    class Meta(BaseTable.Meta):
        model = OrderLine
        fields = ()
        empty_text = gettext_lazy("No returns awaiting receipt. Every returned parcel has been received.")
        row_attrs = {"data-line": lambda record: record.pk}

    def render_order(self, record, value):
        return format_html('<a href="{}">{}</a>', reverse("order_detail", args=[record.order_id]), value)

    def render_channel_status(self, record, value):
        raw = value or record.order.raw_status
        if not_coming_back(record.order.channel.platform, raw):
            return format_html('{} <span class="tag bad" title="{}">{}</span>', raw,
                               _("The courier lost or scrapped the parcel: claim from the marketplace, then close it as not coming back."),
                               _("not coming back"))
        return raw


class ReturnsReceiveTable(ReturnsTable):
    """For staff who may change stock: a tick box per row for Receive selected, and the row's own Receive form."""

    select = tables.Column(verbose_name=gettext_lazy("select"), empty_values=(), orderable=False, exclude_from_export=True)
    receive = tables.Column(verbose_name=gettext_lazy("receive"), empty_values=(), orderable=False, exclude_from_export=True)

    class Meta(ReturnsTable.Meta):
        sequence = ("select", "...", "receive")

    def render_select(self, record):
        return format_html('<input type="checkbox" name="selected" value="{}" aria-label="{}">', record.pk,
                           _("select order %(order)s %(sku)s") % {"order": record.order.external_id, "sku": record.seller_sku})

    def render_receive(self, record):
        lost = not_coming_back(record.order.channel.platform, record.raw_status or record.order.raw_status)
        return render_to_string("dashboard/returns_receive_cell.html", {
            "line": record, "conditions": ReturnCondition.choices,
            "chosen": ReturnCondition.LOST if lost else ReturnCondition.RESTOCK,
        })


@dataclass
class ReceiptOutcome:
    result: ReceiveResult
    queued: list[Channel] = field(default_factory=list)
    already_running: list[Channel] = field(default_factory=list)


def returns_receive_and_push(items: list[ReceiveItem], *, user) -> ReceiptOutcome:
    """Receive, then request Update Inventory where units went back to stock (the queued run reads the new stock)."""
    outcome = ReceiptOutcome(returns_receive(items, user=user))
    restocked = {r.location_id for r in outcome.result.received if r.condition == ReturnCondition.RESTOCK}
    seen = set()
    for location_id in sorted(restocked):
        for channel in channels_selling_from(Location.objects.get(pk=location_id)):
            if channel.pk in seen:
                continue
            seen.add(channel.pk)
            run, _created = run_request(channel, RunKind.UPDATE_INVENTORY, user=user)
            (outcome.queued if run.status == RunStatus.QUEUED else outcome.already_running).append(channel)
    return outcome


def _items(post) -> tuple[list[ReceiveItem], list[str]]:
    """The lines the form asks to receive: the row whose Receive was clicked, or every ticked row."""
    ids = [post["receive"]] if post.get("receive") else post.getlist("selected")
    items, bad = [], []
    for raw in ids:
        try:
            pk = int(raw)
            quantity = int(post.get(f"quantity-{pk}", ""))
            expected = int(post[f"awaiting-{pk}"]) if post.get(f"awaiting-{pk}") else None
        except ValueError:
            bad.append(raw)
            continue
        items.append(ReceiveItem(pk, quantity, post.get(f"condition-{pk}", ""), expected_awaiting=expected))
    return items, bad


def _say(request, outcome: ReceiptOutcome, bad: list[str], asked: int) -> None:
    result = outcome.result
    if not asked and not bad:
        messages.warning(request, _("Tick the lines to receive first."))
    if result.received:
        restocked = sum(r.quantity for r in result.received if r.condition == ReturnCondition.RESTOCK)
        damaged = sum(r.quantity for r in result.received if r.condition == ReturnCondition.DAMAGED)
        lost = sum(r.quantity for r in result.received if r.condition == ReturnCondition.LOST)
        messages.success(request, ngettext(
            "Received %(n)s line: %(restocked)s back to stock, %(damaged)s damaged, %(lost)s not coming back.",
            "Received %(n)s lines: %(restocked)s back to stock, %(damaged)s damaged, %(lost)s not coming back.",
            len(result.received)) % {"n": len(result.received), "restocked": restocked, "damaged": damaged, "lost": lost})
    if result.already:
        messages.info(request, ngettext(
            "%(n)s line had already been received (another click or another person): nothing was posted for it.",
            "%(n)s lines had already been received (another click or another person): nothing was posted for them.",
            len(result.already)) % {"n": len(result.already)})
    for _line, reason in result.refused:
        messages.error(request, reason)
    if bad:
        messages.error(request, _("Enter the number of units received as a whole number."))
    if outcome.queued:
        messages.info(request, _("Update Inventory queued for: %(channels)s.") % {"channels": ", ".join(c.name for c in outcome.queued)})
    if outcome.already_running:
        messages.warning(request, _(
            "Update Inventory was already running for: %(channels)s. It may have read the stock before this change; "
            "run it again when it ends."
        ) % {"channels": ", ".join(c.name for c in outcome.already_running)})


class ReturnsView(FilteredTableView):
    title = gettext_lazy("Returns")
    filterset_class = ReturnsFilter
    template_name = "dashboard/returns.html"
    partial_template_name = "dashboard/returns_partial.html"
    csv_filename = "returns.csv"

    def get_queryset(self, filters):
        return returns_awaiting()

    def get_table_class(self, filters):
        return ReturnsReceiveTable if self.request.user.has_perm(RUN_JOBS) else ReturnsTable

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "can_receive": self.request.user.has_perm(RUN_JOBS)}

    def post(self, request, *args, **kwargs):
        """Receive one line (its row's Receive) or the ticked lines (Receive selected), then show the list again."""
        _require_run_jobs(request)
        items, bad = _items(request.POST)
        outcome = returns_receive_and_push(items, user=request.user) if items else ReceiptOutcome(ReceiveResult())
        _say(request, outcome, bad, len(items))
        if self.wants_partial():
            return self.get(request, *args, **kwargs)
        return redirect(request.get_full_path())
