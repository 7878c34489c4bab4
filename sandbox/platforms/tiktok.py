"""TikTok Shop Partner API, mounted at /sandbox/tiktok (shop APIs) and /sandbox/tiktok-auth (token service).

Documented and played strictly: several warehouses per shop (`Shop.warehouses`,
`Variant.warehouse_stock`); an inventory update must name every warehouse of
the SKU, no fewer (12019028) and no others (12052533), `warehouse_id` optional
only with one warehouse; quantities per warehouse within range (12052055);
combined listings (`Variant.components`) refuse stock edits (12052850) and show
the stock their components allow; unknown SKUs are 12052556; per-SKU failures
come back with code 0 in `data.errors[]`. Line items carry their own
`display_status` (`OrderLine.status` where a line was cancelled on its own).

Assumed where the documentation is silent: parameter errors answer HTTP 400
code 36009001; an unknown access token answers 401 code 36009004 (an expired
one 105002); an unknown product in an inventory update answers 404 code
12052048; a quantity of 0 is accepted (the documented range is [1, 99,999],
yet a sold-out SKU must be settable); orders take stock from the default
warehouse; committed stock is the units of orders not yet shipped; an invalid
or used authorisation code or refresh token answers code 36004004. Unknown ids
in an order detail call are left out of `data.orders`.
"""

import time
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from sandbox import faults, services
from sandbox.models import Item, Order, OrderLine, Shop, Token, Variant
from sandbox.platforms.base import ApiError, Platform, json_response, money
from sandbox.platforms.common import page_offset, page_token
from sandbox.signing import same, tiktok_sign

MOUNT = "/sandbox/tiktok"
PARAM_ERROR = 36009001
MAX_QUANTITY = 99_999
#: Order statuses whose units are committed: taken from sale, not yet with the courier.
COMMITTED = {"UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "PARTIALLY_SHIPPING", "AWAITING_COLLECTION"}
#: A line item's display_status while it has none of its own (the line list has no ON_HOLD / PARTIALLY_SHIPPING).
LINE_STATUS = {"ON_HOLD": "AWAITING_SHIPMENT", "PARTIALLY_SHIPPING": "AWAITING_SHIPMENT"}


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


# ---------------------------------------------------------------- warehouses, combos, per-line cancels


def shop_warehouses(shop) -> list[dict]:
    """The shop's sales warehouses; a shop without a list has one, `Shop.warehouse_id`, as default."""
    if shop.warehouses:
        return [{"id": str(w["id"]), "name": w.get("name") or str(w["id"]), "is_default": bool(w.get("is_default"))}
                for w in shop.warehouses]
    return [{"id": shop.warehouse_id, "name": "Main warehouse", "is_default": True}]


def _default_warehouse(shop) -> str:
    warehouses = shop_warehouses(shop)
    return next((w["id"] for w in warehouses if w["is_default"]), warehouses[0]["id"])


def variant_warehouses(shop, variant) -> dict[str, int]:
    """Sellable stock per warehouse of one SKU, summing to `Variant.stock`.

    `warehouse_stock` says where the stock lies when the SKU was last set; the
    units orders took since (they change `stock` only) come out of the default
    warehouse first, then the others in order.
    """
    split = {str(k): int(v) for k, v in (variant.warehouse_stock or {}).items()}
    if not split:
        return {_default_warehouse(shop): variant.stock}
    difference = variant.stock - sum(split.values())
    default = _default_warehouse(shop)
    order = ([default] if default in split else []) + [w for w in split if w != default]
    for wid in order:
        if difference >= 0:
            split[wid] += difference
            break
        taken = min(split[wid], -difference)
        split[wid] -= taken
        difference += taken
    return split


def combo_stock(variant, variants_by_id: dict[int, Variant]) -> int:
    """A combined listing can sell as many as its scarcest component allows."""
    counts = []
    for part in variant.components or []:
        component = variants_by_id.get(int(part["variant_id"]))
        counts.append(component.stock // max(1, int(part.get("count", 1))) if component else 0)
    return min(counts) if counts else 0


def _components(shop, variants) -> dict[int, Variant]:
    ids = {int(p["variant_id"]) for v in variants for p in (v.components or [])}
    return {v.variant_id: v for v in Variant.objects.filter(shop=shop, variant_id__in=ids).select_related("item")} if ids else {}


def line_cancel(line: OrderLine, at=None) -> OrderLine:
    """Cancel one line of an order on its own (out of stock, seller cancellation): its units go back on sale."""
    return services.order_line_cancel(line, "CANCELLED", at)


def _render_orders(orders) -> list[dict]:
    lines = [ln for order in orders for ln in order.lines.all()]
    sold = {v.pk: v for v in Variant.objects.filter(pk__in={ln.sold_variant_id for ln in lines if ln.sold_variant_id})}
    parts = _components(orders[0].shop, sold.values()) if orders else {}
    out = []
    for order in orders:
        items = []
        for line in sorted(order.lines.all(), key=lambda ln: ln.pk):
            variant = sold.get(line.sold_variant_id)
            bundle = [{"sku_id": str(p["variant_id"]), "sku_count": int(p.get("count", 1)),
                       "product_id": str(parts[int(p["variant_id"])].item.item_id) if int(p["variant_id"]) in parts else "",
                       "seller_sku": parts[int(p["variant_id"])].seller_sku if int(p["variant_id"]) in parts else ""}
                      for p in (variant.components if variant is not None else None) or []]
            status = line.status or LINE_STATUS.get(order.status, order.status)
            for unit in range(line.quantity):
                item = {"id": str(line.line_id * 100 + unit), "sku_id": str(line.variant_id), "seller_sku": line.seller_sku,
                        "product_id": str(line.item_id), "product_name": line.name, "sku_name": line.name,
                        "sale_price": money(line.unit_price), "original_price": money(line.unit_price),
                        "currency": order.currency, "display_status": status}
                if line.status == "CANCELLED":
                    item.update({"cancel_user": "SELLER", "cancel_reason": "Out of stock"})
                if bundle:
                    item["combined_listing_skus"] = bundle
                items.append(item)
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
    variants = [v for item in items for v in item.variants.all()]
    parts = _components(shop, variants)
    products = [{
        "id": str(item.item_id), "title": item.name, "status": item.status, "create_time": _epoch(item.created_at),
        "update_time": _epoch(item.updated_at), "listing_platforms": ["TIKTOK_SHOP", "TOKOPEDIA"],
        "skus": [{"id": str(v.variant_id), "seller_sku": v.seller_sku, "inventory": _inventory_of(shop, v, parts),
                  "price": {"currency": shop.currency, "sale_price": money(v.price)}}
                 for v in sorted(item.variants.all(), key=lambda v: v.pk)],
    } for item in items]
    return tiktok.ok(request, {"products": products, "total_count": total,
                               "next_page_token": page_token(offset + page_size) if more else ""})


def _inventory_of(shop, variant, parts) -> list[dict]:
    if variant.components:
        return [{"warehouse_id": _default_warehouse(shop), "quantity": combo_stock(variant, parts)}]
    return [{"warehouse_id": wid, "quantity": qty} for wid, qty in variant_warehouses(shop, variant).items()]


def _sku_error(code, message, sku_id, extra=()):
    detail = {"sku_id": sku_id}
    if extra:
        detail["extra_errors"] = list(extra)
    return {"code": code, "message": message, "detail": detail}


def _check_inventory(shop, variant, inventory):
    """The new stock per warehouse of one SKU, or the documented per-SKU error."""
    sku_id = str(variant.variant_id)
    if variant.components:
        return None, _sku_error(12052850, "The stock of combo does not support being edited.", sku_id)
    if not isinstance(inventory, list) or not inventory or not all(isinstance(e, dict) for e in inventory):
        return None, _sku_error(12019022, "SKU must contain a valid warehouse.", sku_id)
    own = list(variant_warehouses(shop, variant))
    if len(own) == 1 and len(inventory) == 1 and inventory[0].get("warehouse_id") in (None, ""):
        inventory = [{**inventory[0], "warehouse_id": own[0]}]
    named = [str(e.get("warehouse_id") or "") for e in inventory]
    known = {w["id"] for w in shop_warehouses(shop)}
    unknown = [w for w in named if w and w not in known]
    if unknown:
        return None, _sku_error(12052990, "Check failed", sku_id,
                                [{"warehouse_id": w, "code": 12052097, "message": "The warehouse does not exist"} for w in unknown])
    if "" in named or [w for w in own if w not in named]:
        return None, _sku_error(
            12019028, "Multiple warehouses detected. Include all warehouse IDs and the corresponding details and try again.", sku_id)
    if len(set(named)) != len(named) or [w for w in named if w not in own]:
        return None, _sku_error(
            12052533, "Removal, addition, and change of warehouses are not permitted. Please specify the original warehouses "
            "for the SKUs.", sku_id)
    new = {}
    for wid, entry in zip(named, inventory, strict=True):
        quantity = entry.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 0 <= quantity <= MAX_QUANTITY:
            return None, _sku_error(12052990, "Check failed", sku_id, [{
                "warehouse_id": wid, "code": 12052055,
                "message": "The SKU inventory quantity for the warehouse must be within allowed limits."}])
        new[wid] = quantity
    return new, None


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
        raise ApiError(12052048, "You cannot edit the specified product(s) as it isn't listed in your account or shop.", 404)
    if item.status != "ACTIVATE":
        raise ApiError(12052901, "The product in its current status is not available for this operation. Change the product "
                                 "status and try again.", 400)
    variants = {str(v.variant_id): v for v in item.variants.all()}
    ignore = faults.ignore_stock(request, shop)
    now = services.whole_seconds(timezone.now())
    errors, changes, seen = [], [], set()
    for entry in skus:
        sku_id = str(entry.get("id", "")) if isinstance(entry, dict) else ""
        variant = variants.get(sku_id)
        if variant is None:
            errors.append(_sku_error(12052556, "The SKU id not exist.", sku_id))
            continue
        if sku_id in seen:
            errors.append(_sku_error(12052553, "Sku id duplicate", sku_id))
            continue
        seen.add(sku_id)
        new, error = _check_inventory(shop, variant, entry.get("inventory"))
        if error:
            errors.append(error)
        else:
            changes.append((variant, new))
    if changes and not ignore:
        with transaction.atomic():
            for variant, new in changes:
                variant.stock, variant.updated_at = sum(new.values()), now
                variant.warehouse_stock = new if len(shop_warehouses(shop)) > 1 else {}
            Variant.objects.bulk_update([v for v, _ in changes], ["stock", "warehouse_stock", "updated_at"])
            Item.objects.filter(pk=item.pk).update(updated_at=now)
    return tiktok.ok(request, {"errors": errors})


def _committed(shop, variants) -> dict[int, int]:
    """Units of each variant in orders that hold stock and have not left with the courier."""
    out: dict[int, int] = {}
    lines = OrderLine.objects.filter(order__shop=shop, order__stock_taken=True, order__status__in=COMMITTED,
                                     sold_variant__in=variants).exclude(status="CANCELLED")
    for variant_pk, quantity in lines.values_list("sold_variant_id", "quantity"):
        out[variant_pk] = out.get(variant_pk, 0) + quantity
    return out


@tiktok.endpoint(methods=("POST",))
def inventory_search(request, shop):
    body = tiktok.json_body(request)
    sku_ids, product_ids = body.get("sku_ids"), body.get("product_ids")
    if sku_ids:
        if not isinstance(sku_ids, list) or len(sku_ids) > 600:
            raise ApiError(12019015, "The number of SKU exceed the limit", 400)
        qs = Variant.objects.filter(shop=shop, variant_id__in=[int(v) for v in sku_ids if str(v).isdigit()])
    elif product_ids:
        if not isinstance(product_ids, list) or len(product_ids) > 100:
            raise ApiError(12019120, "The number of provided product IDs exceeds the limit.", 400)
        qs = Variant.objects.filter(shop=shop, item__item_id__in=[int(v) for v in product_ids if str(v).isdigit()])
    else:
        raise tiktok.param_error("product_ids or sku_ids is required")
    variants = list(qs.select_related("item").order_by("item__pk", "pk"))
    parts = _components(shop, variants)
    committed = _committed(shop, variants)
    default = _default_warehouse(shop)
    products: dict[int, dict] = {}
    for v in variants:
        stock = _inventory_of(shop, v, parts)
        rows = [{"warehouse_id": w["warehouse_id"], "available_quantity": w["quantity"],
                 "committed_quantity": committed.get(v.pk, 0) if w["warehouse_id"] == default else 0} for w in stock]
        products.setdefault(v.item.item_id, {"product_id": str(v.item.item_id), "skus": []})["skus"].append({
            "id": str(v.variant_id), "seller_sku": v.seller_sku,
            "total_available_quantity": sum(r["available_quantity"] for r in rows),
            "total_committed_quantity": sum(r["committed_quantity"] for r in rows),
            "warehouse_inventory": rows,
            "total_available_inventory_distribution": {"campaign_inventory": [], "creator_inventory": [],
                                                       "in_shop_inventory": {"quantity": sum(r["available_quantity"] for r in rows)}},
        })
    return tiktok.ok(request, {"inventory": list(products.values())})


@tiktok.endpoint()
def warehouses(request, shop):
    rows = [{"id": w["id"], "entity_id": w["id"], "name": w["name"], "effect_status": "ENABLED", "type": "SALES_WAREHOUSE",
             "sub_type": "DOMESTIC_WAREHOUSE", "is_default": w["is_default"], "address": {"region_code": shop.region}}
            for w in shop_warehouses(shop)]
    rows.append({"id": f"{shop.warehouse_id}9", "entity_id": shop.warehouse_id, "name": "Returns", "effect_status": "ENABLED",
                 "type": "RETURN_WAREHOUSE", "sub_type": "DOMESTIC_WAREHOUSE", "is_default": True,
                 "address": {"region_code": shop.region}})
    return tiktok.ok(request, {"warehouses": rows})
