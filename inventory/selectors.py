"""Reads of listings and stock discrepancies for the pages; each returns a queryset."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery

from inventory.models import Listing, Sku
from inventory.targets import discrepancies, listings_with_targets


def stock_discrepancies() -> QuerySet[Listing]:
    return discrepancies(Listing.objects.select_related("channel", "sku"))


def listings_tab(tab: str | None, channel_id: int | None) -> QuerySet:
    """The rows of one listings tab ("mapped" when ``tab`` is empty), on one channel or all.

    "not_in_channel" lists POS SKUs no live listing sells; the other tabs list listings.
    """
    live = Listing.objects.filter(gone=False)
    if channel_id:
        live = live.filter(channel_id=channel_id)
    if tab == "not_in_channel":
        listed = Listing.objects.filter(gone=False, sku_id=OuterRef("pk"))
        if channel_id:
            listed = listed.filter(channel_id=channel_id)
        return Sku.objects.filter(active=True).filter(~Exists(listed))
    rows = live.select_related("channel", "sku")
    if tab == "not_in_pos":
        return rows.filter(sku__isnull=True)
    if tab == "multiple":
        twins = (
            Listing.objects.filter(gone=False, channel_id=OuterRef("channel_id"), sku_id=OuterRef("sku_id"))
            .values("channel_id", "sku_id").annotate(n=Count("id")).values("n")
        )
        rows = rows.filter(sku__isnull=False).annotate(listed_times=Subquery(twins[:1])).filter(listed_times__gt=1)
        return listings_with_targets(rows)
    return listings_with_targets(rows.filter(sku__isnull=False))
