"""Recording what a channel says about its orders (the RemoteOrder table)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import connections, router, transaction
from django.utils import timezone

from channels_app.adapters.types import RemoteOrderState
from inventory.services.ledger import bulk_cursor, datetime_adapter, fast_sql, value_batches, values_source
from orders.models import Order, RemoteOrder
from orders.overrides import channel_overrides
from orders.recency import is_newer
from orders.status_maps import RANK, canonical_status

COLUMNS = ("channel_id", "external_id", "raw_status", "status", "channel_updated_at", "first_seen_at", "seen_at")


def remote_orders_upsert(channel, newest: dict[str, tuple[str, str, datetime]], now: datetime) -> None:
    """Record the channel's word on some orders: {id: (raw status, canonical status, update time)}.

    A newer word replaces an older one, never the reverse (`is_newer`: the
    later update time, equal times to the further status); every row read is
    marked seen. One INSERT … ON CONFLICT DO UPDATE per 1,000 orders decides
    that row by row in the database, so nothing is read first; it locks the
    rows as an UPDATE would, in key order.
    """
    if not newest:
        return
    db = connections[router.db_for_write(RemoteOrder)]
    if not fast_sql(db):
        _remote_orders_upsert_orm(channel, newest, now)
        return
    qn = db.ops.quote_name
    table = qn(RemoteOrder._meta.db_table)
    adapt = datetime_adapter(db)
    stamp = adapt(now)
    rows = [(channel.pk, oid, raw[:64], status, adapt(updated_at), stamp, stamp) for oid, (raw, status, updated_at) in sorted(newest.items())]
    rank = "CASE {} " + " ".join(f"WHEN '{status}' THEN {n}" for status, n in RANK.items()) + " END"
    newer = (f"(excluded.channel_updated_at > {table}.channel_updated_at OR (excluded.channel_updated_at = {table}.channel_updated_at "
             f"AND {rank.format('excluded.status')} > {rank.format(table + '.status')}))")
    fields = [RemoteOrder._meta.get_field(name) for name in COLUMNS]
    with bulk_cursor(db) as cursor:
        for batch in value_batches(db, rows, len(COLUMNS)):
            source, params = values_source(db, fields, batch)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(COLUMNS)}) {source} "
                f"ON CONFLICT (channel_id, external_id) DO UPDATE SET seen_at = excluded.seen_at, "
                + ", ".join(f"{col} = CASE WHEN {newer} THEN excluded.{col} ELSE {table}.{col} END"
                            for col in ("raw_status", "status", "channel_updated_at")),
                params,
            )


def _remote_orders_upsert_orm(channel, newest: dict[str, tuple[str, str, datetime]], now: datetime) -> None:
    """remote_orders_upsert through the ORM, for a database without INSERT … ON CONFLICT DO UPDATE."""
    with transaction.atomic():
        known = {r.external_id: r for r in RemoteOrder.objects.select_for_update().filter(channel=channel, external_id__in=list(newest))}
        create, update = [], []
        for oid, (raw, status, updated_at) in newest.items():
            row = known.get(oid)
            if row is None:
                create.append(RemoteOrder(channel=channel, external_id=oid, raw_status=raw[:64], status=status,
                                          channel_updated_at=updated_at, first_seen_at=now, seen_at=now))
                continue
            row.seen_at = now
            if is_newer(updated_at, status, row.channel_updated_at, row.status):
                row.raw_status, row.status, row.channel_updated_at = raw[:64], status, updated_at
            update.append(row)
        if create:
            RemoteOrder.objects.bulk_create(create, ignore_conflicts=True)
        if update:
            RemoteOrder.objects.bulk_update(update, ["raw_status", "status", "channel_updated_at", "seen_at"])


def remote_orders_record(channel, states: Sequence[RemoteOrderState]) -> tuple[list[str], list[tuple[str, str]]]:
    """Upsert a chunk of remote states; return (ids needing details, failures).

    An id needs details when the POS lacks the order or holds an older raw
    status than the channel's newest word.
    """
    now = timezone.now()
    failures: list[tuple[str, str]] = []
    newest: dict[str, tuple[RemoteOrderState, str]] = {}
    overrides = channel_overrides(channel)
    for s in states:
        status = canonical_status(channel.platform, s.raw_status, overrides)
        cur = newest.get(s.external_id)
        if cur is None or is_newer(s.updated_at, status, cur[0].updated_at, cur[1]):
            newest[s.external_id] = (s, status)
    if not newest:
        return [], failures
    ids = list(newest)
    remote_orders_upsert(channel, {oid: (s.raw_status, status, s.updated_at) for oid, (s, status) in newest.items()}, now)
    pos = {e: (raw, upd, st) for e, raw, upd, st in Order.objects.filter(channel=channel, external_id__in=ids).values_list(
        "external_id", "raw_status", "channel_updated_at", "status")}
    needed = []
    for oid, (s, status) in newest.items():
        have = pos.get(oid)
        if have is None:
            needed.append(oid)
        elif is_newer(s.updated_at, status, have[1], have[2]) and (s.raw_status != have[0] or status != have[2]):
            needed.append(oid)
    return needed, failures
