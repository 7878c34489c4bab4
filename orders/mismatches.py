"""Orders the channel has that the POS lacks, or holds with an older status."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import IsNull

from orders.models import CanonicalStatus, Order, OrderLine, RemoteOrder


def _scope(channel_ids):
    qs = RemoteOrder.objects.all()
    return qs if channel_ids is None else qs.filter(channel_id__in=list(channel_ids))


def missing_orders(channel_ids=None) -> QuerySet[RemoteOrder]:
    pos = Order.objects.filter(channel_id=OuterRef("channel_id"), external_id=OuterRef("external_id"))
    return _scope(channel_ids).filter(~Exists(pos))


def wrong_status_orders(channel_ids=None) -> QuerySet[RemoteOrder]:
    """Remote orders whose newer channel status differs from the POS copy's."""
    pos = Order.objects.filter(channel_id=OuterRef("channel_id"), external_id=OuterRef("external_id"))
    return (
        _scope(channel_ids)
        .annotate(
            pos_status=Subquery(pos.values("status")[:1]),
            pos_raw_status=Subquery(pos.values("raw_status")[:1]),
            pos_updated_at=Subquery(pos.values("channel_updated_at")[:1]),
        )
        .filter(pos_status__isnull=False, channel_updated_at__gte=F("pos_updated_at"))
        .exclude(status=F("pos_status"))
    )


def is_missing() -> Exists:
    """A remote order's condition for missing_orders(), usable inside one larger filter."""
    return ~Exists(Order.objects.filter(channel_id=OuterRef("channel_id"), external_id=OuterRef("external_id")))


def has_wrong_status() -> Exists:
    """A remote order's condition for wrong_status_orders() (the POS copy is older and says otherwise)."""
    pos = Order.objects.filter(channel_id=OuterRef("channel_id"), external_id=OuterRef("external_id"))
    return Exists(pos.filter(channel_updated_at__lte=OuterRef("channel_updated_at")).exclude(status=OuterRef("status")))


def has_unknown_status() -> Q:
    """A remote order's condition: the channel's status for it, or the POS copy or one of its lines, is unknown.

    Such an order is kept with its units held until staff map the raw status
    for the channel; it stays on the mismatched-orders page until then.
    """
    # Two EXISTS, not one over orders LEFT JOIN lines with an OR: each is then one index probe (the POS copy by
    # channel and order id; its lines by order) that stops at the first row, instead of joining every line of
    # the copy before testing the OR.
    unknown = CanonicalStatus.UNKNOWN
    pos = Order.objects.filter(channel_id=OuterRef("channel_id"), external_id=OuterRef("external_id"), status=unknown)
    lines = OrderLine.objects.filter(order__channel_id=OuterRef("channel_id"), order__external_id=OuterRef("external_id"),
                                     status=unknown)
    return Q(status=unknown) | Q(Exists(pos)) | Q(Exists(lines))


def is_missing_probe() -> IsNull:
    """is_missing() as a probe per row: the POS copy's id by its unique key, absent.

    For a list that walks its sort's index until a page is full (a few
    thousand remote orders at most): NOT EXISTS inside an OR is planned as a
    hashed subplan, which reads every POS order before the first row (half a
    second at a million); a scalar subquery never is.
    """
    pos = Order.objects.filter(channel_id=OuterRef("channel_id"), external_id=OuterRef("external_id")).order_by()
    return IsNull(Subquery(pos.values("pk")[:1]), True)


def has_unknown_status_probe() -> Q:
    """has_unknown_status() with its lines' part as a probe per row (see is_missing_probe): the hashed form reads
    every order line for the few unknown ones unless an index holds them."""
    unknown = CanonicalStatus.UNKNOWN
    pos = Order.objects.filter(channel_id=OuterRef("channel_id"), external_id=OuterRef("external_id"), status=unknown)
    lines = OrderLine.objects.filter(order__channel_id=OuterRef("channel_id"), order__external_id=OuterRef("external_id"),
                                     status=unknown).order_by()
    return Q(status=unknown) | Q(Exists(pos)) | Q(IsNull(Subquery(lines.values("pk")[:1]), False))


def unknown_status_orders(channel_ids=None) -> QuerySet[RemoteOrder]:
    return _scope(channel_ids).filter(has_unknown_status())


def missing_summary(channel) -> tuple[int, datetime | None]:
    """(how many orders the channel has that the POS lacks, the channel time of the oldest): one pass."""
    found = missing_orders([channel.pk]).order_by().aggregate(n=Count("pk"), oldest=Min("channel_updated_at"))
    return found["n"], found["oldest"]


def wrong_status_count(channel) -> int:
    """How many wrong_status_orders() the channel has, as one semi-join (the list's per-row subqueries, which show
    the POS copy's status, cost three index probes a row: 100 ms for 5,000 orders on PostgreSQL)."""
    return _scope([channel.pk]).filter(has_wrong_status()).count()


def unknown_status_count(channel) -> int:
    return unknown_status_orders([channel.pk]).count()


def order_counts_store(channel, **extra) -> dict:
    """Recount the channel's missing (and since when), wrong-status and unknown-status orders and its unmapped lines
    onto its card fields, which the dashboard reads as they are (no count of a big table when a page is shown)."""
    from channels_app.models import Channel
    from orders.selectors import returns_awaiting_q

    missing, oldest = missing_summary(channel)
    fields = {"orders_missing": missing, "orders_missing_since": oldest,
              "orders_wrong_status": wrong_status_count(channel), "orders_unknown_status": unknown_status_count(channel),
              "order_lines_unmapped": OrderLine.objects.filter(order__channel_id=channel.pk, sku__isnull=True).count(),
              "returns_awaiting_receipt": OrderLine.objects.filter(returns_awaiting_q(), order__channel_id=channel.pk).count(), **extra}
    Channel.objects.filter(pk=channel.pk).update(**fields)
    for k, v in fields.items():
        setattr(channel, k, v)
    return fields
