from orders.models import CanonicalStatus as S

# AWAITING_COLLECTION is packed but not yet with the courier; DELIVERED means
# the buyer has it, which is what "completed" means here. CANCEL is the
# webhooks' spelling of CANCELLED.
STATUS_MAP = {
    "UNPAID": S.UNPAID,
    "ON_HOLD": S.TO_SHIP,
    "AWAITING_SHIPMENT": S.TO_SHIP,
    "PARTIALLY_SHIPPING": S.TO_SHIP,
    "AWAITING_COLLECTION": S.TO_SHIP,
    "IN_TRANSIT": S.SHIPPED,
    "DELIVERED": S.COMPLETED,
    "COMPLETED": S.COMPLETED,
    "CANCELLED": S.CANCELLED,
    "CANCEL": S.CANCELLED,
}
