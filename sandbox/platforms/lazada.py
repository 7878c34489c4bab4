"""Lazada Open Platform, mounted at /sandbox/lazada (for https://api.lazada.co.id/rest) and
/sandbox/lazada-auth (for https://auth.lazada.com/rest).

Errors answer HTTP 200 with `{type, code, message, request_id}` like Lazada;
the simulated server errors are real 5xx. Assumed where the documentation is
silent: a stale timestamp gives `InvalidTimestamp`, an unknown app key
`InvalidAppKey`, a bad value `InvalidParameter`, a bad code or refresh token
`InvalidCode` / `IllegalRefreshToken`; a stock update that refuses some SKUs
answers code "501" with `detail[]{seller_sku, sku_id, field, message, code}`
and applies the others. Order headers show times as the GetOrders example
does ("2026-11-11T10:00:00+07:00"), order items and products in epoch
milliseconds, ids and amounts as strings. `timestamp` is milliseconds (an ISO
8601 time is accepted too).

Strict where Lazada is: one unknown or foreign id fails /orders/items/get
(E037); stock is sellable, with withheld (unpaid) and occupied (paid, before
RTS) units and campaign locks reported apart; price_quantity/update sets the
total and refuses one below the held units; sellable/update and
sellable/adjust refuse a sellable below the campaign lock (4170) or below
zero (212); shops with several warehouses (`Shop.warehouses`) keep sellable
per warehouse (`Variant.warehouse_stock`).
"""

import json
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone as dj_timezone

from sandbox import faults, services
from sandbox.models import Item, Order, OrderLine, Shop, Token, Variant
from sandbox.platforms.base import ApiError, Platform, json_response, money
from sandbox.signing import lazada_sign, same

API_MOUNT = "/sandbox/lazada"
AUTH_MOUNT = "/sandbox/lazada-auth"
MAX_SKEW = 7200
WIB = timezone(timedelta(hours=7))


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


# ---------------------------------------------------------------- held stock
#
# Lazada's inventory (inventory-calculation-logic guide): `Variant.stock` is
# SELLABLE, and already includes the units a campaign locks
# (`Variant.reserved_stock`, shown as channelInventories). Units of unpaid
# orders are WITHHELD and units paid but not yet ready to ship are OCCUPIED:
# both come out of sellable when the order is placed (the flows take stock at
# creation) and are reported apart; total = sellable + withhold + occupy.
# A unit whose own status (OrderLine.status) differs from its order's counts
# under its own status.

WITHHOLD = frozenset({"unpaid"})
OCCUPY = frozenset({"pending", "packed", "repacked", "ready_to_ship_pending", "topack"})
DEFAULT_WAREHOUSE = "dropshipping"


def _held(shop, variant_pks) -> dict[int, list[int]]:
    """{variant pk: [withhold, occupy]} from the shop's orders in those statuses."""
    held = {pk: [0, 0] for pk in variant_pks}
    statuses = WITHHOLD | OCCUPY
    lines = (OrderLine.objects.filter(order__shop=shop, sold_variant_id__in=list(variant_pks))
             .filter(Q(order__status__in=statuses) | Q(status__in=statuses))
             .values_list("sold_variant_id", "quantity", "status", "order__status"))
    for pk, quantity, own, order_status in lines:
        status = own or order_status
        if status in WITHHOLD:
            held[pk][0] += quantity
        elif status in OCCUPY:
            held[pk][1] += quantity
    return held


def _warehouses(shop) -> tuple[str, list[str]]:
    """(default warehouse code, every code) of the shop; one `dropshipping` warehouse when none are set."""
    rows = [w for w in (shop.warehouses or []) if isinstance(w, dict) and w.get("id")]
    if not rows:
        return DEFAULT_WAREHOUSE, [DEFAULT_WAREHOUSE]
    default = next((str(w["id"]) for w in rows if w.get("is_default")), str(rows[0]["id"]))
    return default, [str(w["id"]) for w in rows]


def _per_warehouse(warehouses: tuple[str, list[str]], variant) -> dict[str, int]:
    """Sellable per warehouse (`warehouses`: the shop's `_warehouses`): the default one holds what the others do
    not (orders take from it)."""
    default, codes = warehouses
    others = {code: int((variant.warehouse_stock or {}).get(code, 0)) for code in codes if code != default}
    return {default: variant.stock - sum(others.values()), **others}


def _sku_row(item, variant, held, warehouses: tuple[str, list[str]]) -> dict:
    withhold, occupy = held.get(variant.pk, (0, 0))
    default, _ = warehouses
    inventories = []
    for code, sellable in _per_warehouse(warehouses, variant).items():
        w, o = (withhold, occupy) if code == default else (0, 0)
        inventories.append({"warehouseCode": code, "sellableQuantity": sellable, "withholdQuantity": w,
                            "occupyQuantity": o, "totalQuantity": sellable + w + o, "quantity": sellable})
    campaigns = ([{"channelName": f"campaign-{variant.variant_id}", "startTime": "2026-11-11 00:00:00",
                   "endTime": "2026-11-12 23:59:59", "sellableQuantity": variant.reserved_stock}]
                 if variant.reserved_stock else [])
    return {"Status": "active", "SkuId": variant.variant_id, "SellerSku": variant.seller_sku,
            "ShopSku": f"{item.item_id}_ID-{variant.variant_id}", "quantity": variant.stock, "Available": variant.stock,
            "price": float(variant.price), "multiWarehouseInventories": inventories, "channelInventories": campaigns,
            "fblWarehouseInventories": []}


_ITEM_FIELDS = ("pk", "item_id", "status", "name", "created_at", "updated_at")
_VARIANT_FIELDS = ("pk", "item_id", "variant_id", "seller_sku", "price", "stock", "reserved_stock", "warehouse_stock")


def _product_rows(shop, item_pks: list[int]) -> list[dict]:
    """The products `item_pks` (in that order) as /products/get shows them: read as plain rows, one query for the
    items, one for their variants and one for their held units. Model instances cost about 40 us each to build;
    the latency profile's read-back asks 50 products a call, several calls at once, and the sandbox's own time
    must stay inside the 150 ms a call is given."""
    items = {row["pk"]: SimpleNamespace(**row) for row in Item.objects.filter(pk__in=item_pks).values(*_ITEM_FIELDS)}
    variants: dict[int, list[SimpleNamespace]] = {pk: [] for pk in items}
    for row in Variant.objects.filter(item_id__in=list(items)).order_by("pk").values(*_VARIANT_FIELDS):
        variants[row["item_id"]].append(SimpleNamespace(**row))
    held = _held(shop, [v.pk for rows in variants.values() for v in rows])
    warehouses = _warehouses(shop)
    return [{"item_id": item.item_id, "status": item.status, "attributes": {"name": item.name},
             "created_time": _ms(item.created_at), "updated_time": _ms(item.updated_at),
             "skus": [_sku_row(item, v, held, warehouses) for v in variants[pk]]}
            for pk in item_pks if (item := items.get(pk)) is not None]


# ---------------------------------------------------------------- orders


def _iso_wib(dt: datetime) -> str:
    return dt.astimezone(WIB).replace(microsecond=0).isoformat()


def _line_status(order, line) -> str:
    return line.status or order.status


def _order_row(order) -> dict:
    lines = list(order.lines.all())
    statuses = sorted({_line_status(order, line) for line in lines}) or [order.status]
    return {"order_id": order.order_id, "order_number": order.number, "created_at": _iso_wib(order.created_at),
            "updated_at": _iso_wib(order.updated_at), "price": money(order.total), "voucher": "0.00",
            "voucher_seller": "0.00", "voucher_platform": "0.00", "shipping_fee": "0.00", "statuses": statuses,
            "items_count": str(sum(line.quantity for line in lines)), "payment_method": "COD",
            "customer_first_name": order.buyer or "Buyer", "customer_last_name": "", "warehouse_code": DEFAULT_WAREHOUSE}


def _order_items(order) -> list[dict]:
    items = []
    for line in sorted(order.lines.all(), key=lambda ln: ln.pk):
        for unit in range(line.quantity):
            items.append({"order_item_id": str(line.line_id * 100 + unit), "order_id": order.order_id, "name": line.name,
                          "sku": line.seller_sku, "shop_sku": f"{line.item_id}_ID-{line.variant_id}",
                          "sku_id": str(line.variant_id), "paid_price": money(line.unit_price),
                          "item_price": money(line.unit_price), "voucher_amount": "0.00", "currency": order.currency,
                          "status": _line_status(order, line), "created_at": _ms(order.created_at),
                          "updated_at": _ms(order.updated_at), "warehouse_code": DEFAULT_WAREHOUSE})
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
        qs = qs.filter(Q(status=p["status"]) | Q(lines__status=p["status"])).distinct()
    prefix = "-" if direction == "DESC" else ""
    total = qs.count()
    orders = list(qs.order_by(f"{prefix}{sort_by}", f"{prefix}pk").prefetch_related("lines")[offset:offset + limit])
    return lazada.ok(request, {"count": str(len(orders)), "countTotal": str(total), "orders": [_order_row(o) for o in orders]})


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
    """GetMultipleOrderItems: one unknown or foreign id fails the whole call (E037), as Lazada does."""
    raw = request.sandbox_params.get("order_ids", "")
    try:
        ids = json.loads(raw) if raw.strip().startswith("[") else None
        if not isinstance(ids, list):
            raise ValueError
        ids = [str(int(v)) for v in ids]
    except (ValueError, TypeError):
        raise lazada.param_error("Invalid OrdersIdList format. Must use array format [1,2]", "E056") from None
    if not ids:
        raise lazada.param_error("order_ids is required.", "MissingParameter")
    if len(ids) > 50:
        raise lazada.param_error("Too many orders were requested", "E038")
    found = {o.order_id: o for o in Order.objects.filter(shop=shop, order_id__in=ids).prefetch_related("lines")}
    if any(i not in found for i in ids):
        raise lazada.param_error("One or more order id in the list are incorrect", "E037")
    return lazada.ok(request, [{"order_id": i, "order_number": found[i].number, "order_items": _order_items(found[i])}
                               for i in dict.fromkeys(ids)])


# ---------------------------------------------------------------- products

_FILTERS = {"all": None, "live": "active", "inactive": "inactive", "deleted": "deleted", "pending": "pending",
            "rejected": "rejected", "sold-out": None}


@lazada.endpoint()
def products_get(request, shop):
    p = request.sandbox_params
    flt = p.get("filter") or "all"
    if flt not in _FILTERS:
        raise lazada.param_error("Invalid status filter", "E036")
    offset = lazada.int_param(p, "offset", 0, minimum=0, maximum=10000)
    limit = lazada.int_param(p, "limit", 20, minimum=1, maximum=50)
    qs = Item.objects.filter(shop=shop)
    if _FILTERS[flt]:
        qs = qs.filter(status=_FILTERS[flt])
    if flt == "sold-out":
        qs = qs.exclude(variants__stock__gt=0)
    if p.get("sku_seller_list"):
        try:
            skus = json.loads(p["sku_seller_list"])
            if not isinstance(skus, list):
                raise ValueError
        except ValueError:
            raise lazada.param_error("You have corrupt data in your sku seller list.", "E070") from None
        qs = qs.filter(variants__seller_sku__in=[str(s) for s in skus[:100]]).distinct()
    for name, lookup in (("update_after", "updated_at__gte"), ("update_before", "updated_at__lt"),
                         ("create_after", "created_at__gte"), ("create_before", "created_at__lt")):
        value = lazada.time_param(p, name)
        if value is not None:
            qs = qs.filter(**{lookup: value})
    pks = list(qs.order_by("pk").values_list("pk", flat=True)[offset:offset + limit])
    # A page that is not full ends the list: its total is known without counting (the read-back's calls).
    total = offset + len(pks) if len(pks) < limit and (pks or offset == 0) else qs.count()
    return lazada.ok(request, {"total_products": str(total), "products": _product_rows(shop, pks)})


@lazada.endpoint()
def product_item_get(request, shop):
    raw = request.sandbox_params.get("item_id", "")
    if not raw:
        raise lazada.param_error("Empty Item Id and Seller Sku.", "E200")
    pk = Item.objects.filter(shop=shop, item_id=int(raw) if raw.isdigit() else -1).values_list("pk", flat=True).first()
    if pk is None:
        if Item.objects.filter(item_id=int(raw) if raw.isdigit() else -1).exists():
            raise lazada.param_error("You are not authorized to edit the item.", "EDIT_ITEM_NOT_BELONG_SELLER")
        raise lazada.param_error("Cannot find a Item by the Item Id.", "E208")
    return lazada.ok(request, _product_rows(shop, [pk])[0])


# ---------------------------------------------------------------- stock writes


def _text(node, name):
    child = node.find(name)
    return (child.text or "").strip() if child is not None and child.text else ""


def _is_int(text: str) -> bool:
    return text.lstrip("-").isdigit() and len(text) < 12


def _skus(request):
    payload = request.sandbox_params.get("payload", "")
    if not payload:
        raise lazada.param_error("payload is required.", "MissingParameter")
    if len(payload) > 1_000_000:
        raise lazada.param_error("Invalid Request Format", "E005")
    try:
        root = ET.fromstring(payload)  # noqa: S314 - signed requests from the seller's own app, size-capped above
    except ET.ParseError:
        raise lazada.param_error("Invalid Request Format", "E005") from None
    skus = root.findall("./Product/Skus/Sku")
    if not skus:
        raise lazada.param_error("Empty Request", "E030")
    if len(skus) > 50:
        raise lazada.param_error("Too many SKU in one request", "E204")
    return skus


class _Refused(Exception):
    def __init__(self, code, field, message):
        super().__init__(message)
        self.code, self.field, self.message = code, field, message


def _stock_write(request, shop, figure: str, apply):
    """Shared by the three stock calls: resolve each <Sku>, let `apply` compute its new per-warehouse sellable.

    `apply(variant, figures, single, held)` gets the current sellable per
    warehouse and either the single figure or the {warehouse: figure} of a
    MultiWarehouseInventories block, and returns the new sellable per
    warehouse or raises `_Refused`. Refused SKUs are listed in `detail[]`
    ({seller_sku, sku_id, field, message, code}: shape assumed) and the
    answer's code is then 501 ("Update product failed", see detail), with the
    other SKUs applied.
    """
    nodes = _skus(request)
    ids = [t for t in (_text(n, "SkuId") for n in nodes) if t and t.isdigit()]
    seller_skus = [t for t in (_text(n, "SellerSku") for n in nodes) if t]
    variants = list(Variant.objects.filter(shop=shop).filter(Q(variant_id__in=ids) | Q(seller_sku__in=seller_skus)).select_related("item"))
    by_id = {str(v.variant_id): v for v in variants}
    by_sku = {v.seller_sku: v for v in variants}
    default, codes = _warehouses(shop)
    multi_seller = bool(shop.warehouses)
    resolved = []
    for node in nodes:
        sku_id, seller_sku, item_id = (_text(node, n) for n in ("SkuId", "SellerSku", "ItemId"))
        variant = by_id.get(sku_id) if sku_id else by_sku.get(seller_sku)
        resolved.append((node, sku_id, seller_sku, item_id, variant))
    held = _held(shop, [v.pk for *_, v in resolved if v is not None])
    ignore = faults.ignore_stock(request, shop)
    now = services.whole_seconds(dj_timezone.now())
    detail, changes = [], []
    for node, sku_id, seller_sku, item_id, variant in resolved:
        try:
            if variant is None or (item_id and str(variant.item.item_id) != item_id):
                raise _Refused("207", "SkuId", "SKU not exist")
            block = node.find("MultiWarehouseInventories")
            if block is not None:
                if not multi_seller:
                    raise _Refused("501", "MultiWarehouseInventories",
                                   "single-warehouse seller: send the stock without MultiWarehouseInventories")
                given = {}
                for entry in block.findall("MultiWarehouseInventory"):
                    code, value = _text(entry, "WarehouseCode"), _text(entry, figure)
                    if code not in codes:
                        raise _Refused("501", "WarehouseCode", f"unknown warehouse {code!r}")
                    if not _is_int(value):
                        raise _Refused("501", figure, f"{figure} must be a whole number")
                    given[code] = int(value)
                single = None
            else:
                value = _text(node, figure)
                if not _is_int(value):
                    raise _Refused("501", figure, f"{figure} must be a whole number")
                single, given = int(value), None
            current = _per_warehouse((default, codes), variant)
            new = apply(variant, current, default, single, given, held.get(variant.pk, (0, 0)))
            changes.append((variant, new))
        except _Refused as refusal:
            detail.append({"seller_sku": variant.seller_sku if variant else seller_sku,
                           "sku_id": str(variant.variant_id) if variant else sku_id,
                           "field": refusal.field, "message": refusal.message, "code": refusal.code})
    if changes and not ignore:
        with transaction.atomic():
            for variant, new in changes:
                variant.stock = sum(new.values())
                variant.warehouse_stock = {code: qty for code, qty in new.items() if code != default} if multi_seller else {}
                variant.updated_at = now
            _variants_save([v for v, _ in changes], now)
            Item.objects.filter(pk__in={v.item_id for v, _ in changes}).update(updated_at=now)
    body = {"code": "0", "data": {}, "request_id": request.sandbox_request_id}
    if detail:
        body = {"type": "ISV", "code": "501", "message": "Update product failed", "detail": detail,
                "request_id": request.sandbox_request_id}
    return json_response(body)


def _variants_save(variants, now) -> None:
    """Write the new stock of each variant: one UPDATE by primary key, sent once per variant (executemany).

    `bulk_update` would build a CASE with one WHEN per variant for each of the
    three columns, and building those expressions cost more than the write
    itself: a call of 20 SKUs took 14 ms, now 3 ms. Under the latency profile
    on SQLite the writes go one at a time (`faults._serial`), so this work
    bounds how many stock calls a second the sandbox answers (about 70 at
    14 ms on an idle machine, fewer on a busy one, against the 50 it grants).
    """
    meta = Variant._meta
    stock, warehouses, updated = (meta.get_field(name) for name in ("stock", "warehouse_stock", "updated_at"))
    qn = connection.ops.quote_name
    sets = ", ".join(f"{qn(field.column)} = %s" for field in (stock, warehouses, updated))
    sql = f"UPDATE {qn(meta.db_table)} SET {sets} WHERE {qn(meta.pk.column)} = %s"  # noqa: S608 (names from the model, values as parameters)
    when = updated.get_db_prep_save(now, connection)
    rows = [(v.stock, warehouses.get_db_prep_save(v.warehouse_stock, connection), when, v.pk) for v in variants]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _campaign_floor(variant, new: dict) -> None:
    if sum(new.values()) < variant.reserved_stock:
        raise _Refused("4170", "SellableQuantity",
                       f"sellable stock {sum(new.values())} is below the {variant.reserved_stock} unit(s) locked by a campaign")


def _set_sellable(variant, current, default, single, given, held):
    new = dict(current)
    if given is not None:
        new.update(given)
    else:
        new[default] = single
    if any(q < 0 for q in new.values()):
        raise _Refused("501", "SellableQuantity", "Quantity cannot be negative")
    _campaign_floor(variant, new)
    return new


def _adjust_sellable(variant, current, default, single, given, held):
    new = dict(current)
    for code, delta in (given or {default: single}).items():
        new[code] = new.get(code, 0) + delta
    if any(q < 0 for q in new.values()):
        raise _Refused("212", "SellableQuantity", "Sellable inventory cannot be negative")
    _campaign_floor(variant, new)
    return new


def _set_total(variant, current, default, single, given, held):
    """price_quantity/update: the figure is the TOTAL (sellable + withhold + occupy), never below held + campaign."""
    withhold, occupy = held
    totals = {code: qty + (withhold + occupy if code == default else 0) for code, qty in current.items()}
    if given is not None:
        totals.update(given)
    else:
        totals[default] = single
    floor = withhold + occupy + variant.reserved_stock
    if sum(totals.values()) < floor:
        raise _Refused("501", "Quantity", f"total stock {sum(totals.values())} is below the {floor} unit(s) held by "
                                          f"orders ({withhold + occupy}) and campaigns ({variant.reserved_stock})")
    if totals[default] < withhold + occupy:
        raise _Refused("501", "Quantity", "the default warehouse's total is below the units held by its orders")
    return {code: qty - (withhold + occupy if code == default else 0) for code, qty in totals.items()}


@lazada.endpoint(methods=("POST",))
def price_quantity_update(request, shop):
    return _stock_write(request, shop, "Quantity", _set_total)


@lazada.endpoint(methods=("POST",))
def sellable_update(request, shop):
    return _stock_write(request, shop, "SellableQuantity", _set_sellable)


@lazada.endpoint(methods=("POST",))
def sellable_adjust(request, shop):
    return _stock_write(request, shop, "SellableQuantity", _adjust_sellable)


#: Routes of this module that sandbox/urls.py must mount under /sandbox/lazada (path → view).
EXTRA_ROUTES = {
    "product/item/get": product_item_get,
    "product/stock/sellable/update": sellable_update,
    "product/stock/sellable/adjust": sellable_adjust,
}
