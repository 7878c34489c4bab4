"""The "order changed" handling every platform's push shares: record the ids, request one targeted download.

Debouncing, in the database's words: each notified order is one OrderNotice
row per channel (duplicates collapse into it), pending until a run has read
it. A push requests a Download Orders run naming the pending ids
(`order_ids`); while that run is still queued, later pushes add their ids to
it, so a burst becomes one run. Once a run has started, what arrives is left
pending, and when the run finishes (`order_notices_on_run_finished`) the
notices it read are marked taken and whatever is still pending gets one more
run. At most one Download Orders run is active per channel (the database
refuses a second), so a scheduled download that is running holds the pushes
back until it ends, and the next run reads them.

A notice is taken only if it arrived before the run started: the run read the
order after that, so it saw the change. A notice whose update time is not
newer than one already recorded (a duplicate, or a late push older than what
we know) wakes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from channels_app.models import Channel, RunKind, RunStatus, SyncRun
from channels_app.runs import run_request
from omnisync.models import OrderNotice
from omnisync.webhooks.base import Notice

log = logging.getLogger(__name__)

#: Orders one pushed run reads at most (a sale-day burst is split over several runs, each a few detail calls).
PUSH_BATCH = 500
TRIGGER = "webhook"


def order_notices_record(channel: Channel, notices: Sequence[Notice]) -> list[str]:
    """Record what a push named; return the ids that are (again) waiting to be read.

    One read and at most one insert and one update per delivery, whatever the
    number of orders in it.
    """
    newest: dict[str, Notice] = {}
    for n in notices:
        cur = newest.get(n.external_id)
        if cur is None or (n.changed_at and (cur.changed_at is None or n.changed_at > cur.changed_at)):
            newest[n.external_id] = n
    if not newest:
        return []
    now = timezone.now()
    woken: list[str] = []
    with transaction.atomic():
        known = {r.external_id: r for r in OrderNotice.objects.select_for_update().filter(channel=channel, external_id__in=list(newest))}
        create, update = [], []
        for oid, n in newest.items():
            row = known.get(oid)
            if row is None:
                create.append(OrderNotice(channel=channel, external_id=oid, changed_at=n.changed_at, received_at=now))
                woken.append(oid)
                continue
            row.notices += 1
            stale = n.changed_at is not None and row.changed_at is not None and n.changed_at <= row.changed_at
            if not stale:
                row.changed_at = n.changed_at or row.changed_at
                row.received_at, row.taken_at, row.run = now, None, None
                woken.append(oid)
            update.append(row)
        if create:
            OrderNotice.objects.bulk_create(create, ignore_conflicts=True)  # a concurrent delivery of the same order won
        if update:
            OrderNotice.objects.bulk_update(update, ["notices", "changed_at", "received_at", "taken_at", "run"])
    return woken


def order_notices_pending(channel: Channel, limit: int = PUSH_BATCH) -> list[str]:
    return list(OrderNotice.objects.filter(channel=channel, taken_at__isnull=True)
                .order_by("received_at", "pk").values_list("external_id", flat=True)[:limit])


def order_notices_download(channel: Channel) -> tuple[SyncRun | None, bool]:
    """Request a Download Orders run for the pending notices, or fold them into the one still queued.

    (None, False) when nothing is pending. A run that is already going (or a
    queued scheduled one, which reads a window, not ids) is returned as it is:
    what it does not read stays pending for the run after it.
    """
    ids = order_notices_pending(channel)
    if not ids:
        return None, False
    run, created = run_request(channel, RunKind.DOWNLOAD_ORDERS, trigger=TRIGGER, params={"order_ids": ids})
    if not created and run.status == RunStatus.QUEUED and (run.params or {}).get("order_ids"):
        merged = list(dict.fromkeys([*run.params["order_ids"], *ids]))[:PUSH_BATCH]
        if len(merged) > len(run.params["order_ids"]):
            # Only while it is queued: the claim reads the params after this, or this finds it running and does nothing.
            SyncRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(params={**run.params, "order_ids": merged})
    return run, created


def order_notices_receive(channel: Channel, notices: Sequence[Notice]) -> tuple[SyncRun | None, bool]:
    """A verified push: record it, and make sure a run will read whatever is pending.

    Asked even when the push woke nothing new: a pending notice whose run was
    ended without a word (a worker that died, failed by the janitor) is
    picked up by the next push that mentions anything.
    """
    order_notices_record(channel, notices)
    return order_notices_download(channel)


def order_notices_on_run_finished(sender, run: SyncRun, **kwargs) -> None:
    """Mark what a finished Download Orders run read; give whatever is still pending one more run.

    Notices are taken whatever the run's outcome: an order it could not read
    is recorded on the run, and the scheduled download reads it again, so a
    permanently failing order cannot keep requesting runs.
    """
    if run.kind != RunKind.DOWNLOAD_ORDERS:
        return
    ids = (run.params or {}).get("order_ids") or []
    if ids and run.started_at:
        OrderNotice.objects.filter(channel_id=run.channel_id, external_id__in=[str(i) for i in ids], taken_at__isnull=True,
                                   received_at__lte=run.started_at).update(taken_at=timezone.now(), run=run)
    if not OrderNotice.objects.filter(channel_id=run.channel_id, taken_at__isnull=True).exists():
        return
    channel = Channel.objects.filter(pk=run.channel_id, active=True).first()
    if channel is None:
        return
    next_run, created = order_notices_download(channel)
    if created:
        log.info("channel %s: %s pushed order(s) arrived during run %s; run %s reads them", channel.pk,
                 len(next_run.params["order_ids"]), run.pk, next_run.pk)
