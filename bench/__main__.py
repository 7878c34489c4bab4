"""`python -m bench` (or `make bench`): the benchmarks of issue 7, one table, JSON in bench/results/latest.json.

Every ratio compares the product with a reference measured in the same run on
the same data: the bare baseline (download), the fewest requests the
platform's page and batch limits allow (download, inventory), the smaller
size of the same benchmark (memory), one worker (workers).

Examples:
    python -m bench                                   # everything, SQLite, defaults (a few minutes)
    python -m bench --only download --orders 100000
    python -m bench --database-url postgres://postgres@127.0.0.1:5432/x   # SQLite and PostgreSQL (database omnisync_bench)
    python -m bench --only pages --scale 1 --databases postgres
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime

from bench.common import ROOT, Config, collect, db_reset, db_template_build, run_task, sandbox_server, spawn_task

PLATFORMS = ("shopee", "tiktok", "lazada", "woocommerce")


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", default="download,inventory,pages,workers", help="comma-separated: download,inventory,pages,workers")
    p.add_argument("--orders", type=int, default=10_000, help="orders per channel for the download benchmark (default 10,000)")
    p.add_argument("--platforms", default=",".join(PLATFORMS), help="platforms for download and inventory")
    p.add_argument("--listings", type=int, default=20_000, help="listings on the channel for the inventory benchmark")
    p.add_argument("--changed", type=int, default=1_000, help="listings whose target changed")
    p.add_argument("--scale", type=float, default=0.1, help="pages database size: 1 = 1,000,000 orders, 2,000,000 lines, 50,000 SKUs")
    p.add_argument("--repeats", type=int, default=7, help="timed requests per page (after one warm-up)")
    p.add_argument("--workers", default="1,2,4", help="worker counts for the scaling benchmark")
    p.add_argument("--worker-channels", type=int, default=4, help="channels for the scaling benchmark (orders split between them)")
    p.add_argument("--worker-platform", default="tiktok")
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                   help="a PostgreSQL server to also run on (database omnisync_bench is created there); default $DATABASE_URL")
    p.add_argument("--databases", default=None, help="sqlite,postgres (default: sqlite, plus postgres when a URL is given)")
    p.add_argument("--rate-scale", type=float, default=1000.0,
                   help="HTTP_RATE_LIMIT_SCALE for the run: the local sandbox is not the platforms' servers (default 1000)")
    p.add_argument("--output", default=str(ROOT / "bench" / "results" / "latest.json"))
    return p.parse_args(argv)


class Table:
    def __init__(self):
        self.rows: list[dict] = []

    def add(self, bench, db, case, metric, value, reference=None, target="", ok=None, unit=""):
        ratio = (value / reference) if (isinstance(value, (int, float)) and reference) else None
        self.rows.append({"bench": bench, "db": db, "case": case, "metric": metric, "value": value, "reference": reference,
                          "ratio": ratio, "target": target, "ok": ok, "unit": unit})

    def print(self):
        head = ("bench", "db", "case", "metric", "value", "reference", "ratio", "target", "met")
        lines = [head]
        for r in self.rows:
            lines.append((r["bench"], r["db"], r["case"], r["metric"], _fmt(r["value"], r["unit"]), _fmt(r["reference"], r["unit"]),
                          "" if r["ratio"] is None else f"{r['ratio']:.2f}", r["target"],
                          "" if r["ok"] is None else ("yes" if r["ok"] else "NO")))
        widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
        for n, line in enumerate(lines):
            print("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
            if n == 0:
                print("  ".join("-" * w for w in widths))


def _fmt(v, unit=""):
    if v is None:
        return ""
    if isinstance(v, float):
        text = f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}" if abs(v) >= 1 else f"{v:.3f}"
    else:
        text = f"{v:,}" if isinstance(v, int) else str(v)
    return f"{text} {unit}".strip()


def say(msg):
    print(f"[bench {datetime.now():%H:%M:%S}] {msg}", flush=True)


# -- benchmarks ----------------------------------------------------------------
def bench_download(cfg: Config, args, table: Table, results: dict) -> None:
    small = max(500, args.orders // 5)
    for plat in args.platforms.split(","):
        per_size = {}
        for n in (small, args.orders):
            db_reset(cfg)
            with sandbox_server(cfg) as url:
                say(f"download {cfg.engine} {plat}: seeding {n:,} orders")
                seeded = run_task(cfg, "download_seed", base_url=url, shops=[[plat, n]])
                say(f"download {cfg.engine} {plat}: measuring")
                per_size[n] = run_task(cfg, "download_measure", channel_name=seeded["channels"][0])
        r, s = per_size[args.orders], per_size[small]
        results.setdefault("download", []).append({"db": cfg.engine, "platform": plat, "sizes": per_size})
        case = f"{plat} {args.orders:,} orders"
        b = cfg.engine
        ok_run = r["status"] == "succeeded" and r["created"] == r["orders"]
        table.add("download", b, case, "run outcome / orders created", f"{r['status']} / {r['created']:,}", target="succeeded, all", ok=ok_run)
        table.add("download", b, case, "time vs bare baseline", r["seconds"], r["baseline"]["seconds"], "<= 2x",
                  r["seconds"] <= 2 * r["baseline"]["seconds"], "s")
        table.add("download", b, case, "orders per second", r["orders_per_s"], r["orders"] / r["baseline"]["seconds"], unit="/s")
        table.add("download", b, case, "API requests vs minimum", r["requests"], r["requests_min"], "<= 1.05x",
                  r["requests"] <= 1.05 * r["requests_min"])
        table.add("download", b, case, "DB queries per 100 orders", r["queries_per_100"], target="bounded (a handful per page)",
                  ok=r["queries_per_100"] <= 30)
        # Flat: 5x the orders may not cost 1.5x the memory (a few MB either way are allocator noise).
        table.add("download", b, case, f"peak RSS growth vs {small:,} orders", r["peak_rss_mb"], s["peak_rss_mb"], "<= 1.5x or +5 MB (flat)",
                  r["peak_rss_mb"] <= max(1.5 * s["peak_rss_mb"], s["peak_rss_mb"] + 5), "MB")


def bench_inventory(cfg: Config, args, table: Table, results: dict) -> None:
    for plat in args.platforms.split(","):
        db_reset(cfg)
        with sandbox_server(cfg) as url:
            say(f"inventory {cfg.engine} {plat}: seeding {args.listings:,} listings and scanning")
            seeded = run_task(cfg, "inventory_seed", base_url=url, platform=plat, listings=args.listings, changed=args.changed)
            say(f"inventory {cfg.engine} {plat}: measuring")
            r = run_task(cfg, "inventory_measure", channel_name=seeded["channel"], listings=args.listings, changed=args.changed)
        results.setdefault("inventory", []).append({"db": cfg.engine, "platform": plat, "seed": seeded, "result": r})
        case = f"{plat} {args.listings:,} listings, {args.changed:,} changed"
        b = cfg.engine
        table.add("inventory", b, case, "run outcome / confirmed", f"{r['status']} / {r['confirmed']:,}", target="succeeded, all",
                  ok=r["status"] == "succeeded" and r["confirmed"] == args.changed)
        table.add("inventory", b, case, f"planning {args.listings:,} listings", r["plan_seconds"], target="< 1 s", ok=r["plan_seconds"] < 1.0,
                  unit="s")
        table.add("inventory", b, case, "push requests vs batch minimum", r["push_requests"], r["min_detail"]["push"], "= min",
                  r["push_requests"] == r["min_detail"]["push"])
        by_id = r["min_detail"]["read_back"] < args.listings / 60
        table.add("inventory", b, case, "read-back requests vs minimum" + ("" if by_id else " (whole catalogue)"), r["read_requests"],
                  r["min_detail"]["read_back"], "= min", r["read_requests"] == r["min_detail"]["read_back"])
        table.add("inventory", b, case, "pushes per second", r["pushes_per_s"], unit="/s")
        table.add("inventory", b, case, "unchanged rerun: requests", r["rerun_requests"], target="0", ok=r["rerun_requests"] == 0)


def bench_pages(cfg: Config, args, table: Table, results: dict) -> None:
    db_reset(cfg)
    say(f"pages {cfg.engine}: seeding scale {args.scale} ({int(1_000_000 * args.scale):,} orders)")
    seeded = run_task(cfg, "pages_seed", scale=args.scale)
    say(f"pages {cfg.engine}: seeded in {seeded['seconds']:.0f} s; measuring")
    r = run_task(cfg, "pages_measure", scale=args.scale, repeats=args.repeats)
    results.setdefault("pages", []).append({"db": cfg.engine, "scale": args.scale, "seed": seeded, "result": r})
    size = f"{seeded['orders']:,} orders"
    for p in r["pages"]:
        ok = p["status"] == 200 and p["p95_ms"] < 150 and p["queries"] <= 12 and not p["big_counts"]
        table.add("pages", cfg.engine, f"{p['page']} ({size})", f"p95 ms (p50 {p['p50_ms']:.0f}), {p['queries']} queries"
                  + (f", {p['big_counts']} big COUNT" if p["big_counts"] else ""), p["p95_ms"], target="< 150 ms", ok=ok, unit="ms")


def bench_workers(cfg: Config, args, table: Table, results: dict) -> None:
    per_channel = max(500, args.orders // args.worker_channels)
    base = None
    for w in (int(x) for x in args.workers.split(",")):
        db_reset(cfg)
        with sandbox_server(cfg, workers=2, threads=8) as url:
            say(f"workers {cfg.engine}: {w} worker(s), {args.worker_channels} {args.worker_platform} channels x {per_channel:,} orders")
            run_task(cfg, "download_seed", base_url=url, shops=[[args.worker_platform, per_channel]] * args.worker_channels)
            run_task(cfg, "workers_prepare")
            procs = [spawn_task(cfg, "worker") for _ in range(w)]
            outs = [collect(p) for p in procs]
        runs = [r for o in outs for r in o["runs"]]
        starts = [o["first"] for o in outs if o["first"]]
        ends = [o["last"] for o in outs if o["last"]]
        wall = max(ends) - min(starts)
        created = sum(r["created"] for r in runs)
        rate = created / wall
        base = base or rate
        results.setdefault("workers", []).append({"db": cfg.engine, "workers": w, "wall": wall, "created": created, "runs": runs})
        ok = len(runs) == args.worker_channels and all(r["status"] == "succeeded" for r in runs) and len({r["run"] for r in runs}) == len(runs)
        table.add("workers", cfg.engine, f"{w} worker(s), {args.worker_channels} channels", "orders per second vs 1 worker", rate, base,
                  "grows with workers" if w > 1 else "each run claimed once", ok if w == 1 else ok and rate > base * 1.2, "/s")


def main(argv=None) -> int:
    args = parse_args(argv)
    only = set(args.only.split(","))
    dbs = (args.databases or ("sqlite,postgres" if args.database_url else "sqlite")).split(",")
    table, results = Table(), {}
    started = time.time()
    for db in dbs:
        if db == "postgres" and not args.database_url:
            raise SystemExit("--databases postgres needs --database-url (or DATABASE_URL)")
        cfg = Config(database_url=args.database_url if db == "postgres" else None, rate_scale=args.rate_scale)
        say(f"{cfg.engine}: building the benchmark database")
        db_template_build(cfg)
        for name, fn in (("download", bench_download), ("inventory", bench_inventory), ("workers", bench_workers), ("pages", bench_pages)):
            if name in only:
                fn(cfg, args, table, results)
    print()
    print(f"omnisync benchmarks — {platform.node()}, {os.cpu_count()} CPUs, {_mem_gb():.0f} GB, Python {platform.python_version()}; "
          f"sandbox served by gunicorn in its own process; HTTP_RATE_LIMIT_SCALE={args.rate_scale:g} (local sandbox only)")
    table.print()
    out = {"when": datetime.now(UTC).isoformat(), "seconds": time.time() - started, "args": vars(args),
           "machine": {"node": platform.node(), "cpus": os.cpu_count(), "mem_gb": _mem_gb(), "python": platform.python_version()},
           "table": table.rows, "results": results}
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w") as f:
        json.dump(out, f, indent=1, default=str)
    print(f"\nJSON: {args.output}")
    return 0 if all(r["ok"] is not False for r in table.rows) else 1


def _mem_gb() -> float:
    try:
        with open("/proc/meminfo") as f:
            return int(f.readline().split()[1]) / 2**20
    except OSError:
        return 0.0


if __name__ == "__main__":
    raise SystemExit(main())
