"""Recording what a channel says about its orders (the RemoteOrder table)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from channels_app.adapters.types import RemoteOrderState
from orders.models import Order, RemoteOrder
from orders.recency import is_newer
from orders.status_maps import UnknownStatus, canonical_status


def remote_orders_record(channel, states: Sequence[RemoteOrderState]) -> tuple[list[str], list[tuple[str, str]]]:
    """Upsert a chunk of remote states; return (ids needing details, failures).

    An id needs details when the POS lacks the order or holds an older raw
    status than the channel's newest word.
    """
    now = timezone.now()
    failures: list[tuple[str, str]] = []
    newest: dict[str, tuple[RemoteOrderState, str]] = {}
    for s in states:
        try:
            status = canonical_status(channel.platform, s.raw_status)
        except UnknownStatus as exc:
            failures.append((s.external_id, str(exc)))
            continue
        cur = newest.get(s.external_id)
        if cur is None or is_newer(s.updated_at, status, cur[0].updated_at, cur[1]):
            newest[s.external_id] = (s, status)
    if not newest:
        return [], failures
    ids = list(newest)
    with transaction.atomic():
        known = {r.external_id: r for r in RemoteOrder.objects.select_for_update().filter(channel=channel, external_id__in=ids)}
        create, update = [], []
        for oid, (s, status) in newest.items():
            row = known.get(oid)
            if row is None:
                create.append(RemoteOrder(channel=channel, external_id=oid, raw_status=s.raw_status[:64], status=status,
                                          channel_updated_at=s.updated_at, first_seen_at=now, seen_at=now))
            else:
                row.seen_at = now
                if is_newer(s.updated_at, status, row.channel_updated_at, row.status):
                    row.raw_status, row.status, row.channel_updated_at = s.raw_status[:64], status, s.updated_at
                update.append(row)
        if create:
            RemoteOrder.objects.bulk_create(create, ignore_conflicts=True)
        if update:
            RemoteOrder.objects.bulk_update(update, ["raw_status", "status", "channel_updated_at", "seen_at"])
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
