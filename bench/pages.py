"""The dashboard pages on a large database: server time and queries per page.

Seeding writes the rows in bulk (COPY on PostgreSQL, executemany on SQLite),
never through the ORM one by one: at scale 1, 1,000,000 orders with
2,000,000 lines and as many ledger movements, 50,000 SKUs listed on 4
channels (200,000 listings), a remote order per order plus 1% missing and 1%
with a newer status, 2,000 runs and a year of daily reports.

Measuring runs in one process with Django's test client (no HTTP, no
browser): the time is the server's time to build each page, the queries are
counted with CaptureQueriesContext, and a query that COUNTs one of the big
tables is reported (paging must not count a million rows per request).
"""

from __future__ import annotations

import random
import re
import statistics
import time
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

CHANNELS = [("shopee", "Bench Shopee"), ("tiktok", "Bench TikTok"), ("lazada", "Bench Lazada"), ("woocommerce", "Bench Woo")]
STATUSES = [("to_ship", "READY_TO_SHIP", 30), ("shipped", "SHIPPED", 20), ("completed", "COMPLETED", 40), ("cancelled", "CANCELLED", 8),
            ("unpaid", "UNPAID", 2)]
BIG_TABLES = ("orders_order", "orders_orderline", "orders_remoteorder", "inventory_stockmovement", "inventory_listing")


def _loader(connection):
    """(table, columns, rows) -> bulk insert: COPY on PostgreSQL, executemany in chunks on SQLite."""

    def load(table: str, columns: list[str], rows) -> int:
        n = 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        n += 1
            else:
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
                chunk = []
                for row in rows:
                    chunk.append(row)
                    if len(chunk) >= 50_000:
                        cursor.executemany(sql, chunk)
                        n += len(chunk)
                        chunk = []
                if chunk:
                    cursor.executemany(sql, chunk)
                    n += len(chunk)
        return n

    return load


def seed(scale: float = 0.1, seed_value: int = 5) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from channels_app.models import Channel, RunKind, RunStatus, SyncRun
    from inventory.models import Listing, Location, Sku, StockLevel, StockMovement
    from omnisync.models import DailyReport
    from orders.models import Order, OrderLine, RemoteOrder

    rng = random.Random(seed_value)
    n_orders, n_skus = int(1_000_000 * scale), max(100, int(50_000 * scale))
    started = time.perf_counter()
    load = _loader(connection)
    dt = connection.ops.adapt_datetimefield_value
    now = timezone.now().replace(microsecond=0)
    stamps = [dt(now - timedelta(seconds=s)) for s in range(0, 365 * 86400, 3600)]  # hourly stamps over a year
    with transaction.atomic():
        location = Location.objects.create(code="PAGES", name="Pages warehouse")
        channels = []
        for platform, name in CHANNELS:
            ch = Channel(name=name, platform=platform, location=location, api_base_url=f"https://{platform}.invalid/")
            ch.credentials = {}
            ch.save()
            channels.append(ch)
        load("inventory_sku", ["id", "code", "name", "active"], ((i, f"SKU-{i:06d}", f"Product {i}", True) for i in range(1, n_skus + 1)))
        load("inventory_stocklevel", ["sku_id", "location_id", "on_hand", "allocated", "updated_at"],
             ((i, location.pk, 500, 20, stamps[0]) for i in range(1, n_skus + 1)))
        load("inventory_listing", ["channel_id", "external_item_id", "external_variant_id", "seller_sku", "title", "sku_id", "gone",
                                   "channel_stock", "channel_stock_read_at", "last_pushed_quantity", "last_pushed_at", "last_push_state",
                                   "last_push_error", "pushed_target", "seen_at", "warehouse_stock"],
             ((ch.pk, str(10_000_000 + i), "", f"SKU-{i:06d}", f"Product {i}", i if i % 50 else None, False,
               480 if i % 20 else 470, stamps[1], 480, stamps[2], "confirmed", "", 480, stamps[1], "{}")
              for ch in channels for i in range(1, n_skus + 1)))
        weights = [w for *_, w in STATUSES]

        def orders():
            for i in range(1, n_orders + 1):
                ch = channels[i % 4]
                status, raw, _w = rng.choices(STATUSES, weights)[0]
                created = stamps[(i * 7919) % len(stamps)]
                yield (i, ch.pk, f"{ch.platform[:2].upper()}{i:09d}", status, raw, created, created, 125000, "IDR", f"Buyer {i % 9973}",
                       created, created)

        load("orders_order", ["id", "channel_id", "external_id", "status", "raw_status", "channel_created_at", "channel_updated_at", "total",
                              "currency", "buyer_name", "imported_at", "updated_at"], orders())

        def lines():
            line_id = 0
            for order_id in range(1, n_orders + 1):
                for k in range(2):
                    line_id += 1
                    sku = (order_id * 31 + k * 17) % n_skus + 1
                    yield (line_id, order_id, f"{sku}:{k}", f"SKU-{sku:06d}", str(10_000_000 + sku), "", sku, 1, 62500, "completed",
                           "COMPLETED", stamps[order_id % len(stamps)], 0, 1, location.pk, 1)

        n_lines = load("orders_orderline", ["id", "order_id", "line_key", "seller_sku", "external_item_id", "external_variant_id", "sku_id",
                                            "quantity", "unit_price", "status", "raw_status", "status_updated_at", "applied_allocated",
                                            "applied_deducted", "applied_location_id", "effect_version"], lines())
        load("inventory_stockmovement", ["sku_id", "location_id", "on_hand_change", "allocated_change", "reason", "reference", "ref_type",
                                         "ref_id", "ref_seq", "note", "created_at"],
             (((lid * 31) % n_skus + 1, location.pk, -1, 0, "shipment", f"order {lid // 2}", "order_line", lid, 1, "",
               stamps[lid % len(stamps)]) for lid in range(1, n_lines + 1)))

        def remote():
            for i in range(1, n_orders + 1):
                ch = channels[i % 4]
                raw, status = ("COMPLETED", "completed") if i % 100 == 1 else ("READY_TO_SHIP", "to_ship")
                yield (ch.pk, f"{ch.platform[:2].upper()}{i:09d}", raw, status, stamps[0], stamps[1], stamps[0])
            for j in range(n_orders // 100):  # 1% missing from the POS
                ch = channels[j % 4]
                yield (ch.pk, f"MISSING{j:09d}", "READY_TO_SHIP", "to_ship", stamps[0], stamps[0], stamps[0])

        load("orders_remoteorder", ["channel_id", "external_id", "raw_status", "status", "channel_updated_at", "first_seen_at", "seen_at"],
             remote())
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Sku, StockLevel, Listing, Order, OrderLine, StockMovement, RemoteOrder]):
                cursor.execute(sql)
        SyncRun.objects.bulk_create([
            SyncRun(channel=channels[i % 4], kind=rng.choice(list(RunKind.values)), status=RunStatus.SUCCEEDED,
                    created_at=now - timedelta(hours=i), started_at=now - timedelta(hours=i), finished_at=now - timedelta(hours=i),
                    counts={"listed": 100}, message="ok")
            for i in range(2000)
        ], batch_size=500)
        DailyReport.objects.bulk_create([
            DailyReport(channel=ch, day=(now - timedelta(days=d)).date(), orders_on_channel=300, orders_imported=297, orders_missing=3)
            for ch in channels for d in range(365)
        ])
        get_user_model().objects.filter(username="bench").delete()
        get_user_model().objects.create_superuser("bench", "bench@example.invalid", "bench-pages-Pw-2026")
        Channel.objects.filter(pk__in=[c.pk for c in channels]).update(orders_missing=n_orders // 400, orders_wrong_status=n_orders // 400,
                                                                     orders_missing_since=now - timedelta(days=20))
    if connection.vendor == "postgresql":
        # A database in use has long been vacuumed (visibility map set, so index-only scans skip the heap) and
        # checkpointed; right after a bulk COPY it has not, and autovacuum and the checkpointer would do that work
        # while the pages are timed.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"orders": n_orders, "lines": n_lines, "skus": n_skus, "seconds": time.perf_counter() - started}


#: the lists whose every sortable column the benchmark sorts by: (name, path, extra query parameters)
SORTED_LISTS = [
    ("orders", "/orders/", {}),
    ("mismatches", "/orders/mismatches/", {}),
    ("discrepancies", "/stock/discrepancies/", {}),
    ("listings mapped", "/listings/", {"tab": "mapped"}),
    ("runs", "/runs/", {}),
    ("report", "/report/", {}),
]


def pages_list(first_channel: int, order_pk: int, deep: int = 0) -> list[tuple[str, str]]:
    """(name, url) of every measured page; a name ending in "deep" is reached with the list's own Next cursor
    at the middle of the list (the benchmark finds it beforehand, see :func:`deep_url`)."""
    pages = [
        ("dashboard", "/"),
        ("orders", "/orders/"),
        ("orders deep", "/orders/"),
        ("orders page 20", "/orders/?page=20"),
        ("orders filtered", f"/orders/?status=to_ship&channel={first_channel}"),
        ("orders filtered deep", f"/orders/?status=to_ship&channel={first_channel}"),
        ("orders search id", "/orders/?q=SH000123"),
        ("orders search buyer", "/orders/?q=Buyer+4321"),
        ("orders search none", "/orders/?q=nothing-like-this"),
        ("orders search deep", "/orders/?q=Buyer+12"),
        ("order detail", f"/orders/{order_pk}/"),
        ("mismatches", "/orders/mismatches/"),
        ("mismatches deep", "/orders/mismatches/"),
        ("mismatches missing", f"/orders/mismatches/?kind=missing&channel={first_channel}"),
        ("mismatches missing deep", f"/orders/mismatches/?kind=missing&channel={first_channel}"),
        ("mismatches search", "/orders/mismatches/?q=MISSING00000"),
        ("discrepancies", "/stock/discrepancies/"),
        ("discrepancies deep", "/stock/discrepancies/"),
        ("discrepancies filtered", f"/stock/discrepancies/?channel={first_channel}&direction=less"),
        ("discrepancies search", "/stock/discrepancies/?q=SKU-0123"),
        ("listings mapped", "/listings/?tab=mapped"),
        ("listings mapped deep", "/listings/?tab=mapped"),
        ("listings mapped search", "/listings/?tab=mapped&q=Product+4242"),
        ("listings not in POS", "/listings/?tab=not_in_pos"),
        ("listings not in POS deep", "/listings/?tab=not_in_pos"),
        ("listings not in channel", f"/listings/?tab=not_in_channel&channel={first_channel}"),
        ("listings not in channel search", f"/listings/?tab=not_in_channel&channel={first_channel}&q=SKU-0499"),
        ("runs", "/runs/"),
        ("runs deep", "/runs/"),
        ("report", "/report/"),
        ("report filtered", f"/report/?channel={first_channel}"),
        ("report year", "/report/?day_from=&day_to="),
        ("report year deep", "/report/?day_from=&day_to="),
    ]
    for name, path, extra in SORTED_LISTS:
        for column in _sortable(path, extra):
            query = urlencode({**extra, "sort": column})
            pages.append((f"{name} sort {column}", f"{path}?{query}"))
    return pages


def _view(url: str, user):
    """The list view serving ``url``, set up on a request for it (to ask it for a cursor)."""
    from django.test import RequestFactory
    from django.urls import resolve

    request = RequestFactory().get(url)
    request.user = user
    match = resolve(urlsplit(url).path)
    view = match.func.view_class()
    view.setup(request, **match.kwargs)
    return view


def _sortable(path: str, extra: dict) -> list[str]:
    from django.contrib.auth.models import AnonymousUser

    view = _view(f"{path}?{urlencode(extra)}", AnonymousUser())
    _, _, _, table_class, _ = view.list_state()
    table = table_class([])
    default = {c.lstrip("-") for c in getattr(table_class, "default_sort", ())}
    # Each orderable column once, the other way round from the default for the default's own column.
    return [f"-{c.name}" if c.name in default else c.name for c in table.columns if c.orderable]


def deep_url(url: str, user) -> str:
    """``url`` moved to the middle of its list with the list's own ``?after=`` cursor (the row found once, by OFFSET)."""
    view = _view(url, user)
    _, _, queryset, _, _ = view.list_state()
    middle = (queryset.order_by().count() // 2) // view.per_page * view.per_page
    token = view.cursor_at(middle)
    if token is None:
        return url
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}{urlencode({'page': middle // view.per_page + 1, 'after': token})}"


def measure(repeats: int = 7, scale: float = 0.1, only: str = "") -> dict:
    """p50/p95 server time and queries of every page (``only``: comma-separated name prefixes, for a quick look)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    import omnisync.wsgi  # noqa: F401  the server's setup, its objects frozen (gc.freeze) as a server's are
    from channels_app.models import Channel
    from orders.models import Order

    user = get_user_model().objects.get(username="bench")
    client = Client()
    client.force_login(user)
    first = Channel.objects.order_by("pk").first().pk
    order_pk = Order.objects.order_by("pk").values_list("pk", flat=True)[Order.objects.count() // 2] if scale < 0.2 else 500_000
    results = []
    storages = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES=storages, LANGUAGE_CODE="en"):
        for name, url in pages_list(first, order_pk):
            if only and not any(name.startswith(prefix) for prefix in only.split(",")):
                continue
            if name.endswith(" deep"):
                url = deep_url(url, user)
            times, queries, counts, status = [], 0, 0, None
            for i in range(repeats + 1):
                reset_queries()
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    response = client.get(url)
                    elapsed = time.perf_counter() - started
                status = response.status_code
                if i == 0:  # warm-up (first template compile, cold cache)
                    queries = len(ctx.captured_queries)
                    counts = sum(1 for q in ctx.captured_queries
                                 if "COUNT(" in q["sql"].upper() and any(t in q["sql"] for t in BIG_TABLES) and "GROUP BY" not in q["sql"].upper())
                    continue
                times.append(elapsed)
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            shown = re.search(r"Page (\d+)<", response.content.decode())
            results.append({"page": name, "url": url, "status": status, "p50_ms": 1000 * statistics.median(times), "p95_ms": 1000 * p95,
                            "queries": queries, "big_counts": counts, "page_number": int(shown.group(1)) if shown else 1})
    return {"pages": results}
