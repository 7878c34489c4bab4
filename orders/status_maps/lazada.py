"""Lazada order-item statuses → canonical statuses (DESIGN.md section 3).

Lazada has no order status: every unit (order item) has its own, and the
order's `statuses[]` lists the distinct ones; `orders.status_maps` combines
them. Sources: processed/lazada/guides/api-best-practice/order-operation/
order-status-flow.md (the failed-delivery chart), get-order.md,
order-cancellation.md, fulfillment-orders.md, the GetOrders status filter
(error 6 lists every value) and product-inventory-management/
inventory-calculation-logic.md (when Lazada moves units between withhold,
occupy and sellable).

Why each one (stock effect in brackets):
- unpaid: checked out, not paid; Lazada withholds the units [allocated].
- pending: paid, to pack; units occupied [allocated].
- packed: packed, waiting for ready-to-ship; still cancellable [allocated].
- repacked: the package was recreated and must be packed again [allocated].
- ready_to_ship: the seller marked it RTS; the parcel waits for the courier
  in the shop (Lazada's occupy hold ends, the unit is still on our shelf)
  [allocated].
- ready_to_ship_pending: RTS requested, not confirmed yet (membership API)
  [allocated].
- topack / toship: values of the order-list `status` filter (to pack =
  pending/repacked, to ship = packed/RTS), never an item's own status; mapped
  in case one is echoed back [allocated].
- shipping, shipped: with the courier [deducted].
- failed_delivery: a delivery attempt failed (delivered-by-seller: set from
  RTS); the courier still holds the parcel and may try again [deducted].
- delivered: the buyer has it [deducted, final].
- failed: delivery failed for good, the parcel goes back to the seller and
  the buyer is refunded [deducted, listed for inspection].
- shipped_back: on its way back to the seller [deducted, listed].
- shipped_back_success: back at the seller: inspect, maybe restock [deducted,
  listed].
- shipped_back_failed, package_scrapped, lost, lost_by_3pl, damaged_by_3pl:
  the parcel will not come back; the buyer is refunded and the seller claims
  from Lazada or the 3PL [deducted, listed; these must never be restocked].
- canceled: cancelled before shipping (seller: pending to RTS, per item) [none].
- returned: returned or refunded after delivery [deducted, listed].
"""

from orders.models import CanonicalStatus as S

STATUS_MAP = {
    "unpaid": S.UNPAID,
    "pending": S.TO_SHIP,
    "packed": S.TO_SHIP,
    "repacked": S.TO_SHIP,
    "ready_to_ship": S.TO_SHIP,
    "ready_to_ship_pending": S.TO_SHIP,
    "topack": S.TO_SHIP,
    "toship": S.TO_SHIP,
    "shipping": S.SHIPPED,
    "shipped": S.SHIPPED,
    "failed_delivery": S.SHIPPED,
    "delivered": S.COMPLETED,
    "failed": S.RETURNED,
    "shipped_back": S.RETURNED,
    "shipped_back_success": S.RETURNED,
    "shipped_back_failed": S.RETURNED,
    "package_scrapped": S.RETURNED,
    "lost": S.RETURNED,
    "lost_by_3pl": S.RETURNED,
    "damaged_by_3pl": S.RETURNED,
    "canceled": S.CANCELLED,
    "returned": S.RETURNED,
}
