from orders.models import CanonicalStatus as S

# IN_CANCEL: the buyer asked to cancel; stock stays held until the seller decides.
STATUS_MAP = {
    "UNPAID": S.UNPAID,
    "PENDING": S.UNPAID,
    "INVOICE_PENDING": S.TO_SHIP,
    "READY_TO_SHIP": S.TO_SHIP,
    "PROCESSED": S.TO_SHIP,
    "RETRY_SHIP": S.TO_SHIP,
    "IN_CANCEL": S.TO_SHIP,
    "SHIPPED": S.SHIPPED,
    "TO_CONFIRM_RECEIVE": S.SHIPPED,
    "COMPLETED": S.COMPLETED,
    "CANCELLED": S.CANCELLED,
    "TO_RETURN": S.RETURNED,
}
