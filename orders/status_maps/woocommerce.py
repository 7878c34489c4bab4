"""WooCommerce order statuses → canonical statuses.

Covers every core status: the REST API documents pending, processing,
on-hold, completed, cancelled, refunded, failed and trash; `checkout-draft`
is the block checkout's draft order, registered by WooCommerce itself. A
plugin's own status (`awaiting-shipment`) is not here on purpose: it maps to
`unknown`, keeps the effect the order had, and staff map it per channel.

The stock effect follows WooCommerce's own rule (wc-stock-functions.php):
stock goes down once at processing, on-hold or completed
(`wc_maybe_reduce_stock_levels`) and comes back at cancelled or pending
(`wc_maybe_increase_stock_levels`).

- on-hold ("awaiting payment", e.g. a bank transfer) is `to_ship`, not
  `unpaid`: WooCommerce has already taken the units off its stock, so the POS
  must hold them whatever the channel's "allocate unpaid orders" setting says;
  as `unpaid` with that setting off, the POS would push the units back and
  the store would sell them twice.
- pending and checkout-draft have taken nothing on WooCommerce: `unpaid`.
- failed is a payment that never went through: nothing was sold.
- trash: the order was deleted by staff; its units go back on sale.
- refunded: WooCommerce restocks only if staff tick "restock" in the refund,
  so the units stay deducted (`returned`, listed for inspection).
- WooCommerce has no shipped state: a fulfilled order is `completed`.
"""

from orders.models import CanonicalStatus as S

STATUS_MAP = {
    "pending": S.UNPAID,
    "checkout-draft": S.UNPAID,
    "on-hold": S.TO_SHIP,
    "processing": S.TO_SHIP,
    "completed": S.COMPLETED,
    "cancelled": S.CANCELLED,
    "failed": S.CANCELLED,
    "trash": S.CANCELLED,
    "refunded": S.RETURNED,
}
