"""WooCommerce REST API v3, the store root mounted at /sandbox/woocommerce (API under /wp-json/wc/v3/).

Authentication: OAuth 1.0a one-legged (HMAC-SHA1 / HMAC-SHA256, base string
on the full URL the client used, timestamp within 15 minutes; parameters in
the query or an `Authorization: OAuth …` header), HTTP Basic, or
consumer_key / consumer_secret query parameters (all three accepted over plain
HTTP). Nonces are not remembered. The sandbox store runs on UTC, so local and
GMT dates are the same. Throttling is answered the way hosts do it: HTTP 503
with Retry-After. A variable product's own stock is not managed, so a batch
update that sets it fails for that product (`woocommerce_rest_product_stock_not_managed`, assumed).

Order statuses: the core ones (`wc_get_order_statuses()`, plus the block
checkout's `checkout-draft`) and the statuses plugins register through the
`wc_order_statuses` filter. The sandbox has no per-shop field for those, so
every shop registers `CUSTOM_STATUSES` (a plugin's `awaiting-shipment`).
They are returned without `wc-`, accepted by `status=`, and, like in
WooCommerce, move no stock: an order keeps whatever its last core status took
(`set_custom_status`). `status=` accepts only `any`, `trash` and registered
statuses; anything else is answered as WordPress validates an enum argument:
HTTP 400 `rest_invalid_param`.
"""

import base64
import math
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, unquote, urlencode

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sandbox import faults, notifications, services
from sandbox.models import Item, Order, OrderStatusChange, Shop, Variant
from sandbox.platforms.base import ApiError, Platform, json_response, money
from sandbox.signing import oauth1_sign, same

MAX_SKEW = 15 * 60
BATCH_LIMIT = 100
#: wc_get_order_statuses() without the `wc-` prefix, and the block checkout's draft status.
CORE_STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "checkout-draft")
#: Statuses a plugin registers on every sandbox shop (no Shop field holds them).
CUSTOM_STATUSES = ("awaiting-shipment",)


def registered_statuses(shop=None) -> tuple[str, ...]:
    """Every order status the shop knows: core and plugin-registered."""
    return CORE_STATUSES + CUSTOM_STATUSES


def set_custom_status(order: Order, status: str, at=None) -> Order:
    """Move an order to a plugin's status: history and update time change, stock does not (WooCommerce's rule)."""
    if status not in CUSTOM_STATUSES:
        raise ValueError(f"{status!r} is not a status registered on the sandbox WooCommerce shops")
    at = services.whole_seconds(at or timezone.now())
    if at <= order.updated_at:
        at = order.updated_at + timedelta(seconds=1)
    with transaction.atomic():
        order.status, order.updated_at = status, at
        order.save(update_fields=["status", "updated_at"])
        OrderStatusChange.objects.create(order=order, status=status, at=at)
        notifications.orders_changed(order.shop, [order])
    return order


def _local(dt):
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") if dt else None


class WooCommerce(Platform):
    name = "woocommerce"

    def param_error(self, message, param=None):
        extra = {"params": {param: message}} if param else {}
        return ApiError("rest_invalid_param", f"Invalid parameter(s): {param}" if param else message, 400, **extra)

    def render_error(self, error, request_id):
        return json_response({"code": error.code, "message": error.message, "data": {"status": error.status, **error.extra}},
                             status=error.status)

    def throttle_error(self, shop):
        return ApiError("woocommerce_rest_service_unavailable", "The store is busy, try again later.", 503,
                        headers={"Retry-After": str(shop.retry_after)})

    def server_error(self, rng):
        if rng.random() < 0.5:
            return ApiError("http_gateway_timeout", "Gateway timeout.", 504)
        return ApiError("internal_server_error", "There has been a critical error on this website.", 500)

    def method_error(self, method):
        return ApiError("rest_no_route", "No route was found matching the URL and request method.", 404)

    def auth_error(self, message, code="woocommerce_rest_authentication_error"):
        return ApiError(code, message, 401)

    def authenticate(self, request) -> Shop:
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                key, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                raise self.auth_error("Malformed Basic authorisation.") from None
            return self._by_key_and_secret(key, secret)
        if request.GET.get("consumer_key"):
            return self._by_key_and_secret(request.GET["consumer_key"], request.GET.get("consumer_secret", ""))
        oauth = [(k, v) for k, v in request.GET.lists() for v in v]
        if header.startswith("OAuth "):
            oauth += [(k.strip(), unquote(v.strip().strip('"'))) for k, _, v in
                      (part.partition("=") for part in header[6:].split(",")) if k.strip() != "realm"]
        if any(k == "oauth_consumer_key" for k, _ in oauth):
            return self._oauth1(request, oauth)
        raise self.auth_error("Sorry, you cannot list resources.", "woocommerce_rest_cannot_view")

    def _by_key_and_secret(self, key, secret) -> Shop:
        shop = Shop.objects.filter(platform="woocommerce", consumer_key=key).first()
        if shop is None:
            raise self.auth_error("Consumer key is invalid.")
        if not same(shop.consumer_secret, secret):
            raise self.auth_error("Consumer secret is invalid.")
        return shop

    def _oauth1(self, request, params) -> Shop:
        values = dict(params)
        missing = [n for n in ("oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature",
                               "oauth_signature_method") if not values.get(n)]
        if missing:
            raise ApiError("woocommerce_rest_authentication_missing_parameter",
                           f"Missing OAuth parameter {', '.join(missing)}", 401)
        shop = Shop.objects.filter(platform="woocommerce", consumer_key=values["oauth_consumer_key"]).first()
        if shop is None:
            raise self.auth_error("Consumer key is invalid.")
        method = values["oauth_signature_method"].upper()
        if method not in ("HMAC-SHA1", "HMAC-SHA256"):
            raise self.auth_error("Signature method is invalid.")
        try:
            timestamp = int(values["oauth_timestamp"])
        except ValueError:
            raise self.auth_error("Invalid timestamp.") from None
        if abs(time.time() - timestamp) > MAX_SKEW:
            raise self.auth_error("Invalid timestamp.")
        url = request.build_absolute_uri(request.path)
        expected = oauth1_sign(request.method, url, params, shop.consumer_secret, method)
        if not same(expected, values["oauth_signature"].replace(" ", "+")):
            raise self.auth_error("Invalid signature - provided signature does not match.")
        return shop

    def date_param(self, params, name):
        raw = params.get(name)
        if not raw:
            return None
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise self.param_error(f"{name} is not a valid date.", name) from None
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    def paging(self, request, default=10):
        p = request.GET
        try:
            page = int(p.get("page") or 1)
            per_page = int(p.get("per_page") or default)
        except ValueError:
            raise self.param_error("page and per_page must be integers", "page") from None
        if page < 1:
            raise self.param_error("page must be greater than or equal to 1", "page")
        if not 1 <= per_page <= 100:
            raise self.param_error("per_page must be between 1 (inclusive) and 100 (inclusive)", "per_page")
        return page, per_page

    def paged(self, request, rows, total, page, per_page):
        pages = max(1, math.ceil(total / per_page)) if total else 0
        response = json_response(rows)
        response["X-WP-Total"] = str(total)
        response["X-WP-TotalPages"] = str(pages)
        links = []
        base = request.build_absolute_uri(request.path)
        query = [(k, v) for k, v in parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
                 if k != "page" and not k.startswith("oauth_") and k not in ("consumer_key", "consumer_secret")]
        if page > 1:
            links.append(f'<{base}?{urlencode([*query, ("page", page - 1)])}>; rel="prev"')
        if page < pages:
            links.append(f'<{base}?{urlencode([*query, ("page", page + 1)])}>; rel="next"')
        if links:
            response["Link"] = ", ".join(links)
        return response


woo = WooCommerce()


def _ids(raw) -> list[int]:
    try:
        return [int(v) for v in (raw or "").split(",") if v.strip()]
    except ValueError:
        raise woo.param_error("include must be a list of ids", "include") from None


# ---------------------------------------------------------------- store


@woo.endpoint()
def system_status(request, shop):
    home = request.build_absolute_uri("/sandbox/woocommerce/").rstrip("/")
    return json_response({
        "environment": {"home_url": home, "site_url": home, "version": "9.4.0", "wp_version": "6.7", "language": "id_ID"},
        "settings": {"currency": shop.currency, "currency_symbol": "Rp", "api_enabled": True},
        "active_plugins": [{"plugin": "woocommerce/woocommerce.php", "name": "WooCommerce", "version": "9.4.0"}],
        "store_name": shop.name,
    })


# ---------------------------------------------------------------- orders


def _render_order(order) -> dict:
    history = list(order.history.all())
    paid = next((h.at for h in history if h.status in ("processing", "completed", "on-hold")), None)
    completed = next((h.at for h in history if h.status == "completed"), None)
    lines = []
    for line in sorted(order.lines.all(), key=lambda ln: ln.pk):
        variable = line.sold_variant.item.has_variants if line.sold_variant else False
        amount = money(line.unit_price * line.quantity)
        lines.append({"id": line.line_id, "name": line.name, "product_id": line.item_id,
                      "variation_id": line.variant_id if variable else 0, "quantity": line.quantity, "sku": line.seller_sku,
                      "price": float(line.unit_price), "subtotal": amount, "total": amount})
    return {"id": int(order.order_id), "parent_id": 0, "number": order.number, "order_key": f"wc_order_{order.order_id}",
            "created_via": "checkout", "status": order.status, "currency": order.currency,
            "date_created": _local(order.created_at), "date_created_gmt": _local(order.created_at),
            "date_modified": _local(order.updated_at), "date_modified_gmt": _local(order.updated_at),
            "date_paid": _local(paid), "date_paid_gmt": _local(paid),
            "date_completed": _local(completed), "date_completed_gmt": _local(completed),
            "total": money(order.total), "customer_id": 0,
            "billing": {"first_name": order.buyer or "Buyer", "email": f"{order.buyer or 'buyer'}@example.invalid"},
            "line_items": lines}


_ORDER_BY = {"date": "created_at", "modified": "updated_at", "id": "pk", "include": "pk"}


@woo.endpoint()
def orders(request, shop):
    p = request.GET
    page, per_page = woo.paging(request)
    orderby = p.get("orderby") or "date"
    if orderby not in _ORDER_BY:
        raise woo.param_error("orderby is not one of date, modified, id, include", "orderby")
    direction = (p.get("order") or "desc").lower()
    if direction not in ("asc", "desc"):
        raise woo.param_error("order is not one of asc, desc", "order")
    if page > 1:
        faults.shift_orders(request, shop)
    qs = Order.objects.filter(shop=shop)
    for name, lookup in (("modified_after", "updated_at__gt"), ("modified_before", "updated_at__lt"),
                         ("after", "created_at__gt"), ("before", "created_at__lt")):
        value = woo.date_param(p, name)
        if value is not None:
            qs = qs.filter(**{lookup: value})
    statuses = [s for s in (p.get("status") or "any").split(",") if s]
    allowed = ("any", "trash", *registered_statuses(shop))
    for i, status in enumerate(statuses):
        if status not in allowed:
            raise woo.param_error(f"status[{i}] is not one of {', '.join(allowed)}.", "status")
    if "any" in statuses:
        qs = qs.exclude(status="trash")
    else:
        qs = qs.filter(status__in=statuses)
    if p.get("include"):
        qs = qs.filter(order_id__in=[str(i) for i in _ids(p["include"])])
    prefix = "-" if direction == "desc" else ""
    total = qs.count()
    if total and page > math.ceil(total / per_page):
        raise ApiError("rest_post_invalid_page_number",
                       "The page number requested is larger than the number of pages available.", 400)
    rows = list(qs.order_by(f"{prefix}{_ORDER_BY[orderby]}", f"{prefix}pk")
                .prefetch_related("lines__sold_variant__item", "history")[(page - 1) * per_page:page * per_page])
    return woo.paged(request, [_render_order(o) for o in rows], total, page, per_page)


@woo.endpoint()
def order_detail(request, shop, order_id):
    order = Order.objects.filter(shop=shop, order_id=str(order_id)).prefetch_related("lines__sold_variant__item", "history").first()
    if order is None:
        raise ApiError("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404)
    return json_response(_render_order(order))


# ---------------------------------------------------------------- products


def _render_product(item, variants, override=None) -> dict:
    override = override or {}
    simple = not item.has_variants
    stock = override.get(variants[0].pk, variants[0].stock) if simple and variants else None
    price = money(variants[0].price) if variants else "0.00"
    return {"id": item.item_id, "name": item.name, "type": "simple" if simple else "variable", "status": item.status,
            "sku": variants[0].seller_sku if simple and variants else item.sku, "price": price, "regular_price": price,
            "manage_stock": simple, "stock_quantity": stock,
            "stock_status": ("instock" if (stock or 0) > 0 else "outofstock") if simple else "instock",
            "date_created": _local(item.created_at), "date_created_gmt": _local(item.created_at),
            "date_modified": _local(item.updated_at), "date_modified_gmt": _local(item.updated_at),
            "variations": [] if simple else [v.variant_id for v in variants]}


def _render_variation(variant, override=None) -> dict:
    stock = (override or {}).get(variant.pk, variant.stock)
    return {"id": variant.variant_id, "sku": variant.seller_sku, "price": money(variant.price),
            "regular_price": money(variant.price), "manage_stock": True, "stock_quantity": stock,
            "stock_status": "instock" if stock > 0 else "outofstock",
            "date_modified": _local(variant.updated_at), "date_modified_gmt": _local(variant.updated_at),
            "attributes": [{"id": 0, "name": "Variant", "option": variant.name or variant.seller_sku}]}


@woo.endpoint()
def products(request, shop):
    p = request.GET
    page, per_page = woo.paging(request)
    qs = Item.objects.filter(shop=shop)
    for name, lookup in (("modified_after", "updated_at__gt"), ("modified_before", "updated_at__lt")):
        value = woo.date_param(p, name)
        if value is not None:
            qs = qs.filter(**{lookup: value})
    if p.get("sku"):
        skus = [s for s in p["sku"].split(",") if s]
        qs = qs.filter(Q(sku__in=skus, has_variants=True) | Q(has_variants=False, variants__seller_sku__in=skus)).distinct()
    if p.get("include"):
        qs = qs.filter(item_id__in=_ids(p["include"]))
    if p.get("type") in ("simple", "variable"):
        qs = qs.filter(has_variants=p["type"] == "variable")
    total = qs.count()
    items = list(qs.order_by("pk").prefetch_related("variants")[(page - 1) * per_page:page * per_page])
    rows = [_render_product(i, sorted(i.variants.all(), key=lambda v: v.pk)) for i in items]
    return woo.paged(request, rows, total, page, per_page)


def _product(shop, product_id) -> Item:
    item = Item.objects.filter(shop=shop, item_id=int(product_id)).first()
    if item is None:
        raise ApiError("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
    return item


@woo.endpoint()
def product_detail(request, shop, product_id):
    item = _product(shop, product_id)
    return json_response(_render_product(item, list(item.variants.order_by("pk"))))


@woo.endpoint()
def variations(request, shop, product_id):
    item = _product(shop, product_id)
    page, per_page = woo.paging(request)
    qs = item.variants.all() if item.has_variants else Variant.objects.none()
    total = qs.count()
    rows = [_render_variation(v) for v in qs.order_by("pk")[(page - 1) * per_page:page * per_page]]
    return woo.paged(request, rows, total, page, per_page)


def _batch_body(request) -> dict:
    body = woo.json_body(request)
    count = sum(len(body.get(k) or []) for k in ("create", "update", "delete"))
    if count > BATCH_LIMIT:
        raise ApiError("woocommerce_rest_request_entity_too_large",
                       f"Unable to accept more than {BATCH_LIMIT} items for this request.", 413)
    return body


def _item_error(obj_id, code, message, status=400):
    return {"id": obj_id, "error": {"code": code, "message": message, "data": {"status": status}}}


def _stock_value(entry):
    value = entry.get("stock_quantity")
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _unsupported(body) -> dict:
    out = {}
    for key in ("create", "delete"):
        if body.get(key):
            out[key] = [_item_error(e.get("id", 0) if isinstance(e, dict) else e, "woocommerce_rest_cannot_" + key,
                                    "The sandbox store only updates stock.") for e in body[key]]
    return out


def _save(changes, now):
    with transaction.atomic():
        for variant, stock in changes:
            variant.stock, variant.updated_at = stock, now
        Variant.objects.bulk_update([v for v, _ in changes], ["stock", "updated_at"])
        Item.objects.filter(pk__in={v.item_id for v, _ in changes}).update(updated_at=now)


@woo.endpoint(methods=("POST", "PUT", "PATCH"))
def products_batch(request, shop):
    body = _batch_body(request)
    updates = [e for e in body.get("update") or [] if isinstance(e, dict)]
    ids = [e.get("id") for e in updates if isinstance(e.get("id"), int)]
    items = {i.item_id: i for i in Item.objects.filter(shop=shop, item_id__in=ids).prefetch_related("variants")}
    ignore = faults.ignore_stock(request, shop)
    now = services.whole_seconds(timezone.now())
    results, changes, shown = [], [], {}
    for entry in updates:
        item = items.get(entry.get("id"))
        if item is None:
            results.append(_item_error(entry.get("id"), "woocommerce_rest_product_invalid_id", "Invalid ID."))
            continue
        variants = sorted(item.variants.all(), key=lambda v: v.pk)
        if "stock_quantity" in entry:
            stock = _stock_value(entry)
            if stock is None:
                results.append(_item_error(item.item_id, "rest_invalid_param", "stock_quantity is not of type integer."))
                continue
            if item.has_variants:
                results.append(_item_error(item.item_id, "woocommerce_rest_product_stock_not_managed",
                                           "Stock is managed on this product's variations."))
                continue
            changes.append((variants[0], stock))
            shown[variants[0].pk] = stock
        results.append((item, variants))
    if changes and not ignore:
        _save(changes, now)
    rendered = [r if isinstance(r, dict) else _render_product(r[0], r[1], shown) for r in results]
    return json_response({"update": rendered, **_unsupported(body)})


@woo.endpoint(methods=("POST", "PUT", "PATCH"))
def variations_batch(request, shop, product_id):
    item = _product(shop, product_id)
    body = _batch_body(request)
    updates = [e for e in body.get("update") or [] if isinstance(e, dict)]
    variants = {v.variant_id: v for v in item.variants.all()} if item.has_variants else {}
    ignore = faults.ignore_stock(request, shop)
    now = services.whole_seconds(timezone.now())
    results, changes, shown = [], [], {}
    for entry in updates:
        variant = variants.get(entry.get("id"))
        if variant is None:
            results.append(_item_error(entry.get("id"), "woocommerce_rest_product_variation_invalid_id", "Invalid ID."))
            continue
        if "stock_quantity" in entry:
            stock = _stock_value(entry)
            if stock is None:
                results.append(_item_error(variant.variant_id, "rest_invalid_param", "stock_quantity is not of type integer."))
                continue
            changes.append((variant, stock))
            shown[variant.pk] = stock
        results.append(variant)
    if changes and not ignore:
        _save(changes, now)
    rendered = [r if isinstance(r, dict) else _render_variation(r, shown) for r in results]
    return json_response({"update": rendered, **_unsupported(body)})
