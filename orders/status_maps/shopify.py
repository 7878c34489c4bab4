"""Shopify order states → canonical statuses (DESIGN.md section 3).

Shopify has no single order status. The GraphQL Admin API (2025-10) gives
`displayFinancialStatus` (OrderDisplayFinancialStatus), `displayFulfillmentStatus`
(OrderDisplayFulfillmentStatus), `cancelledAt` and `returnStatus`
(OrderReturnStatus). The adapter hands over one raw status built from them:

- `CANCELLED` when `cancelledAt` is set (whatever the money did);
- else `<financial>/<fulfilment>`, e.g. `PAID/UNFULFILLED`, `REFUNDED/FULFILLED`;
- with `/<returnStatus>` appended while a return exists (anything but
  `NO_RETURN`), e.g. `PAID/FULFILLED/RETURN_REQUESTED`.

The map is every documented combination, written as the rules below (one
line each), so no combination is left out by a typo; the tests check the
table by hand (tests/adapters/test_shopify_documented.py). Anything else (a
value Shopify adds, a null financial status) is `unknown`: the order is kept
with the conservative stock effect and staff map the raw string per channel.

Why (stock effect in brackets):
- Shopify commits the units when the order is created, paid or not, and
  gives them back when it is cancelled with restock.
- not fulfilled (UNFULFILLED; the legacy OPEN, PENDING_FULFILLMENT; SCHEDULED,
  ON_HOLD, IN_PROGRESS, REQUEST_DECLINED): by money —
  PAID, PARTIALLY_REFUNDED → to_ship [allocated];
  PENDING, AUTHORIZED, PARTIALLY_PAID, EXPIRED, VOIDED (voided without a cancel:
  the order is still open) → unpaid [allocated; keep "allocate stock for unpaid
  orders" on: Shopify has already taken the units];
  REFUNDED (all money back, nothing shipped) → cancelled [none].
- PARTIALLY_FULFILLED → to_ship [allocated: available is the same whether a
  shipped unit is allocated or deducted], REFUNDED → returned.
- FULFILLED (handed to the carrier; Shopify has no delivered state here)
  → shipped [deducted]; REFUNDED → returned [stays deducted, listed for inspection].
- RESTOCKED (every item restocked) → cancelled [none].
- a return RETURN_REQUESTED, IN_PROGRESS, RETURNED, INSPECTION_COMPLETE →
  returned [stays deducted, listed]; RETURN_FAILED → as without a return.
- CANCELLED → cancelled [none].
"""

from orders.models import CanonicalStatus as S

FINANCIAL = ("PENDING", "AUTHORIZED", "PARTIALLY_PAID", "EXPIRED", "PAID", "PARTIALLY_REFUNDED", "REFUNDED", "VOIDED")
NOT_FULFILLED = ("UNFULFILLED", "OPEN", "PENDING_FULFILLMENT", "SCHEDULED", "ON_HOLD", "IN_PROGRESS", "REQUEST_DECLINED")
FULFILLMENT = (*NOT_FULFILLED, "PARTIALLY_FULFILLED", "FULFILLED", "RESTOCKED")
#: Return states that mean the goods are coming (or came) back; RETURN_FAILED and NO_RETURN do not.
RETURNING = ("RETURN_REQUESTED", "IN_PROGRESS", "RETURNED", "INSPECTION_COMPLETE")
RETURN_STATUSES = (*RETURNING, "RETURN_FAILED")

_PAID = {"PAID", "PARTIALLY_REFUNDED"}
_UNPAID = {"PENDING", "AUTHORIZED", "PARTIALLY_PAID", "EXPIRED", "VOIDED"}


def _rule(financial: str, fulfilment: str) -> str:
    if fulfilment == "RESTOCKED":
        return S.CANCELLED
    if fulfilment == "FULFILLED":
        return S.RETURNED if financial == "REFUNDED" else S.SHIPPED
    if fulfilment == "PARTIALLY_FULFILLED":
        return S.RETURNED if financial == "REFUNDED" else S.TO_SHIP
    if financial in _PAID:
        return S.TO_SHIP
    if financial in _UNPAID:
        return S.UNPAID
    return S.CANCELLED  # REFUNDED, nothing shipped


STATUS_MAP: dict[str, str] = {"CANCELLED": S.CANCELLED}
for _fin in FINANCIAL:
    for _ful in FULFILLMENT:
        STATUS_MAP[f"{_fin}/{_ful}"] = _rule(_fin, _ful)
        for _ret in RETURN_STATUSES:
            STATUS_MAP[f"{_fin}/{_ful}/{_ret}"] = S.RETURNED if _ret in RETURNING else _rule(_fin, _ful)

