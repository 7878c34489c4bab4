"""A small hand-written model of what an order does to stock, for tests to compare the code against.

Written from DESIGN.md section 3 and the platforms' status meanings, on purpose
without importing `orders.status_maps` or `orders.effects`: a test that takes
its expected figures from the code under test agrees with any mistake in it.
When the design changes, change this file by hand.
"""

from __future__ import annotations

# What one unit of an order line does to the POS, per canonical status: (allocated, deducted from on hand).
# `unpaid` allocates only when the channel counts unpaid orders (settled in `unit_effect`). `returned` stays
# deducted until staff receive the parcel; `cancelled` after the POS had deducted the units (a failed delivery)
# stays deducted too (settled in `effect_after`).
UNIT_EFFECT = {
    "unpaid": (1, 0),
    "to_ship": (1, 0),
    "shipped": (0, 1),
    "completed": (0, 1),
    "cancelled": (0, 0),
    "returned": (0, 1),
}

# How far an order has gone: an update at the same time as the recorded one wins only if it went further.
STAGE = {"unpaid": 0, "to_ship": 1, "cancelled": 2, "shipped": 3, "completed": 4, "returned": 5}

# The raw statuses the tests' marketplaces play (sandbox/flows.py), by what they mean for the shop.
RAW = {
    "shopee": {
        "UNPAID": "unpaid",
        "READY_TO_SHIP": "to_ship", "PROCESSED": "to_ship", "RETRY_SHIP": "to_ship",
        "IN_CANCEL": "to_ship",  # the buyer asked to cancel; the seller may still refuse
        "SHIPPED": "shipped", "TO_CONFIRM_RECEIVE": "shipped",
        "COMPLETED": "completed",
        "CANCELLED": "cancelled",
        "TO_RETURN": "returned",
    },
    "tiktok": {
        "UNPAID": "unpaid",
        "ON_HOLD": "to_ship", "AWAITING_SHIPMENT": "to_ship", "PARTIALLY_SHIPPING": "to_ship",
        "AWAITING_COLLECTION": "to_ship",
        "IN_TRANSIT": "shipped",
        "DELIVERED": "completed", "COMPLETED": "completed",
        "CANCELLED": "cancelled",
    },
    "lazada": {
        "unpaid": "unpaid",
        "pending": "to_ship", "packed": "to_ship", "repacked": "to_ship", "ready_to_ship": "to_ship",
        "ready_to_ship_pending": "to_ship",
        "shipping": "shipped", "shipped": "shipped",
        "failed_delivery": "shipped",  # the courier still has the parcel and may try again
        "delivered": "completed",
        "failed": "returned", "returned": "returned", "shipped_back": "returned", "shipped_back_success": "returned",
        "shipped_back_failed": "returned", "package_scrapped": "returned", "lost": "returned",
        "lost_by_3pl": "returned", "damaged_by_3pl": "returned",
        "canceled": "cancelled",
    },
    "woocommerce": {
        "pending": "unpaid",
        "on-hold": "to_ship", "processing": "to_ship",
        "completed": "completed",
        "cancelled": "cancelled", "failed": "cancelled", "trash": "cancelled",
        "refunded": "returned",
    },
}


def status_of(platform: str, raw: str) -> str:
    """The canonical status of a raw one; Lazada joins its items' statuses with commas.

    Of several items, cancelled ones do not count unless all are cancelled, and
    the least advanced of the rest describes the order.
    """
    parts = [p.strip() for p in raw.split(",") if p.strip()] if platform == "lazada" else [raw.strip()]
    try:
        statuses = [RAW[platform][p.lower() if platform in ("lazada", "woocommerce") else p.upper()] for p in parts]
    except KeyError as exc:
        raise AssertionError(f"the test model does not know the {platform} status {exc}; add it to tests/models_of_truth.py") from None
    live = [s for s in statuses if s != "cancelled"]
    return min(live, key=STAGE.__getitem__) if live else "cancelled"


def unit_effect(status: str, *, count_unpaid: bool = True) -> tuple[int, int]:
    """(allocated, deducted) for one unit of a line in `status`, under the channel's setting, before any receipt."""
    if status == "unpaid" and not count_unpaid:
        return (0, 0)
    return UNIT_EFFECT[status]


def effect_after(applied: list[str], *, count_unpaid: bool = True) -> tuple[int, int]:
    """(allocated, deducted) per unit after the POS applied these statuses in turn: a cancellation that
    reaches a line whose units had already left keeps them deducted (the parcel is on its way back)."""
    effect = (0, 0)
    for status in applied:
        if status == "cancelled" and effect[1]:
            effect = (0, effect[1])
        else:
            effect = unit_effect(status, count_unpaid=count_unpaid)
    return effect


def expand(bundles: dict[str, dict[str, int]], code: str, units: int) -> dict[str, int]:
    """The units of each SKU that `units` of `code` move: a bundle's components (units × units per bundle), else itself.

    `bundles` is {bundle code: {component code: units per bundle}}, written by
    the test; a bundle never holds stock of its own and never nests.
    """
    parts = bundles.get(code)
    return {component: units * per for component, per in parts.items()} if parts else {code: units}
