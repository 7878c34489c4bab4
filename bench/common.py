"""What every benchmark shares: its own database, a separate server process, and one subprocess per measurement.

The product and the sandbox it talks to run in different processes, so the
client's time, queries and memory are the product's alone: the sandbox is
served by gunicorn (2 gthread workers) in its own process group. Each
measurement runs in a fresh Python process, so its peak memory is not
inherited from seeding or from an earlier measurement.

The latency profile (issue 13) runs the same jobs against a sandbox that
answers each request 150 ms late and enforces each platform's documented (or
assumed) request rate with the platform's throttle answer
(`sandbox.faults.RATE_LIMITS`; Shopify: its query-cost bucket), with the
product's real rate limits (HTTP_RATE_LIMIT_SCALE=1). Its floor is the time
the platform itself allows: max(requests / allowed rate, dependent requests on
the critical path × latency); for Shopify max(requested cost beyond the full
bucket / restore rate, critical path × latency) (`ShopifyCost`). The sandbox is then served by one gunicorn process with many
threads: the rate is counted in that process, and the latency overlaps.

Benchmarks never touch the developer's database: SQLite uses
var/bench/bench.sqlite3, PostgreSQL a database named `omnisync_bench` (or $BENCH_DB_NAME) on
the server given by --database-url (whatever database that URL names).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
#: The benchmark's files (SQLite database, server log); $BENCH_VAR_DIR runs two benchmarks side by side.
VAR = Path(os.environ["BENCH_VAR_DIR"]) if os.environ.get("BENCH_VAR_DIR") else ROOT / "var" / "bench"
#: The benchmark's PostgreSQL database; $BENCH_DB_NAME gives another, so two people can bench on one server.
BENCH_DB = os.environ.get("BENCH_DB_NAME") or "omnisync_bench"
if not BENCH_DB.isidentifier() or not BENCH_DB.isascii():  # it goes into CREATE/DROP DATABASE as it is
    raise SystemExit(f"BENCH_DB_NAME must be a plain identifier (got {BENCH_DB!r})")


class Config:
    """The run's choices, passed to every subprocess through the environment."""

    def __init__(self, database_url: str | None = None, rate_scale: float = 1000.0, redis_url: str | None = None):
        self.database_url = bench_database_url(database_url) if database_url else None
        self.rate_scale = rate_scale
        self.redis_url = redis_url

    @property
    def engine(self) -> str:
        return "postgresql" if self.database_url else "sqlite"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("DATABASE_URL", "SQLITE_PATH", "REDIS_URL"):
            env.pop(name, None)
        env.update(
            DJANGO_SETTINGS_MODULE="omnisync.settings",
            DEBUG="0",  # no query log in connection.queries, no debug toolbar-ish overheads
            SECRET_KEY="bench-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz",  # noqa: S106
            OMNISYNC_SANDBOX="1",
            ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
            SECURE_SSL_REDIRECT="0",
            HTTP_RATE_LIMIT_SCALE=str(self.rate_scale),
            HTTP_BACKOFF_BASE_MS="20",
            LOG_LEVEL="WARNING",
            OMNISYNC_VAR_DIR=str(VAR),
            PYTHONPATH=str(ROOT),
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
            env["DB_CONN_MAX_AGE"] = "600"
        else:
            env["SQLITE_PATH"] = str(VAR / "bench.sqlite3")
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        return env

    def to_json(self) -> str:
        return json.dumps({"database_url": self.database_url, "rate_scale": self.rate_scale, "redis_url": self.redis_url})


#: The latency profile: every sandbox answer this late (ms), the documented rates enforced.
LATENCY_MS = 150
#: One process (the sandbox counts the rate in memory), threads enough for every request in flight.
PROFILE_SERVER = {"workers": 1, "threads": 48}


def profile_config(cfg: Config) -> Config:
    """The same run's database, with the platforms' real rate limits on the product side."""
    out = Config(rate_scale=1.0, redis_url=cfg.redis_url)
    out.database_url = cfg.database_url
    return out


def shop_profile(shop_name: str, *, latency_ms: int, rate_limited: bool) -> None:
    """Switch a sandbox shop's latency and rate limits (in a task process; the server reads the shop per request)."""
    from sandbox.models import Shop

    Shop.objects.filter(name=shop_name).update(latency_ms=latency_ms, rate_limited=rate_limited, fault_draws=0)


class ShopifyCost:
    """What Shopify's GraphQL Admin API allows, from its documentation, for the minimum and the floor of Shopify rows.

    Shopify limits query *cost*, not requests (shopify.dev, "GraphQL Admin API
    rate limits", and "Shopify API limits"):
    - RESTORE: the bucket refills at 1,000 points a second on Shopify Plus
      (Standard 100, Advanced 200, enterprise 2,000): documented. Plus is the
      sandbox's default plan (sandbox/platforms/shopify.py PLANS["plus"]).
    - BUCKET: 2,000 points when full: shopify.dev gives no bucket size per
      plan, so this is the sandbox's assumption for Plus (PLANS["plus"]);
      `check()` makes sure the sandbox the run talks to holds these figures.
    - MAX_QUERY: one query may request at most 1,000 points (MAX_COST_EXCEEDED): documented.
    - MAX_PAGE, MAX_INPUT: `first` and input arrays (ids, inventorySetQuantities
      quantities) at most 250: documented ("Input arguments that accept an array
      have a maximum size of 250").
    - Requested cost: object 1, scalar and enum 0, connection 2 + first × its
      node, `nodes(ids:)` one node per id asked, mutation 10: documented ("Cost
      calculation"). The requested cost counts what is asked for (`first`),
      not what comes back, and is what the bucket must hold.
    The fields each request needs are those the product stores, priced here by
    these rules (not read from the adapter's COSTS):
    - an order state (list): the order 1; a list page 2 + 250 × 1 = 252;
    - an order with L lines: order 1 + lineItems (2 + L × line 5: the line,
      its variant, its product, originalUnitPriceSet, shopMoney) + totalPriceSet 2
      (MoneyBag, shopMoney) + customer 1 = 6 + 5L;
    - a listing read back: variant 1, product 1, inventoryItem 1, inventoryLevel 1, quantities 1 = 5;
    - what a push compares with: variant 1, inventoryItem 1, inventoryLevel 1, quantities 1 = 4.
    """

    RESTORE = 1000.0
    BUCKET = 2000.0
    MAX_QUERY = 1000
    MAX_PAGE = 250
    MAX_INPUT = 250
    MUTATION = 10
    STATE_PAGE = 2 + MAX_PAGE * 1
    LINE = 5
    LISTING = 5
    PUSH_STATE = 4

    @classmethod
    def order(cls, lines: int) -> int:
        return 1 + (2 + lines * cls.LINE) + 2 + 1

    @classmethod
    def per_call(cls, node_cost: int) -> int:
        """Nodes one `nodes(ids:)` call may ask for: within the input limit and the query's cost limit."""
        return min(cls.MAX_INPUT, cls.MAX_QUERY // node_cost)

    @classmethod
    def check(cls) -> None:
        from sandbox.platforms import shopify

        assert shopify.PLANS[shopify.DEFAULT_PLAN] == (cls.BUCKET, cls.RESTORE), "the sandbox's Shopify plan is not the bench's"
        assert (shopify.MAX_QUERY_COST, shopify.MAX_PAGE, shopify.MAX_INPUT) == (cls.MAX_QUERY, cls.MAX_PAGE, cls.MAX_INPUT)


def latency_floor(platform: str, by_api: dict[str, int], critical: int, latency_ms: int = LATENCY_MS, cost: float = 0) -> dict:
    """The least time the platform allows for these requests: max(requests / allowed rate, critical path × latency).

    `by_api` counts the minimum requests per API (path); the rate applies per
    shop or per API as the platform counts it (`sandbox.faults.RATE_LIMITS`).
    Shopify counts query cost instead (`ShopifyCost`): `cost` is the requested
    cost of the minimum requests, and the rate term is the time the bucket
    needs to restore what it did not hold at the start:
    max(0, cost - BUCKET) / RESTORE.
    """
    from sandbox.faults import RATE_LIMITS

    if platform == "shopify":
        ShopifyCost.check()
        rate_seconds = max(0.0, cost - ShopifyCost.BUCKET) / ShopifyCost.RESTORE
        path_seconds = critical * latency_ms / 1000
        return {"rate": ShopifyCost.RESTORE, "per": "shop (query cost points)", "cost": cost, "bucket": ShopifyCost.BUCKET,
                "rate_seconds": rate_seconds, "critical_path": critical, "path_seconds": path_seconds,
                "floor": max(rate_seconds, path_seconds), "latency_ms": latency_ms}

    rate, per = RATE_LIMITS[platform]
    rate_seconds = (max(by_api.values(), default=0) if per == "api" else sum(by_api.values())) / rate
    path_seconds = critical * latency_ms / 1000
    return {"rate": rate, "per": per, "rate_seconds": rate_seconds, "critical_path": critical,
            "path_seconds": path_seconds, "floor": max(rate_seconds, path_seconds), "latency_ms": latency_ms}


def bench_database_url(url: str) -> str:
    """The same PostgreSQL server, but always the benchmark's own database."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise SystemExit(f"--database-url must be a PostgreSQL URL (got {parts.scheme!r}); SQLite is the default")
    return urlunsplit((parts.scheme, parts.netloc, "/" + BENCH_DB, "", ""))


# -- database ----------------------------------------------------------------
def _pg_admin(cfg: Config, sql: str) -> None:
    import psycopg

    parts = urlsplit(cfg.database_url)
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        for statement in sql.split(";"):
            if statement.strip():
                conn.execute(statement)


def db_template_build(cfg: Config) -> None:
    """Migrate an empty database once; every benchmark starts from a copy of it."""
    VAR.mkdir(parents=True, exist_ok=True)
    env = cfg.env()
    if cfg.database_url:
        _pg_admin(cfg, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE); DROP DATABASE IF EXISTS {BENCH_DB}_template WITH (FORCE);"
                       f"CREATE DATABASE {BENCH_DB}")
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(str(VAR / "bench.sqlite3") + suffix).unlink(missing_ok=True)
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    if cfg.database_url:
        _pg_admin(cfg, f"CREATE DATABASE {BENCH_DB}_template TEMPLATE {BENCH_DB}")
    else:
        shutil.copyfile(VAR / "bench.sqlite3", VAR / "template.sqlite3")


def db_reset(cfg: Config) -> None:
    """A fresh, migrated, empty benchmark database (no server may be connected)."""
    if cfg.database_url:
        _pg_admin(cfg, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE); CREATE DATABASE {BENCH_DB} TEMPLATE {BENCH_DB}_template")
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(str(VAR / "bench.sqlite3") + suffix).unlink(missing_ok=True)
        shutil.copyfile(VAR / "template.sqlite3", VAR / "bench.sqlite3")


def sandbox_statistics() -> None:
    """Planner statistics for the simulated platforms' tables, after a seed bulk-loaded them (in a task process).

    A seed writes thousands of items, variants and orders at once, and the
    measurement starts before autovacuum would notice: planned from "empty"
    tables, the sandbox's own queries (Lazada's products by seller SKU: a
    loop over every item) took 25 ms a page where 9 ms is what the same
    query takes on analyzed tables, time the latency profile then counted
    against the product. Only the sandbox's tables: the product keeps its own
    tables' statistics up to date as it grows them (`omnisync.lib.dbstats`),
    and that is part of what is measured.
    """
    from django.apps import apps
    from django.db import connection

    tables = [m._meta.db_table for m in apps.get_app_config("sandbox").get_models()]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


# -- the sandbox server --------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def sandbox_server(cfg: Config, workers: int = 2, threads: int = 4):
    """gunicorn serving the app (and so the sandbox) in its own process group; yields its base URL."""
    port = free_port()
    log = open(VAR / "server.log", "ab")
    proc = subprocess.Popen(
        [str(Path(PY).parent / "gunicorn"), "omnisync.wsgi", "-w", str(workers), "-k", "gthread", "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", "--timeout", "300", "--keep-alive", "30", "--log-level", "warning"],
        cwd=ROOT, env=cfg.env(), stdout=log, stderr=log, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the sandbox server did not start; see {VAR / 'server.log'}") from None
                time.sleep(0.2)
        _warm_up(f"http://127.0.0.1:{port}", workers * threads)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def _warm_up(base_url: str, threads: int) -> None:
    """Requests before any measurement, so the server's first-request work (URL resolvers, templates,
    connections) is not counted as the product's.

    Each of the server's threads opens its own database connection the
    first time it serves a request that reads the database: served one after
    the other, the seed's requests leave most threads unused, and the
    measured run's concurrent requests then each paid for a new PostgreSQL
    connection (a new server process) within their 150 ms. So requests that
    read the database (WooCommerce with an unknown key: one query, then 401)
    go `threads` at once, three times over. Checked with a profile of the
    server: no connection was opened during the measured Update Inventory on
    Lazada afterwards (75 for its 72 requests before).
    """
    from concurrent.futures import ThreadPoolExecutor

    import requests

    def get(path: str) -> None:
        try:
            requests.get(base_url + path, timeout=10)
        except requests.RequestException:
            pass

    for path in ("/sandbox/woocommerce/", "/sandbox/shopee/api/v2/shop/get_shop_info", "/sandbox/tiktok/authorization/202309/shops",
                 "/sandbox/lazada/seller/get", "/sandbox/woocommerce/wp-json/wc/v3/orders",
                 "/sandbox/shopify/admin/api/2025-10/graphql.json"):
        get(path)
    reads_db = "/sandbox/woocommerce/wp-json/wc/v3/orders?consumer_key=ck_warm_up&consumer_secret=cs_warm_up"
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(3):
            list(pool.map(get, [reads_db] * threads))


# -- measurements in their own processes --------------------------------------
def run_task(cfg: Config, name: str, **args) -> dict:
    """Run `bench.task <name>` in a fresh process; its last stdout line is the JSON result."""
    proc = subprocess.run(
        [PY, "-m", "bench.task", name, json.dumps(args)], cwd=ROOT, env=cfg.env(), capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-8000:])
        raise RuntimeError(f"bench task {name} failed (exit {proc.returncode})")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    return json.loads(lines[-1])


def spawn_task(cfg: Config, name: str, **args) -> subprocess.Popen:
    return subprocess.Popen(
        [PY, "-m", "bench.task", name, json.dumps(args)], cwd=ROOT, env=cfg.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def collect(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate()
    if proc.returncode != 0:
        sys.stderr.write(out[-4000:] + err[-8000:])
        raise RuntimeError(f"bench task failed (exit {proc.returncode})")
    return json.loads([ln for ln in out.splitlines() if ln.startswith("{")][-1])


# -- inside a task process -----------------------------------------------------
def rss_now() -> int:
    """Resident set size of this process in bytes (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def rss_peak() -> int:
    """Peak resident set size of this process in bytes (VmHWM)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def rss_peak_reset() -> None:
    """Start a new peak from now (Linux >= 4.0: writing 5 to clear_refs resets VmHWM)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


class QueryCounter:
    """Counts SQL statements sent through Django's connection (an execute wrapper; no query log needed)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    @contextmanager
    def installed(self):
        from django.db import connection

        with connection.execute_wrapper(self):
            yield self
