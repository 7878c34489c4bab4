"""Lazada Open Platform, mounted at /sandbox/lazada (for https://api.lazada.co.id/rest) and
/sandbox/lazada-auth (for https://auth.lazada.com/rest).

Errors answer HTTP 200 with `{type, code, message, request_id}` like Lazada;
the simulated server errors are real 5xx. Assumed where the documentation is
silent: a stale timestamp gives `InvalidTimestamp`, an unknown app key
`InvalidAppKey`, a bad value `InvalidParameter`, a bad code or refresh token
`InvalidCode` / `IllegalRefreshToken`; a stock update answers code "0" and lists
the SKUs it could not change in `detail[]`; order and product times are shown
as Lazada does ("2026-11-11 10:00:00 +0700"). `timestamp` is milliseconds
(an ISO 8601 time is accepted too).
"""

import json
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from django.db import transaction
from django.utils import timezone as dj_timezone

from sandbox import faults, services
from sandbox.models import Item, Order, Shop, Token, Variant
from sandbox.platforms.base import ApiError, Platform, json_response, money
from sandbox.signing import lazada_sign, same

API_MOUNT = "/sandbox/lazada"
AUTH_MOUNT = "/sandbox/lazada-auth"
MAX_SKEW = 7200
WIB = timezone(timedelta(hours=7))


def _shown(dt: datetime) -> str:
    return dt.astimezone(WIB).strftime("%Y-%m-%d %H:%M:%S %z")


def _ms(dt: datetime) -> str:
    return str(int(dt.timestamp() * 1000))


class Lazada(Platform):
    name = "lazada"

    def param_error(self, message, code="InvalidParameter"):
        return ApiError(code, message, 200, type="ISV")

    def render_error(self, error, request_id):
        body = {"type": error.extra.get("type", "ISV"), "code": error.code, "message": error.message, "request_id": request_id}
        return json_response(body, status=error.status)

    def throttle_error(self, shop):
        return ApiError("901", "Request too frequent, please try again later.", 200, type="ISP")

    def server_error(self, rng):
        if rng.random() < 0.5:
            return ApiError("ServiceTimeout", "The service timed out.", 503, type="ISP")
        return ApiError("InternalError", "Internal server error.", 500, type="SYSTEM")

    def ok(self, request, data, **extra):
        return json_response({"code": "0", "data": data, "request_id": request.sandbox_request_id, **extra})

    @staticmethod
    def params(request) -> dict:
        merged = {k: request.GET.get(k) for k in request.GET}
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            merged.update({k: request.POST.get(k) for k in request.POST})
        return merged

    def _verify(self, request, mount) -> tuple[dict, Shop]:
        params = self.params(request)
        missing = [n for n in ("app_key", "timestamp", "sign_method", "sign") if not params.get(n)]
        if missing:
            raise self.param_error(f"Missing parameter(s): {', '.join(missing)}", "MissingParameter")
        app = Shop.objects.filter(platform="lazada", app_key=params["app_key"]).first()
        if app is None:
            raise self.param_error("Unknown app_key.", "InvalidAppKey")
        raw = params["timestamp"]
        try:
            ts = int(raw) / 1000 if raw.isdigit() else datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
        except ValueError:
            raise self.param_error("Invalid timestamp.", "InvalidTimestamp") from None
        if abs(time.time() - ts) > MAX_SKEW:
            raise self.param_error("Timestamp is more than 7200 seconds off.", "InvalidTimestamp")
        if params["sign_method"].lower() != "sha256":
            raise self.param_error("Unsupported sign_method.", "IncompleteSignature")
        if not same(lazada_sign(app.app_secret, request.path_info[len(mount):], params), params["sign"]):
            raise self.param_error("The request signature does not conform to platform standards", "IncompleteSignature")
        return params, app

    def authenticate(self, request) -> Shop:
        params, app = self._verify(request, API_MOUNT)
        token = services.token_find(params.get("access_token", ""), Token.ACCESS)
        if token is None or token.shop.app_key != app.app_key:
            raise self.param_error("Invalid access token or expired.", "IllegalAccessToken")
        request.sandbox_params = params
        return token.shop

    def authenticate_token_call(self, request) -> Shop:
        params, app = self._verify(request, AUTH_MOUNT)
        if "code" in params:
            kind, value, code = Token.CODE, params.get("code", ""), "InvalidCode"
        else:
            kind, value, code = Token.REFRESH, params.get("refresh_token", ""), "IllegalRefreshToken"
        token = services.token_find(value, kind)
        if token is None or token.shop.app_key != app.app_key:
            raise self.param_error(f"Invalid or expired {'code' if kind == Token.CODE else 'refresh_token'}.", code)
        request.sandbox_token = token
        return token.shop

    def time_param(self, params, name):
        raw = params.get(name)
        if not raw:
            return None
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise self.param_error(f"{name} must be ISO 8601 with an offset") from None
        return value if value.tzinfo else value.replace(tzinfo=WIB)


lazada = Lazada()


# ---------------------------------------------------------------- auth host


def _token_answer(request, shop, access, refresh):
    now = dj_timezone.now()
    body = {"access_token": access.value, "refresh_token": refresh.value,
            "expires_in": int((access.expires_at - now).total_seconds()),
            "refresh_expires_in": int((refresh.expires_at - now).total_seconds()),
            "account": f"seller{shop.external_id}@example.invalid", "account_platform": "seller_center", "country": "id",
            "country_user_info": [{"country": "id", "user_id": shop.external_id, "seller_id": shop.external_id,
                                   "short_code": f"ID{shop.pk:05d}"}]}
    return lazada.ok(request, dict(body), **body)


@lazada.endpoint(auth=lazada.authenticate_token_call, methods=("GET", "POST"), drop_after=False)
def token_create(request, shop):
    if request.sandbox_token.kind != Token.CODE or services.code_consume(request.sandbox_token.value, shop=shop) is None:
        raise lazada.param_error("Invalid or expired code.", "InvalidCode")
    return _token_answer(request, shop, *services.tokens_issue(shop))


@lazada.endpoint(auth=lazada.authenticate_token_call, methods=("GET", "POST"), drop_after=False)
def token_refresh(request, shop):
    if request.sandbox_token.kind != Token.REFRESH:
        raise lazada.param_error("refresh_token is required.", "MissingParameter")
    return _token_answer(request, shop, *services.token_refresh(request.sandbox_token))


# ---------------------------------------------------------------- seller


@lazada.endpoint()
def seller_get(request, shop):
    return lazada.ok(request, {"name": shop.name, "name_company": shop.name, "seller_id": int(shop.external_id),
                               "email": f"seller{shop.external_id}@example.invalid", "short_code": f"ID{shop.pk:05d}",
                               "location": "Jakarta", "status": "ACTIVE", "verified": True})


# ---------------------------------------------------------------- orders


def _order_row(order) -> dict:
    return {"order_id": int(order.order_id), "order_number": int(order.number), "created_at": _shown(order.created_at),
            "updated_at": _shown(order.updated_at), "price": money(order.total), "statuses": [order.status],
            "items_count": sum(line.quantity for line in order.lines.all()), "payment_method": "COD",
            "customer_first_name": order.buyer or "Buyer"}


def _order_items(order) -> list[dict]:
    items = []
    for line in sorted(order.lines.all(), key=lambda ln: ln.pk):
        for unit in range(line.quantity):
            items.append({"order_item_id": line.line_id * 100 + unit, "order_id": int(order.order_id), "name": line.name,
                          "sku": line.seller_sku, "shop_sku": f"{line.item_id}_ID-{line.variant_id}", "sku_id": line.variant_id,
                          "product_id": line.item_id, "paid_price": float(line.unit_price), "item_price": float(line.unit_price),
                          "currency": order.currency, "status": order.status, "created_at": _shown(order.created_at),
                          "updated_at": _shown(order.updated_at)})
    return items


@lazada.endpoint()
def orders_get(request, shop):
    p = request.sandbox_params
    update_after, created_after = lazada.time_param(p, "update_after"), lazada.time_param(p, "created_after")
    if update_after is None and created_after is None:
        raise lazada.param_error("update_after or created_after is required.", "MissingParameter")
    offset = lazada.int_param(p, "offset", 0, minimum=0, maximum=5000)
    limit = lazada.int_param(p, "limit", 100, minimum=1, maximum=100)
    sort_by = p.get("sort_by") or "created_at"
    if sort_by not in ("created_at", "updated_at"):
        raise lazada.param_error("sort_by must be created_at or updated_at")
    direction = (p.get("sort_direction") or "DESC").upper()
    if direction not in ("ASC", "DESC"):
        raise lazada.param_error("sort_direction must be ASC or DESC")
    if offset:
        faults.shift_orders(request, shop)
    qs = Order.objects.filter(shop=shop)
    for name, lookup in (("update_after", "updated_at__gte"), ("update_before", "updated_at__lt"),
                         ("created_after", "created_at__gte"), ("created_before", "created_at__lt")):
        value = lazada.time_param(p, name)
        if value is not None:
            qs = qs.filter(**{lookup: value})
    if p.get("status") and p["status"] != "all":
        qs = qs.filter(status=p["status"])
    prefix = "-" if direction == "DESC" else ""
    total = qs.count()
    orders = list(qs.order_by(f"{prefix}{sort_by}", f"{prefix}pk").prefetch_related("lines")[offset:offset + limit])
    return lazada.ok(request, {"count": len(orders), "countTotal": total, "orders": [_order_row(o) for o in orders]})


@lazada.endpoint()
def order_get(request, shop):
    order = Order.objects.filter(shop=shop, order_id=request.sandbox_params.get("order_id", "")).prefetch_related("lines").first()
    if order is None:
        raise lazada.param_error("Order not found.", "E0001")
    return lazada.ok(request, _order_row(order))


@lazada.endpoint()
def order_items_get(request, shop):
    order = Order.objects.filter(shop=shop, order_id=request.sandbox_params.get("order_id", "")).prefetch_related("lines").first()
    if order is None:
        raise lazada.param_error("Order not found.", "E0001")
    return lazada.ok(request, _order_items(order))


@lazada.endpoint()
def orders_items_get(request, shop):
    raw = request.sandbox_params.get("order_ids", "")
    try:
        ids = json.loads(raw) if raw.strip().startswith("[") else [v for v in raw.split(",") if v.strip()]
        ids = [str(int(v)) for v in ids]
    except (ValueError, TypeError):
        raise lazada.param_error("order_ids must be a list of order ids like [1,2]") from None
    if not 1 <= len(ids) <= 50:
        raise lazada.param_error("order_ids must hold 1 to 50 ids")
    found = {o.order_id: o for o in Order.objects.filter(shop=shop, order_id__in=ids).prefetch_related("lines")}
    return lazada.ok(request, [{"order_id": int(i), "order_number": int(found[i].number), "order_items": _order_items(found[i])}
                               for i in ids if i in found])


# ---------------------------------------------------------------- products

_FILTERS = {"all": None, "live": "active", "inactive": "inactive", "deleted": "deleted"}


@lazada.endpoint()
def products_get(request, shop):
    p = request.sandbox_params
    flt = p.get("filter") or "all"
    if flt not in _FILTERS:
        raise lazada.param_error("filter must be one of all, live, inactive, deleted")
    offset = lazada.int_param(p, "offset", 0, minimum=0)
    limit = lazada.int_param(p, "limit", 20, minimum=1, maximum=50)
    qs = Item.objects.filter(shop=shop)
    if _FILTERS[flt]:
        qs = qs.filter(status=_FILTERS[flt])
    for name, lookup in (("update_after", "updated_at__gte"), ("update_before", "updated_at__lt"),
                         ("create_after", "created_at__gte"), ("create_before", "created_at__lt")):
        value = lazada.time_param(p, name)
        if value is not None:
            qs = qs.filter(**{lookup: value})
    total = qs.count()
    items = list(qs.order_by("pk").prefetch_related("variants")[offset:offset + limit])
    products = [{
        "item_id": item.item_id, "status": item.status, "attributes": {"name": item.name},
        "created_time": _ms(item.created_at), "updated_time": _ms(item.updated_at),
        "skus": [{"SkuId": v.variant_id, "SellerSku": v.seller_sku, "ShopSku": f"{item.item_id}_ID-{v.variant_id}",
                  "quantity": v.stock, "Available": v.stock, "price": float(v.price), "Status": "active"}
                 for v in sorted(item.variants.all(), key=lambda v: v.pk)],
    } for item in items]
    return lazada.ok(request, {"total_products": total, "products": products})


def _text(node, name):
    child = node.find(name)
    return (child.text or "").strip() if child is not None and child.text else ""


@lazada.endpoint(methods=("POST",))
def price_quantity_update(request, shop):
    payload = request.sandbox_params.get("payload", "")
    if not payload:
        raise lazada.param_error("payload is required.", "MissingParameter")
    if len(payload) > 1_000_000:
        raise lazada.param_error("payload is too large")
    try:
        root = ET.fromstring(payload)  # noqa: S314 - signed requests from the seller's own app, size-capped above
    except ET.ParseError:
        raise lazada.param_error("payload is not well-formed XML") from None
    skus = root.findall("./Product/Skus/Sku")
    if not skus:
        raise lazada.param_error("payload holds no Sku", "MissingParameter")
    if len(skus) > 50:
        raise lazada.param_error("Too many SKUs: at most 50 per request.", "E204")
    variants = list(Variant.objects.filter(shop=shop).select_related("item"))
    by_id = {str(v.variant_id): v for v in variants}
    by_sku = {v.seller_sku: v for v in variants}
    ignore = faults.ignore_stock(request, shop)
    now = services.whole_seconds(dj_timezone.now())
    detail, changes = [], []
    for node in skus:
        sku_id, seller_sku, item_id, quantity = (_text(node, n) for n in ("SkuId", "SellerSku", "ItemId", "Quantity"))
        variant = by_id.get(sku_id) if sku_id else by_sku.get(seller_sku)
        if variant is None or (item_id and str(variant.item.item_id) != item_id):
            detail.append({"seller_sku": seller_sku or sku_id, "field": "SellerSku", "message": "SKU not found"})
            continue
        if quantity == "":
            continue
        if not quantity.isdigit():
            detail.append({"seller_sku": variant.seller_sku, "field": "Quantity", "message": "Quantity must be a non-negative integer"})
            continue
        changes.append((variant, int(quantity)))
    if changes and not ignore:
        with transaction.atomic():
            for variant, quantity in changes:
                variant.stock, variant.updated_at = quantity, now
            Variant.objects.bulk_update([v for v, _ in changes], ["stock", "updated_at"])
            Item.objects.filter(pk__in={v.item_id for v, _ in changes}).update(updated_at=now)
    return json_response({"code": "0", "request_id": request.sandbox_request_id, "detail": detail})

