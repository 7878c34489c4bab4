"""What each listing should show on its channel, computed in SQL (DESIGN.md section 4).

    target = clamp(available(sku, channel location) − buffer(channel, today), 0, cap)

A bundle's available is what its components allow: the least, over its
components, of floor(component available / units per bundle).

Annotating the queryset keeps the discrepancy page, the counts and the
Update Inventory plan on one formula, and lets the database do it for tens of
thousands of listings at once.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channels_app.models import SaleEvent
from inventory.bundles import bundle_sku_ids
from inventory.models import BundleComponent, Listing, PushState, StockLevel

INT = IntegerField()


def sale_extra_buffer(today: dt.date, channel_ref: str):
    """Largest extra buffer of the sale events on today for the listing's channel (0 if none): `SalePlan.extra_buffer`."""
    events = SaleEvent.objects.on(today).applying_to(OuterRef(channel_ref)).order_by("-extra_buffer").values("extra_buffer")
    return Coalesce(Subquery(events[:1], output_field=INT), Value(0))


def sale_extra_buffer_by_channel(today: dt.date):
    """sale_extra_buffer as a CASE on the listing's channel, its few values read first (one small query): a
    subquery per listing ran for every row a list page or a plan looks at (issue 13)."""
    from channels_app.models import Channel

    extra = Channel.objects.annotate(extra=sale_extra_buffer(today, "pk")).filter(extra__gt=0).values_list("pk", "extra")
    whens = [When(channel_id=pk, then=Value(value)) for pk, value in extra]
    return Case(*whens, default=Value(0), output_field=INT) if whens else Value(0, output_field=INT)


def bundle_available(location) -> Subquery:
    """A listing's bundle's available stock at `location` (an outer reference or a value), NULL when its SKU is no bundle.

    One small subquery over the bundle's components (an index probe that
    finds nothing for a plain SKU); floor division, so a component short of
    stock counts as short of a whole bundle.
    """
    level = StockLevel.objects.filter(sku_id=OuterRef("component_id"), location_id=location)
    component_available = Coalesce(
        Subquery(level.values(free=ExpressionWrapper(F("on_hand") - F("allocated"), output_field=INT))[:1], output_field=INT),
        Value(0),
    )
    whole = Case(
        When(Q(avail__gte=0), then=F("avail") / F("quantity")),
        default=(F("avail") - F("quantity") + Value(1)) / F("quantity"),
        output_field=INT,
    )
    per_bundle = (
        BundleComponent.objects.filter(bundle_id=OuterRef("sku_id"))
        .annotate(avail=component_available)
        .annotate(whole=whole)
        .order_by("whole")
        .values("whole")
    )
    return Subquery(per_bundle[:1], output_field=INT)


def listings_with_targets(
    queryset: QuerySet[Listing] | None = None, today: dt.date | None = None, *, location_id: int | None = None
) -> QuerySet[Listing]:
    """Annotate available, buffer, target and difference; at the channel's location, or at `location_id`
    (the POS location behind one of the channel's marketplace warehouses)."""
    today = today or timezone.localdate()
    qs = Listing.objects.all() if queryset is None else queryset
    at = Value(location_id) if location_id is not None else F("channel__location_id")
    # A join, not two correlated subqueries: every later reference to `available` (buffer, target,
    # difference, filters) repeats its expression in the SQL, and a subquery there runs once per use.
    qs = qs.annotate(
        channel_level=FilteredRelation("sku__stock_levels", condition=Q(sku__stock_levels__location_id=at))
    )
    available = Coalesce(F("channel_level__on_hand"), Value(0)) - Coalesce(F("channel_level__allocated"), Value(0))
    # The bundles' subquery only where the SKU is one (their ids read first, one small query): evaluated for every
    # listing it took a probe per row, for every use of `available`, although most SKUs are no bundle (issue 13).
    bundle_ids = bundle_sku_ids()
    if bundle_ids:
        per_bundle = bundle_available(OuterRef(OuterRef("channel__location_id")) if location_id is None else Value(location_id))
        available = Coalesce(Case(When(sku_id__in=bundle_ids, then=per_bundle), default=None, output_field=INT), available)
    qs = qs.annotate(available=ExpressionWrapper(available, output_field=INT), extra_buffer=sale_extra_buffer_by_channel(today))
    percent = ExpressionWrapper((Greatest(F("available"), Value(0)) * F("channel__buffer_value") + Value(99)) / Value(100), output_field=INT)
    qs = qs.annotate(
        buffer=ExpressionWrapper(
            Case(When(channel__buffer_kind="percent", then=percent), default=F("channel__buffer_value"), output_field=INT)
            + F("extra_buffer"),
            output_field=INT,
        )
    )
    raw = ExpressionWrapper(F("available") - F("buffer"), output_field=INT)
    qs = qs.annotate(
        target=Greatest(
            Value(0),
            Case(When(channel__stock_cap__isnull=True, then=raw), default=Least(raw, F("channel__stock_cap")), output_field=INT),
            output_field=INT,
        )
    )
    return qs.annotate(difference=ExpressionWrapper(F("channel_stock") - F("target"), output_field=INT))


def mapped_listings(channel) -> QuerySet[Listing]:
    return Listing.objects.filter(channel=channel, sku__isnull=False, gone=False)


def discrepancies(queryset: QuerySet[Listing] | None = None, today: dt.date | None = None) -> QuerySet[Listing]:
    """Mapped listings whose last read channel stock differs from their target."""
    base = Listing.objects.filter(sku__isnull=False, gone=False) if queryset is None else queryset.filter(sku__isnull=False, gone=False)
    return listings_with_targets(base, today).filter(channel_stock__isnull=False).exclude(channel_stock=F("target"))


def discrepancy_count(channel, today: dt.date | None = None) -> int:
    return discrepancies(Listing.objects.filter(channel=channel), today).count()


CAUSES = {
    "orders_not_imported": _("orders not imported yet"),
    "push_failed": _("last push failed"),
    "never_pushed": _("never pushed"),
    "pos_changed": _("POS changed since last push"),
    "changed_on_channel": _("changed on the channel"),
}


def discrepancy_cause_code(listing, orders_missing: int) -> str:
    """The most likely reason a listing's channel stock differs from its target."""
    if orders_missing:
        return "orders_not_imported"
    if listing.last_push_state == PushState.FAILED:
        return "push_failed"
    if listing.last_pushed_at is None:
        return "never_pushed"
    if listing.pushed_target is not None and listing.pushed_target != listing.target:
        return "pos_changed"
    return "changed_on_channel"


def discrepancy_cause(listing, orders_missing: int) -> str:
    return str(CAUSES[discrepancy_cause_code(listing, orders_missing)])
