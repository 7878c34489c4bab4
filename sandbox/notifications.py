"""Order pushes, sent as each platform sends them, to the URL a sandbox shop is given (`Shop.callback_url`).

When a sandbox order is created or changes status (sandbox.services), the
shop's platform notification is built and signed the way MARKETPLACES.md
says that platform signs it:

- Shopee: `{shop_id, code: 3, timestamp, data{ordersn, status, update_time}}`,
  `Authorization` = hex HMAC-SHA256(partner key, callback URL + "|" + body);
- TikTok Shop: `{type: 1, tts_notification_id, shop_id, timestamp,
  data{order_id, order_status, update_time}}` (CANCELLED spelt CANCEL),
  `Authorization` = hex HMAC-SHA256(app secret, app key + body);
- Lazada: one `{seller_id, message_type: 0, data{trade_order_id,
  trade_order_line_id, order_status, status_update_time}, timestamp}` per
  order item (unit), same `Authorization` scheme as TikTok;
- WooCommerce: the order as the REST API renders it, topic
  `order.created` / `order.updated`, `X-WC-Webhook-Signature` = base64
  HMAC-SHA256(webhook secret, body);
- Shopify: `orders/create` / `orders/updated` with the order's id and times,
  `X-Shopify-Hmac-Sha256` = base64 HMAC-SHA256(client secret, body).

Sending never touches the request that changed the order: the notifications
are built after its transaction commits and handed to an outbox that a
background thread empties, each POST with a short timeout, failures only
logged (the platforms retry; the sandbox does not: a push that failed is a
lost push, and the poll catches it). A process that ends with pushes still
waiting (a management command such as `sandbox_sale`) sends them as it exits.
Marketplace push faults, drawn like the request faults from the shop's
`fault_seed` and draw counter (so setting them again replays them):

- `push_loss_rate`: the share never sent;
- `push_duplicate_rate`: the share sent twice;
- `push_delay_ms`: each waits a random time up to this, so they arrive out
  of order.

Tests and commands that need it deterministic switch the outbox to manual
(`outbox.manual = True`) and call `flush()`, which sends everything queued,
in the order the delays put it, from the calling thread.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import heapq
import hmac
import itertools
import json
import logging
import random
import secrets
import threading
import time
from dataclasses import dataclass, field

import requests
from django.db import transaction
from django.db.models import F
from django.utils import timezone

log = logging.getLogger(__name__)

#: Seconds a push may take; the platforms give the receiver 3 (Shopee, TikTok) to 5 (Shopify).
TIMEOUT = 3.0


@dataclass(order=True)
class Delivery:
    due: float
    seq: int
    url: str = field(compare=False)
    body: bytes = field(compare=False)
    headers: dict = field(compare=False, default_factory=dict)


class Outbox:
    """Deliveries waiting for their time; one daemon thread sends them unless the outbox is manual."""

    def __init__(self):
        self._cond = threading.Condition()
        self._heap: list[Delivery] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self.manual = False
        #: (url, HTTP status or 0 when it could not be delivered, body) of the last 1,000 deliveries, newest last
        self.sent: list[tuple[str, int, bytes]] = []

    def put(self, url: str, body: bytes, headers: dict, delay: float = 0.0) -> None:
        with self._cond:
            heapq.heappush(self._heap, Delivery(time.monotonic() + delay, next(self._seq), url, body, headers))
            if not self.manual and (self._thread is None or not self._thread.is_alive()):
                self._thread = threading.Thread(target=self._run, name="sandbox-pushes", daemon=True)
                self._thread.start()
            self._cond.notify()

    def pending(self) -> int:
        with self._cond:
            return len(self._heap)

    def flush(self) -> int:
        """Send everything queued now, earliest due first, from this thread; the number sent."""
        count = 0
        while True:
            with self._cond:
                if not self._heap:
                    return count
                delivery = heapq.heappop(self._heap)
            _send(delivery, self)
            count += 1

    def clear(self) -> None:
        with self._cond:
            self._heap.clear()
            self.sent.clear()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap or self.manual:
                    self._cond.wait(timeout=60)
                    if not self._heap and not self.manual:
                        self._thread = None  # idle for a minute: the next put starts a new thread
                        return
                wait = self._heap[0].due - time.monotonic()
                if wait > 0:
                    self._cond.wait(timeout=wait)
                    continue
                delivery = heapq.heappop(self._heap)
            _send(delivery, self)


outbox = Outbox()


@atexit.register
def _flush_at_exit() -> None:
    """A management command (sandbox_sale) ends right after its changes: send what its thread has not, delays cut short."""
    if not outbox.manual and outbox.pending():
        outbox.flush()


def _send(delivery: Delivery, box: Outbox) -> None:
    try:
        response = requests.post(delivery.url, data=delivery.body, headers=delivery.headers, timeout=TIMEOUT)
        status = response.status_code
        if status >= 300:
            log.warning("sandbox push to %s answered %s", delivery.url, status)
    except requests.RequestException as exc:
        status = 0
        log.warning("sandbox push to %s failed: %s", delivery.url, exc)
    box.sent.append((delivery.url, status, delivery.body))
    del box.sent[:-1000]


# ---------------------------------------------------------------- faults


def _rng(shop) -> random.Random | None:
    """The generator for one order's pushes, or None when the shop's pushes behave.

    Like the request faults (sandbox.faults), each draw takes the next number
    of the shop's `fault_draws` counter, so setting the faults again (which
    zeroes it) replays the same losses, duplicates and delays.
    """
    if not (shop.push_loss_rate or shop.push_duplicate_rate or shop.push_delay_ms):
        return None
    from sandbox.models import Shop

    with transaction.atomic():
        Shop.objects.filter(pk=shop.pk).update(fault_draws=F("fault_draws") + 1)
        draw = Shop.objects.values_list("fault_draws", flat=True).get(pk=shop.pk)
    return random.Random(f"{shop.fault_seed}:push:{draw}")


def reset() -> None:
    """Forget queued and sent pushes."""
    outbox.clear()


# ---------------------------------------------------------------- building


def orders_changed(shop, orders, *, created: bool = False) -> None:
    """Push these orders' news once the current transaction commits (no query when the shop has no callback)."""
    if not shop.callback_url or not orders:
        return
    pks = [o.pk for o in orders]
    shop_pk = shop.pk
    transaction.on_commit(lambda: _queue(shop_pk, pks, created))


def _queue(shop_pk: int, order_pks: list[int], created: bool) -> None:
    from sandbox.models import Order, Shop

    try:
        shop = Shop.objects.get(pk=shop_pk)
        if not shop.callback_url:
            return
        orders = list(Order.objects.filter(pk__in=order_pks).prefetch_related("lines", "history").order_by("pk"))
        builder = BUILDERS[shop.platform]
        for order in orders:
            rng = _rng(shop) or _NO_FAULTS
            for body, headers in builder(shop, order, created):
                draw_loss, draw_dup, delay, delay_dup = rng.random(), rng.random(), rng.random(), rng.random()
                if draw_loss < shop.push_loss_rate:
                    continue
                outbox.put(shop.callback_url, body, headers, delay * shop.push_delay_ms / 1000)
                if draw_dup < shop.push_duplicate_rate:
                    outbox.put(shop.callback_url, body, headers, delay_dup * shop.push_delay_ms / 1000)
    except Exception:  # a push is the platform's side effect: it must never break the change that caused it
        log.exception("sandbox pushes for shop %s could not be built", shop_pk)


class _Behaving:
    """Draws for a shop without push faults: never lost, never doubled, no delay."""

    @staticmethod
    def random() -> float:
        return 1.0


_NO_FAULTS = _Behaving()


def _json(payload) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def _hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _b64(secret: str, message: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def _ts(dt) -> int:
    return int(dt.timestamp())


def _shopee(shop, order, created):
    body = _json({"shop_id": int(shop.external_id or 0), "code": 3, "timestamp": _ts(timezone.now()),
                  "data": {"ordersn": order.order_id, "status": order.status, "update_time": _ts(order.updated_at)}})
    yield body, {"Content-Type": "application/json",
                 "Authorization": _hex(shop.partner_key, shop.callback_url.encode() + b"|" + body)}


def _tiktok(shop, order, created):
    status = "CANCEL" if order.status == "CANCELLED" else order.status
    body = _json({"type": 1, "tts_notification_id": str(7_000_000_000_000_000_000 + secrets.randbelow(10**18)),
                  "shop_id": shop.external_id, "timestamp": _ts(timezone.now()),
                  "data": {"order_id": order.order_id, "order_status": status, "update_time": _ts(order.updated_at)}})
    yield body, {"Content-Type": "application/json", "Authorization": _hex(shop.app_secret, shop.app_key.encode() + body)}


def _lazada(shop, order, created):
    for line in sorted(order.lines.all(), key=lambda ln: ln.pk):
        for unit in range(line.quantity):
            body = _json({"seller_id": shop.external_id, "message_type": 0, "timestamp": _ts(timezone.now()),
                          "data": {"trade_order_id": order.order_id, "trade_order_line_id": str(line.line_id * 100 + unit),
                                   "order_status": line.status or order.status, "status_update_time": _ts(order.updated_at)}})
            yield body, {"Content-Type": "application/json",
                         "Authorization": _hex(shop.app_secret, shop.app_key.encode() + body)}


def _woocommerce(shop, order, created):
    from sandbox.platforms.woocommerce import _render_order

    body = _json(_render_order(order))
    event = "created" if created else "updated"
    store = shop.callback_url.split("/webhooks/")[0]
    yield body, {"Content-Type": "application/json", "X-WC-Webhook-Source": f"{store}/sandbox/woocommerce/",
                 "X-WC-Webhook-Topic": f"order.{event}", "X-WC-Webhook-Resource": "order", "X-WC-Webhook-Event": event,
                 "X-WC-Webhook-ID": str(shop.pk), "X-WC-Webhook-Delivery-ID": str(secrets.randbelow(10**9)),
                 "X-WC-Webhook-Signature": _b64(shop.webhook_secret, body)}


def _shopify(shop, order, created):
    from sandbox.platforms.shopify import order_states

    financial, fulfilment, _returned, cancelled = order_states(order)
    body = _json({"id": int(order.order_id), "admin_graphql_api_id": f"gid://shopify/Order/{order.order_id}",
                  "name": f"#{order.number}", "created_at": order.created_at.isoformat(), "updated_at": order.updated_at.isoformat(),
                  "cancelled_at": cancelled.isoformat() if cancelled else None,
                  "financial_status": (financial or "").lower() or None,
                  "fulfillment_status": None if fulfilment == "UNFULFILLED" else fulfilment.lower()})
    yield body, {"Content-Type": "application/json", "X-Shopify-Topic": "orders/create" if created else "orders/updated",
                 "X-Shopify-Shop-Domain": shop.external_id, "X-Shopify-Webhook-Id": secrets.token_hex(16),
                 "X-Shopify-Hmac-Sha256": _b64(shop.app_secret, body)}


BUILDERS = {"shopee": _shopee, "tiktok": _tiktok, "lazada": _lazada, "woocommerce": _woocommerce, "shopify": _shopify}


def shop_set_callback(shop, url: str) -> None:
    """Where the shop's pushes go from now on ("" stops them)."""
    shop.callback_url = url
    shop.save(update_fields=["callback_url"])
