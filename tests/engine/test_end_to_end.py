"""End to end over real HTTP: the demo's mismatches are all fixed by the routine, and a rerun changes nothing."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from channels_app.models import Channel, RunKind, RunStatus, SyncRun
from inventory.models import Listing, StockMovement
from omnisync.demo.seed import demo_seed
from orders.models import Order, OrderLine
from tests.test_ledger import assert_ledger_invariant

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def routine_all() -> list[dict]:
    out = StringIO()
    call_command("routine", "--all", "--json", stdout=out)  # a run that is not succeeded exits with SystemExit(1)
    data = json.loads(out.getvalue())
    return data["runs"] if "runs" in data else [data]


def discrepancies() -> dict:
    out = StringIO()
    call_command("discrepancies", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_demo_problems_are_fixed_by_the_routine_and_a_rerun_changes_nothing(live_server):
    assert demo_seed(live_server.url, say=lambda *a: None)
    before = {c.name: (c.orders_missing, c.orders_wrong_status, c.stock_discrepancies) for c in Channel.objects.all()}
    assert sum(v[0] for v in before.values()) > 0, before
    assert sum(v[1] for v in before.values()) > 0, before
    assert sum(v[2] for v in before.values()) > 0, before

    runs = routine_all()
    assert {r["outcome"] for r in runs} == {"succeeded"}, runs
    report = discrepancies()
    assert report["totals"]["orders_missing"] == 0
    assert report["totals"]["orders_wrong_status"] == 0
    assert report["totals"]["stock_discrepancies"] == 0
    assert_ledger_invariant()

    movements = StockMovement.objects.count()
    orders, lines = Order.objects.count(), OrderLine.objects.count()
    pushed = dict(Listing.objects.values_list("pk", "last_pushed_at"))
    runs = routine_all()
    assert {r["outcome"] for r in runs} == {"succeeded"}, runs
    assert StockMovement.objects.count() == movements
    assert (Order.objects.count(), OrderLine.objects.count()) == (orders, lines)
    assert dict(Listing.objects.values_list("pk", "last_pushed_at")) == pushed
    updates = SyncRun.objects.filter(kind=RunKind.UPDATE_INVENTORY, status=RunStatus.SUCCEEDED).order_by("-pk")[: len(runs)]
    assert all(u.counts.get("pushed") == 0 for u in updates)
