"""Sale-day misbehaviour, decided per request from a seeded generator stored on the shop.

Each request that reaches a shop with any fault switched on takes the next
number `n` of the shop's draw counter and plays `random.Random(f"{seed}:{n}")`,
so resetting the faults (which zeroes the counter) replays the same sequence.
The draws are always taken in the same order: drop, throttle, error, malformed,
then whatever the view asks for (ignore-stock, page shifting).

Latency and rate limits draw nothing (and write nothing): a shop with only
those switched on answers every request the same way, so the sandbox can
serve requests in parallel without its fault counter serialising them.

What a `requests` client sees:
- latency: the answer comes `latency_ms` later;
- rate limit (`Shop.rate_limited`, the latency profile's switch): beyond the
  platform's request rate (`RATE_LIMITS`), the platform's throttle answer, with
  Retry-After; with it on, `latency_ms` is the time a request takes in all,
  the sandbox's own work included;
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
import math
import random
import re
import socket
import threading
import time
from contextlib import nullcontext
from time import monotonic

from django.db import connection, transaction
from django.db.models import F
from django.http import HttpResponse

from sandbox import flows, services
from sandbox.models import Order, Shop

#: Each platform's request rate (requests per second) and what it is counted per, from
#: MARKETPLACES.md; "assumed" where the documentation gives no figure.
RATE_LIMITS = {
    # assumed: no limit is documented for order and product calls; counted per shop, every call
    "shopee": (10.0, "shop"),
    # documented: 50 requests per second per API per shop (an API = a path, ids left out)
    "tiktok": (50.0, "api"),
    # documented: inventory calls 50 per second per seller; assumed: the other calls share that budget
    "lazada": (50.0, "shop"),
    # assumed: core has no limit; a store's host serving 10 per second, busy beyond it (503)
    "woocommerce": (10.0, "shop"),
}
_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")


class RateBuckets:
    """Token buckets per (shop, API), holding one second's worth of requests and refilled at the rate.

    The documentation says "N requests per second" and not how a burst is
    counted: the sandbox lets a shop that was idle send one second's worth at
    once (assumed). Kept in memory, so the limit holds per server process:
    serve a rate-limited sandbox from one process (the benchmark does:
    one gunicorn worker, many threads).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._state: dict[tuple, tuple[float, float]] = {}

    def take(self, key: tuple, rate: float) -> float:
        """Take a token; 0 when there was one, else the seconds until there will be (nothing taken)."""
        with self._lock:
            now = monotonic()
            tokens, stamp = self._state.get(key, (rate, now))
            tokens = min(rate, tokens + (now - stamp) * rate)
            if tokens >= 1:
                self._state[key] = (tokens - 1, now)
                return 0.0
            self._state[key] = (tokens, now)
            return (1 - tokens) / rate

    def reset(self) -> None:
        with self._lock:
            self._state.clear()


buckets = RateBuckets()


def over_rate(platform_name: str, shop: Shop, path: str) -> float:
    """Seconds the request came too early for the shop's documented rate (0: within it)."""
    if not shop.rate_limited or platform_name not in RATE_LIMITS:
        return 0.0
    rate, per = RATE_LIMITS[platform_name]
    key = (shop.pk, _ID_SEGMENT.sub("/{id}", path) if per == "api" else "")
    return buckets.take(key, rate)


def generator(shop: Shop) -> random.Random | None:
    """The shop's generator for this request, or None when the shop behaves (latency and rate limits draw nothing)."""
    if not shop.draws_faults:
        return None
    with transaction.atomic():
        Shop.objects.filter(pk=shop.pk).update(fault_draws=F("fault_draws") + 1)
        draw = Shop.objects.values_list("fault_draws", flat=True).get(pk=shop.pk)
    return random.Random(f"{shop.fault_seed}:{draw}")


def run(platform, request, shop: Shop, call, *, drop_after: bool = True) -> HttpResponse:
    """Answer the request through `call`, misbehaving as the shop is told to."""
    arrived = getattr(request, "sandbox_arrived", None) or monotonic()
    too_early = over_rate(platform.name, shop, request.path)
    rng = generator(shop)
    request.sandbox_rng = rng
    if rng is None and shop.rate_limited:
        # The latency profile: a request takes `latency_ms` in all, the sandbox's own work included
        # (what a client of the real platform measures), so long pages are not slower than short ones.
        if too_early:
            _sleep_until(arrived + shop.latency_ms / 1000)
            raise throttled(platform, shop, too_early)
        try:
            with _serial if request.method == "POST" and connection.vendor == "sqlite" else nullcontext():
                return call()
        finally:  # refusals take as long as answers
            _sleep_until(arrived + shop.latency_ms / 1000)
    if rng is None:
        if shop.latency_ms:
            time.sleep(shop.latency_ms / 1000)
        return call()
    r_drop, r_throttle, r_error, r_malformed = rng.random(), rng.random(), rng.random(), rng.random()
    if shop.latency_ms:
        time.sleep(shop.latency_ms / 1000)
    if too_early:
        raise throttled(platform, shop, too_early)
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


#: Calls that may write, one at a time in this process while the latency profile runs on SQLite: many
#: threads writing one SQLite file at once wait in SQLite's busy handler (sleeps of up to 100 ms), which
#: would make the sandbox, not the platform's rate, the limit. PostgreSQL takes concurrent writers (row
#: locks), so there they run side by side: one at a time, a Lazada stock call's 20 ms (measured under the
#: profile's load) capped a shop at the 50 calls a second the profile grants. The latency is waited outside the lock.
_serial = threading.Lock()


def _sleep_until(moment: float) -> None:
    left = moment - monotonic()
    if left > 0:
        time.sleep(left)


def throttled(platform, shop: Shop, wait: float):
    """The platform's throttle answer for a request over the rate, saying when to come back."""
    error = platform.throttle_error(shop)
    if "Retry-After" in error.headers:
        error.headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return error


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
