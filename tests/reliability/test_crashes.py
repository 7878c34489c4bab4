"""A real job cluster killed with SIGKILL in the middle of a job: failed by the janitor, nothing half-applied, the next run converges.

The sandbox answers slowly (latency) so there is a middle to kill in. The
cluster is `manage.py qcluster` in its own process group, on this test's
database (SQLite file or PostgreSQL) and broker (ORM or Redis).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from channels_app.models import RunKind, RunStatus, SyncRun
from channels_app.runs import run_claim, run_perform, run_request, runs_fail_stale
from inventory.models import Listing, StockMovement
from inventory.services.ledger import stock_adjust
from orders.models import Order
from tests.reliability import world as w

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def run_inline(ch, kind, params=None) -> SyncRun:
    run, created = run_request(ch, kind, params=params or {}, trigger="test", queue=False)
    assert created, f"a {kind} run is still active: {run.status}"
    return run_perform(run_claim(run.pk))


def janitor_fails(run: SyncRun) -> None:
    later = timezone.now() + dt.timedelta(seconds=settings.Q_TIMEOUT + 60)
    assert runs_fail_stale(later) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "stopped responding" in run.message


def test_cluster_killed_in_the_middle_of_a_download(live_server):
    world, ch = w.world_single(live_server.url, "crash-dl", "lazada", orders=400)
    total = w.sandbox_models.Order.objects.filter(shop=world.shops["lazada"]).count()
    w.services.shop_set_faults(world.shops["lazada"], latency_ms=250)
    from django_q.brokers import get_broker

    get_broker().purge_queue()
    cluster = w.Cluster(workers=1)
    try:
        run, _ = run_request(ch, RunKind.DOWNLOAD_ORDERS, trigger="test")
        imported = w.wait_for(lambda: 0 < (n := Order.objects.filter(channel=ch).count()) < total and n, 120,
                              "the download to import its first batch", interval=0.05)
        cluster.kill()
    finally:
        cluster.stop()
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING, "the run should still look alive after its worker was killed"
    partial = Order.objects.filter(channel=ch).count()
    assert imported <= partial < total

    # Whole batches only: every imported order has all its lines, each with its stock effect posted once.
    w.assert_books_consistent(world)
    janitor_fails(run)
    w.services.shop_clear_faults(world.shops["lazada"])

    again = run_inline(ch, RunKind.DOWNLOAD_ORDERS)
    assert again.status == RunStatus.SUCCEEDED, again.message
    assert Order.objects.filter(channel=ch).count() == total
    assert again.counts["created"] == total - partial
    w.assert_books_consistent(world)
    assert not any(w.world_check(world).missing.values())


def test_cluster_killed_in_the_middle_of_an_inventory_update(live_server):
    world, ch = w.world_single(live_server.url, "crash-inv", "shopee", orders=20)
    assert run_inline(ch, RunKind.SCAN, {"full": True}).status == RunStatus.SUCCEEDED
    assert run_inline(ch, RunKind.DOWNLOAD_ORDERS).status == RunStatus.SUCCEEDED
    # Stock counted in the shop: every SKU changes, so every listing needs a push.
    for sku in {li.sku for li in Listing.objects.filter(channel=ch, sku__isnull=False).select_related("sku")}:
        stock_adjust(sku=sku, location=world.location, change=-7, note="stock count")
    movements = StockMovement.objects.count()
    w.services.shop_set_faults(world.shops["shopee"], latency_ms=400)
    from django_q.brokers import get_broker

    get_broker().purge_queue()
    cluster = w.Cluster(workers=1)
    try:
        run, _ = run_request(ch, RunKind.UPDATE_INVENTORY, trigger="test")
        w.wait_for(lambda: SyncRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).exists()
                   and w.sandbox_models.Variant.objects.filter(shop=world.shops["shopee"], updated_at__gte=run.created_at).exists(),
                   120, "the first stock push to reach the shop", interval=0.05)
        cluster.kill()
    finally:
        cluster.stop()
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    assert StockMovement.objects.count() == movements  # pushing stock never touches the ledger
    janitor_fails(run)
    w.services.shop_clear_faults(world.shops["shopee"])

    again = run_inline(ch, RunKind.UPDATE_INVENTORY)
    assert again.status == RunStatus.SUCCEEDED, again.message
    assert again.counts["confirmed"] == again.counts["pushed"] > 0
    assert not any(w.world_check(world).stock.values())
    w.assert_books_consistent(world)
    assert StockMovement.objects.count() == movements
