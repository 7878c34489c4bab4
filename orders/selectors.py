"""Reads of orders for the pages: the orders list, one order, the mismatched orders."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from inventory.models import StockMovement
from omnisync.lib.format import money
from orders.mismatches import (
    has_unknown_status,
    has_unknown_status_probe,
    has_wrong_status,
    is_missing,
    is_missing_probe,
)
from orders.models import CanonicalStatus, Order, OrderLine, RemoteOrder, ReturnReceipt

#: the kinds of mismatch, as the list's filter and column name them
KIND_LABELS = {"missing": _("missing in POS"), "wrong_status": _("wrong status in POS"), "unknown_status": _("unknown status")}


def mismatched_orders(kind: str | None = None) -> QuerySet[RemoteOrder]:
    """Missing, wrong-status and unknown-status orders (or one ``kind`` of them) as one queryset.

    Which orders count as mismatched is decided by orders.mismatches; this
    only joins the sets and adds the POS side for display, so one table can
    filter, sort and page them.
    """
    # Conditions on each remote order, not `pk IN (missing_orders()) OR pk IN (wrong_status_orders())`,
    # which made the database build both sets over the whole table before the first row. All kinds together,
    # probes per row (is_missing_probe): the page walks its sort's index and most rows it meets are mismatched.
    # One kind alone keeps the set form (an anti-join, an index read of the few unknown rows): its rows are
    # rarer, and a walk would probe most remote orders.
    wrong = has_wrong_status()
    pos = Order.objects.filter(channel_id=OuterRef("channel_id"), external_id=OuterRef("external_id")).order_by()
    scope = {"missing": Q(is_missing()), "wrong_status": Q(wrong), "unknown_status": has_unknown_status()}.get(
        kind, Q(is_missing_probe()) | Q(wrong) | has_unknown_status_probe())
    return (
        RemoteOrder.objects.filter(scope)
        .select_related("channel")
        .annotate(
            pos_id=Subquery(pos.values("pk")[:1]),
            pos_status=Subquery(pos.values("status")[:1]),
            pos_raw_status=Subquery(pos.values("raw_status")[:1]),
        )
        .annotate(kind=Case(
            When(Q(status=CanonicalStatus.UNKNOWN) | Q(pos_status=CanonicalStatus.UNKNOWN), then=Value("unknown_status")),
            When(pos_id__isnull=True, then=Value("missing")),
            When(Q(wrong), then=Value("wrong_status")),
            default=Value("unknown_status"),
        ))
    )


def orders_list() -> QuerySet[Order]:
    """Orders with their number of lines, counted per shown row (a subquery), not by grouping the whole table."""
    lines = OrderLine.objects.filter(order_id=OuterRef("pk")).order_by().values("order_id").annotate(n=Count("*")).values("n")
    return Order.objects.select_related("channel").annotate(line_count=Coalesce(Subquery(lines), 0))


@dataclass
class OrderDetail:
    order: Order
    lines: list
    movements: list[StockMovement]
    remote: RemoteOrder | None

    @property
    def total(self) -> str:
        return money(self.order.total, self.order.currency)


def order_detail(order_id: int) -> OrderDetail:
    """The order, its lines with mapped SKUs, and the ledger rows its lines and their return receipts posted."""
    order = Order.objects.select_related("channel").get(pk=order_id)
    lines = list(order.lines.select_related("sku", "applied_location"))
    for line in lines:
        line.price = money(line.unit_price, order.currency)
    receipts = ReturnReceipt.objects.filter(line__order_id=order.pk).values("pk")
    movements = list(
        StockMovement.objects.filter(Q(ref_type="order_line", ref_id__in=[line.pk for line in lines])
                                     | Q(ref_type="return_receipt", ref_id__in=receipts))
        .select_related("sku", "location")
        .order_by("created_at", "id")
    )
    remote = RemoteOrder.objects.filter(channel_id=order.channel_id, external_id=order.external_id).first()
    return OrderDetail(order=order, lines=lines, movements=movements, remote=remote)


def returns_awaiting_q() -> Q:
    """Lines whose units left with a parcel now coming back (returned, or cancelled after shipping) and not yet received."""
    return (Q(sku__isnull=False) & Q(status__in=(CanonicalStatus.RETURNED, CanonicalStatus.CANCELLED))
            & Q(applied_deducted__gt=F("return_received")))


def returns_awaiting() -> QuerySet[OrderLine]:
    """The Returns page's rows: each line with its order, channel, SKU and the units `awaiting` receipt."""
    return (OrderLine.objects.filter(returns_awaiting_q())
            .select_related("order__channel", "sku", "applied_location")
            .annotate(awaiting=F("applied_deducted") - F("return_received")))
