from orders.models import CanonicalStatus as S

# on-hold waits for a payment to be confirmed (bank transfer); "failed" is a
# failed payment, so nothing was sold. WooCommerce has no shipped state: a
# fulfilled order is "completed".
STATUS_MAP = {
    "pending": S.UNPAID,
    "checkout-draft": S.UNPAID,
    "on-hold": S.UNPAID,
    "processing": S.TO_SHIP,
    "completed": S.COMPLETED,
    "cancelled": S.CANCELLED,
    "failed": S.CANCELLED,
    "trash": S.CANCELLED,
    "refunded": S.RETURNED,
}
