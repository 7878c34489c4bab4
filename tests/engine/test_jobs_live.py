"""The sync jobs against the sandbox over real HTTP: gaps, read-back, and the hold on increases."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.utils import timezone

from channels_app.adapters.shopee import ShopeeAdapter
from channels_app.models import Channel, RunKind, RunStatus
from channels_app.runs import run_claim, run_perform, run_request
from inventory.models import Listing, PushState, Sku
from inventory.services.ledger import stock_import
from inventory.targets import discrepancy_count
from orders.models import Order
from tests import factories as f

services = pytest.importorskip("sandbox.services")
pytestmark = pytest.mark.django_db(transaction=True)


def run(channel, kind, **params):
    r, created = run_request(channel, kind, params=params, queue=False)
    assert created
    return run_perform(run_claim(r.pk))


@pytest.fixture
def shop():
    shop = services.shop_create("shopee", "Engine shop")
    services.items_add_bulk(shop, [{"name": f"Item {i}", "sku": f"E-{i}", "stock": 20, "price": "10000"} for i in range(6)])
    return shop


@pytest.fixture
def channel(shop, live_server):
    details = next(s for s in services.shops_json(live_server.url) if s["shop"] == shop.name)
    ch = Channel(name="Engine Shopee", platform="shopee", location=f.location(), api_base_url=details["base_url"])
    ch.credentials = {k: str(v) for k, v in details["credentials"].items()}
    ch.save()
    for i in range(6):
        f.sku(f"E-{i}")
    return ch


def test_a_failed_slice_is_a_gap_the_mark_stops_before_it_and_the_next_run_fills_it(shop, channel, monkeypatch):
    now = timezone.now()
    old = now - timedelta(days=25)  # Shopee reads at most 15 days at a time: two slices
    services.orders_create_bulk(shop, [
        {"lines": [{"sku": "E-1", "quantity": 1}], "status": "READY_TO_SHIP", "created_at": old + timedelta(hours=i)} for i in range(3)
    ] + [
        {"lines": [{"sku": "E-2", "quantity": 1}], "status": "READY_TO_SHIP", "created_at": now - timedelta(days=2, hours=i)} for i in range(3)
    ])
    since = old - timedelta(hours=1)
    window = ShopeeAdapter.max_order_window  # strictly inside Shopee's documented 15 days
    assert window < timedelta(days=15)
    boundary = int((since + window).timestamp())
    real_send = requests.adapters.HTTPAdapter.send

    def flaky_network(self, request, **kwargs):
        url = urlparse(request.url)
        if url.path.endswith("/order/get_order_list") and int(parse_qs(url.query)["time_from"][0]) >= boundary - 1:
            raise requests.ConnectionError("network down for the second slice")
        return real_send(self, request, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", flaky_network)
    first = run(channel, RunKind.DOWNLOAD_ORDERS, since=since.isoformat())
    channel.refresh_from_db()
    assert first.status == RunStatus.PARTIAL
    assert first.counts["gaps"] == 1
    assert first.issues.filter(object_type="slice").exists()
    assert Order.objects.filter(channel=channel).count() == 3
    assert channel.orders_verified_until is not None
    assert channel.orders_verified_until <= since + window + timedelta(seconds=1)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", real_send)
    second = run(channel, RunKind.DOWNLOAD_ORDERS)  # default window starts at the mark
    channel.refresh_from_db()
    assert second.status == RunStatus.SUCCEEDED, second.message
    assert Order.objects.filter(channel=channel).count() == 6
    assert channel.orders_verified_until >= now - timedelta(minutes=1)
    assert (channel.orders_missing, channel.orders_wrong_status) == (0, 0)


def test_an_ignored_stock_update_is_reported_as_not_applied_and_stays_a_discrepancy(shop, channel):
    stock_import(location=channel.location, quantities={s.pk: 7 for s in Sku.objects.all()})
    assert run(channel, RunKind.SCAN, full=True).status == RunStatus.SUCCEEDED
    services.shop_set_faults(shop, ignore_stock_rate=1.0)
    result = run(channel, RunKind.UPDATE_INVENTORY)
    assert result.status == RunStatus.PARTIAL
    assert result.counts["pushed"] == 6 and result.counts["not_applied"] == 6
    assert set(Listing.objects.filter(channel=channel).values_list("last_push_state", flat=True)) == {PushState.NOT_APPLIED}
    assert result.issues.filter(code="not_applied").count() == 6
    assert discrepancy_count(channel) == 6

    services.shop_clear_faults(shop)
    again = run(channel, RunKind.UPDATE_INVENTORY)
    assert again.status == RunStatus.SUCCEEDED
    assert again.counts["confirmed"] == 6
    assert discrepancy_count(channel) == 0


def test_increases_are_held_while_orders_are_missing(shop, channel):
    stock_import(location=channel.location, quantities={s.pk: (30 if s.code == "E-0" else 5) for s in Sku.objects.all()})
    run(channel, RunKind.SCAN, full=True)  # channel shows 20 each: E-0 must go up, the rest down
    services.orders_create_bulk(shop, [{"lines": [{"sku": "E-3", "quantity": 1}], "status": "READY_TO_SHIP"}])
    run(channel, RunKind.CHECK_ORDERS)
    channel.refresh_from_db()
    assert channel.orders_missing == 1
    result = run(channel, RunKind.UPDATE_INVENTORY)
    held = Listing.objects.get(channel=channel, seller_sku="E-0")
    assert held.last_push_state == PushState.HELD
    assert held.channel_stock == 20
    assert result.counts["held"] == 1 and result.counts["pushed"] == 5
    assert result.issues.filter(code="held", object_ref="E-0").exists()
    lowered = Listing.objects.get(channel=channel, seller_sku="E-1")
    assert lowered.channel_stock == 5 and lowered.last_push_state == PushState.CONFIRMED

    run(channel, RunKind.DOWNLOAD_ORDERS)
    channel.refresh_from_db()
    assert channel.orders_missing == 0
    run(channel, RunKind.UPDATE_INVENTORY)
    held.refresh_from_db()
    assert held.channel_stock == 30 and held.last_push_state == PushState.CONFIRMED
