from orders.models import CanonicalStatus as S

# Per order item. "failed" (delivery failed) and "lost" happen after the parcel
# left: the stock stays deducted and the line is listed for inspection.
STATUS_MAP = {
    "unpaid": S.UNPAID,
    "pending": S.TO_SHIP,
    "packed": S.TO_SHIP,
    "ready_to_ship": S.TO_SHIP,
    "shipped": S.SHIPPED,
    "delivered": S.COMPLETED,
    "failed": S.RETURNED,
    "lost": S.RETURNED,
    "returned": S.RETURNED,
    "canceled": S.CANCELLED,
}
