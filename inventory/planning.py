"""The Update Inventory plan: which listings to push, which to hold back, and why."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from inventory.models import WarehouseLink
from inventory.targets import listings_with_targets, mapped_listings


@dataclass(frozen=True, slots=True)
class PlannedPush:
    listing_id: int
    item_id: str
    variant_id: str
    seller_sku: str
    sku_code: str
    current: int | None
    target: int
    action: str  # "push" | "hold"
    reason: str
    #: Every marketplace warehouse of the listing with the quantity to set, when the channel links warehouses.
    warehouses: tuple[tuple[str, int], ...] = ()


def warehouse_quantities(channel) -> dict[int, tuple[tuple[str, int], ...]]:
    """Per mapped listing, the quantity for each of its marketplace warehouses ({} for a channel without links).

    A warehouse linked to a POS location gets the target computed there (the
    same formula as every target, one query per linked location); one not
    linked keeps what the channel last showed, so naming it (as TikTok and
    Shopee require) changes nothing there. A listing whose warehouses were
    never read gets the linked ones.
    """
    links = dict(WarehouseLink.objects.filter(channel=channel).values_list("warehouse_id", "location_id"))
    if not links:
        return {}
    targets: dict[int, dict[int, int]] = {}
    read: dict[int, dict] = {}
    for location_id in set(links.values()):
        rows = list(listings_with_targets(mapped_listings(channel), location_id=location_id).values_list("pk", "target", "warehouse_stock"))
        targets[location_id] = {pk: target for pk, target, _ws in rows}
        read = {pk: ws or {} for pk, _target, ws in rows}
    return {
        pk: tuple((wid, targets[links[wid]].get(pk, 0)) if wid in links else (wid, int(last[wid])) for wid in (sorted(last) or sorted(links)))
        for pk, last in read.items()
    }


def inventory_plan(channel, *, force: bool = False) -> list[PlannedPush]:
    """Listings whose channel stock differs from the target (all mapped ones with `force`).

    While the channel has orders not yet imported, increases are held back:
    raising stock the channel has already sold is how overselling starts.
    """
    rows = listings_with_targets(mapped_listings(channel)).order_by("pk").values_list(
        "pk", "external_item_id", "external_variant_id", "seller_sku", "sku__code", "channel_stock", "target", "warehouse_stock"
    )
    per_warehouse = warehouse_quantities(channel)
    plan = []
    for pk, item_id, variant_id, seller_sku, sku_code, current, target, read in rows.iterator(chunk_size=2000):
        warehouses = per_warehouse.get(pk, ())
        differs = any((read or {}).get(wid) != qty for wid, qty in warehouses)
        if not force and current is not None and current == target and not differs:
            continue
        if channel.orders_missing and (current is None or target > current):
            reason = _(
                "Held back: %(n)s order(s) on the channel are not imported yet, and raising stock now could oversell. "
                "Download Orders first."
            ) % {"n": channel.orders_missing}
            plan.append(PlannedPush(pk, item_id, variant_id, seller_sku, sku_code, current, target, "hold", reason, warehouses))
            continue
        reason = _("channel shows %(current)s, POS target is %(target)s") % {"current": "—" if current is None else current, "target": target}
        plan.append(PlannedPush(pk, item_id, variant_id, seller_sku, sku_code, current, target, "push", reason, warehouses))
    return plan
