"""Keeping the Listing table in step with what a channel lists."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models.functions import Upper
from django.utils import timezone

from channels_app.adapters.types import ChannelListing
from inventory.models import Listing, Sku, WarehouseLink
from inventory.services.ledger import rows_update

UPDATE_FIELDS = ("seller_sku", "title", "sku", "gone", "channel_stock", "channel_stock_read_at", "seen_at", "warehouse_stock", "held_stock")


def _home_warehouses(channel) -> set[str]:
    """The marketplace warehouses linked to the channel's own POS location (empty: no links)."""
    return set(WarehouseLink.objects.filter(channel=channel, location_id=channel.location_id).values_list("warehouse_id", flat=True))


def channel_stock_of(item: ChannelListing, home: set[str]) -> int | None:
    """The figure compared with the listing's target: the stock in the warehouses behind the channel's location
    when the channel links warehouses, else the sellable stock the channel shows."""
    if home and item.warehouse_stock:
        shown = [qty for wid, qty in item.warehouse_stock if wid in home]
        if shown:
            return sum(shown)
    return item.stock


def listings_upsert(channel, items: Sequence[ChannelListing], *, seen_at=None) -> tuple[int, int]:
    """Insert or refresh a chunk of listings and map them to SKUs by seller SKU code.

    Mapping is by code, trimmed and case-insensitive; a listing keeps its SKU
    while its seller SKU code is unchanged, so a manual mapping made in the
    admin survives later scans. Returns (created, updated).
    """
    seen_at = seen_at or timezone.now()
    home = _home_warehouses(channel)
    unique = {(i.item_id, i.variant_id): i for i in items}
    codes = {i.seller_sku.strip().upper() for i in unique.values() if i.seller_sku.strip()}
    by_code = dict(Sku.objects.annotate(u=Upper("code")).filter(u__in=codes, active=True).values_list("u", "pk")) if codes else {}
    with transaction.atomic():
        existing = {
            (item_id, variant_id): (pk, seller_sku, sku_id, title)
            for pk, item_id, variant_id, seller_sku, sku_id, title in Listing.objects.select_for_update().filter(
                channel=channel, external_item_id__in={k[0] for k in unique}
            ).values_list("pk", "external_item_id", "external_variant_id", "seller_sku", "sku_id", "title")
        }
        create, update = [], []
        for key, item in unique.items():
            code = item.seller_sku.strip()
            sku_id = by_code.get(code.upper())
            row = existing.get(key)
            if row is None:
                create.append(Listing(
                    channel=channel, external_item_id=key[0][:64], external_variant_id=key[1][:64], seller_sku=code[:100],
                    title=item.title[:255], sku_id=sku_id, channel_stock=channel_stock_of(item, home), channel_stock_read_at=seen_at,
                    seen_at=seen_at, warehouse_stock=dict(item.warehouse_stock), held_stock=item.held,
                ))
                continue
            pk, old_code, old_sku_id, old_title = row
            update.append((
                pk, code[:100], item.title[:255] or old_title, old_sku_id if old_code == code and old_sku_id is not None else sku_id,
                False, channel_stock_of(item, home), seen_at, seen_at, dict(item.warehouse_stock), item.held,
            ))
        if create:
            Listing.objects.bulk_create(create, ignore_conflicts=True)
        listings_write(UPDATE_FIELDS, update)
    return len(create), len(update)


#: What a reading of a known listing refreshes (`listings_stock_write`).
STOCK_FIELDS = ("gone", "channel_stock", "channel_stock_read_at", "seen_at", "warehouse_stock", "held_stock")


def listings_stock_write(channel, rows: Sequence[tuple[int, ChannelListing, tuple]], also: Sequence[str] = (), *,
                         seen_at=None) -> None:
    """Store the stock a reading shows on listings known by primary key: rows of (pk, listing read, values of
    `also`), one UPDATE per thousand rows.

    For a push's read-back, which reads back the listings it has just pushed
    by their ids: their seller SKU, and so their mapping, are the ones the
    push was planned with (the caller checks), so the SKU lookup and row
    locks of `listings_upsert` are not needed; `also` writes the push's own
    record in the same statement.
    """
    seen_at = seen_at or timezone.now()
    home = _home_warehouses(channel)
    listings_write((*STOCK_FIELDS, *also), [
        (pk, False, channel_stock_of(item, home), seen_at, seen_at, dict(item.warehouse_stock), item.held, *extra)
        for pk, item, extra in rows
    ])


def listings_write(fields: Sequence[str], rows: Sequence[tuple]) -> None:
    """Write (pk, *values in `fields` order) rows to their listings: one UPDATE … FROM a list per thousand rows.

    Scans and pushes write a chunk of listings between two rounds of requests,
    so this is time no request is in flight; the ORM's bulk_update (a CASE
    per field and row) takes seconds for a chunk of 500.
    """
    if rows and not rows_update(Listing, fields, rows):
        names = [Listing._meta.get_field(f).attname for f in fields]
        Listing.objects.bulk_update([Listing(pk=r[0], **dict(zip(names, r[1:], strict=True))) for r in rows], list(fields))


def listings_mark_gone(channel, scan_started) -> int:
    """After a full scan: listings it did not see are gone from the channel."""
    return Listing.objects.filter(channel=channel, gone=False).exclude(seen_at__gte=scan_started).update(gone=True)


def listings_not_in_pos_count(channel) -> int:
    return Listing.objects.filter(channel=channel, gone=False, sku__isnull=True).count()
