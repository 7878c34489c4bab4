"""Shopee order statuses → canonical, from the API reference's Data Definition (OrderStatus) and the order guides.

Every status is order level: Shopee has no per-item status in get_order_detail.
- UNPAID "Order is created, buyer has not paid yet."
- PENDING (only with request_order_status_pending=true): the order is held for Shopee's
  internal processing or KYC (`pending_terms`) before it can be shipped. Whether it is paid
  is not documented, so it takes the conservative to_ship: its units stay allocated even on
  a channel that does not hold unpaid orders.
- INVOICE_PENDING: paid, waiting for the seller's invoice data before READY_TO_SHIP (Brazil).
- READY_TO_SHIP "Seller can arrange shipment."; PROCESSED "Seller has arranged shipment online
  and got tracking number from 3PL."; RETRY_SHIP "3PL pickup parcel fail. Need to re arrange
  shipment." — all still in the seller's hands.
- IN_CANCEL "The order's cancelation is under processing.": the buyer asked to cancel; the
  seller may refuse, so the units stay held until CANCELLED.
- SHIPPED "The parcel has been drop to 3PL or picked up by 3PL."
- TO_CONFIRM_RECEIVE "The order has been received by buyer." (the Brazil guide: waiting for the
  buyer to confirm receipt); the order is not final until COMPLETED, and returns still open, so
  it stays shipped (same stock effect as completed: deducted).
- COMPLETED "The order has been completed."
- CANCELLED "The order has been canceled." (Shopee restores its own stock.)
- TO_RETURN "The buyer requested to return the order and order's return is processing."
"""

from orders.models import CanonicalStatus as S

STATUS_MAP = {
    "UNPAID": S.UNPAID,
    "PENDING": S.TO_SHIP,
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
