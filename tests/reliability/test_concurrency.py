"""Several workers at once: the database refuses doubles, the loser retries or skips.

Threads get their own database connections (`transaction=True`): on SQLite
the writers queue behind one another, on PostgreSQL they meet real row locks
and unique indexes. With PostgreSQL and Redis, a real django-q2 cluster of
three workers processes the queued runs.
"""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from channels_app.adapters.registry import get_adapter
from channels_app.models import RunKind, RunStatus, SyncRun
from channels_app.runs import RunContext, run_request
from orders.jobs import download_orders_job
from orders.models import Order
from orders.services.importing import orders_import
from tests.reliability import world as w

pytestmark = pytest.mark.django_db(transaction=True)


def together(*targets, timeout: float = 120) -> list:
    """Run the callables in threads released at the same moment; re-raise the first error."""
    barrier = threading.Barrier(len(targets))
    results: list = [None] * len(targets)
    errors: list = []

    def body(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=body, args=(i, fn)) for i, fn in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    if errors:
        raise errors[0]
    return results


def download_as_worker(channel) -> dict:
    """What one worker does with a Download Orders run: the job, with its own run record."""
    run = SyncRun.objects.create(channel=channel, kind=RunKind.DOWNLOAD_ORDERS, status=RunStatus.SUCCEEDED)
    ctx = RunContext(run)
    download_orders_job(ctx)
    ctx.flush_issues()
    return dict(ctx.counts)


def test_two_workers_downloading_the_same_channel_import_each_order_once(live_server):
    world, ch = w.world_single(live_server.url, "cc2", "shopee", orders=150)
    first, second = together(lambda: download_as_worker(ch), lambda: download_as_worker(ch))
    sandbox_orders = w.sandbox_models.Order.objects.filter(shop=world.shops["shopee"]).count()
    assert Order.objects.filter(channel=ch).count() == sandbox_orders
    # Each order was created by exactly one of the two; the other found it and changed nothing.
    assert first["created"] + second["created"] == sandbox_orders, (first, second)
    assert first["failed"] == second["failed"] == 0, (first, second)
    w.assert_books_consistent(world)
    assert w.world_check(world).clean


def test_download_racing_status_updates_of_the_same_orders_posts_each_effect_once(live_server):
    world, ch = w.world_single(live_server.url, "cc3", "tiktok", orders=60)
    download_as_worker(ch)
    shop = world.shops["tiktok"]
    rng = random.Random(3)
    opened = [o for o in w.sandbox_models.Order.objects.filter(shop=shop).select_related("shop") if w.services.flows.successors("tiktok", o.status)]
    for order in opened:
        for _ in range(rng.randint(1, 3)):
            w.services.order_advance(order, rng)
    adapter = get_adapter(ch)
    newest = list(adapter.fetch_orders([o.order_id for o in opened]))
    adapter.session.close()
    assert newest

    def replay_updates():
        # Another worker delivering the same updates, twice, the second time newest-first.
        for batch in (newest, list(reversed(newest))):
            for start in range(0, len(batch), 7):
                orders_import(ch, batch[start:start + 7])

    together(lambda: download_as_worker(ch), replay_updates)
    w.assert_books_consistent(world)
    assert w.world_check(world).clean


def test_twenty_simultaneous_presses_of_one_button_make_one_run(live_server, operator, monkeypatch):
    enqueued = []  # autocommit (transaction=True): the press's on-commit hook runs as the request commits
    monkeypatch.setattr("channels_app.runs.run_enqueue", enqueued.append)
    _world, ch = w.world_single(live_server.url, "cc20", "woocommerce", orders=5)

    def press():
        client = Client()
        client.force_login(operator)
        response = client.post(reverse("job_start"), {"channel": ch.pk, "kind": RunKind.DOWNLOAD_ORDERS})
        return response.status_code, response.get("Location")

    answers = together(*[press] * 20)
    runs = SyncRun.objects.filter(channel=ch, kind=RunKind.DOWNLOAD_ORDERS)
    assert runs.count() == 1
    assert Counter(answers) == Counter({(302, reverse("run_detail", args=[runs.get().pk])): 20})
    assert enqueued == [runs.get().pk]  # queued once, by the one press that made the run


def test_twenty_simultaneous_run_requests_queue_one_task():
    from django_q.brokers import get_broker

    from tests import factories as f

    ch = f.channel(name="Twenty")
    broker = get_broker()
    broker.purge_queue()
    before = broker.queue_size() or 0
    results = together(*[lambda: run_request(ch, RunKind.SCAN, params={"full": True})] * 20)
    assert sum(created for _run, created in results) == 1
    assert len({run.pk for run, _created in results}) == 1
    assert SyncRun.objects.filter(channel=ch, kind=RunKind.SCAN).count() == 1
    assert (broker.queue_size() or 0) - before == 1
    broker.purge_queue()


@pytest.mark.slow
@pytest.mark.skipif(not (settings.DATABASE_URL and settings.REDIS_URL), reason="a real cluster needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)")
def test_a_real_cluster_of_three_workers_runs_each_queued_run_once(live_server):
    from django_q.brokers import get_broker

    get_broker().purge_queue()
    worlds = [w.world_single(live_server.url, f"qc{i}", platform, orders=60, seed=i) for i, platform in enumerate(w.PLATFORMS)]
    cluster = w.Cluster(workers=3)
    try:
        requested = []
        for _world, ch in worlds:
            # A double click and a scheduler firing at once: one run per channel and job.
            for _ in range(3):
                requested.append(run_request(ch, RunKind.DOWNLOAD_ORDERS, trigger="test")[0].pk)
        runs = SyncRun.objects.filter(pk__in=set(requested))
        assert runs.count() == len(worlds)
        w.wait_for(lambda: not runs.filter(status__in=["queued", "running"]).exists(), 180, "the cluster to finish the runs")
        assert set(runs.values_list("status", flat=True)) == {RunStatus.SUCCEEDED}, list(runs.values("status", "message"))
        workers = set(runs.values_list("worker", flat=True))
        assert all(workers), workers
        for world, _ch in worlds:
            w.assert_books_consistent(world)
            assert w.world_check(world).clean
        # Delivered again (the queue delivers at least once): nothing happens.
        from channels_app.runs import run_enqueue

        for pk in set(requested):
            run_enqueue(pk)
        w.wait_for(lambda: (get_broker().queue_size() or 0) == 0, 60, "the cluster to take the repeated tasks")
        assert SyncRun.objects.filter(kind=RunKind.DOWNLOAD_ORDERS, channel__in=[c for _w, c in worlds]).count() == len(worlds)
    finally:
        cluster.stop()
