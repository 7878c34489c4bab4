"""The sandbox's pushes: sent after the change commits, never breaking it, with the faults a sale day brings."""

import json
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from channels_app.models import RunStatus, SyncRun
from omnisync.models import OrderNotice
from orders.models import Order
from tests.channels.pushes import perform, sandbox_channel

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_push_that_cannot_be_delivered_does_not_break_the_change(sandbox_pushes):
    services, notifications = sandbox_pushes
    shop = services.shop_create("shopee", "Unreachable")
    services.items_add_bulk(shop, [{"name": "Item", "sku": "U-1", "stock": 5}])
    notifications.shop_set_callback(shop, "http://127.0.0.1:9/webhooks/shopee/1/")
    shop.refresh_from_db()
    order = services.order_create(shop, [{"sku": "U-1", "quantity": 1}])
    services.order_set_status(order, "READY_TO_SHIP")
    assert notifications.outbox.flush() == 2
    assert [code for _url, code, _body in notifications.outbox.sent] == [0, 0]
    order.refresh_from_db()
    assert order.status == "READY_TO_SHIP"


def test_nothing_is_pushed_before_the_change_commits_or_when_it_is_rolled_back(sandbox_pushes):
    from django.db import transaction

    services, notifications = sandbox_pushes
    shop = services.shop_create("tiktok", "Rolled back")
    services.items_add_bulk(shop, [{"name": "Item", "sku": "R-1", "stock": 5}])
    notifications.shop_set_callback(shop, "http://127.0.0.1:9/webhooks/tiktok/1/")
    shop.refresh_from_db()
    queued_inside = []

    def failing_request():
        with transaction.atomic():
            services.order_create(shop, [{"sku": "R-1", "quantity": 1}])
            queued_inside.append(notifications.outbox.pending())
            raise RuntimeError("the request failed after creating the order")

    with pytest.raises(RuntimeError):
        failing_request()
    assert queued_inside == [0]
    assert notifications.outbox.pending() == 0


def test_pushes_out_of_order_end_with_the_newest_state(live_server, sandbox_pushes):
    services, notifications = sandbox_pushes
    shop, ch = sandbox_channel(services, notifications, live_server, "shopee", "Shuffled")
    services.shop_set_faults(shop, push_delay_ms=60_000, fault_seed=7)
    shop.refresh_from_db()
    start = (timezone.now() - timedelta(minutes=10)).replace(microsecond=0)
    order = services.order_create(shop, [{"sku": "P-1", "quantity": 1}], status="UNPAID", created_at=start)
    for i, status in enumerate(("READY_TO_SHIP", "PROCESSED", "SHIPPED")):
        services.order_set_status(order, status, at=start + timedelta(minutes=i + 1))
    assert notifications.outbox.flush() == 4
    arrived = [json.loads(b)["data"]["status"] for _url, _code, b in notifications.outbox.sent]
    assert sorted(arrived) == ["PROCESSED", "READY_TO_SHIP", "SHIPPED", "UNPAID"]
    assert arrived != ["UNPAID", "READY_TO_SHIP", "PROCESSED", "SHIPPED"]  # the delays shuffled them
    notice = OrderNotice.objects.get()
    assert notice.changed_at == start + timedelta(minutes=3)  # the newest change, whatever came last
    run = SyncRun.objects.get()
    assert perform(run).status == RunStatus.SUCCEEDED
    assert Order.objects.get(channel=ch, external_id=order.order_id).raw_status == "SHIPPED"


def test_without_manual_flushing_a_background_thread_delivers(live_server, sandbox_pushes):
    services, notifications = sandbox_pushes
    notifications.outbox.manual = False
    shop, _channel = sandbox_channel(services, notifications, live_server, "lazada", "Threaded")
    order = services.order_create(shop, [{"sku": "P-1", "quantity": 1}])
    deadline = time.monotonic() + 10
    while not OrderNotice.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert OrderNotice.objects.get().external_id == order.order_id
    assert SyncRun.objects.get().params == {"order_ids": [order.order_id]}


def test_the_commands_set_the_callback_and_the_push_faults(sandbox_pushes):
    services, _notifications = sandbox_pushes
    shop = services.shop_create("woocommerce", "Commanded")
    call_command("sandbox_push", shop="Commanded", callback_url="http://omnisync.test/webhooks/woocommerce/4/")
    call_command("sandbox_faults", shop="Commanded", push_duplicate_rate=0.2, push_loss_rate=0.1, push_delay_ms=3000)
    shop.refresh_from_db()
    assert (shop.callback_url, shop.push_duplicate_rate, shop.push_loss_rate, shop.push_delay_ms) == (
        "http://omnisync.test/webhooks/woocommerce/4/", 0.2, 0.1, 3000)
    with pytest.raises(CommandError):
        call_command("sandbox_faults", shop="Commanded", push_loss_rate=1.5)
    call_command("sandbox_faults", shop="Commanded", off=True)
    call_command("sandbox_push", shop="Commanded", off=True)
    shop.refresh_from_db()
    assert (shop.callback_url, shop.push_duplicate_rate, shop.push_loss_rate, shop.push_delay_ms) == ("", 0, 0, 0)
