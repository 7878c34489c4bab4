"""Returns and failed deliveries: units come back on sale when the parcel is received, not when the channel says so.

A returned line (and a line cancelled after its units left the shelf) keeps
its deduction (orders.effects). Staff receive it on the Returns page: back to
stock posts a `return` movement (+on hand) at the location the line took the
units from; damaged posts the same `return` and a `manual_adjustment` writing
the units off, so the books show the parcel came back and why it is not on
sale; not coming back (a parcel the courier lost or scrapped, a refund without
a return) closes the line without a movement, since the units already left
with the shipment. A channel may receive automatically on its own "return
received" status (RETURN_RECEIVED); a parcel the channel reports lost or
scrapped (NOT_COMING_BACK) is never received automatically.

Every receipt is the n-th of its line (a database constraint), is checked
against what staff saw (`expected_awaiting`), and the line's received units
can never pass its quantity (a check constraint): a double click, a second tab
or a re-run job receives nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from inventory.models import MovementReason
from inventory.services.ledger import StockChange, ledger_post
from orders.models import CanonicalStatus, Order, OrderLine, ReturnCondition, ReturnReceipt
from orders.selectors import returns_awaiting, returns_awaiting_q
from orders.status_maps import normalise

REF_TYPE = "return_receipt"

#: Raw statuses that say the parcel is back with the seller, per platform (normalised as the status maps key them).
#: Only Lazada has one, and per unit (order item): shipped_back_success, the end of its failed-delivery chart.
#: The others have none, so their returns are always received by staff: Shopee's TO_RETURN says a return is
#: being processed; TikTok Shop's order API has no return status (a failed delivery shows as CANCELLED);
#: WooCommerce's refunded says nothing about the goods; Shopify's returnStatus is an order-level aggregate
#: (RETURNED "some items in the order were returned", INSPECTION_COMPLETE "all return shipments from a return
#: were inspected") that cannot say which lines, or how many units, came back.
RETURN_RECEIVED = {
    "lazada": frozenset({"shipped_back_success"}),
}

#: Raw statuses of parcels that will not come back (Lazada's failed-delivery chart): never received automatically,
#: shown as "not coming back" so staff close them and claim from the platform or the courier.
NOT_COMING_BACK = {
    "lazada": frozenset({"shipped_back_failed", "package_scrapped", "lost", "lost_by_3pl", "damaged_by_3pl"}),
}


def _parts(platform: str, raw: str) -> list[str]:
    return [p for p in (normalise(platform, x) for x in (raw or "").split(",")) if p]


def return_received_on_channel(platform: str, raw: str) -> bool:
    """Whether the channel's raw status says the parcel is back with the seller (every item of it, for Lazada's joined statuses)."""
    known, parts = RETURN_RECEIVED.get(platform), _parts(platform, raw)
    return bool(known) and bool(parts) and all(p in known for p in parts)


def not_coming_back(platform: str, raw: str) -> bool:
    known = NOT_COMING_BACK.get(platform)
    return bool(known) and any(p in known for p in _parts(platform, raw))


@dataclass(frozen=True, slots=True)
class ReceiveItem:
    line_id: int
    quantity: int
    condition: str
    #: the units awaiting receipt when staff looked; a receipt is refused when that has changed meanwhile
    expected_awaiting: int | None = None
    note: str = ""


@dataclass
class ReceiveResult:
    received: list[ReturnReceipt] = field(default_factory=list)
    #: (line id, message) of items refused; nothing was posted for them
    refused: list[tuple[int, str]] = field(default_factory=list)
    #: line ids whose units had already been received (a double click, another tab): not an error
    already: list[int] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(r.quantity for r in self.received)


def returns_receive(items: Sequence[ReceiveItem], *, user=None, automatic: bool = False) -> ReceiveResult:
    """Receive returned units of several lines at once, in one transaction, with their ledger entries.

    Each item is checked on its own; a refused one (too many units, a line
    not awaiting anything) is reported and the others go ahead.
    """
    result = ReceiveResult()
    wanted = {}
    for item in items:
        if item.line_id in wanted:
            continue
        wanted[item.line_id] = item
    if not wanted:
        return result
    for attempt in range(3):
        try:
            with transaction.atomic():
                result = _receive_locked(wanted, user=user, automatic=automatic)
            break
        except IntegrityError:
            # A concurrent receipt of the same line took our sequence number: read again and re-check.
            if attempt == 2:
                raise
    if result.received:
        returns_counts_refresh({r.line.order.channel_id for r in result.received})
    return result


def _receive_locked(wanted: dict[int, ReceiveItem], *, user, automatic: bool) -> ReceiveResult:
    result = ReceiveResult()
    order_ids = set(OrderLine.objects.filter(pk__in=list(wanted)).values_list("order_id", flat=True))
    # Orders first, then their lines: the lock order every writer of lines follows (see orders.services.importing).
    list(Order.objects.select_for_update().filter(pk__in=order_ids).order_by("pk").values_list("pk", flat=True))
    lines = {
        ln.pk: ln for ln in OrderLine.objects.select_for_update(of=("self",)).filter(pk__in=list(wanted))
        .select_related("order__channel").order_by("pk")
    }
    last_seq = dict(ReturnReceipt.objects.filter(line_id__in=list(lines)).values("line_id").annotate(n=Max("seq"))
                    .values_list("line_id", "n"))
    receipts, touched = [], []
    for line_id, item in wanted.items():
        line = lines.get(line_id)
        if line is None:
            result.refused.append((line_id, _("This order line does not exist.")))
            continue
        awaiting = awaiting_units(line)
        if item.expected_awaiting is not None and item.expected_awaiting != awaiting:
            result.already.append(line_id)
            continue
        if item.condition not in ReturnCondition.values:
            result.refused.append((line_id, _("Choose back to stock, damaged or not coming back.")))
            continue
        if awaiting <= 0:
            result.already.append(line_id)
            continue
        if not isinstance(item.quantity, int) or item.quantity < 1 or item.quantity > awaiting:
            result.refused.append((line_id, _("Receive between 1 and %(n)s units for %(sku)s.") % {
                "n": awaiting, "sku": line.seller_sku or line.line_key}))
            continue
        receipts.append(ReturnReceipt(
            line=line, seq=last_seq.get(line_id, 0) + 1, quantity=item.quantity, condition=item.condition,
            location_id=line.applied_location_id or line.order.channel.location_id, automatic=automatic,
            note=item.note[:300], created_by=user if getattr(user, "pk", None) else None,
        ))
        line.return_received += item.quantity
        touched.append(line)
    if not receipts:
        return result
    ReturnReceipt.objects.bulk_create(receipts)
    changes = []
    for r in receipts:
        reference = f"{r.line.order.channel.name} order {r.line.order.external_id}"
        user_id = r.created_by_id
        if r.condition in (ReturnCondition.RESTOCK, ReturnCondition.DAMAGED):
            changes.append(StockChange(r.line.sku_id, r.location_id, r.quantity, 0, MovementReason.RETURN, reference=reference,
                                       ref_type=REF_TYPE, ref_id=r.pk, ref_seq=1, note=r.note, user_id=user_id))
        if r.condition == ReturnCondition.DAMAGED:
            changes.append(StockChange(r.line.sku_id, r.location_id, -r.quantity, 0, MovementReason.MANUAL_ADJUSTMENT,
                                       reference=reference, ref_type=REF_TYPE, ref_id=r.pk, ref_seq=2,
                                       note=r.note or "damaged return written off", user_id=user_id))
    ledger_post(changes)
    OrderLine.objects.bulk_update(touched, ["return_received"])
    result.received = receipts
    return result


def awaiting_units(line: OrderLine) -> int:
    """Units of the line that left with a parcel now coming back and that nobody has received yet."""
    if line.sku_id is None or line.status not in (CanonicalStatus.RETURNED, CanonicalStatus.CANCELLED):
        return 0
    return max(line.applied_deducted - line.return_received, 0)


def returns_auto_receive(channel, order_ids: Iterable[int]) -> ReceiveResult:
    """Receive, back to stock, the lines of these orders the channel reports received, where the channel allows it.

    Called by the importer after each batch; a line the channel reports lost
    or scrapped is left to staff whatever the setting.
    """
    if not channel.receive_returns_automatically or channel.platform not in RETURN_RECEIVED:
        return ReceiveResult()
    order_ids = list(order_ids)
    if not order_ids:
        return ReceiveResult()
    lines = returns_awaiting().filter(order_id__in=order_ids, status=CanonicalStatus.RETURNED).values_list(
        "pk", "raw_status", "order__raw_status", "awaiting")
    items = [
        ReceiveItem(pk, awaiting, ReturnCondition.RESTOCK, expected_awaiting=awaiting, note="received on the channel")
        for pk, raw, order_raw, awaiting in lines
        if return_received_on_channel(channel.platform, raw or order_raw)
        and not not_coming_back(channel.platform, raw or order_raw)
    ]
    return returns_receive(items, automatic=True) if items else ReceiveResult()


def returns_awaiting_count(channel_id: int) -> int:
    return OrderLine.objects.filter(returns_awaiting_q(), order__channel_id=channel_id).count()


def returns_counts_refresh(channel_ids: Iterable[int]) -> None:
    """Recount the returns awaiting receipt onto the channels' card field (one grouped count, one update per channel)."""
    from channels_app.models import Channel

    ids = set(channel_ids)
    if not ids:
        return
    counts = dict(OrderLine.objects.filter(returns_awaiting_q(), order__channel_id__in=ids).order_by()
                  .values("order__channel_id").annotate(n=Count("pk")).values_list("order__channel_id", "n"))
    for channel_id in sorted(ids):
        Channel.objects.filter(pk=channel_id).update(returns_awaiting_receipt=counts.get(channel_id, 0))
