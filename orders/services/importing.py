"""Import channel orders into the POS: create, move statuses forward, post stock effects.

One call takes a batch (a page of up to a few hundred orders) and costs a
bounded number of queries whatever its size. It is idempotent and
order-independent: the newest channel update wins, an older one is ignored,
and a line's stock effect is changed by posting only the difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.db import IntegrityError, transaction
from django.db.models.functions import Upper
from django.utils import timezone

from channels_app.adapters.types import ChannelOrder
from inventory.models import Listing, Sku
from inventory.services.ledger import StockChange, ledger_post
from orders.effects import Effect, line_effect, movement_reason
from orders.models import CanonicalStatus, Order, OrderLine, RemoteOrder
from orders.overrides import channel_overrides
from orders.recency import is_newer
from orders.remote import remote_orders_upsert
from orders.status_maps import canonical_status

REF_TYPE = "order_line"


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    status_fixed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    #: (order id, code, reason) for problems that did not stop the import
    issues: list[tuple[str, str, str]] = field(default_factory=list)
    movements: int = 0

    def merge(self, other: ImportResult) -> None:
        self.created += other.created
        self.status_fixed += other.status_fixed
        self.unchanged += other.unchanged
        self.failed += other.failed
        self.issues += other.issues
        self.movements += other.movements


@dataclass
class _Prepared:
    order: ChannelOrder
    status: str
    line_statuses: list[tuple[str, str]]  # (canonical, raw) per line


def _prepare(channel, orders: Sequence[ChannelOrder], result: ImportResult) -> dict[str, _Prepared]:
    prepared: dict[str, _Prepared] = {}
    overrides = channel_overrides(channel)
    for o in orders:
        status = canonical_status(channel.platform, o.raw_status, overrides)
        line_statuses = [
            (canonical_status(channel.platform, ln.raw_status, overrides), ln.raw_status) if ln.raw_status else (status, o.raw_status)
            for ln in o.lines
        ]
        unknown = sorted({raw for st, raw in [(status, o.raw_status), *line_statuses] if st == CanonicalStatus.UNKNOWN})
        if unknown:
            result.issues.append((
                o.external_id, "unknown_status",
                f"Order {o.external_id} has the {channel.get_platform_display()} status {', '.join(repr(u) for u in unknown)}, "
                "which omnisync does not know. It is imported and its units stay held; map the status for this channel "
                "in Admin → Status mappings and the order is re-evaluated at once.",
            ))
        bad = [ln for ln in o.lines if ln.quantity < 1]
        if bad:
            result.failed.append((o.external_id, f"line {bad[0].line_key} has quantity {bad[0].quantity}; it must be at least 1"))
            continue
        current = prepared.get(o.external_id)
        if current is None or is_newer(o.updated_at, status, current.order.updated_at, current.status):
            prepared[o.external_id] = _Prepared(o, status, line_statuses)
    return prepared


def orders_import(channel, orders: Sequence[ChannelOrder], *, attempts: int = 3) -> ImportResult:
    """Import one batch; a concurrent importer that wins a race makes us re-read and retry."""
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                return _import_batch(channel, orders)
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _import_batch(channel, orders: Sequence[ChannelOrder]) -> ImportResult:
    result = ImportResult()
    prepared = _prepare(channel, orders, result)
    if not prepared:
        return result
    now = timezone.now()
    ids = list(prepared)
    existing = {o.external_id: o for o in Order.objects.select_for_update().filter(channel=channel, external_id__in=ids)}

    new_orders = [
        Order(
            channel=channel, external_id=p.order.external_id, status=p.status, raw_status=p.order.raw_status[:64],
            channel_created_at=p.order.created_at, channel_updated_at=p.order.updated_at,
            total=max(p.order.total, 0), currency=(p.order.currency or channel.currency)[:3],
            buyer_name=p.order.buyer_name[:200], imported_at=now,
        )
        for oid, p in prepared.items() if oid not in existing
    ]
    if new_orders:
        Order.objects.bulk_create(new_orders)
        if any(o.pk is None for o in new_orders):
            refetched = Order.objects.filter(channel=channel, external_id__in=[o.external_id for o in new_orders])
            new_orders = list(refetched)
        result.created = [o.external_id for o in new_orders]
    orders_by_id = {**existing, **{o.external_id: o for o in new_orders}}

    changed_orders = []
    for oid, order in existing.items():
        p = prepared[oid]
        if is_newer(p.order.updated_at, p.status, order.channel_updated_at, order.status):
            (result.status_fixed if p.status != order.status else result.unchanged).append(oid)
            order.status, order.raw_status = p.status, p.order.raw_status[:64]
            order.channel_updated_at = p.order.updated_at
            order.total = max(p.order.total, 0)
            order.updated_at = now
            changed_orders.append(order)
        else:
            result.unchanged.append(oid)

    sku_ids = _resolve_skus(channel, [ln for p in prepared.values() for ln in p.order.lines])
    order_pks = [o.pk for o in orders_by_id.values()]
    lines = {(ln.order_id, ln.line_key): ln for ln in OrderLine.objects.select_for_update().filter(order_id__in=order_pks)}

    new_lines = []
    new_effects: list[tuple[tuple[int, str], StockChange]] = []
    for oid, p in prepared.items():
        order = orders_by_id[oid]
        for ln, (status, raw) in zip(p.order.lines, p.line_statuses, strict=True):
            if (order.pk, ln.line_key) in lines:
                continue
            row = OrderLine(
                order=order, line_key=ln.line_key[:200], seller_sku=ln.seller_sku[:100], external_item_id=ln.item_id[:64],
                external_variant_id=ln.variant_id[:64], sku_id=sku_ids.get(_line_ref(ln)), quantity=ln.quantity,
                unit_price=max(ln.unit_price, 0), status=status, raw_status=(raw or "")[:64],
                status_updated_at=p.order.updated_at,
            )
            # A new line is inserted with its effect already recorded, so it needs no UPDATE afterwards.
            change = _effect_change(channel, order, row) if row.sku_id else None
            if change:
                new_effects.append(((order.pk, ln.line_key), change))
            new_lines.append(row)
            lines[(order.pk, ln.line_key)] = row
    if new_lines:
        OrderLine.objects.bulk_create(new_lines)
        if any(ln.pk is None for ln in new_lines):
            lines = {(ln.order_id, ln.line_key): ln for ln in OrderLine.objects.select_for_update().filter(order_id__in=order_pks)}
    new_keys = {(ln.order_id, ln.line_key) for ln in new_lines}

    changes: list[StockChange] = [replace(change, ref_id=lines[key].pk) for key, change in new_effects]
    touched_lines = []
    for oid, p in prepared.items():
        order = orders_by_id[oid]
        for ln, (status, raw) in zip(p.order.lines, p.line_statuses, strict=True):
            row = lines[(order.pk, ln.line_key)]
            dirty = False
            if (order.pk, ln.line_key) not in new_keys and is_newer(p.order.updated_at, status, row.status_updated_at, row.status):
                row.status, row.raw_status, row.status_updated_at = status, (raw or "")[:64], p.order.updated_at
                dirty = True
            if row.sku_id is None:
                resolved = sku_ids.get(_line_ref(ln))
                if resolved:
                    row.sku_id, dirty = resolved, True
                else:
                    result.issues.append(
                        (oid, "sku_not_in_pos", f"SKU {ln.seller_sku or '(empty)'} is not in the POS (order {oid}); the order is imported without its stock effect")
                    )
            if row.sku_id:
                change = _effect_change(channel, order, row)
                if change:
                    changes.append(change)
                    dirty = True
            if dirty:
                touched_lines.append(row)

    result.movements = len(ledger_post(changes))
    if touched_lines:
        OrderLine.objects.bulk_update(
            touched_lines,
            ["status", "raw_status", "status_updated_at", "sku", "applied_allocated", "applied_deducted", "applied_location", "effect_version"],
        )
    if changed_orders:
        Order.objects.bulk_update(changed_orders, ["status", "raw_status", "channel_updated_at", "total", "updated_at"])
    _remote_orders_record(channel, prepared, now)
    return result


def _line_ref(ln) -> tuple[str, str, str]:
    return (ln.item_id, ln.variant_id, ln.seller_sku.strip().upper())


def _resolve_skus(channel, lines) -> dict[tuple[str, str, str], int]:
    """Map lines to SKUs: the listing's mapping first, else the seller SKU code (trimmed, any case)."""
    if not lines:
        return {}
    codes = {ln.seller_sku.strip().upper() for ln in lines if ln.seller_sku.strip()}
    by_code = dict(
        Sku.objects.annotate(ucode=Upper("code")).filter(ucode__in=codes).values_list("ucode", "pk")
    ) if codes else {}
    item_ids = {ln.item_id for ln in lines if ln.item_id}
    by_listing = {
        (item, variant): sku for item, variant, sku in Listing.objects.filter(
            channel=channel, external_item_id__in=item_ids, sku__isnull=False
        ).values_list("external_item_id", "external_variant_id", "sku_id")
    } if item_ids else {}
    # Lazada's order items carry the SKU id but no item id: match the listing by its variant id alone.
    variant_ids = {ln.variant_id for ln in lines if not ln.item_id and ln.variant_id}
    by_variant = dict(
        Listing.objects.filter(channel=channel, external_variant_id__in=variant_ids, sku__isnull=False)
        .values_list("external_variant_id", "sku_id")
    ) if variant_ids else {}
    resolved = {}
    for ln in lines:
        ref = _line_ref(ln)
        listed = by_listing.get((ln.item_id, ln.variant_id)) if ln.item_id else by_variant.get(ln.variant_id)
        sku = listed or by_code.get(ref[2])
        if sku:
            resolved[ref] = sku
    return resolved


def _effect_change(channel, order: Order, row: OrderLine) -> StockChange | None:
    target = line_effect(
        row.status, row.quantity, count_unpaid=channel.count_unpaid, restock_returns=channel.restock_returns,
        current=Effect(row.applied_allocated, row.applied_deducted),
    )
    d_alloc = target.allocated - row.applied_allocated
    d_ded = target.deducted - row.applied_deducted
    if not d_alloc and not d_ded:
        return None
    location_id = row.applied_location_id or channel.location_id
    row.applied_allocated, row.applied_deducted = target.allocated, target.deducted
    row.applied_location_id = location_id
    row.effect_version += 1
    return StockChange(
        sku_id=row.sku_id, location_id=location_id, on_hand_change=-d_ded, allocated_change=d_alloc,
        reason=movement_reason(row.status, d_alloc, -d_ded), reference=f"{channel.name} order {order.external_id}",
        ref_type=REF_TYPE, ref_id=row.pk, ref_seq=row.effect_version,
    )


def _remote_orders_record(channel, prepared: dict[str, _Prepared], now) -> None:
    """What we just read in detail is also the channel's latest word on those orders."""
    remote_orders_upsert(channel, {oid: (p.order.raw_status, p.status, p.order.updated_at) for oid, p in prepared.items()}, now)


def orders_reevaluate(channel, raw_statuses: Sequence[str] = ()) -> ImportResult:
    """Apply the channel's status mappings to the orders already imported, with ledger entries, without a download.

    Called when staff add, change or delete a status mapping: every order and
    line whose status is unknown, or whose raw status is one of `raw_statuses`,
    is mapped again; a line whose canonical status changes posts the
    difference of its stock effect, as an import would. The channel's latest
    word (RemoteOrder) is mapped again too, so the mismatch counts agree.
    """
    from django.db.models import Q

    result = ImportResult()
    overrides = channel_overrides(channel)
    raws = {r for r in raw_statuses if r}
    match = Q(status=CanonicalStatus.UNKNOWN)
    for raw in raws:
        match |= Q(raw_status__iexact=raw) | Q(raw_status__icontains=raw)
    with transaction.atomic():
        # The keys first (a join may repeat an order), then the rows locked by key: PostgreSQL refuses FOR UPDATE with DISTINCT.
        keys = set(Order.objects.filter(Q(channel=channel) & (match | Q(lines__status=CanonicalStatus.UNKNOWN))).values_list("pk", flat=True))
        orders = {o.pk: o for o in Order.objects.select_for_update().filter(pk__in=keys)}
        lines = list(OrderLine.objects.select_for_update().filter(order__channel=channel).filter(
            Q(order_id__in=list(orders)) | match
        ).order_by("pk"))
        for ln in lines:
            if ln.order_id not in orders:
                orders[ln.order_id] = Order.objects.select_for_update().get(pk=ln.order_id)
        changed_orders, touched, changes = [], [], []
        for order in orders.values():
            status = canonical_status(channel.platform, order.raw_status, overrides)
            if status != order.status:
                order.status = status
                changed_orders.append(order)
                result.status_fixed.append(order.external_id)
        for ln in lines:
            status = canonical_status(channel.platform, ln.raw_status, overrides) if ln.raw_status else orders[ln.order_id].status
            if status == ln.status:
                continue
            ln.status = status
            change = _effect_change(channel, orders[ln.order_id], ln) if ln.sku_id else None
            if change:
                changes.append(change)
            touched.append(ln)
        result.movements = len(ledger_post(changes))
        if touched:
            OrderLine.objects.bulk_update(touched, ["status", "applied_allocated", "applied_deducted", "applied_location", "effect_version"])
        if changed_orders:
            Order.objects.bulk_update(changed_orders, ["status"])
        remote = list(RemoteOrder.objects.select_for_update().filter(Q(channel=channel) & match))
        for row in remote:
            row.status = canonical_status(channel.platform, row.raw_status, overrides)
        if remote:
            RemoteOrder.objects.bulk_update(remote, ["status"])
    return result
