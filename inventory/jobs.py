"""Scan Channel and Update Inventory (DESIGN.md sections 4 and 5)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from channels_app.adapters.registry import get_adapter
from channels_app.adapters.types import StockUpdate
from channels_app.models import Channel
from channels_app.runs import RunContext
from inventory.listings import listings_mark_gone, listings_not_in_pos_count, listings_upsert
from inventory.models import Listing, PushState
from inventory.planning import inventory_plan
from inventory.push_record import PushRecord
from inventory.targets import discrepancy_count
from omnisync.lib.http import ApiError

CHUNK = 500
#: Listings handed to the adapter at once: what the channel's rate pushes in PUSH_CHUNK_SECONDS, at least
#: PUSH_CHUNK. Between two chunks the last requests of one come back with none in flight (about a round trip
#: lost), so a channel that pushes faster gets bigger chunks; progress and the pushes' record are written once a
#: chunk.
PUSH_CHUNK = 500
PUSH_CHUNK_SECONDS = 20


def scan_job(ctx: RunContext) -> None:
    channel = ctx.channel
    adapter = get_adapter(channel)
    ctx.sessions.append(adapter.session)
    full = bool(ctx.params.get("full")) or channel.last_scan_at is None
    started = timezone.now()
    since = None if full else channel.last_scan_at - timedelta(minutes=5)
    scan_listings(ctx, adapter, since)
    if full:
        ctx.count("gone", listings_mark_gone(channel, started))
    channel_counts_refresh(channel, last_scan_at=started)
    ctx.message = f"{'Full' if full else 'Changed-only'} scan: {ctx.counts.get('listed', 0)} listing(s) read."


def scan_listings(ctx: RunContext, adapter, since) -> None:
    chunk = []
    for item in adapter.list_listings(changed_since=since):
        chunk.append(item)
        if len(chunk) >= CHUNK:
            _store(ctx, chunk)
            chunk = []
    if chunk:
        _store(ctx, chunk)


def _store(ctx: RunContext, chunk) -> None:
    created, updated = listings_upsert(ctx.channel, chunk)
    ctx.count("listed", len(chunk))
    ctx.count("created", created)
    ctx.count("updated", updated)
    ctx.progress(ctx.counts["listed"], max(ctx.run.progress_total, ctx.counts["listed"]))


def channel_counts_refresh(channel: Channel, **extra) -> None:
    fields = {"listings_not_in_pos": listings_not_in_pos_count(channel), "stock_discrepancies": discrepancy_count(channel), **extra}
    Channel.objects.filter(pk=channel.pk).update(**fields)
    for k, v in fields.items():
        setattr(channel, k, v)


def update_inventory_job(ctx: RunContext) -> None:
    channel = ctx.channel
    adapter = get_adapter(channel)
    ctx.sessions.append(adapter.session)
    if ctx.params.get("scan"):
        scan_listings(ctx, adapter, None)
    plan = inventory_plan(channel, force=bool(ctx.params.get("force")))
    pushes = [p for p in plan if p.action == "push"]
    held = [p for p in plan if p.action == "hold"]
    ctx.counts.update({"planned": len(plan), "pushed": 0, "refused": 0, "held": len(held), "confirmed": 0, "not_applied": 0})
    if ctx.params.get("dry_run"):
        ctx.counts["dry_run"] = 1
        ctx.message = f"Dry run: {len(pushes)} listing(s) would be pushed, {len(held)} held back."
        return
    now = timezone.now()
    if held:
        Listing.objects.filter(pk__in=[p.listing_id for p in held]).update(last_push_state=PushState.HELD)
        for p in held:
            ctx.issue(p.reason, object_type="listing", object_ref=p.seller_sku or p.listing_id, code="held", severity="warning")
    ctx.progress(0, len(pushes), force=True)
    chunk = max(PUSH_CHUNK, int(adapter.rate_per_second * adapter.listings_per_push * PUSH_CHUNK_SECONDS))
    record = PushRecord(ctx, adapter, now)
    for start in range(0, len(pushes), chunk):
        part = pushes[start:start + chunk]
        record.expect(part)
        try:
            results = adapter.push_stock([StockUpdate(p.item_id, p.variant_id, p.seller_sku, p.target, p.warehouses) for p in part])
        except ApiError as exc:
            # What was applied before the platform stopped answering is recorded, then the run fails.
            record.answers(exc.partial_results or [])
            raise
        # The last chunk's rows are written with the read-back (`PushRecord`): no write between the two.
        record.answers(results, hold=start + chunk >= len(pushes))
        ctx.progress(min(start + chunk, len(pushes)))
    record.read_back()
    channel_counts_refresh(channel)
    ctx.message = (
        f"{ctx.counts['pushed']} pushed, {ctx.counts['confirmed']} confirmed, {ctx.counts['not_applied']} not applied, "
        f"{ctx.counts['refused']} refused, {len(held)} held back."
    )

