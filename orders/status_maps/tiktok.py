"""TikTok Shop order statuses and line-item display statuses → canonical statuses.

Order `status` (Get Order List / Get Order Detail): UNPAID, ON_HOLD,
AWAITING_SHIPMENT, PARTIALLY_SHIPPING, AWAITING_COLLECTION, IN_TRANSIT,
DELIVERED, COMPLETED, CANCELLED; webhooks spell the last one CANCEL.
Line item `display_status`: UNPAID, AWAITING_SHIPMENT, AWAITING_COLLECTION,
IN_TRANSIT, DELIVERED, COMPLETED, CANCELLED — the same words, so one table
serves both; the importer takes a line's display_status over the order's.

ON_HOLD is paid and waiting for fulfilment (the buyer may still cancel), so it
holds stock like AWAITING_SHIPMENT. AWAITING_COLLECTION is packed but not yet
with the courier. PARTIALLY_SHIPPING stays to_ship at order level: the lines'
own statuses say which units have left. DELIVERED means the buyer has it.

TO_SHIP is not in the documented list, but it is the value of the Get Order
Detail sample, next to `package_status` TO_FULFILL ("package waiting seller to
arrange shipment"): it means the unit is still to be shipped. Mapping it to
to_ship gives the same stock effect (allocated) as the unknown-status fallback,
without putting every such order on the mismatched-orders page.
"""

from orders.models import CanonicalStatus as S

STATUS_MAP = {
    "UNPAID": S.UNPAID,
    "ON_HOLD": S.TO_SHIP,
    "AWAITING_SHIPMENT": S.TO_SHIP,
    "PARTIALLY_SHIPPING": S.TO_SHIP,
    "AWAITING_COLLECTION": S.TO_SHIP,
    "TO_SHIP": S.TO_SHIP,
    "IN_TRANSIT": S.SHIPPED,
    "DELIVERED": S.COMPLETED,
    "COMPLETED": S.COMPLETED,
    "CANCELLED": S.CANCELLED,
    "CANCEL": S.CANCELLED,
}
