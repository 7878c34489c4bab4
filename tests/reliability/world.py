"""A small sale-day world for the reliability tests: sandbox shops, the POS and channels pointing at them.

Each world has its own location, shops and channels (names carry a tag), so
several worlds can live in one test database (hypothesis examples share it).
The checks read the sandbox's own tables and the channels through their
adapters with faults off: the checker, not the system under test. What a
status means and what it does to stock come from the hand-written model in
tests/models_of_truth.py, never from orders.status_maps or orders.effects.
"""

from __future__ import annotations

import itertools
import logging
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Sum
from django.utils import timezone

from channels_app.adapters.registry import get_adapter
from channels_app.adapters.types import TimeSlice
from channels_app.models import Channel, RunIssue, RunKind, RunStatus, SyncRun
from channels_app.runs import RunContext, run_claim, run_conclude, run_request
from inventory.models import Location, MovementReason, Sku, StockLevel, StockMovement
from inventory.services.ledger import stock_import
from inventory.targets import listings_with_targets, mapped_listings
from omnisync.routine import routines_together
from orders.models import Order, OrderLine
from tests import models_of_truth as truth
from tests.test_ledger import assert_ledger_invariant

services = __import__("pytest").importorskip("sandbox.services")
from sandbox import demo_data  # noqa: E402
from sandbox import models as sandbox_models  # noqa: E402

PLATFORMS = ("shopee", "tiktok", "lazada", "woocommerce")
#: Sandbox credentials are derived from a shop index; every shop in a test database needs its own.
SHOP_INDEX = itertools.count(900)
OPENING = 400
#: Ledger movements staff cause; every other one must follow from the marketplaces' orders.
STAFF_REASONS = (MovementReason.IMPORT, MovementReason.MANUAL_ADJUSTMENT, MovementReason.STOCK_COUNT)


def catalogue(simple: int = 6) -> list[dict]:
    specs = [{"name": f"Kaos {i}", "sku": f"RL-S{i:02d}", "stock": OPENING, "price": "25000"} for i in range(simple)]
    specs.append({"name": "Kemeja", "variants": [
        {"sku": f"RL-K-{size}", "name": size, "stock": OPENING, "price": "90000"} for size in ("M", "L", "XL")
    ]})
    return specs


def sku_codes(specs: list[dict]) -> list[str]:
    return [v["sku"] for s in specs for v in (s.get("variants") or [s])]


@dataclass
class World:
    tag: str
    location: Location
    shops: dict[str, object]
    channels: dict[str, Channel]
    codes: list[str]
    routines: list[list[SyncRun]] = field(default_factory=list)

    def shop_of(self, channel: Channel):
        return self.shops[channel.platform]


def world_build(live_url: str, tag: str, platforms, *, rng: random.Random, initial_orders: int, simple: int = 6) -> World:
    """Shops with a catalogue and a history of orders over the last three days; a POS with opening stock; channels."""
    specs = catalogue(simple)
    codes = sku_codes(specs)
    location = Location.objects.create(code=f"RL-{tag}"[:30], name=f"Gudang {tag}")
    for code in codes:
        Sku.objects.get_or_create(code=code, defaults={"name": code})
    ids = dict(Sku.objects.filter(code__in=codes).values_list("code", "pk"))
    stock_import(location=location, quantities={ids[c]: OPENING for c in codes}, reference="opening stock")

    shops, channels = {}, {}
    now = timezone.now()
    for platform in platforms:
        shop = services.shop_create(platform, f"{tag}-{platform}", index=next(SHOP_INDEX))
        services.items_add_bulk(shop, specs)
        variants = list(sandbox_models.Variant.objects.filter(shop=shop).order_by("pk"))
        available = {v.pk: v.stock for v in variants}
        orders = []
        for _ in range(initial_orders):
            lines = demo_data.pick_lines(rng, available, variants)
            if not lines:
                continue
            created = now - timedelta(minutes=rng.randint(90, 72 * 60))
            orders.append({"lines": lines, "history": demo_data.history(platform, rng, created, now - timedelta(minutes=80))})
        services.orders_create_bulk(shop, orders)
        shops[platform] = shop
    for row in services.shops_json(live_url):
        platform = row["platform"]
        if row["shop"] != f"{tag}-{platform}":
            continue
        ch = Channel(name=f"{tag} {platform}", platform=platform, location=location, api_base_url=row["base_url"],
                     auth_base_url=row["auth_base_url"] or "")
        ch.credentials = {k: str(v) for k, v in row["credentials"].items()}
        ch.save()
        channels[platform] = ch
    return World(tag, location, shops, channels, codes)


def sale_burst(world: World, rng: random.Random, *, orders: int, changes: int) -> tuple[int, int]:
    """New orders and status changes on the marketplaces, behind the POS's back."""
    created = changed = 0
    for shop in world.shops.values():
        variants = list(sandbox_models.Variant.objects.filter(shop=shop).order_by("pk"))
        available = {v.pk: v.stock - v.reserved_stock for v in variants}
        specs = []
        for _ in range(orders):
            lines = demo_data.pick_lines(rng, available, variants)
            if lines:
                specs.append({"lines": lines, "buyer": f"buyer{rng.randint(1, 999):03d}"})
        created += len(services.orders_create_bulk(shop, specs))
        open_orders = [o for o in sandbox_models.Order.objects.filter(shop=shop).select_related("shop").order_by("pk")
                       if services.flows.successors(shop.platform, o.status)]
        for order in rng.sample(open_orders, min(changes, len(open_orders))):
            if services.order_advance(order, rng):
                changed += 1
    return created, changed


def routine_all(world: World, channels=None) -> list[SyncRun]:
    """The routine over the world's channels, step by step across them (what `routine --all` does)."""
    runs = []
    for ch in channels or world.channels.values():
        run, created = run_request(ch, RunKind.ROUTINE, trigger="test", queue=False)
        assert created, f"a routine was already active for {ch}"
        runs.append(run_claim(run.pk))
    contexts = [RunContext(run) for run in runs]
    routines_together(contexts)
    finished = [run_conclude(ctx) for ctx in contexts]
    world.routines.append(finished)
    for ch in world.channels.values():
        ch.refresh_from_db()
    return finished


# -- faults, counted from the sandbox's own generator --------------------------------------------
FAULT_KINDS = ("dropped", "throttled", "server_error", "malformed")


def faults_drawn(shop, first: int, last: int) -> Counter:
    """Replay draws first..last of the shop's fault generator the way sandbox.faults.run plays them."""
    shop = sandbox_models.Shop.objects.get(pk=shop.pk)
    seen: Counter = Counter()
    for n in range(first, last + 1):
        rng = random.Random(f"{shop.fault_seed}:{n}")
        r_drop, r_throttle, r_error, r_malformed = rng.random(), rng.random(), rng.random(), rng.random()
        seen["requests"] += 1
        if r_throttle < shop.throttle_rate:
            seen["throttled"] += 1
        elif r_error < shop.error_rate:
            seen["server_error"] += 1
        elif r_drop < shop.drop_rate:
            seen["dropped"] += 1
        elif r_malformed < shop.malformed_rate:
            seen["malformed"] += 1
    return seen


def draws(shop) -> int:
    return sandbox_models.Shop.objects.values_list("fault_draws", flat=True).get(pk=shop.pk)


class RetryCounter(logging.Handler):
    """Counts the retries ApiSession announces, per platform label."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.by_platform: Counter = Counter()

    def emit(self, record):
        if "retrying in" in record.getMessage():
            self.by_platform[str(record.args[0])] += 1


# -- the checker -------------------------------------------------------------------------------
def remote_truth(world: World, ch: Channel) -> dict[str, str]:
    """Every order the channel holds, read through its adapter (faults must be off): id -> raw status."""
    adapter = get_adapter(Channel.objects.get(pk=ch.pk))
    try:
        now = timezone.now()
        window = TimeSlice(now - timedelta(days=5), now + timedelta(minutes=1))
        states = {}
        for part in adapter.order_slices(window.start, window.end):
            for state in adapter.list_order_states(part):
                states[state.external_id] = state.raw_status
        return states
    finally:
        adapter.session.close()


def remote_stock(ch: Channel) -> dict[tuple[str, str], int | None]:
    adapter = get_adapter(Channel.objects.get(pk=ch.pk))
    try:
        return {(x.item_id, x.variant_id): x.stock for x in adapter.list_listings()}
    finally:
        adapter.session.close()


@dataclass
class Findings:
    missing: dict[str, list[str]] = field(default_factory=dict)
    wrong_status: dict[str, list[str]] = field(default_factory=dict)
    stock: dict[str, list[str]] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not any(v for d in (self.missing, self.wrong_status, self.stock) for v in d.values())


def world_check(world: World) -> Findings:
    """What staff would see as mismatches if they looked at every channel now (faults off)."""
    found = Findings()
    for platform, ch in world.channels.items():
        said = remote_truth(world, ch)
        sandbox_ids = set(sandbox_models.Order.objects.filter(shop=world.shops[platform]).values_list("order_id", flat=True))
        assert set(said) == sandbox_ids, (
            f"{platform}: the checker read {len(said)} orders, the sandbox has {len(sandbox_ids)}; "
            f"unread {sorted(sandbox_ids - set(said))[:5]}, unknown {sorted(set(said) - sandbox_ids)[:5]}"
        )
        pos = dict(Order.objects.filter(channel=ch).values_list("external_id", "status"))
        found.missing[platform] = sorted(set(said) - set(pos))
        found.wrong_status[platform] = sorted(
            oid for oid, raw in said.items() if oid in pos and truth.status_of(platform, raw) != pos[oid]
        )
        shown = remote_stock(ch)
        targets = listings_with_targets(mapped_listings(ch)).values_list("external_item_id", "external_variant_id", "seller_sku", "target")
        found.stock[platform] = sorted(
            f"{sku}: channel {shown.get((item, variant))} vs target {target}"
            for item, variant, sku, target in targets if shown.get((item, variant)) != target
        )
    found.stock["pos"] = pos_stock_differences(world)
    return found


def expected_pos_stock(world: World) -> dict[str, tuple[int, int]]:
    """What the POS should hold per SKU code, (on hand, allocated), from every order the marketplaces hold now.

    What staff put in (opening stock, adjustments, counts), less the units of
    every line the marketplace says has left (shipped, completed, returned and
    not restocked), with the units of every line still to ship (and unpaid,
    where the channel counts them) allocated: the hand-written model of
    DESIGN.md section 3, applied to the sandbox's own orders and lines (a
    line's own status where it has one).
    """
    put_in = Counter(dict(
        StockMovement.objects.filter(location=world.location, reason__in=STAFF_REASONS, sku__code__in=world.codes)
        .values("sku__code").annotate(n=Sum("on_hand_change")).values_list("sku__code", "n")
    ))
    allocated, deducted = Counter(), Counter()
    for platform, ch in world.channels.items():
        lines = sandbox_models.OrderLine.objects.filter(order__shop=world.shops[platform]).values_list(
            "seller_sku", "quantity", "status", "order__status")
        for code, quantity, line_status, order_status in lines:
            per_unit = truth.unit_effect(truth.status_of(platform, line_status or order_status),
                                         count_unpaid=ch.count_unpaid)
            allocated[code] += per_unit[0] * quantity
            deducted[code] += per_unit[1] * quantity
    return {code: (put_in[code] - deducted[code], allocated[code]) for code in world.codes}


def pos_stock_differences(world: World) -> list[str]:
    held = {code: (on_hand, alloc) for code, on_hand, alloc in StockLevel.objects.filter(
        location=world.location, sku__code__in=world.codes).values_list("sku__code", "on_hand", "allocated")}
    return sorted(
        f"{code}: POS (on hand, allocated) {held.get(code)} vs marketplaces {want}"
        for code, want in expected_pos_stock(world).items() if held.get(code) != want
    )


def assert_books_consistent(world: World) -> None:
    """No duplicate order, line or movement; every line's stock effect posted exactly once; the ledger adds up."""
    channel_ids = [c.pk for c in world.channels.values()]
    dup_orders = Order.objects.filter(channel_id__in=channel_ids).values("channel_id", "external_id").annotate(n=Count("id")).filter(n__gt=1)
    assert not dup_orders.exists(), list(dup_orders)
    lines = OrderLine.objects.filter(order__channel_id__in=channel_ids)
    dup_lines = lines.values("order_id", "line_key").annotate(n=Count("id")).filter(n__gt=1)
    assert not dup_lines.exists(), list(dup_lines)
    dup_moves = StockMovement.objects.exclude(ref_id=None).values("ref_type", "ref_id", "ref_seq").annotate(n=Count("id")).filter(n__gt=1)
    assert not dup_moves.exists(), list(dup_moves)
    posted = {
        row["ref_id"]: (row["alloc"], row["ded"])
        for row in StockMovement.objects.filter(ref_type="order_line", ref_id__in=lines.values("pk"))
        .values("ref_id").annotate(alloc=Sum("allocated_change"), ded=Sum("on_hand_change"))
    }
    channels = {c.pk: c for c in world.channels.values()}
    for line in lines.select_related("order"):
        ch = channels[line.order.channel_id]
        if line.sku_id is None:
            continue
        assert line.status in truth.UNIT_EFFECT, f"line {line.pk} has status {line.status!r}: no sandbox status in these worlds should map there"
        per_unit = truth.unit_effect(line.status, count_unpaid=ch.count_unpaid)
        allocated, deducted = per_unit[0] * line.quantity, per_unit[1] * line.quantity
        assert (line.applied_allocated, line.applied_deducted) == (allocated, deducted), (line.pk, line.status)
        assert posted.get(line.pk, (0, 0)) == (allocated, -deducted), (line.pk, line.status, posted.get(line.pk))
    # Each order has as many units as the marketplace sold.
    for platform, ch in world.channels.items():
        units = dict(
            sandbox_models.Order.objects.filter(shop=world.shops[platform]).annotate(u=Sum("lines__quantity")).values_list("order_id", "u")
        )
        pos_units = dict(Order.objects.filter(channel=ch).annotate(u=Sum("lines__quantity")).values_list("external_id", "u"))
        for oid, u in pos_units.items():
            assert units.get(oid) == u, (platform, oid, units.get(oid), u)
    assert_ledger_invariant()


def run_outcomes(runs: list[SyncRun]) -> str:
    return ", ".join(f"{r.channel.platform}:{r.status}" for r in runs)


def all_succeeded(runs: list[SyncRun]) -> bool:
    return all(r.status == RunStatus.SUCCEEDED for r in runs)


def run_issues(runs: list[SyncRun], limit: int = 5) -> list[str]:
    """What the routines (and their steps) that did not succeed said, for a failure message."""
    said = []
    for run in runs:
        if run.status == RunStatus.SUCCEEDED:
            continue
        for issue in RunIssue.objects.filter(run__in=[run, *SyncRun.objects.filter(parent=run)]).order_by("id")[:limit]:
            said.append(f"{run.channel.platform} {issue.code} {issue.object_ref}: {issue.reason}")
    return said


def explain_orders(world: World, platform: str, ids) -> list[str]:
    """The sandbox's history of some orders and what the POS knew of them, for a failure message."""
    from orders.models import RemoteOrder

    ch = world.channels[platform]
    out = []
    for oid in list(ids)[:3]:
        order = sandbox_models.Order.objects.filter(shop=world.shops[platform], order_id=oid).first()
        history = [(h.status, h.at.isoformat()) for h in order.history.all()] if order else []
        remote = RemoteOrder.objects.filter(channel=ch, external_id=oid).values_list("raw_status", "channel_updated_at").first()
        out.append(f"{platform} {oid}: created {order and order.created_at.isoformat()}, history {history}, remote {remote}")
    downloads = SyncRun.objects.filter(channel=ch, kind="download_orders").order_by("pk")
    out += [f"  download #{r.pk} {r.status} {r.started_at.isoformat()} {r.counts} {r.message}" for r in downloads]
    return out


def world_single(live_url: str, tag: str, platform: str = "shopee", *, orders: int = 120, seed: int = 7) -> tuple[World, Channel]:
    """One channel on one sandbox shop, with `orders` orders over the last three days and nothing imported yet."""
    world = world_build(live_url, tag, [platform], rng=random.Random(seed), initial_orders=orders)
    return world, world.channels[platform]


# -- a real job cluster ---------------------------------------------------------------------------
def cluster_env(workers: int, **extra) -> dict:
    """Environment for a `manage.py qcluster` that works on this test's database and broker."""
    import os

    from django.conf import settings as dj_settings
    from django.db import connection

    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({"DEBUG": "1", "OMNISYNC_SANDBOX": "1", "Q_WORKERS": str(workers), "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING"})
    name = connection.settings_dict["NAME"]
    if dj_settings.DATABASE_URL:
        base, _, _old = dj_settings.DATABASE_URL.rpartition("/")
        env["DATABASE_URL"] = f"{base}/{name}"
    else:
        env["SQLITE_PATH"] = str(name)
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Cluster:
    """`manage.py qcluster` in its own process group, so the whole cluster can be killed at once."""

    def __init__(self, workers: int = 3, **env):
        import subprocess
        import sys
        from pathlib import Path

        root = Path(__file__).resolve().parents[2]
        self.log = open(root / "var" / "qcluster-test.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], cwd=root, env=cluster_env(workers, **env),
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def kill(self) -> None:
        import signal

        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        import signal

        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except Exception:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        self.log.close()


def wait_for(condition, timeout: float, what: str, interval: float = 0.2):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
