"""TikTok Shop Partner API, mounted at /sandbox/tiktok (shop APIs) and /sandbox/tiktok-auth (token service).

Assumed where the documentation is silent: parameter errors answer HTTP 400
code 36009001; an unknown access token answers 401 code 36009004 (an expired
one 105002); an unknown product in an inventory update answers 404 code
12052048; a bad quantity or warehouse is a per-SKU error 12052557 / 12052558;
an invalid or used authorisation code or refresh token answers code 36004004.
Unknown ids in an order detail call are left out of `data.orders`.
"""

import time
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from sandbox import faults, services
from sandbox.models import Item, Order, Shop, Token, Variant
from sandbox.platforms.base import ApiError, Platform, json_response, money
from sandbox.platforms.common import page_offset, page_token
from sandbox.signing import same, tiktok_sign

MOUNT = "/sandbox/tiktok"
PARAM_ERROR = 36009001


def _epoch(dt) -> int:
    return int(dt.timestamp())


class TikTok(Platform):
    name = "tiktok"

    def param_error(self, message):
        return ApiError(PARAM_ERROR, message, 400)

    def render_error(self, error, request_id):
        return json_response({"code": error.code, "message": error.message, "request_id": request_id, "data": None},
                             status=error.status)

    def throttle_error(self, shop):
        return ApiError(36009002, "Too many requests.", 429, headers={"Retry-After": str(shop.retry_after)})

    def server_error(self, rng):
        if rng.random() < 0.5:
            return ApiError(36009003, "Service unavailable (overload protection).", 503)
        return ApiError(36009003, "Internal error.", 500)

    def ok(self, request, data):
        return json_response({"code": 0, "message": "Success", "request_id": request.sandbox_request_id, "data": data})

    def authenticate(self, request, *, needs_cipher=True) -> Shop:
        """Signature over path, sorted query and body; timestamp from 5 minutes before to 30 s after now."""
        params = {k: request.GET.get(k) for k in request.GET}
        app_key, sign = params.get("app_key"), params.get("sign")
        if not app_key or not sign or not params.get("timestamp"):
            raise self.param_error("app_key, timestamp and sign are required")
        app = Shop.objects.filter(platform="tiktok", app_key=app_key).first()
        if app is None:
            raise ApiError(36009004, "Invalid credentials: unknown app_key.", 401)
        try:
            timestamp = int(params["timestamp"])
        except ValueError:
            raise ApiError(36009004, "Invalid timestamp.", 401) from None
        now = time.time()
        if not now - 300 <= timestamp <= now + 30:
            raise ApiError(36009004, "Invalid timestamp: outside the accepted window.", 401)
        multipart = request.content_type.startswith("multipart/")
        expected = tiktok_sign(app.app_secret, request.path_info[len(MOUNT):], params, b"" if multipart else request.body)
        if not same(expected, sign):
            raise ApiError(106001, "Invalid sign.", 401)
        token_value = request.headers.get("x-tts-access-token", "")
        token = services.token_find(token_value, Token.ACCESS)
        if token is None or token.shop.app_key != app_key:
            if token_value and Token.objects.filter(value=token_value, kind=Token.ACCESS, shop__app_key=app_key).exists():
                raise ApiError(105002, "Access token expired.", 401)
            raise ApiError(36009004, "Invalid credentials: unknown access token.", 401)
        shop = token.shop
        if needs_cipher and params.get("shop_cipher") != shop.shop_cipher:
            raise self.param_error("shop_cipher is missing or does not belong to this token")
        return shop

    def authenticate_shops(self, request) -> Shop:
        return self.authenticate(request, needs_cipher=False)

    def authenticate_token_call(self, request) -> Shop:
        """Token service calls carry app_key and app_secret in the query; the shop comes from the code or refresh token."""
        p = request.GET
        grant = p.get("grant_type", "")
        if grant == "authorized_code":
            kind, value = Token.CODE, p.get("auth_code", "")
        elif grant == "refresh_token":
            kind, value = Token.REFRESH, p.get("refresh_token", "")
        else:
            raise self.param_error("grant_type must be authorized_code or refresh_token")
        app = Shop.objects.filter(platform="tiktok", app_key=p.get("app_key", "")).first()
        if app is None or not same(app.app_secret, p.get("app_secret", "")):
            raise ApiError(36009004, "Invalid credentials: app_key or app_secret.", 401)
        token = services.token_find(value, kind)
        if token is None or token.shop.app_key != app.app_key:
            raise ApiError(36004004, f"Invalid or expired {'auth_code' if kind == Token.CODE else 'refresh_token'}.", 400)
        request.sandbox_token = token
        return token.shop


tiktok = TikTok()


# ---------------------------------------------------------------- token service (/sandbox/tiktok-auth)


def _token_data(shop, access, refresh):
    return {"access_token": access.value, "access_token_expire_in": _epoch(access.expires_at),
            "refresh_token": refresh.value, "refresh_token_expire_in": _epoch(refresh.expires_at),
            "open_id": f"open-{shop.external_id}", "seller_name": shop.name, "seller_base_region": shop.region,
            "user_type": 0, "granted_scopes": ["seller.order.info", "seller.product.basic", "seller.authorization.info"]}


@tiktok.endpoint(auth=tiktok.authenticate_token_call, drop_after=False)
def token_get(request, shop):
    if request.GET.get("grant_type") != "authorized_code":
        raise tiktok.param_error("grant_type must be authorized_code")
    if services.code_consume(request.sandbox_token.value, shop=shop) is None:
        raise ApiError(36004004, "Invalid or expired auth_code.", 400)
    return tiktok.ok(request, _token_data(shop, *services.tokens_issue(shop)))


@tiktok.endpoint(auth=tiktok.authenticate_token_call, drop_after=False)
def token_refresh(request, shop):
    if request.GET.get("grant_type") != "refresh_token":
        raise tiktok.param_error("grant_type must be refresh_token")
    return tiktok.ok(request, _token_data(shop, *services.token_refresh(request.sandbox_token)))


# ---------------------------------------------------------------- shop APIs


@tiktok.endpoint(auth=tiktok.authenticate_shops)
def shops(request, shop):
    return tiktok.ok(request, {"shops": [{"id": shop.external_id, "name": shop.name, "region": shop.region,
                                          "seller_type": "LOCAL", "cipher": shop.shop_cipher, "code": f"ID{shop.pk:06d}"}]})


def _render_orders(orders) -> list[dict]:
    out = []
    for order in orders:
        items = []
        for line in sorted(order.lines.all(), key=lambda ln: ln.pk):
            for unit in range(line.quantity):
                items.append({"id": str(line.line_id * 100 + unit), "sku_id": str(line.variant_id), "seller_sku": line.seller_sku,
                              "product_id": str(line.item_id), "product_name": line.name, "sku_name": line.name,
                              "sale_price": money(line.unit_price), "original_price": money(line.unit_price),
                              "currency": order.currency, "display_status": order.status})
        out.append({"id": order.order_id, "status": order.status, "create_time": _epoch(order.created_at),
                    "update_time": _epoch(order.updated_at), "buyer_email": f"{order.buyer or 'buyer'}@example.invalid",
                    "payment": {"currency": order.currency, "total_amount": money(order.total), "sub_total": money(order.total)},
                    "line_items": items})
    return out


def _timestamp_filter(body, name):
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise tiktok.param_error(f"{name} must be a Unix timestamp in seconds")
    return datetime.fromtimestamp(value, UTC)


@tiktok.endpoint(methods=("POST",))
def orders_search(request, shop):
    p = request.GET
    page_size = tiktok.int_param(p, "page_size", required=True, minimum=1, maximum=100)
    offset = page_offset(p.get("page_token", ""))
    if offset is None:
        raise tiktok.param_error("Invalid page_token.")
    sort_field = p.get("sort_field", "create_time")
    if sort_field not in ("create_time", "update_time"):
        raise tiktok.param_error("sort_field must be create_time or update_time")
    direction = p.get("sort_order", "DESC").upper()
    if direction not in ("ASC", "DESC"):
        raise tiktok.param_error("sort_order must be ASC or DESC")
    body = tiktok.json_body(request)
    if p.get("page_token"):
        faults.shift_orders(request, shop)
    qs = Order.objects.filter(shop=shop)
    for name, lookup in (("update_time_ge", "updated_at__gte"), ("update_time_lt", "updated_at__lt"),
                         ("create_time_ge", "created_at__gte"), ("create_time_lt", "created_at__lt")):
        value = _timestamp_filter(body, name)
        if value is not None:
            qs = qs.filter(**{lookup: value})
    if body.get("order_status"):
        qs = qs.filter(status=body["order_status"])
    column = "created_at" if sort_field == "create_time" else "updated_at"
    prefix = "-" if direction == "DESC" else ""
    total = qs.count()
    orders = list(qs.order_by(f"{prefix}{column}", f"{prefix}pk").prefetch_related("lines")[offset:offset + page_size])
    more = offset + len(orders) < total
    return tiktok.ok(request, {"orders": _render_orders(orders), "total_count": total,
                               "next_page_token": page_token(offset + page_size) if more else ""})


@tiktok.endpoint()
def orders_detail(request, shop):
    ids = [v.strip() for v in request.GET.get("ids", "").split(",") if v.strip()]
    if not 1 <= len(ids) <= 50:
        raise tiktok.param_error("ids must hold 1 to 50 order ids")
    found = {o.order_id: o for o in Order.objects.filter(shop=shop, order_id__in=ids).prefetch_related("lines")}
    return tiktok.ok(request, {"orders": _render_orders([found[i] for i in ids if i in found])})


@tiktok.endpoint(methods=("POST",))
def products_search(request, shop):
    p = request.GET
    page_size = tiktok.int_param(p, "page_size", required=True, minimum=1, maximum=100)
    offset = page_offset(p.get("page_token", ""))
    if offset is None:
        raise tiktok.param_error("Invalid page_token.")
    body = tiktok.json_body(request)
    qs = Item.objects.filter(shop=shop)
    if body.get("status") and body["status"] != "ALL":
        qs = qs.filter(status=body["status"])
    ge, le = _timestamp_filter(body, "update_time_ge"), _timestamp_filter(body, "update_time_le")
    if ge:
        qs = qs.filter(updated_at__gte=ge)
    if le:
        qs = qs.filter(updated_at__lt=le.replace(microsecond=0) + timedelta(seconds=1))
    total = qs.count()
    items = list(qs.order_by("pk").prefetch_related("variants")[offset:offset + page_size])
    more = offset + len(items) < total
    products = [{
        "id": str(item.item_id), "title": item.name, "status": item.status, "create_time": _epoch(item.created_at),
        "update_time": _epoch(item.updated_at), "listing_platforms": ["TIKTOK_SHOP", "TOKOPEDIA"],
        "skus": [{"id": str(v.variant_id), "seller_sku": v.seller_sku,
                  "inventory": [{"warehouse_id": shop.warehouse_id, "quantity": v.stock}],
                  "price": {"currency": shop.currency, "sale_price": money(v.price)}}
                 for v in sorted(item.variants.all(), key=lambda v: v.pk)],
    } for item in items]
    return tiktok.ok(request, {"products": products, "total_count": total,
                               "next_page_token": page_token(offset + page_size) if more else ""})


@tiktok.endpoint(methods=("POST",))
def inventory_update(request, shop, product_id):
    body = tiktok.json_body(request)
    skus = body.get("skus")
    if not isinstance(skus, list) or not 1 <= len(skus) <= 100:
        raise tiktok.param_error("skus must hold 1 to 100 entries")
    try:
        item = Item.objects.filter(shop=shop, item_id=int(product_id)).first()
    except ValueError:
        item = None
    if item is None:
        raise ApiError(12052048, "Product not found.", 404)
    variants = {str(v.variant_id): v for v in item.variants.all()}
    ignore = faults.ignore_stock(request, shop)
    now = services.whole_seconds(timezone.now())
    errors, changes = [], []
    for entry in skus:
        sku_id = str(entry.get("id", "")) if isinstance(entry, dict) else ""
        variant = variants.get(sku_id)
        if variant is None:
            errors.append({"code": 12052556, "message": "SKU not found.", "detail": {"sku_id": sku_id}})
            continue
        inventory = entry.get("inventory")
        first = inventory[0] if isinstance(inventory, list) and inventory and isinstance(inventory[0], dict) else {}
        quantity = first.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            errors.append({"code": 12052557, "message": "Invalid quantity.", "detail": {"sku_id": sku_id}})
            continue
        if first.get("warehouse_id") not in (None, "", shop.warehouse_id):
            errors.append({"code": 12052558, "message": "Unknown warehouse_id.", "detail": {"sku_id": sku_id}})
            continue
        changes.append((variant, quantity))
    if changes and not ignore:
        with transaction.atomic():
            for variant, quantity in changes:
                variant.stock, variant.updated_at = quantity, now
            Variant.objects.bulk_update([v for v, _ in changes], ["stock", "updated_at"])
            Item.objects.filter(pk=item.pk).update(updated_at=now)
    return tiktok.ok(request, {"errors": errors})
