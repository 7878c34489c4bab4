"""Orders the channel has that the POS lacks, or holds with an older status."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from orders.models import CanonicalStatus, Order, RemoteOrder


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
    pos = Order.objects.filter(channel_id=OuterRef("channel_id"), external_id=OuterRef("external_id")).filter(
        Q(status=CanonicalStatus.UNKNOWN) | Q(lines__status=CanonicalStatus.UNKNOWN)
    )
    return Q(status=CanonicalStatus.UNKNOWN) | Exists(pos)


def unknown_status_orders(channel_ids=None) -> QuerySet[RemoteOrder]:
    return _scope(channel_ids).filter(has_unknown_status())


def mismatch_counts(channel) -> tuple[int, int]:
    return missing_orders([channel.pk]).count(), wrong_status_orders([channel.pk]).count()


def unknown_status_count(channel) -> int:
    return unknown_status_orders([channel.pk]).count()


def order_counts_store(channel, **extra) -> dict:
    """Recount the channel's missing, wrong-status and unknown-status orders onto its card fields."""
    from channels_app.models import Channel

    missing, wrong = mismatch_counts(channel)
    fields = {"orders_missing": missing, "orders_wrong_status": wrong, "orders_unknown_status": unknown_status_count(channel), **extra}
    Channel.objects.filter(pk=channel.pk).update(**fields)
    for k, v in fields.items():
        setattr(channel, k, v)
    return fields
