"""One routine plan for the schedule, the dashboard and the command: scan everywhere, then download everywhere, then push."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from channels_app.models import Channel, RunKind, RunStatus, SyncRun
from omnisync.routine import routines_execute
from omnisync.schedule import tick
from tests import factories as f

services = pytest.importorskip("sandbox.services")
JKT = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def queued_tasks(monkeypatch):
    """What is handed to the job cluster, whichever broker (ORM or Redis) is configured: (function name, args)."""
    tasks = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda func, *args, **kwargs: tasks.append({"func": func, "args": args}))
    return tasks


@pytest.mark.django_db
def test_the_tick_starts_one_plan_for_every_due_channel(django_capture_on_commit_callbacks, queued_tasks):
    a, b = f.channel("A", sync_hour=6), f.channel("B", platform="lazada", sync_hour=6)
    Channel.objects.update(created_at=dt.datetime(2026, 11, 1, tzinfo=JKT))
    with django_capture_on_commit_callbacks(execute=True):
        assert tick(dt.datetime(2026, 11, 20, 10, 0, tzinfo=JKT)) == 2
    runs = list(SyncRun.objects.filter(kind=RunKind.ROUTINE).order_by("channel__name"))
    assert [r.channel for r in runs] == [a, b]
    [task] = queued_tasks
    assert task["func"] == "omnisync.routine.routines_execute"
    assert sorted(task["args"][0]) == sorted(r.pk for r in runs)


@pytest.mark.django_db
def test_the_dashboard_starts_one_plan_for_all_channels(client, operator, django_capture_on_commit_callbacks, queued_tasks):
    f.channel("A"), f.channel("B", platform="lazada"), f.channel("Off", active=False)
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("routine_all_start"))
    assert response.status_code == 302
    assert SyncRun.objects.filter(kind=RunKind.ROUTINE).count() == 2
    [task] = queued_tasks
    assert task["func"] == "omnisync.routine.routines_execute"
    assert sorted(task["args"][0]) == sorted(SyncRun.objects.filter(kind=RunKind.ROUTINE).values_list("pk", flat=True))


@pytest.fixture
def two_shops(live_server):
    channels = []
    for platform, name in (("shopee", "Plan Shopee"), ("woocommerce", "Plan Woo")):
        shop = services.shop_create(platform, name)
        services.items_add_bulk(shop, [{"name": f"Item {i}", "sku": f"P-{i}", "stock": 20, "price": "10000"} for i in range(3)])
        details = next(s for s in services.shops_json(live_server.url) if s["shop"] == name)
        ch = Channel(name=name, platform=platform, location=f.location(), api_base_url=details["base_url"])
        ch.credentials = {k: str(v) for k, v in details["credentials"].items()}
        ch.save()
        channels.append(ch)
    for i in range(3):
        f.sku(f"P-{i}")
    return channels


@pytest.mark.django_db(transaction=True)
def test_no_channel_pushes_stock_before_every_channel_has_downloaded_its_orders(two_shops):
    from omnisync.routine import routine_request

    results = routine_request(two_shops, trigger="schedule", queue=False)
    statuses = routines_execute([run.pk for run, _created in results])
    assert statuses == [RunStatus.SUCCEEDED, RunStatus.SUCCEEDED]
    steps = list(SyncRun.objects.exclude(kind=RunKind.ROUTINE).order_by("started_at", "pk").values_list("kind", "channel__name"))
    kinds = [k for k, _ in steps]
    assert kinds == ["scan", "scan", "download_orders", "download_orders", "update_inventory", "update_inventory"], steps
    # Delivered twice (at-least-once queue): the second delivery claims nothing and starts nothing.
    assert routines_execute([run.pk for run, _created in results]) == []
    assert SyncRun.objects.exclude(kind=RunKind.ROUTINE).count() == 6


@pytest.mark.django_db(transaction=True)
def test_the_command_runs_the_same_plan(two_shops):
    call_command("routine", "--all")  # exits non-zero (SystemExit) when a routine does not succeed
    kinds = list(SyncRun.objects.exclude(kind=RunKind.ROUTINE).order_by("started_at", "pk").values_list("kind", flat=True))
    assert kinds == ["scan", "scan", "download_orders", "download_orders", "update_inventory", "update_inventory"]
