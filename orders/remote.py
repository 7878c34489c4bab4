"""Recording what a channel says about its orders (the RemoteOrder table)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from channels_app.adapters.types import RemoteOrderState
from orders.models import Order, RemoteOrder
from orders.overrides import channel_overrides
from orders.recency import is_newer
from orders.status_maps import canonical_status


def remote_orders_upsert(channel, newest: dict[str, tuple[str, str, datetime]], now: datetime) -> None:
    """Record the channel's word on some orders: {id: (raw status, canonical status, update time)}.

    A newer word replaces an older one, never the reverse; every row read is marked seen.
    """
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
