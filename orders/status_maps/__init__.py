"""Raw channel statuses → the canonical statuses of DESIGN.md section 3.

A raw status no map knows (a status a platform adds, a WooCommerce plugin's
custom one) does not stop the order: it maps to `unknown`, the order is kept
with its lines and raw status and the conservative stock effect (see
`orders.effects`), and staff map the raw status for that channel (a
`StatusOverride`), which wins over the built-in map. Guessing a meaning would
post the wrong stock effect silently; dropping the order would lose it.
"""

from __future__ import annotations

from collections.abc import Mapping

from orders.models import CanonicalStatus
from orders.status_maps import lazada, shopee, shopify, tiktok, woocommerce

MAPS: dict[str, dict[str, str]] = {
    "shopee": shopee.STATUS_MAP,
    "tiktok": tiktok.STATUS_MAP,
    "lazada": lazada.STATUS_MAP,
    "woocommerce": woocommerce.STATUS_MAP,
    "shopify": shopify.STATUS_MAP,
}

# How far an order has gone; used to combine per-item statuses and break ties.
# `unknown` ranks with to_ship: it holds the units like an order still to be shipped.
RANK = {
    CanonicalStatus.UNPAID: 0,
    CanonicalStatus.TO_SHIP: 1,
    CanonicalStatus.UNKNOWN: 1,
    CanonicalStatus.CANCELLED: 2,
    CanonicalStatus.SHIPPED: 3,
    CanonicalStatus.COMPLETED: 4,
    CanonicalStatus.RETURNED: 5,
}

#: Platforms whose order status is the comma-joined distinct statuses of its items.
JOINED = frozenset({"lazada"})


def normalise(platform: str, raw: str) -> str:
    """The spelling a map and a staff mapping are keyed by (platforms differ in case)."""
    text = (raw or "").strip()
    return text.lower() if platform in ("lazada", "woocommerce") else text.upper()


def map_one(platform: str, raw: str, overrides: Mapping[str, str] | None = None) -> str:
    """One raw status: the channel's mapping first, then the platform's map, else `unknown`."""
    try:
        table = MAPS[platform]
    except KeyError:
        raise ValueError(f"Unknown platform {platform!r}") from None
    key = normalise(platform, raw)
    if overrides and key in overrides:
        return overrides[key]
    return table.get(key, CanonicalStatus.UNKNOWN) if key else CanonicalStatus.UNKNOWN


def canonical_status(platform: str, raw: str, overrides: Mapping[str, str] | None = None) -> str:
    """Map one raw status; a comma-joined list (Lazada's per-item statuses) is combined.

    Combining: cancelled items are ignored unless every item is cancelled; an
    unknown item makes the order unknown (staff must see it); of the rest, the
    least advanced status describes the order. `overrides` maps normalised
    raw statuses to canonical ones for one channel (see `channel_overrides`).
    """
    if platform not in MAPS:
        raise ValueError(f"Unknown platform {platform!r}")
    parts = [p for p in (raw or "").split(",") if p.strip()] if platform in JOINED else [raw or ""]
    if not parts:
        return CanonicalStatus.UNKNOWN
    mapped = [map_one(platform, part, overrides) for part in parts]
    if CanonicalStatus.UNKNOWN in mapped:
        return CanonicalStatus.UNKNOWN
    live = [s for s in mapped if s != CanonicalStatus.CANCELLED]
    if not live:
        return CanonicalStatus.CANCELLED
    return min(live, key=RANK.__getitem__)
