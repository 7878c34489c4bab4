"""Shopee Open Platform v2, mounted at /sandbox/shopee (the path after the mount is Shopee's own).

HTTP statuses for errors are not documented; the sandbox uses 400 for
parameter errors, 403 for signature and token errors, 404 when nothing asked
for exists, 429 for throttling (assumed code `error_too_many_request`) and
500/503 for server errors. Order details for a batch where only some order_sn
exist come back with the found orders and a `warning` naming the others.

Error codes carry Shopee's module prefix where its documentation shows one:
`common.error_auth` for an unknown access token (get_order_detail's sample),
`order.order_list_invalid_time`, `warehouse.error_not_in_whitelist`,
`product.error_auth` for an update_stock refused for its locations.

Several locations: a shop with `Shop.warehouses` ([{id, name, is_default}])
is a multi-warehouse shop. `get_warehouse_detail` lists its locations (the
`id` is the `location_id`; a single-location shop gets
`warehouse.error_not_in_whitelist`); stock is shown per location from
`Variant.warehouse_stock`, and `update_stock` requires a `location_id` on
every `seller_stock` entry and refuses unknown or repeated ones ("more/wrong").
A location left out of an update keeps its stock (not documented). Orders
take their units from the default location (assumed): the default location
shows what `Variant.stock` holds beyond the other locations' figures.

Authorisation (assumed, the docs give no rule beyond "at most 365 days"):
`get_shop_info.auth_time` is when the shop's last authorisation code was used
(else when the shop was created) and `expire_time` is 365 days later.
"""

import time
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from sandbox import faults, services
from sandbox.models import Item, Order, Shop, Token, Variant
from sandbox.platforms.base import ApiError, Platform, json_response
from sandbox.signing import same, shopee_sign

MOUNT = "/sandbox/shopee"
MAX_SKEW = 300
MAX_WINDOW = 15 * 86400
LOCATION_ID = "IDZ"
AUTHORISATION_SECONDS = 365 * 86400
RESERVED_REFUSAL = "Total stock must be more than reserved stock."
LACK_OF_LOCATION = "Lack of location_id, please double check."
WRONG_LOCATION = "The location_id input is not matched the shop's location_id(more/wrong). Please double check."


def _epoch(dt: datetime) -> int:
    return int(dt.timestamp())


def _location_ids(shop: Shop) -> list[str]:
    return [str(w.get("id")) for w in shop.warehouses or [] if isinstance(w, dict) and w.get("id") not in (None, "")]


def _default_location(shop: Shop) -> str:
    ids = _location_ids(shop)
    marked = [str(w.get("id")) for w in shop.warehouses or [] if isinstance(w, dict) and w.get("is_default")]
    return marked[0] if marked else ids[0]


def location_stock(shop: Shop, variant: Variant) -> dict[str, int]:
    """Per-location seller stock of a multi-location shop, summing to `variant.stock`."""
    ids = _location_ids(shop)
    default = _default_location(shop)
    stored = variant.warehouse_stock or {}
    out = {wid: max(0, int(stored.get(wid, 0))) for wid in ids if wid != default}
    out[default] = max(0, variant.stock - sum(out.values()))
    return {wid: out[wid] for wid in ids}


def _stock_info(shop: Shop, variant: Variant) -> dict:
    if _location_ids(shop):
        seller = [{"location_id": wid, "stock": stock} for wid, stock in location_stock(shop, variant).items()]
    else:
        seller = [{"location_id": LOCATION_ID, "stock": variant.stock}]
    return {
        "summary_info": {"total_reserved_stock": variant.reserved_stock,
                         "total_available_stock": sum(s["stock"] for s in seller)},
        "seller_stock": seller,
    }


class Shopee(Platform):
    name = "shopee"

    def error(self, code, message, status=400):
        return ApiError(code, message, status)

    def param_error(self, message):
        return ApiError("error_param", message, 400)

    def render_error(self, error, request_id):
        return json_response({"request_id": request_id, "error": error.code, "message": error.message, "response": {}},
                             status=error.status)

    def throttle_error(self, shop):
        return ApiError("error_too_many_request", "Too many requests, try again later.", 429,
                        headers={"Retry-After": str(shop.retry_after)})

    def server_error(self, rng):
        if rng.random() < 0.5:
            return ApiError("error_system_busy", "System is busy, please try again later.", 503)
        return ApiError("error_server", "Internal server error.", 500)

    def ok(self, request, response: dict, warning: str = "", error: str = "", message: str = "", top: dict | None = None):
        body = {"request_id": request.sandbox_request_id, "error": error, "message": message, "response": response}
        if warning:
            body["warning"] = warning
        if top:
            body.update(top)
        return json_response(body)

    # ---------------------------------------------------------------- authentication

    def platform_path(self, request) -> str:
        return request.path_info[len(MOUNT):]

    def _common(self, request):
        params = request.GET
        partner_id = self.int_param(params, "partner_id", required=True)
        timestamp = self.int_param(params, "timestamp", required=True)
        if not params.get("sign"):
            raise self.param_error("sign is required")
        partners = Shop.objects.filter(platform="shopee", partner_id=partner_id)
        if not partners.exists():
            raise self.param_error("Invalid partner_id.")
        if abs(time.time() - timestamp) > MAX_SKEW:
            raise self.param_error("Invalid timestamp.")
        return params, partner_id, timestamp, partners

    def authenticate(self, request) -> Shop:
        """A shop call: partner_id + path + timestamp + access_token + shop_id, then a live access token."""
        params, partner_id, timestamp, partners = self._common(request)
        shop_id = params.get("shop_id", "")
        access_token = params.get("access_token", "")
        if not shop_id or not access_token:
            raise self.param_error("shop_id and access_token are required for shop APIs")
        shop = partners.filter(external_id=shop_id).first()
        if shop is None:
            raise ApiError("error_auth", "Invalid shop_id.", 403)
        expected = shopee_sign(shop.partner_key, partner_id, self.platform_path(request), timestamp, access_token, shop_id)
        if not same(expected, params["sign"]):
            raise ApiError("error_sign", "Wrong sign.", 403)
        if services.token_find(access_token, Token.ACCESS, shop=shop) is None:
            raise ApiError("common.error_auth", "Invalid access_token.", 403)
        return shop

    def authenticate_public(self, request) -> Shop:
        """A public call (auth, token): partner_id + path + timestamp; the shop comes from the body."""
        params, partner_id, timestamp, partners = self._common(request)
        key = partners.first().partner_key
        if not same(shopee_sign(key, partner_id, self.platform_path(request), timestamp), params["sign"]):
            raise ApiError("error_sign", "Wrong sign.", 403)
        body = self.json_body(request)
        if str(body.get("partner_id", partner_id)) != str(partner_id):
            raise self.param_error("partner_id in body does not match")
        shop = partners.filter(external_id=str(body.get("shop_id", ""))).first()
        if shop is None:
            raise self.param_error("Invalid shop_id.")
        request.sandbox_body = body
        return shop

    def partner_key_for(self, partner_id) -> str | None:
        shop = Shop.objects.filter(platform="shopee", partner_id=partner_id).first()
        return shop.partner_key if shop else None


shopee = Shopee()


# ---------------------------------------------------------------- tokens


def _token_answer(request, shop, access, refresh, extra):
    top = {"access_token": access.value, "refresh_token": refresh.value,
           "expire_in": int((access.expires_at - timezone.now()).total_seconds()), "partner_id": shop.partner_id, **extra}
    return shopee.ok(request, dict(top), top=top)


@shopee.endpoint(auth=shopee.authenticate_public, methods=("POST",), drop_after=False)
def token_get(request, shop):
    code = services.code_consume(str(request.sandbox_body.get("code", "")), shop=shop)
    if code is None:
        raise ApiError("error_auth", "Invalid code.", 403)
    access, refresh = services.tokens_issue(shop)
    return _token_answer(request, shop, access, refresh, {"shop_id_list": [int(shop.external_id)], "merchant_id_list": []})


@shopee.endpoint(auth=shopee.authenticate_public, methods=("POST",), drop_after=False)
def access_token_get(request, shop):
    refresh = services.token_find(str(request.sandbox_body.get("refresh_token", "")), Token.REFRESH, shop=shop)
    if refresh is None:
        raise ApiError("error_auth", "Invalid refresh_token.", 403)
    try:
        access, new_refresh = services.token_refresh(refresh)
    except services.SandboxError:
        raise ApiError("error_auth", "Invalid refresh_token.", 403) from None
    return _token_answer(request, shop, access, new_refresh, {"shop_id": int(shop.external_id)})


@shopee.endpoint()
def get_shop_info(request, shop):
    """The documented reply has its fields at the top level, with no `response` object."""
    code = Token.objects.filter(shop=shop, kind=Token.CODE, used_at__isnull=False).order_by("-used_at").first()
    auth_time = _epoch(code.used_at if code else shop.created_at)
    info = {"request_id": request.sandbox_request_id, "error": "", "message": "", "auth_time": auth_time,
            "expire_time": auth_time + AUTHORISATION_SECONDS, "shop_name": shop.name, "region": shop.region,
            "status": "NORMAL", "shop_fulfillment_flag": "Others", "is_cb": False, "is_upgraded_cbsc": False,
            "merchant_id": None, "is_sip": False, "sip_affi_shops": [], "is_main_shop": False, "is_direct_shop": False,
            "linked_direct_shop_list": [], "linked_main_shop_id": 0}
    return json_response(info)


@shopee.endpoint()
def get_warehouse_detail(request, shop):
    """The shop's locations; a shop without multi-warehouse is not in the whitelist."""
    if not _location_ids(shop):
        raise ApiError("warehouse.error_not_in_whitelist", "The shop is not in the multi-warehouse whitelist.", 403)
    rows = [{"warehouse_id": i + 1, "warehouse_name": str(w.get("name") or w.get("id")), "location_id": str(w.get("id")),
             "address_id": 0, "region": shop.region, "state": "", "city": "", "district": "", "town": "", "address": "",
             "zipcode": "", "state_code": "", "holiday_mode_state": 0}
            for i, w in enumerate(shop.warehouses) if isinstance(w, dict) and w.get("id") not in (None, "")]
    return shopee.ok(request, rows)


# ---------------------------------------------------------------- orders


@shopee.endpoint()
def get_order_list(request, shop):
    p = request.GET
    field = p.get("time_range_field", "")
    if field not in ("create_time", "update_time"):
        raise shopee.param_error("time_range_field must be create_time or update_time")
    time_from = shopee.int_param(p, "time_from", required=True)
    time_to = shopee.int_param(p, "time_to", required=True)
    if time_to < time_from or time_to - time_from > MAX_WINDOW:
        raise ApiError("order.order_list_invalid_time", "Start time must be earlier than end time and diff in 15days.", 400)
    page_size = shopee.int_param(p, "page_size", required=True, minimum=1, maximum=100)
    cursor = p.get("cursor", "")
    try:
        offset = int(cursor) if cursor else 0
    except ValueError:
        raise shopee.param_error("Invalid cursor.") from None
    if offset < 0:
        raise shopee.param_error("Invalid cursor.")
    if cursor:
        faults.shift_orders(request, shop)
    column = "created_at" if field == "create_time" else "updated_at"
    qs = Order.objects.filter(shop=shop, **{f"{column}__gte": datetime.fromtimestamp(time_from, UTC),
                                            f"{column}__lt": datetime.fromtimestamp(time_to + 1, UTC)})
    if p.get("order_status"):
        qs = qs.filter(status=p["order_status"])
    rows = list(qs.order_by(column, "pk").values_list("order_id", "status")[offset:offset + page_size + 1])
    more = len(rows) > page_size
    with_status = "order_status" in p.get("response_optional_fields", "")
    orders = [{"order_sn": sn, "order_status": st} if with_status else {"order_sn": sn} for sn, st in rows[:page_size]]
    return shopee.ok(request, {"more": more, "next_cursor": str(offset + page_size) if more else "", "order_list": orders})


def _split_list(raw: str, name: str, limit: int) -> list[str]:
    values = [v.strip() for v in (raw or "").split(",") if v.strip()]
    if not 1 <= len(values) <= limit:
        raise shopee.param_error(f"{name} must hold 1 to {limit} values")
    return values


@shopee.endpoint()
def get_order_detail(request, shop):
    sns = _split_list(request.GET.get("order_sn_list", ""), "order_sn_list", 50)
    optional = set(request.GET.get("response_optional_fields", "").split(","))
    orders = {o.order_id: o for o in Order.objects.filter(shop=shop, order_id__in=sns)
              .prefetch_related("lines__sold_variant__item", "history")}
    if not orders:
        raise ApiError("error_not_found", "Order not found.", 404)
    out = []
    for sn in sns:
        order = orders.get(sn)
        if order is None:
            continue
        row = {"order_sn": order.order_id, "region": shop.region, "currency": order.currency, "order_status": order.status,
               "create_time": _epoch(order.created_at), "update_time": _epoch(order.updated_at)}
        if "total_amount" in optional:
            row["total_amount"] = float(order.total)
        if "buyer_username" in optional:
            row["buyer_username"] = order.buyer
        history = list(order.history.all())
        if "pay_time" in optional:
            paid = next((h.at for h in history if h.status not in ("UNPAID", "CANCELLED", "IN_CANCEL")), None)
            if paid:
                row["pay_time"] = _epoch(paid)
        if "cancel_reason" in optional:
            row["cancel_reason"] = "Buyer requested cancellation" if order.status in ("CANCELLED", "IN_CANCEL") else ""
        if "item_list" in optional:
            row["item_list"] = [_line(line) for line in sorted(order.lines.all(), key=lambda ln: ln.pk)]
        out.append(row)
    missing = [sn for sn in sns if sn not in orders]
    warning = f"order_sn not found: {','.join(missing)}" if missing else ""
    return shopee.ok(request, {"order_list": out}, warning=warning)


def _line(line) -> dict:
    variant = line.sold_variant
    has_model = variant.item.has_variants if variant else True
    item_sku = (variant.item.sku if has_model else variant.seller_sku) if variant else ""
    return {
        "item_id": line.item_id, "item_name": variant.item.name if variant else line.name, "item_sku": item_sku,
        "model_id": line.variant_id if has_model else 0, "model_name": variant.name if variant else "",
        "model_sku": line.seller_sku if has_model else "", "model_quantity_purchased": line.quantity,
        "model_original_price": float(line.unit_price), "model_discounted_price": float(line.unit_price),
    }


# ---------------------------------------------------------------- listings


@shopee.endpoint()
def get_item_list(request, shop):
    p = request.GET
    offset = shopee.int_param(p, "offset", 0, minimum=0)
    page_size = shopee.int_param(p, "page_size", required=True, minimum=1, maximum=100)
    qs = Item.objects.filter(shop=shop)
    statuses = [s for raw in p.getlist("item_status") for s in raw.split(",") if s]
    if statuses:
        qs = qs.filter(status__in=statuses)
    if p.get("update_time_from"):
        qs = qs.filter(updated_at__gte=datetime.fromtimestamp(shopee.int_param(p, "update_time_from"), UTC))
    if p.get("update_time_to"):
        qs = qs.filter(updated_at__lt=datetime.fromtimestamp(shopee.int_param(p, "update_time_to") + 1, UTC))
    total = qs.count()
    rows = list(qs.order_by("pk").values_list("item_id", "status", "updated_at")[offset:offset + page_size])
    has_next = offset + len(rows) < total
    return shopee.ok(request, {
        "item": [{"item_id": i, "item_status": s, "update_time": _epoch(u)} for i, s, u in rows],
        "total_count": total, "has_next_page": has_next, "next_offset": offset + len(rows) if has_next else 0,
    })


@shopee.endpoint()
def get_item_base_info(request, shop):
    raw = _split_list(request.GET.get("item_id_list", ""), "item_id_list", 50)
    try:
        ids = [int(v) for v in raw]
    except ValueError:
        raise shopee.param_error("item_id_list must hold integers") from None
    items = {i.item_id: i for i in Item.objects.filter(shop=shop, item_id__in=ids).prefetch_related("variants")}
    out = []
    for item_id in ids:
        item = items.get(item_id)
        if item is None:
            continue
        variants = sorted(item.variants.all(), key=lambda v: v.pk)
        row = {"item_id": item.item_id, "item_name": item.name, "item_status": item.status, "has_model": item.has_variants,
               "item_sku": item.sku if item.has_variants else variants[0].seller_sku,
               "create_time": _epoch(item.created_at), "update_time": _epoch(item.updated_at)}
        if not item.has_variants:
            row["stock_info_v2"] = _stock_info(shop, variants[0])
            row["price_info"] = [{"currency": shop.currency, "current_price": float(variants[0].price),
                                  "original_price": float(variants[0].price)}]
        out.append(row)
    if not out:
        raise ApiError("error_not_found", "Item not found.", 404)
    return shopee.ok(request, {"item_list": out})


@shopee.endpoint()
def get_model_list(request, shop):
    item_id = shopee.int_param(request.GET, "item_id", required=True)
    item = Item.objects.filter(shop=shop, item_id=item_id).first()
    if item is None:
        raise ApiError("error_not_found", "Item not found.", 404)
    variants = list(item.variants.order_by("pk")) if item.has_variants else []
    return shopee.ok(request, {
        "tier_variation": [{"name": "Variant", "option_list": [{"option": v.name or v.seller_sku} for v in variants]}]
        if variants else [],
        "model": [{"model_id": v.variant_id, "model_sku": v.seller_sku, "model_name": v.name, "tier_index": [i],
                   "price_info": [{"current_price": float(v.price), "original_price": float(v.price)}],
                   "stock_info_v2": _stock_info(shop, v)} for i, v in enumerate(variants)],
    })


@shopee.endpoint(methods=("POST",))
def update_stock(request, shop):
    body = shopee.json_body(request)
    try:
        item_id = int(body.get("item_id"))
    except (TypeError, ValueError):
        raise shopee.param_error("item_id is required") from None
    stock_list = body.get("stock_list")
    if not isinstance(stock_list, list) or not 1 <= len(stock_list) <= 50:
        raise shopee.param_error("stock_list must hold 1 to 50 entries")
    item = Item.objects.filter(shop=shop, item_id=item_id).first()
    if item is None:
        raise ApiError("error_not_found", "Item not found.", 404)
    variants = list(item.variants.all())
    by_model = {v.variant_id: v for v in variants} if item.has_variants else {0: variants[0]}
    locations = _location_ids(shop)
    requests = []
    for entry in stock_list:
        seller_stock = entry.get("seller_stock") if isinstance(entry, dict) else None
        if not isinstance(seller_stock, list) or not seller_stock or not all(isinstance(s, dict) for s in seller_stock):
            raise shopee.param_error("seller_stock must hold 1 or more entries")
        given = [s.get("location_id") for s in seller_stock]
        if locations:
            if any(g in (None, "") for g in given):
                raise ApiError("product.error_auth", LACK_OF_LOCATION, 400)
            if len(set(given)) != len(given) or any(str(g) not in locations for g in given):
                raise ApiError("product.error_auth", WRONG_LOCATION, 400)
        elif len(seller_stock) > 1 or any(g not in (None, "", LOCATION_ID) for g in given):
            raise ApiError("product.error_auth", WRONG_LOCATION, 400)
        requests.append((entry, seller_stock))
    ignore = faults.ignore_stock(request, shop)
    now = services.whole_seconds(timezone.now())
    success, failure, changes = [], [], []
    for entry, seller_stock in requests:
        model_id = entry.get("model_id", 0)
        variant = by_model.get(model_id) if isinstance(model_id, int) else None
        if variant is None:
            failure.append({"model_id": model_id, "failed_reason": "Model not found."})
            continue
        stocks = [s.get("stock") for s in seller_stock]
        if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in stocks):
            failure.append({"model_id": model_id, "failed_reason": "Invalid stock."})
            continue
        if locations:
            per_location = location_stock(shop, variant)
            per_location.update({str(s["location_id"]): s["stock"] for s in seller_stock})
            total = sum(per_location.values())
        else:
            per_location, total = {}, stocks[0]
        if total < variant.reserved_stock:
            failure.append({"model_id": model_id, "failed_reason": RESERVED_REFUSAL})
            continue
        if locations:
            success.extend({"model_id": model_id, "location_id": str(s["location_id"]), "stock": s["stock"]} for s in seller_stock)
        else:
            success.append({"model_id": model_id, "location_id": LOCATION_ID, "stock": total})
        changes.append((variant, total, per_location))
    if changes and not ignore:
        with transaction.atomic():
            for variant, total, per_location in changes:
                variant.stock, variant.updated_at = total, now
                if per_location:
                    variant.warehouse_stock = per_location
            Variant.objects.bulk_update([v for v, _, _ in changes], ["stock", "warehouse_stock", "updated_at"])
            Item.objects.filter(pk=item.pk).update(updated_at=now)
    if failure:
        return shopee.ok(request, {"success_list": success, "failure_list": failure}, error="error_busi_update_stock_failed",
                         message="Some models failed to update.")
    return shopee.ok(request, {"success_list": success, "failure_list": []})

