"""Download Orders: the product against a bare baseline on the same sandbox orders.

Seeding (its own process): POS SKUs with stock, sandbox shops with the same
SKUs and N orders each, spread over the last 20 days with realistic status
histories, and one POS channel per shop pointing at the sandbox server.

Measuring (a fresh process): the real job (run_request → run_claim →
run_perform) with every HTTP request recorded, queries counted and peak RSS
taken; then the baseline replays the same requests bare and inserts the rows
the product wrote (orders, lines, remote orders, ledger movements) for a twin
channel with one executemany per table.
"""

from __future__ import annotations

import math
import random
import time
from contextlib import contextmanager
from datetime import timedelta

SKUS = 500
#: Orders per platform in the latency profile.
LATENCY_ORDERS = 5000
#: Shopify's floor is its query-cost budget: 1,000 orders cost some 22,000 points, 20 s at Plus's 1,000 a second
#: (5,000 would be nearly two minutes).
LATENCY_ORDERS_BY_PLATFORM = {"shopify": 1000}
#: Orders per list page: the platform's largest (Shopify: `first` up to 250, ShopifyCost).
PAGE = {"shopee": 100, "tiktok": 100, "lazada": 100, "woocommerce": 100, "shopify": 250}
#: platforms whose order list lacks the details (lines, update time) so a detail call per 50 is unavoidable;
#: Shopify's list carries them too, but each costs points a state does not: states are listed (1 point an order)
#: and the orders to import read by id, as many a call as its 1,000 points allow (`shopify_detail_batch`).
DETAIL_BATCH = {"shopee": 50, "lazada": 50, "shopify": None}
FINALS = {
    "shopee": [("READY_TO_SHIP", 35), ("SHIPPED", 25), ("COMPLETED", 25), ("CANCELLED", 10), ("UNPAID", 5)],
    "tiktok": [("AWAITING_SHIPMENT", 35), ("IN_TRANSIT", 25), ("COMPLETED", 25), ("CANCELLED", 10), ("UNPAID", 5)],
    "lazada": [("pending", 35), ("shipped", 25), ("delivered", 25), ("canceled", 10), ("unpaid", 5)],
    "woocommerce": [("processing", 40), ("completed", 40), ("cancelled", 10), ("pending", 10)],
    "shopify": [("PAID/UNFULFILLED", 35), ("PAID/FULFILLED", 45), ("REFUNDED/FULFILLED/RETURNED", 5), ("CANCELLED", 10),
                ("PENDING/UNFULFILLED", 5)],
}


def shopify_detail_batch(shop_name: str, start, end) -> tuple[int, int]:
    """(orders per detail call, requested cost of one order) for the orders updated in [start, end).

    An order read with all its lines in one call needs lineItems(first: L) with L
    the most lines any of them has; its cost is ShopifyCost.order(L), and a call
    may ask for as many as 1,000 points (and 250 ids) allow.
    """
    from django.db.models import Count, Max

    from bench.common import ShopifyCost
    from sandbox.models import Order as SandboxOrder

    lines = SandboxOrder.objects.filter(shop__name=shop_name, updated_at__gte=start, updated_at__lt=end).annotate(
        n=Count("lines")).aggregate(m=Max("n"))["m"] or 1
    cost = ShopifyCost.order(lines)
    return ShopifyCost.per_call(cost), cost


def seed(base_url: str, shops: list[list], seed_value: int = 7) -> dict:
    """shops: [[platform, orders], ...]; returns the channel names created."""
    from django.utils import timezone

    from bench.common import sandbox_statistics
    from channels_app.models import Channel
    from inventory.models import Location, Sku
    from inventory.services.ledger import stock_import
    from sandbox import flows, services

    rng = random.Random(seed_value)
    location, _ = Location.objects.get_or_create(code="BENCH", defaults={"name": "Bench warehouse"})
    if not Sku.objects.exists():
        Sku.objects.bulk_create([Sku(code=f"BENCH-{i:05d}", name=f"Bench SKU {i}") for i in range(SKUS)])
        ids = dict(Sku.objects.values_list("code", "pk"))
        stock_import(location=location, quantities={pk: 10_000_000 for pk in ids.values()}, reference="bench opening stock")
    codes = [f"BENCH-{i:05d}" for i in range(SKUS)]
    now = timezone.now().replace(microsecond=0)
    names = []
    counters: dict[str, int] = {}
    for platform, n_orders in shops:
        counters[platform] = counters.get(platform, 0) + 1
        index = counters[platform]
        name = f"Bench {platform} {index}"
        shop = services.shop_create(platform, name, index=index)
        services.items_add_bulk(shop, [{"name": f"Item {c}", "sku": c, "stock": 10_000_000, "price": "25000"} for c in codes], now=now - timedelta(days=25))
        finals, weights = zip(*FINALS[platform], strict=True)
        paths = {f: flows.path_to(platform, f) for f in finals}
        span = 20 * 24 * 3600
        for start in range(0, n_orders, 2000):
            specs = []
            for _ in range(min(2000, n_orders - start)):
                created = now - timedelta(days=20) + timedelta(seconds=rng.randrange(span - 7200))
                path = paths[rng.choices(finals, weights)[0]]
                history = [(status, created + timedelta(minutes=7 * i)) for i, status in enumerate(path)]
                lines = [{"sku": c, "quantity": rng.randint(1, 2)} for c in rng.sample(codes, rng.choice((1, 1, 2, 3)))]
                specs.append({"lines": lines, "history": history, "buyer": "bench buyer"})
            services.orders_create_bulk(shop, specs, allow_oversell=True)
        details = next(s for s in services.shops_json(base_url) if s["shop"] == name)
        channel = Channel(name=name, platform=platform, location=location, api_base_url=details["base_url"],
                          auth_base_url=details["auth_base_url"] or "")
        channel.credentials = {k: str(v) for k, v in details["credentials"].items()}
        channel.save()
        names.append(name)
    sandbox_statistics()
    return {"channels": names}


def minimum_requests(channel) -> dict:
    """The fewest requests the platform's page and batch limits allow for this channel's window."""
    from django.utils import timezone

    from channels_app.adapters.registry import get_adapter
    from orders.jobs import order_window
    from sandbox.models import Order as SandboxOrder

    adapter = get_adapter(channel)
    start, end = order_window(channel, {}, now=timezone.now())
    name = channel.name
    pages, total, longest = 0, 0, 0
    for s in adapter.order_slices(start, end):
        n = SandboxOrder.objects.filter(shop__name=name, updated_at__gte=s.start, updated_at__lt=s.end).count()
        slice_pages = max(1, math.ceil(n / PAGE[channel.platform]))
        pages += slice_pages
        longest = max(longest, slice_pages)
        total += n
    batch = DETAIL_BATCH.get(channel.platform)
    cost = 0
    if channel.platform == "shopify":
        from bench.common import ShopifyCost

        batch, order_cost = shopify_detail_batch(name, start, end)
        cost = pages * ShopifyCost.STATE_PAGE + total * order_cost
    details = math.ceil(total / batch) if batch else 0
    # Dependent requests: a slice's list pages one after the other (each page's cursor or position comes
    # from the one before); slices are independent; the last detail call waits for the last page.
    critical = longest + (1 if details else 0)
    return {"orders": total, "list_pages": pages, "detail_calls": details, "minimum": pages + details,
            "by_api": {"list": pages, "detail": details}, "critical_path": critical, "detail_batch": batch, "cost": cost}


def run_job(channel, kind: str, params: dict | None = None):
    from channels_app.runs import run_claim, run_perform, run_request

    run, _ = run_request(channel, kind, params=params or {}, trigger="bench", queue=False)
    claimed = run_claim(run.pk)
    return run_perform(claimed)


def measure(channel_name: str, baseline: bool = True, profile: str = "", latency_ms: int = 0) -> dict:
    """The job, measured; with `latency_ms` the latency profile (the shop answers late, at its documented rate)."""
    from django.db import connection

    from bench.common import QueryCounter, latency_floor, rss_now, rss_peak, rss_peak_reset, shop_profile
    from bench.recording import RecordingSession, record_into_adapters, replay
    from channels_app.models import Channel, RunKind

    channel = Channel.objects.select_related("location").get(name=channel_name)
    minimum = minimum_requests(channel)
    if latency_ms:
        shop_profile(channel_name, latency_ms=latency_ms, rate_limited=True)
    record_into_adapters()
    connection.close()  # the job opens its own connection inside the measurement
    rss_peak_reset()
    rss_before = rss_now()
    counter = QueryCounter()
    started = time.perf_counter()
    with counter.installed(), profiled(profile):
        run = run_job(channel, RunKind.DOWNLOAD_ORDERS)
    seconds = time.perf_counter() - started
    peak = rss_peak() - rss_before
    records = RecordingSession.log
    result = {
        "channel": channel_name, "platform": channel.platform, "status": run.status, "message": run.message,
        "orders": minimum["orders"], "created": run.counts.get("created", 0), "seconds": seconds,
        "orders_per_s": minimum["orders"] / seconds if seconds else 0,
        "requests": run.requests_made, "requests_min": minimum["minimum"], "min_detail": minimum,
        "requests_ratio": run.requests_made / minimum["minimum"] if minimum["minimum"] else None,
        "queries": counter.count, "queries_per_100": 100 * counter.count / max(1, minimum["orders"]),
        "peak_rss_mb": peak / 2**20, "recorded_requests": len(records), "bytes": RecordingSession.bytes_received,
        "busy_answers": RecordingSession.busy_answers,
        "timeline": [(round(r.sent_at - started, 3), r.path.rsplit("/", 1)[-1]) for r in records] if latency_ms else [],
    }
    if latency_ms:
        result["floor"] = latency_floor(channel.platform, minimum["by_api"], minimum["critical_path"], latency_ms, cost=minimum["cost"])
        result["floor_ratio"] = seconds / result["floor"]["floor"]
    if baseline:
        http = replay(records)
        inserts = bare_insert(channel)
        result["baseline"] = {"http_seconds": http["seconds"], "insert_seconds": inserts["seconds"],
                              "seconds": http["seconds"] + inserts["seconds"], "rows": inserts["rows"],
                              "bytes": http["bytes"], "http_errors": http["http_errors"]}
        result["time_ratio"] = seconds / result["baseline"]["seconds"]
    return result


def latency_case(cfg, args, table, results) -> None:
    """Download Orders under the latency profile: each platform's rate and 150 ms a request, against the floor.

    Rows: run outcome, time vs floor (<= 1.2x), requests vs minimum (<= 1.05x),
    busy answers (0: the product stays inside the documented rate).
    """
    from bench.common import LATENCY_MS, PROFILE_SERVER, db_reset, profile_config, run_task, sandbox_server

    # 5,000: the job imports its last chunk of 500 orders after the last page arrives, about 0.5 s of
    # local work no overlap can hide; against a 3 s floor (2,000 orders) that alone is 1.17x.
    fast = cfg
    slow = profile_config(cfg)
    for plat in args.platforms.split(","):
        n = getattr(args, "latency_orders", None) or LATENCY_ORDERS_BY_PLATFORM.get(plat, LATENCY_ORDERS)
        db_reset(cfg)
        with sandbox_server(fast, **PROFILE_SERVER) as url:
            seeded = run_task(fast, "download_seed", base_url=url, shops=[[plat, n]])
            r = run_task(slow, "download_measure", channel_name=seeded["channels"][0], baseline=False, latency_ms=LATENCY_MS)
        results.setdefault("download_latency", []).append({"db": cfg.engine, "platform": plat, "result": r})
        add_latency_rows(table, "download latency", cfg.engine, f"{plat} {n:,} orders, {LATENCY_MS} ms, documented rates", r,
                         ok_run=r["status"] == "succeeded" and r["created"] == r["orders"], outcome=f"{r['status']} / {r['created']:,}")


def add_latency_rows(table, bench: str, db: str, case: str, r: dict, *, ok_run: bool, outcome: str, note: str = "") -> None:
    f = r["floor"]
    bound = "rate" if f["rate_seconds"] >= f["path_seconds"] else "critical path"
    if "cost" in f:  # Shopify: query cost, not requests
        rate = (f"{f['rate_seconds']:.2f} s = ({f['cost']:,.0f} points - {f['bucket']:,.0f} in the full bucket) "
                f"at {f['rate']:,.0f} points/s")
    else:
        rate = f"{f['rate_seconds']:.2f} s at {f['rate']:g}/s per {f['per']}"
    table.add(bench, db, case, "run outcome (latency profile)", outcome, target="succeeded, all", ok=ok_run)
    table.add(bench, db, case, f"time vs floor ({bound}: {rate}, "
              f"{f['critical_path']} dependent x {f['latency_ms']} ms = {f['path_seconds']:.2f} s" + (f"; {note}" if note else "") + ")",
              r["seconds"], f["floor"], "<= 1.2x", r["seconds"] <= 1.2 * f["floor"], "s")
    table.add(bench, db, case, "API requests vs minimum (latency profile)", r["requests"], r["requests_min"], "<= 1.05x",
              r["requests"] <= 1.05 * r["requests_min"])
    table.add(bench, db, case, "throttled or busy answers", r["busy_answers"], target="0 (inside the rate)", ok=r["busy_answers"] == 0)


@contextmanager
def profiled(path: str):
    """cProfile the block into `path` (for finding what to fix; off in normal runs)."""
    if not path:
        yield
        return
    import cProfile

    prof = cProfile.Profile()
    prof.enable()
    try:
        yield
    finally:
        prof.disable()
        prof.dump_stats(path)


def bare_insert(channel) -> dict:
    """Insert the rows the product wrote for `channel` again, for a twin channel, one executemany per table."""
    from django.db import connection, transaction
    from django.db.models import Max

    from channels_app.models import Channel
    from inventory.models import StockMovement
    from orders.models import Order, OrderLine, RemoteOrder

    twin = Channel.objects.get(pk=channel.pk)
    twin.pk = None
    twin.name = f"{channel.name} (baseline)"
    twin.save()

    def rows(model, qs, overrides):
        fields = [f for f in model._meta.concrete_fields]
        out = []
        for obj in qs.iterator(chunk_size=5000):
            out.append([overrides[f.attname](obj) if f.attname in overrides else f.get_db_prep_save(getattr(obj, f.attname), connection)
                        for f in fields])
        cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        return f"INSERT INTO {model._meta.db_table} ({cols}) VALUES ({marks})", out  # noqa: S608

    order_base = (Order.objects.aggregate(m=Max("pk"))["m"] or 0) + 1_000_000
    line_base = (OrderLine.objects.aggregate(m=Max("pk"))["m"] or 0) + 1_000_000
    remote_base = (RemoteOrder.objects.aggregate(m=Max("pk"))["m"] or 0) + 1_000_000
    move_base = (StockMovement.objects.aggregate(m=Max("pk"))["m"] or 0) + 1_000_000
    orders = Order.objects.filter(channel=channel)
    lines = OrderLine.objects.filter(order__channel=channel)
    line_ids = list(lines.values_list("pk", flat=True))
    statements = [
        rows(Order, orders, {"id": lambda o: o.pk + order_base, "channel_id": lambda o: twin.pk}),
        rows(OrderLine, lines, {"id": lambda ln: ln.pk + line_base, "order_id": lambda ln: ln.order_id + order_base}),
        rows(RemoteOrder, RemoteOrder.objects.filter(channel=channel),
             {"id": lambda r: r.pk + remote_base, "channel_id": lambda r: twin.pk}),
        rows(StockMovement, StockMovement.objects.filter(ref_type="order_line", ref_id__in=line_ids) if len(line_ids) < 30000
             else StockMovement.objects.filter(ref_type="order_line", ref_id__gte=min(line_ids), ref_id__lte=max(line_ids)),
             {"id": lambda m: m.pk + move_base, "ref_id": lambda m: m.ref_id + line_base}),
    ]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, values in statements:
            if values:
                cursor.executemany(sql, values)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": {sql.split()[2]: len(values) for sql, values in statements}}
