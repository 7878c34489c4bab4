"""Update Inventory: M listings on a channel, K of them with a changed POS stock.

Seeding (its own process): M SKUs in the POS and M simple items in a sandbox
shop with the same codes, a full Scan Channel and a first Update Inventory so
every listing shows its target. Then K SKUs get a stock count that moves
their target. Measuring (a fresh process): the plan alone (best of 3), then
the real job; then the job again, which must push nothing and ask nothing.

The minimum is what the platform's batch limits allow for the K changed
listings: pushes (Shopee and TikTok one item per call, Lazada 50 SKUs,
WooCommerce 100) plus the read-back of exactly those listings (Shopee 50
items per base-info call, WooCommerce 100 per page; TikTok and Lazada, whose
sandbox has no read-by-id call, read their catalogue: M/100 and M/50 pages).
"""

from __future__ import annotations

import math
import random
import time

PUSH_PER_CALL = {"shopee": 1, "tiktok": 1, "lazada": 50, "woocommerce": 100}
READ_BY_ID = {"shopee": 50, "woocommerce": 100}
CATALOGUE_PAGE = {"tiktok": 100, "lazada": 50}


def seed(base_url: str, platform: str, listings: int, changed: int, seed_value: int = 11) -> dict:
    from bench.download import run_job
    from channels_app.models import Channel, RunKind
    from inventory.models import Location, Sku, StockLevel
    from inventory.services.ledger import stock_import
    from sandbox import services

    rng = random.Random(seed_value)
    location, _ = Location.objects.get_or_create(code="BENCH-INV", defaults={"name": "Bench inventory warehouse"})
    codes = [f"INV-{platform[:2].upper()}-{i:06d}" for i in range(listings)]
    Sku.objects.bulk_create([Sku(code=c, name=f"Bench item {c}") for c in codes], batch_size=2000)
    ids = dict(Sku.objects.filter(code__in=codes).values_list("code", "pk")) if listings < 30000 else dict(
        Sku.objects.filter(code__startswith=f"INV-{platform[:2].upper()}-").values_list("code", "pk"))
    stock_import(location=location, quantities={ids[c]: 100 for c in codes}, reference="bench opening stock")
    name = f"Bench inventory {platform}"
    shop = services.shop_create(platform, name, index=50)
    for start in range(0, listings, 5000):
        services.items_add_bulk(shop, [{"name": f"Item {c}", "sku": c, "stock": 100, "price": "25000"} for c in codes[start:start + 5000]])
    details = next(s for s in services.shops_json(base_url) if s["shop"] == name)
    channel = Channel(name=name, platform=platform, location=location, api_base_url=details["base_url"],
                      auth_base_url=details["auth_base_url"] or "")
    channel.credentials = {k: str(v) for k, v in details["credentials"].items()}
    channel.save()
    scan = run_job(channel, RunKind.SCAN, {"full": True})
    first = run_job(channel, RunKind.UPDATE_INVENTORY)
    picked = rng.sample(codes, changed)
    # K SKUs change in the POS (a delivery, a stock count): their targets move.
    levels = {lv.sku_id: lv for lv in StockLevel.objects.filter(location=location, sku_id__in=[ids[c] for c in picked])}
    stock_import(location=location, quantities={ids[c]: levels[ids[c]].on_hand + rng.randint(1, 20) for c in picked},
                 reference="bench delivery")
    return {"channel": name, "scan": scan.status, "scan_requests": scan.requests_made, "first_update": first.status,
            "first_pushed": first.counts.get("pushed")}


def minimum(platform: str, listings: int, changed: int) -> dict:
    pushes = math.ceil(changed / PUSH_PER_CALL[platform])
    if platform in READ_BY_ID:
        reads = math.ceil(changed / READ_BY_ID[platform])
    else:
        reads = math.ceil(listings / CATALOGUE_PAGE[platform])
    return {"push": pushes, "read_back": reads, "total": pushes + reads}


def measure(channel_name: str, listings: int, changed: int, profile: str = "") -> dict:
    from bench.common import QueryCounter
    from bench.download import profiled, run_job
    from bench.recording import RecordingSession, record_into_adapters
    from channels_app.models import Channel, RunKind
    from inventory.planning import inventory_plan

    channel = Channel.objects.select_related("location").get(name=channel_name)
    plan_times = []
    for _ in range(3):
        started = time.perf_counter()
        plan = inventory_plan(channel)
        plan_times.append(time.perf_counter() - started)
    planned = sum(1 for p in plan if p.action == "push")
    record_into_adapters()
    counter = QueryCounter()
    started = time.perf_counter()
    with counter.installed(), profiled(profile):
        run = run_job(channel, RunKind.UPDATE_INVENTORY)
    seconds = time.perf_counter() - started
    push_paths = ("update_stock", "inventory/update", "price_quantity/update", "/batch")
    push_requests = sum(1 for r in RecordingSession.log if any(k in r.path for k in push_paths))
    again = run_job(Channel.objects.get(pk=channel.pk), RunKind.UPDATE_INVENTORY)
    mins = minimum(channel.platform, listings, changed)
    pushed = run.counts.get("pushed", 0)
    return {
        "platform": channel.platform, "listings": listings, "changed": changed, "planned": planned,
        "plan_seconds": min(plan_times), "status": run.status, "message": run.message, "seconds": seconds,
        "pushed": pushed, "confirmed": run.counts.get("confirmed", 0), "pushes_per_s": pushed / seconds if seconds else 0,
        "requests": run.requests_made, "requests_min": mins["total"], "min_detail": mins,
        "push_requests": push_requests, "read_requests": run.requests_made - push_requests,
        "requests_ratio": run.requests_made / mins["total"] if mins["total"] else None,
        "queries": counter.count, "rerun_requests": again.requests_made, "rerun_pushed": again.counts.get("pushed", 0),
    }
