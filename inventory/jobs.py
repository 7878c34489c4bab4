"""Scan Channel and Update Inventory (DESIGN.md sections 4 and 5)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from channels_app.adapters.registry import get_adapter
from channels_app.adapters.types import StockUpdate
from channels_app.models import Channel
from channels_app.runs import RunContext
from inventory.listings import listings_mark_gone, listings_not_in_pos_count, listings_upsert, listings_write
from inventory.models import Listing, PushState
from inventory.planning import inventory_plan
from inventory.targets import discrepancy_count
from omnisync.lib.http import ApiError

CHUNK = 500
#: Listings handed to the adapter at once: what the channel's rate pushes in PUSH_CHUNK_SECONDS, at least
#: PUSH_CHUNK. Between two chunks the last requests of one come back with none in flight (about a round trip
#: lost), so a channel that pushes faster gets bigger chunks; progress and the pushes' record are written once a
#: chunk.
PUSH_CHUNK = 500
PUSH_CHUNK_SECONDS = 20
PUSHED_FIELDS = ("last_pushed_quantity", "last_pushed_at", "pushed_target", "last_push_state", "last_push_error")
REFUSED_FIELDS = ("last_pushed_at", "pushed_target", "last_push_state", "last_push_error")


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
    pushed_ok: dict[tuple[str, str], int] = {}
    by_key = {}
    for start in range(0, len(pushes), chunk):
        part = pushes[start:start + chunk]
        updates = [StockUpdate(p.item_id, p.variant_id, p.seller_sku, p.target, p.warehouses) for p in part]
        for p in part:
            by_key[(p.item_id, p.variant_id)] = p
        try:
            results = adapter.push_stock(updates)
        except ApiError as exc:
            # What was applied before the platform stopped answering is recorded, then the run fails.
            _record_results(ctx, adapter, exc.partial_results or [], by_key, pushed_ok, now)
            raise
        _record_results(ctx, adapter, results, by_key, pushed_ok, now)
        ctx.progress(min(start + chunk, len(pushes)))
    if pushed_ok:
        _read_back(ctx, adapter, pushed_ok, by_key)
    channel_counts_refresh(channel)
    ctx.message = (
        f"{ctx.counts['pushed']} pushed, {ctx.counts['confirmed']} confirmed, {ctx.counts['not_applied']} not applied, "
        f"{ctx.counts['refused']} refused, {len(held)} held back."
    )


def _record_results(ctx: RunContext, adapter, results, by_key: dict, pushed_ok: dict, now) -> None:
    ok_rows, failed_rows = [], []
    for r in results:
        p = by_key.get((r.item_id, r.variant_id))
        if p is None:
            continue
        if r.applied:
            pushed_ok[(r.item_id, r.variant_id)] = p.target
            ok_rows.append((p.listing_id, p.target, now, p.target, PushState.PENDING.value, ""))
        else:
            ctx.count("refused")
            failed_rows.append((p.listing_id, now, p.target, PushState.FAILED.value, r.reason[:2000]))
            ctx.issue(f"{_platform(adapter)} refused the stock update for {p.seller_sku or p.item_id}: {r.reason}",
                      object_type="listing", object_ref=p.seller_sku or p.item_id, code="push_refused")
    listings_write(PUSHED_FIELDS, ok_rows)
    listings_write(REFUSED_FIELDS, failed_rows)
    ctx.count("pushed", len(ok_rows))


def _read_back(ctx: RunContext, adapter, pushed_ok: dict, by_key: dict) -> None:
    """Read the pushed listings again: a platform can answer success and change nothing."""
    seen = {}
    seen_warehouses = {}
    chunk = []
    for item in adapter.read_listings(list(pushed_ok)):
        chunk.append(item)
        if (item.item_id, item.variant_id) in pushed_ok:
            seen[(item.item_id, item.variant_id)] = item.stock
            seen_warehouses[(item.item_id, item.variant_id)] = dict(item.warehouse_stock)
        if len(chunk) >= CHUNK:
            listings_upsert(ctx.channel, chunk)
            chunk = []
    if chunk:
        listings_upsert(ctx.channel, chunk)
    confirmed, not_applied = [], []
    for key, target in pushed_ok.items():
        p = by_key[key]
        if p.warehouses:
            shown = seen_warehouses.get(key, {})
            applied = all(shown.get(wid) == qty for wid, qty in p.warehouses)
        else:
            applied = seen.get(key) == target
        if applied:
            confirmed.append(p.listing_id)
        else:
            not_applied.append(p.listing_id)
            ctx.issue(
                f"{_platform(adapter)} answered success for {p.seller_sku or p.item_id} but still shows {seen.get(key, 'nothing')} instead of {target}; "
                "the update was not applied. Run Update Inventory again.",
                object_type="listing", object_ref=p.seller_sku or p.item_id, code="not_applied",
            )
    Listing.objects.filter(pk__in=confirmed).update(last_push_state=PushState.CONFIRMED)
    Listing.objects.filter(pk__in=not_applied).update(last_push_state=PushState.NOT_APPLIED)
    ctx.count("confirmed", len(confirmed))
    ctx.count("not_applied", len(not_applied))


def _platform(adapter) -> str:
    return adapter.label or adapter.channel.get_platform_display()
