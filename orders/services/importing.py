"""Import channel orders into the POS: create, move statuses forward, post stock effects.

One call takes a batch (a page of up to a few hundred orders) and costs a
bounded number of queries whatever its size. It is idempotent and
order-independent: the newest channel update wins, an older one is ignored,
and a line's stock effect is changed by posting only the difference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, connections, router, transaction
from django.db.models.functions import Upper
from django.utils import timezone

from channels_app.adapters.types import ChannelOrder
from inventory.bundles import sku_is_bundle
from inventory.models import Listing, Sku
from inventory.services.ledger import StockChange, bulk_cursor, ledger_post, ledger_post_many, rows_insert, rows_update
from orders.effects import Effect, line_effect, movement_reason
from orders.models import CanonicalStatus, Order, OrderLine, RemoteOrder
from orders.overrides import channel_overrides
from orders.recency import is_newer
from orders.remote import remote_orders_upsert
from orders.services.returns import returns_auto_receive
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


def orders_import(channel, orders: Sequence[ChannelOrder], *, attempts: int = 3,
                  listed: Mapping[str, tuple[str, datetime]] | None = None) -> ImportResult:
    """Import one batch; a concurrent importer that wins a race makes us re-read and retry.

    `listed` is what the caller recorded as the channel's word on these orders
    a moment ago ({id: (raw status, update time)}, see `remote_orders_record`):
    an order whose details say the same is not written to RemoteOrder again.
    """
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                return _import_batch(channel, orders, listed or {})
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


ORDER_COLUMNS = ("channel_id", "external_id", "status", "raw_status", "channel_created_at", "channel_updated_at", "total", "currency",
                 "buyer_name", "imported_at", "updated_at")
LINE_COLUMNS = ("order_id", "line_key", "seller_sku", "external_item_id", "external_variant_id", "sku_id", "quantity", "unit_price",
                "status", "raw_status", "status_updated_at", "applied_allocated", "applied_deducted", "applied_location_id",
                "effect_version")
LINE_UPDATE = ("status", "raw_status", "status_updated_at", "sku_id", "applied_allocated", "applied_deducted", "applied_location_id",
               "effect_version")


def _import_batch(channel, orders: Sequence[ChannelOrder], listed: Mapping[str, tuple[str, datetime]]) -> ImportResult:
    """One batch in a bounded number of statements.

    New orders and lines (the common case) are written as plain rows, their
    stock effects computed before the insert; only orders already in the POS
    are read as objects and compared.
    """
    result = ImportResult()
    prepared = _prepare(channel, orders, result)
    if not prepared:
        return result
    now = timezone.now()
    ids = list(prepared)
    existing, lines = _existing_locked(channel, ids)
    order_pks = {oid: o.pk for oid, o in existing.items()}

    new_orders = [
        (channel.pk, oid, p.status, p.order.raw_status[:64], p.order.created_at, p.order.updated_at, max(p.order.total, 0),
         (p.order.currency or channel.currency)[:3], p.order.buyer_name[:200], now, now)
        for oid, p in prepared.items() if oid not in existing
    ]
    if new_orders:
        order_pks.update((oid, pk) for pk, oid in rows_insert(Order, ORDER_COLUMNS, new_orders, returning=("id", "external_id")))
        result.created = [row[1] for row in new_orders]

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

    # Lines the POS lacks: inserted with their stock effect already recorded (no UPDATE afterwards).
    new_lines: list[tuple] = []
    new_effects: dict[tuple[int, str], tuple] = {}
    new_keys: dict[tuple[int, str], int | None] = {}  # key -> SKU
    for oid, p in prepared.items():
        opk = order_pks[oid]
        for ln, (status, raw) in zip(p.order.lines, p.line_statuses, strict=True):
            key = (opk, ln.line_key)
            if key in lines or key in new_keys:
                continue
            sku_id = sku_ids.get(_line_ref(ln))
            new_keys[key] = sku_id
            allocated = deducted = version = 0
            location_id = None
            if sku_id:
                target = line_effect(status, ln.quantity, count_unpaid=channel.count_unpaid)
                if target.allocated or target.deducted:
                    allocated, deducted, location_id, version = target.allocated, target.deducted, channel.location_id, 1
                    new_effects[(opk, ln.line_key[:200])] = (
                        sku_id, location_id, -deducted, allocated, movement_reason(status, allocated, -deducted),
                        f"{channel.name} order {oid}",
                    )
            new_lines.append((
                opk, ln.line_key[:200], ln.seller_sku[:100], ln.item_id[:64], ln.variant_id[:64], sku_id, ln.quantity,
                max(ln.unit_price, 0), status, (raw or "")[:64], p.order.updated_at, allocated, deducted, location_id, version,
            ))
    changes: list[StockChange] = []
    if new_lines:
        returned = rows_insert(OrderLine, LINE_COLUMNS, new_lines, returning=("id", "order_id", "line_key"))
        line_pks = {(order_id, line_key): pk for pk, order_id, line_key in returned}
        changes = [
            StockChange(sku_id=e[0], location_id=e[1], on_hand_change=e[2], allocated_change=e[3], reason=e[4], reference=e[5],
                        ref_type=REF_TYPE, ref_id=line_pks[key], ref_seq=1)
            for key, e in new_effects.items()
        ]

    touched_lines = []
    for oid, p in prepared.items():
        opk = order_pks[oid]
        for ln, (status, raw) in zip(p.order.lines, p.line_statuses, strict=True):
            key = (opk, ln.line_key)
            if key in new_keys:
                if new_keys[key] is None:
                    result.issues.append(_sku_issue(oid, ln))
                continue
            row = lines[key]
            dirty = False
            if is_newer(p.order.updated_at, status, row.status_updated_at, row.status):
                row.status, row.raw_status, row.status_updated_at = status, (raw or "")[:64], p.order.updated_at
                dirty = True
            if row.sku_id is None:
                resolved = sku_ids.get(_line_ref(ln))
                if resolved:
                    row.sku_id, dirty = resolved, True
                else:
                    result.issues.append(_sku_issue(oid, ln))
            if row.sku_id:
                change = _effect_change(channel, existing[oid], row)
                if change:
                    changes.append(change)
                    dirty = True
            if dirty:
                touched_lines.append(row)

    if touched_lines:
        rows = [(ln.pk, *(getattr(ln, f) for f in LINE_UPDATE)) for ln in touched_lines]
        if not rows_update(OrderLine, LINE_UPDATE, rows):
            OrderLine.objects.bulk_update(touched_lines, [f.removesuffix("_id") for f in LINE_UPDATE])
    if changed_orders:
        fields = ("status", "raw_status", "channel_updated_at", "total", "updated_at")
        if not rows_update(Order, fields, [(o.pk, *(getattr(o, f) for f in fields)) for o in changed_orders]):
            Order.objects.bulk_update(changed_orders, list(fields))
    _remote_orders_record(channel, {
        oid: p for oid, p in prepared.items() if listed.get(oid) != (p.order.raw_status, p.order.updated_at)
    }, now)
    # The stock levels last: their rows are shared by every channel selling the SKUs, and stay locked until the
    # batch commits, so the writes of this channel's own rows are done first (issue 13: with 4 workers about one
    # import in four was waiting for another's level locks).
    result.movements = ledger_post_many(changes, bundles_known=sku_ids.bundles_known)
    # A return the channel reports back with the seller is received at once where the channel allows it.
    returns_auto_receive(channel, order_pks.values())
    return result


def _existing_locked(channel, ids: list[str]) -> tuple[dict[str, Order], dict[tuple[int, str], OrderLine]]:
    """The batch's orders the POS already has and their lines, locked (orders first, then their lines), in one statement.

    {external id: order}, {(order pk, line key): line}. On PostgreSQL the
    orders are locked in a CTE and each one's lines by a LATERAL sub-select
    after it, so the lock order is the one every writer of lines follows; a
    line inserted by a concurrent import of the same order while we waited is
    caught by the unique line key and the batch is retried. SQLite serialises
    writers anyway (IMMEDIATE transactions): an outer join does.
    """
    db = connections[router.db_for_write(Order)]
    order_fields, line_fields = Order._meta.concrete_fields, OrderLine._meta.concrete_fields
    qn = db.ops.quote_name
    orders_table, lines_table = qn(Order._meta.db_table), qn(OrderLine._meta.db_table)
    cols = ", ".join([*(f"o.{qn(f.column)}" for f in order_fields), *(f"l.{qn(f.column)}" for f in line_fields)])
    if db.vendor == "postgresql":
        sql = (f"WITH o AS MATERIALIZED (SELECT * FROM {orders_table} WHERE channel_id = %s AND external_id = ANY(%s) "  # noqa: S608
               f"ORDER BY id FOR UPDATE) SELECT {cols} FROM o LEFT JOIN LATERAL "
               f"(SELECT * FROM {lines_table} WHERE order_id = o.id ORDER BY id FOR UPDATE) l ON true")
        params = [channel.pk, ids]
    else:
        sql = (f"SELECT {cols} FROM {orders_table} o LEFT JOIN {lines_table} l ON l.order_id = o.id "  # noqa: S608
               f"WHERE o.channel_id = %s AND o.external_id IN ({', '.join(['%s'] * len(ids))})")
        params = [channel.pk, *ids]
    with bulk_cursor(db) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    existing: dict[str, Order] = {}
    lines: dict[tuple[int, str], OrderLine] = {}
    if not rows:
        return existing, lines
    order_names, line_names = [f.attname for f in order_fields], [f.attname for f in line_fields]
    convert = _converters(db, [*order_fields, *line_fields], [Order._meta.db_table] * len(order_fields)
                          + [OrderLine._meta.db_table] * len(line_fields))
    n, at = len(order_fields), order_names.index("external_id")
    for raw in rows:
        row = convert(raw)
        if row[at] not in existing:
            existing[row[at]] = Order.from_db(db.alias, order_names, row[:n])
        if row[n] is not None:
            line = OrderLine.from_db(db.alias, line_names, row[n:])
            lines[(line.order_id, line.line_key)] = line
    # In the orders' default order (newest first), as a plain query returns them.
    ordered = sorted(existing.values(), key=lambda o: (o.channel_created_at, o.pk), reverse=True)
    return {o.external_id: o for o in ordered}, lines


def _converters(db, fields, tables):
    """What the ORM does to values read from `db` (a date-time's text on SQLite, …), for rows of these columns."""
    from django.db.models.expressions import Col

    steps = []
    for i, (f, table) in enumerate(zip(fields, tables, strict=True)):
        col = Col(table, f)
        convs = db.ops.get_db_converters(col) + f.get_db_converters(db)
        if convs:
            steps.append((i, col, convs))

    def convert(row):
        row = list(row)
        for i, col, convs in steps:
            value = row[i]
            for conv in convs:
                value = conv(value, col, db)
            row[i] = value
        return row

    return convert


def _sku_issue(oid: str, ln) -> tuple[str, str, str]:
    return (oid, "sku_not_in_pos",
            f"SKU {ln.seller_sku or '(empty)'} is not in the POS (order {oid}); the order is imported without its stock effect")


def _line_ref(ln) -> tuple[str, str, str]:
    return (ln.item_id, ln.variant_id, ln.seller_sku.strip().upper())


class ResolvedSkus(dict):
    """{line ref: SKU id}, and in `bundles_known` whether each SKU found is a bundle (read with the mapping, so
    posting the lines' stock needs no separate bundle lookup: ledger_post_many's `bundles_known`)."""

    def __init__(self):
        super().__init__()
        self.bundles_known: dict[int, bool] = {}


def _resolve_skus(channel, lines) -> ResolvedSkus:
    """Map lines to SKUs: the listing's mapping first, else the seller SKU code (trimmed, any case)."""
    resolved = ResolvedSkus()
    if not lines:
        return resolved
    known = resolved.bundles_known
    codes = {ln.seller_sku.strip().upper() for ln in lines if ln.seller_sku.strip()}
    by_code = {}
    if codes:
        for ucode, pk, is_bundle in Sku.objects.annotate(ucode=Upper("code"), is_bundle=sku_is_bundle("pk")).filter(
            ucode__in=codes
        ).values_list("ucode", "pk", "is_bundle"):
            by_code[ucode], known[pk] = pk, is_bundle
    item_ids = {ln.item_id for ln in lines if ln.item_id}
    by_listing = {}
    if item_ids:
        for item, variant, sku, is_bundle in Listing.objects.filter(
            channel=channel, external_item_id__in=item_ids, sku__isnull=False
        ).annotate(is_bundle=sku_is_bundle("sku_id")).values_list("external_item_id", "external_variant_id", "sku_id", "is_bundle"):
            by_listing[(item, variant)], known[sku] = sku, is_bundle
    # Lazada's order items carry the SKU id but no item id: match the listing by its variant id alone.
    variant_ids = {ln.variant_id for ln in lines if not ln.item_id and ln.variant_id}
    by_variant = {}
    if variant_ids:
        for variant, sku, is_bundle in Listing.objects.filter(
            channel=channel, external_variant_id__in=variant_ids, sku__isnull=False
        ).annotate(is_bundle=sku_is_bundle("sku_id")).values_list("external_variant_id", "sku_id", "is_bundle"):
            by_variant[variant], known[sku] = sku, is_bundle
    for ln in lines:
        ref = _line_ref(ln)
        listed = by_listing.get((ln.item_id, ln.variant_id)) if ln.item_id else by_variant.get(ln.variant_id)
        sku = listed or by_code.get(ref[2])
        if sku:
            resolved[ref] = sku
    return resolved


def _effect_change(channel, order: Order, row: OrderLine) -> StockChange | None:
    target = line_effect(
        row.status, row.quantity, count_unpaid=channel.count_unpaid,
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
