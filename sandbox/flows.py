"""Order status flows and stock rules of each platform, as the sandbox plays them.

Stock rules (MARKETPLACES.md): Shopee takes stock when the order is created and
gives it back on CANCELLED (not on TO_RETURN); TikTok and Lazada take at
creation and give back on cancel; WooCommerce takes at processing / on-hold /
completed and gives back at cancelled or pending; Shopify commits the units when
the order is created and restocks them when it is cancelled (a return is not
restocked here: staff restock after inspection).
"""

# status -> successors, the first being the usual next step.
FLOWS = {
    "shopee": {
        "UNPAID": ["READY_TO_SHIP", "CANCELLED", "IN_CANCEL"],
        "READY_TO_SHIP": ["PROCESSED", "IN_CANCEL"],
        "PROCESSED": ["SHIPPED", "IN_CANCEL", "RETRY_SHIP"],
        "RETRY_SHIP": ["SHIPPED"],
        "SHIPPED": ["TO_CONFIRM_RECEIVE"],
        "TO_CONFIRM_RECEIVE": ["COMPLETED", "TO_RETURN"],
        "IN_CANCEL": ["CANCELLED"],
        "COMPLETED": ["TO_RETURN"],
        "CANCELLED": [],
        "TO_RETURN": [],
    },
    "tiktok": {
        "UNPAID": ["ON_HOLD", "CANCELLED"],
        "ON_HOLD": ["AWAITING_SHIPMENT", "CANCELLED"],
        "AWAITING_SHIPMENT": ["AWAITING_COLLECTION", "CANCELLED", "PARTIALLY_SHIPPING"],
        "PARTIALLY_SHIPPING": ["AWAITING_COLLECTION", "CANCELLED"],
        "AWAITING_COLLECTION": ["IN_TRANSIT", "CANCELLED"],
        "IN_TRANSIT": ["DELIVERED"],
        "DELIVERED": ["COMPLETED"],
        "COMPLETED": [],
        "CANCELLED": [],
    },
    "lazada": {
        "unpaid": ["pending", "canceled"],
        "pending": ["packed", "canceled"],
        "packed": ["ready_to_ship", "canceled", "repacked"],
        "repacked": ["ready_to_ship", "canceled"],
        "ready_to_ship": ["shipped", "canceled", "failed_delivery"],
        "ready_to_ship_pending": ["ready_to_ship"],
        "shipping": ["shipped"],
        "shipped": ["delivered", "failed", "lost", "shipped_back", "lost_by_3pl", "damaged_by_3pl"],
        "failed_delivery": ["shipped_back"],
        "shipped_back": ["shipped_back_success", "shipped_back_failed"],
        "shipped_back_success": [],
        "shipped_back_failed": ["package_scrapped"],
        "package_scrapped": [],
        "lost_by_3pl": [],
        "damaged_by_3pl": [],
        "delivered": ["returned"],
        "failed": [],
        "canceled": [],
        "returned": [],
        "lost": [],
    },
    "woocommerce": {
        "pending": ["processing", "cancelled", "on-hold", "failed"],
        "on-hold": ["processing", "cancelled"],
        "processing": ["completed", "cancelled"],
        "completed": ["refunded"],
        "cancelled": [],
        "refunded": [],
        "failed": [],
        "trash": [],
    },
    # Shopify has no single status: a sandbox order's status is the adapter's raw form <financial>/<fulfilment>
    # [/<return status>], or CANCELLED (sandbox/platforms/shopify.py renders the fields back).
    "shopify": {
        "PENDING/UNFULFILLED": ["PAID/UNFULFILLED", "CANCELLED", "AUTHORIZED/UNFULFILLED"],
        "AUTHORIZED/UNFULFILLED": ["PAID/UNFULFILLED", "CANCELLED"],
        "PAID/UNFULFILLED": ["PAID/FULFILLED", "CANCELLED", "PAID/PARTIALLY_FULFILLED"],
        "PAID/PARTIALLY_FULFILLED": ["PAID/FULFILLED"],
        "PAID/FULFILLED": ["REFUNDED/FULFILLED/RETURNED", "REFUNDED/FULFILLED"],
        "REFUNDED/FULFILLED/RETURNED": [],
        "REFUNDED/FULFILLED": [],
        "CANCELLED": [],
    },
}

#: A status each platform could start sending tomorrow (a new flow, a plugin's custom status): no
#: status map knows it. The `unknown_status_rate` fault moves a share of orders there; from it an
#: order goes on along the platform's usual flow.
UNDOCUMENTED = {
    "shopee": "PENDING_SELLER_INSPECTION",
    "tiktok": "AWAITING_FULFILLMENT_REVIEW",
    "lazada": "pending_inspection",
    "woocommerce": "awaiting-shipment",
    "shopify": "PAID/READY_FOR_PICKUP",
}
for _platform, _status in UNDOCUMENTED.items():
    FLOWS[_platform][_status] = [s for s in FLOWS[_platform][next(iter(FLOWS[_platform]))] if s in FLOWS[_platform]][:1]

INITIAL = {"shopee": "UNPAID", "tiktok": "UNPAID", "lazada": "unpaid", "woocommerce": "pending", "shopify": "PENDING/UNFULFILLED"}

_TAKE_AT_CREATION = {"shopee", "tiktok", "lazada", "shopify"}
_TAKE_ON = {"woocommerce": {"processing", "on-hold", "completed"}}
_RELEASE_ON = {
    "shopee": {"CANCELLED"},
    "tiktok": {"CANCELLED"},
    "lazada": {"canceled"},
    "woocommerce": {"cancelled", "pending"},
    "shopify": {"CANCELLED"},
}


def statuses(platform: str) -> list[str]:
    return list(FLOWS[platform])


def successors(platform: str, status: str) -> list[str]:
    return FLOWS[platform].get(status, [])


def stock_taken_after(platform: str, status: str, taken: bool, *, creating: bool = False) -> bool:
    """Whether the order's lines are subtracted from stock once it has reached `status`."""
    if creating and platform in _TAKE_AT_CREATION:
        taken = True
    if status in _TAKE_ON.get(platform, ()):
        return True
    if status in _RELEASE_ON[platform]:
        return False
    return taken


def path_to(platform: str, final: str) -> list[str]:
    """A plausible status history from the initial status to `final` (breadth-first, so the shortest one)."""
    start = INITIAL[platform]
    paths = {start: [start]}
    queue = [start]
    while queue:
        status = queue.pop(0)
        if status == final:
            return paths[status]
        for nxt in successors(platform, status):
            if nxt not in paths:
                paths[nxt] = [*paths[status], nxt]
                queue.append(nxt)
    return [start, final]
