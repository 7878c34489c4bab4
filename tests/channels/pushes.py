"""Helpers the push tests share: deliveries over Django's test client, and one end-to-end run against the sandbox.

Signatures are computed here with the standard library from each platform's
documented recipe (MARKETPLACES.md), never with omnisync.webhooks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from channels_app.models import Channel, RunKind, RunStatus, SyncRun
from channels_app.runs import run_claim, run_perform, run_request
from omnisync.models import OrderNotice
from orders.models import Order
from tests import factories as f


def hex_sig(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def b64_sig(secret: str, message: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def push_url(channel) -> str:
    return reverse("order-push", kwargs={"platform": channel.platform, "channel_id": channel.pk})


def post(channel, body: bytes, **headers):
    return Client(enforce_csrf_checks=True).post(push_url(channel), data=body, content_type="application/json", **headers)


def body(payload) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def nothing_happened() -> bool:
    return not SyncRun.objects.exists() and not OrderNotice.objects.exists()


def perform(run: SyncRun) -> SyncRun:
    return run_perform(run_claim(run.pk))


def sandbox_channel(services, notifications, live_server, platform: str, name: str):
    """A sandbox shop of `platform` selling SKU P-1, the channel reading it, and its pushes pointed at the channel."""
    shop = services.shop_create(platform, name)
    services.items_add_bulk(shop, [{"name": "Kaos Polos", "sku": "P-1", "stock": 50, "price": "25000"}])
    details = next(s for s in services.shops_json(live_server.url) if s["shop"] == shop.name)
    ch = Channel(name=f"{name} channel", platform=platform, location=f.location(), api_base_url=details["base_url"],
                 auth_base_url=details["auth_base_url"])
    ch.credentials = {k: str(v) for k, v in details["credentials"].items()}
    ch.save()
    f.sku("P-1")
    notifications.shop_set_callback(shop, live_server.url + push_url(ch))
    shop.refresh_from_db()
    return shop, ch


def duplicates_then_a_lost_push(services, notifications, shop, channel, status: str, pushes_per_order: int = 1):
    """A push is lost; then the sandbox pushes an order twice: one notice, one run reading that order only; the
    scheduled download (a window read, no ids) still imports the lost one."""
    services.shop_set_faults(shop, push_loss_rate=1)
    shop.refresh_from_db()
    # bought a minute ago: a window read ends at the current whole second, which an order changed this very second is after
    lost = services.order_create(shop, [{"sku": "P-1", "quantity": 1}], status=status,
                                 created_at=timezone.now() - timedelta(minutes=1))
    assert notifications.outbox.flush() == 0
    assert nothing_happened()

    services.shop_set_faults(shop, push_loss_rate=0, push_duplicate_rate=1)
    shop.refresh_from_db()
    sold = services.order_create(shop, [{"sku": "P-1", "quantity": 2}], status=status)
    assert notifications.outbox.flush() == 2 * pushes_per_order
    assert [code for _url, code, _body in notifications.outbox.sent] == [200] * (2 * pushes_per_order)
    notice = OrderNotice.objects.get()
    assert (notice.channel_id, notice.external_id, notice.taken_at) == (channel.pk, sold.order_id, None)
    assert notice.notices == 2 * pushes_per_order
    run = SyncRun.objects.get()
    assert (run.kind, run.trigger, run.status, run.params) == (RunKind.DOWNLOAD_ORDERS, "webhook", RunStatus.QUEUED,
                                                               {"order_ids": [sold.order_id]})
    done = perform(run)
    assert done.status == RunStatus.SUCCEEDED, done.message
    assert (done.counts["notified"], done.counts["created"]) == (1, 1)
    order = Order.objects.get(channel=channel)  # that order only: the lost one was not named
    assert order.external_id == sold.order_id
    assert sum(order.lines.values_list("quantity", flat=True)) == 2
    notice.refresh_from_db()
    assert notice.taken_at is not None and notice.run_id == run.pk
    channel.refresh_from_db()
    assert channel.orders_verified_until is None  # no window was read: nothing is proven complete

    scheduled, created = run_request(channel, RunKind.DOWNLOAD_ORDERS, trigger="schedule", queue=False)
    assert created
    assert perform(scheduled).status == RunStatus.SUCCEEDED
    assert Order.objects.filter(channel=channel, external_id=lost.order_id).exists()
    assert SyncRun.objects.count() == 2  # nothing was pending: the scheduled run asked for no pushed one
