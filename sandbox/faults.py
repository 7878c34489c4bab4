"""Sale-day misbehaviour, decided per request from a seeded generator stored on the shop.

Each request that reaches a shop with any fault switched on takes the next
number `n` of the shop's draw counter and plays `random.Random(f"{seed}:{n}")`,
so resetting the faults (which zeroes the counter) replays the same sequence.
The draws are always taken in the same order: drop, throttle, error, malformed,
then whatever the view asks for (ignore-stock, page shifting).

What a `requests` client sees:
- latency: the answer comes `latency_ms` later;
- throttle / error: the platform's throttle or 5xx answer (see each platform module);
- drop: the view runs (a stock update is applied), then the TCP connection is
  shut down without an answer: `requests` raises `ConnectionError`
  ("Connection aborted. RemoteDisconnected"). Where the socket cannot be reached
  (an unknown WSGI server), the answer declares a Content-Length it never sends,
  which `requests` reports as `ChunkedEncodingError` once the server closes,
  or as a read timeout;
- malformed: HTTP 200 with an HTML error page, a cut-off JSON body, or JSON whose
  payload has the wrong type.
"""

import json
import random
import socket
import time

from django.db import transaction
from django.db.models import F
from django.http import HttpResponse

from sandbox import flows, services
from sandbox.models import Order, Shop


def generator(shop: Shop) -> random.Random | None:
    """The shop's generator for this request, or None when the shop behaves."""
    if not shop.has_faults:
        return None
    with transaction.atomic():
        Shop.objects.filter(pk=shop.pk).update(fault_draws=F("fault_draws") + 1)
        draw = Shop.objects.values_list("fault_draws", flat=True).get(pk=shop.pk)
    return random.Random(f"{shop.fault_seed}:{draw}")


def run(platform, request, shop: Shop, call, *, drop_after: bool = True) -> HttpResponse:
    """Answer the request through `call`, misbehaving as the shop is told to."""
    rng = generator(shop)
    request.sandbox_rng = rng
    if rng is None:
        return call()
    r_drop, r_throttle, r_error, r_malformed = rng.random(), rng.random(), rng.random(), rng.random()
    if shop.latency_ms:
        time.sleep(shop.latency_ms / 1000)
    dropping = r_drop < shop.drop_rate
    if dropping and not drop_after:
        return dropped(request)
    if r_throttle < shop.throttle_rate:
        raise platform.throttle_error(shop)
    if r_error < shop.error_rate:
        raise platform.server_error(rng)
    try:
        response = call()
    except Exception:
        # The platform's refusal is lost with the connection too: a dropped request is dropped
        # whatever the view had to say (the client sees the drop and tries again).
        if dropping:
            return dropped(request)
        raise
    if dropping:
        return dropped(request)
    if r_malformed < shop.malformed_rate:
        return malformed(response, rng)
    return response


def ignore_stock(request, shop: Shop) -> bool:
    """Whether this stock update should answer success and change nothing."""
    rng = getattr(request, "sandbox_rng", None)
    return rng is not None and rng.random() < shop.ignore_stock_rate


def _socket_of(environ) -> socket.socket | None:
    sock = environ.get("gunicorn.socket")
    if isinstance(sock, socket.socket):
        return sock
    obj = environ.get("wsgi.input")
    for _ in range(6):
        if obj is None or isinstance(obj, socket.socket):
            return obj
        if hasattr(obj, "_sock"):
            obj = obj._sock
        elif hasattr(obj, "raw"):
            obj = obj.raw
        elif hasattr(obj, "_read") and hasattr(obj._read, "__self__"):
            obj = obj._read.__self__
        elif hasattr(obj, "stream"):
            obj = obj.stream
        else:
            return None
    return None


def dropped(request) -> HttpResponse:
    """Shut the client's connection without an answer (or, failing that, promise a body that never comes)."""
    sock = _socket_of(request.environ)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    response = HttpResponse(b'{"partial":', content_type="application/json")
    response["Content-Length"] = "65536"
    return response


def malformed(response: HttpResponse, rng: random.Random) -> HttpResponse:
    """A 200 the client cannot use: HTML from a proxy, JSON cut short, or JSON with the wrong shape."""
    kind = rng.randrange(3)
    if kind == 0:
        return HttpResponse(b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
                            content_type="text/html", status=200)
    body = getattr(response, "content", b"") or b"{}"
    if kind == 1:
        return HttpResponse(body[: max(1, len(body) // 2)], content_type="application/json", status=200)
    try:
        data = json.loads(body)
    except ValueError:
        data = {}
    if isinstance(data, dict):
        for key in ("response", "data", "orders", "products"):
            if key in data:
                data[key] = "null"
                break
        else:
            data = [data]
    else:
        data = {"data": data}
    return HttpResponse(json.dumps(data), content_type="application/json", status=200)


def shift_orders(request, shop: Shop, now=None) -> int:
    """While a client pages through orders, move one or two open orders on (new status, new update time)."""
    rng = getattr(request, "sandbox_rng", None)
    if rng is None or not shop.shift_pages:
        return 0
    pks = list(Order.objects.filter(shop=shop).values_list("pk", "status").order_by("pk"))
    open_pks = [pk for pk, status in pks if flows.successors(shop.platform, status)]
    moved = 0
    for pk in rng.sample(open_pks, min(len(open_pks), rng.randint(1, 2))):
        order = Order.objects.select_related("shop").get(pk=pk)
        if services.order_advance(order, rng, now):
            moved += 1
    return moved
