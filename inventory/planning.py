"""The Update Inventory plan: which listings to push, which to hold back, and why."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

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


def inventory_plan(channel, *, force: bool = False) -> list[PlannedPush]:
    """Listings whose channel stock differs from the target (all mapped ones with `force`).

    While the channel has orders not yet imported, increases are held back:
    raising stock the channel has already sold is how overselling starts.
    """
    rows = listings_with_targets(mapped_listings(channel)).order_by("pk").values_list(
        "pk", "external_item_id", "external_variant_id", "seller_sku", "sku__code", "channel_stock", "target"
    )
    plan = []
    for pk, item_id, variant_id, seller_sku, sku_code, current, target in rows.iterator(chunk_size=2000):
        if not force and current is not None and current == target:
            continue
        if channel.orders_missing and (current is None or target > current):
            reason = _(
                "Held back: %(n)s order(s) on the channel are not imported yet, and raising stock now could oversell. "
                "Download Orders first."
            ) % {"n": channel.orders_missing}
            plan.append(PlannedPush(pk, item_id, variant_id, seller_sku, sku_code, current, target, "hold", reason))
            continue
        reason = _("channel shows %(current)s, POS target is %(target)s") % {"current": "—" if current is None else current, "target": target}
        plan.append(PlannedPush(pk, item_id, variant_id, seller_sku, sku_code, current, target, "push", reason))
    return plan
