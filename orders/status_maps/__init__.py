"""Raw channel statuses → the six canonical statuses of DESIGN.md section 3.

An unknown raw status is an error the caller records: guessing would post the
wrong stock effect silently.
"""

from __future__ import annotations

from orders.models import CanonicalStatus
from orders.status_maps import lazada, shopee, tiktok, woocommerce

MAPS: dict[str, dict[str, str]] = {
    "shopee": shopee.STATUS_MAP,
    "tiktok": tiktok.STATUS_MAP,
    "lazada": lazada.STATUS_MAP,
    "woocommerce": woocommerce.STATUS_MAP,
}

# How far an order has gone; used to combine per-item statuses and break ties.
RANK = {
    CanonicalStatus.UNPAID: 0,
    CanonicalStatus.TO_SHIP: 1,
    CanonicalStatus.CANCELLED: 2,
    CanonicalStatus.SHIPPED: 3,
    CanonicalStatus.COMPLETED: 4,
    CanonicalStatus.RETURNED: 5,
}


class UnknownStatus(ValueError):
    def __init__(self, platform: str, raw: str):
        self.platform, self.raw = platform, raw
        super().__init__(f"Unknown {platform} order status {raw!r}: add it to orders/status_maps/{platform}.py")


def canonical_status(platform: str, raw: str) -> str:
    """Map one raw status; a comma-joined list (Lazada's per-item statuses) is combined.

    Combining: cancelled items are ignored unless every item is cancelled; of
    the rest, the least advanced status describes the order.
    """
    try:
        table = MAPS[platform]
    except KeyError:
        raise ValueError(f"Unknown platform {platform!r}") from None
    parts = [p.strip() for p in (raw or "").split(",") if p.strip()] if platform == "lazada" else [(raw or "").strip()]
    if not parts or not parts[0]:
        raise UnknownStatus(platform, raw)
    mapped = []
    for part in parts:
        key = part.lower() if platform in ("lazada", "woocommerce") else part.upper()
        if key not in table:
            raise UnknownStatus(platform, part)
        mapped.append(table[key])
    live = [s for s in mapped if s != CanonicalStatus.CANCELLED]
    if not live:
        return CanonicalStatus.CANCELLED
    return min(live, key=RANK.__getitem__)
