"""TikTok Shop Partner API (which also serves migrated Tokopedia shops).

TikTok signs the path, the sorted query and the exact body bytes, so the
session's `Outgoing.body` is what gets signed. Replies are parsed by the
schemas in `schemas/tiktok.py`, written from the API reference.

Orders: a line item has no quantity and its own `display_status`, so each line
item is one ChannelOrderLine of quantity 1 keyed by its id: a line cancelled on
its own releases only its unit. A virtual bundle (`combined_listing_skus`) is
expanded into its component SKUs, which is where the stock moves.

Stock: a SKU may sit in several warehouses, and Update Inventory must name every
one of them (no fewer, no others), so a push first reads each SKU's warehouses
(Inventory Search) and refuses, before sending, an update that would leave one
out. Token lifetimes come back as Unix timestamps, not durations.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Iterator, Sequence
from contextlib import closing
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django.utils import timezone

from channels_app.adapters.base import Adapter, chunked
from channels_app.adapters.id_sets import RecentIds
from channels_app.adapters.schemas import parse, parse_each
from channels_app.adapters.schemas import tiktok as doc
from channels_app.adapters.types import (
    ChannelListing,
    ChannelOrder,
    ChannelOrderLine,
    OrderProblem,
    PushResult,
    RemoteOrderState,
    StockUpdate,
    TimeSlice,
    TokenSet,
)
from omnisync.lib.http import ApiError, Outgoing, Reply

#: Throttled (HTTP 429), internal error, timeout: retry later with backoff.
TRANSIENT_CODES = frozenset({"36009002", "36009003", "36009007"})
EXPIRED_CODE = "105002"
#: Times the order list may shift under one read before the slice is left for the next run.
MAX_SHIFTS = 5
#: Inventory Search: at most 600 `sku_ids` per call.
INVENTORY_SEARCH_SKUS = 600
LINK_WAREHOUSES = (
    "link the shop's TikTok warehouses to POS locations in the admin (channel \u2192 warehouses), "
    "then scan the channel and push again"
)
WAREHOUSE_CODES = frozenset({"12019022", "12019028", "12052037", "12052097", "12052530", "12052531", "12052533"})
HINTS = {
    "36009002": "TikTok Shop's rate limit was reached; retry later",
    "36009003": "TikTok Shop had an internal error; retry later",
    "36009007": "TikTok Shop timed out; retry later",
    "36009004": (
        "Check the app key, the app secret and this server's clock (TikTok accepts 5 minutes early to 30 seconds late); "
        "if they are right, authorise the channel again in the admin"
    ),
    EXPIRED_CODE: "The access token expired and refreshing it did not help: authorise the channel again in the admin",
    "106001": "Check the app secret in the admin (TikTok Shop refused the signature)",
    "12052850": (
        "this is a combined listing (bundle), whose stock TikTok Shop derives from its component SKUs and does not "
        "let anyone edit: map the component SKUs instead; this listing will not be pushed"
    ),
    "12052849": "the app has no permission to edit combined listings: push the component SKUs",
    "12052556": "TikTok Shop does not know this SKU any more: scan the channel again",
    "12052032": "TikTok Shop does not know this product any more: scan the channel again",
    "12052048": "the product is not listed in this shop: scan the channel again",
    "12052901": "the product is not active on TikTok Shop (only ACTIVATE products take stock): activate it in Seller Center or unmap it",
    "12052055": "TikTok Shop accepts a quantity from 1 to 99,999 per warehouse",
    "12019024": "TikTok Shop accepts a quantity from 1 to 99,999 per warehouse",
    "12052393": "the product is locked by a promotion: its stock may not go below the current stock until the promotion ends",
    "12052921": "the product shares its stock with its source shop: change the stock there",
    "12052141": "this is a global product: edit its stock from the global product",
    **{code: f"every warehouse of the SKU must be named: {LINK_WAREHOUSES}" for code in WAREHOUSE_CODES},
}


def tiktok_sign(app_secret: str, path: str, params: dict[str, Any], body: bytes | None = b"") -> str:
    """Lower-hex HMAC-SHA256 of secret + path + sorted key+value (without sign, access_token) + body + secret."""
    pairs = "".join(f"{k}{params[k]}" for k in sorted(params) if k not in ("sign", "access_token"))
    message = app_secret.encode() + path.encode() + pairs.encode() + (body or b"") + app_secret.encode()
    return hmac.new(app_secret.encode(), message, hashlib.sha256).hexdigest()


def apportion(total: Decimal, units: int) -> Decimal:
    """A bundle's sale price shared evenly by its component units, to the cent."""
    return (total / units).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class TikTokAdapter(Adapter):
    platform = "tiktok"
    label = "TikTok Shop"
    max_order_window = None
    order_detail_batch = 50
    token_refresh_margin = timedelta(hours=12)
    credential_names = ("app_key", "app_secret", "service_id", "access_token", "refresh_token", "shop_cipher")
    secret_names = ("app_key", "app_secret", "service_id")
    #: Documented: 50 requests per second per API per shop. One bucket for every API of the
    #: channel at that rate stays inside it whatever the mix.
    rate_per_second = 50.0
    rate_burst = 10
    max_in_flight = 10
    expired_token_codes = frozenset({EXPIRED_CODE})
    channel_wide_codes = frozenset({"36009004", "106001", EXPIRED_CODE, "missing_credential"})
    page_size = 100
    skus_per_call = 100

    # -- transport -------------------------------------------------------
    def _signer(self, shop: bool):
        app_key = self.credential("app_key")
        secret = self.credential("app_secret")

        def sign(out: Outgoing) -> None:
            out.params["app_key"] = app_key
            out.params["timestamp"] = int(time.time())
            if shop:
                cipher = self.credential("shop_cipher", required=False)
                if cipher:
                    out.params["shop_cipher"] = cipher
            out.params.pop("sign", None)
            out.headers["x-tts-access-token"] = self.credential("access_token")
            out.headers["content-type"] = "application/json"
            out.params["sign"] = tiktok_sign(secret, out.path, out.params, out.body)

        return sign

    def _check(self, reply: Reply) -> None:
        if not isinstance(reply.data, dict):
            raise reply.malformed("the body is not an object")
        envelope = parse(doc.Envelope, reply.data, reply)
        if envelope.code == "0":
            return
        raise ApiError.refused(
            self.label,
            envelope.code,
            envelope.message,
            request_id=envelope.request_id,
            transient=envelope.code in TRANSIENT_CODES,
            hint=HINTS.get(envelope.code, ""),
        )

    def _call(self, method: str, path: str, *, params=None, json=None, shop: bool = True, managed: bool = True) -> Reply:
        def once() -> Reply:
            return self.session.request(
                method, self.base_url + path, path=path, params=params, json=json, sign=self._signer(shop), check=self._check
            )

        return self.with_token(once) if managed else once()

    @staticmethod
    def _data(reply: Reply, model):
        """The reply's `data` object, parsed by its schema."""
        request_id = str(reply.data.get("request_id") or "")
        data = reply.data.get("data")
        if not isinstance(data, dict):
            raise reply.malformed("field data should be an object", request_id)
        return parse(model, data, reply, "data", request_id=request_id)

    # -- orders ----------------------------------------------------------
    def list_order_states(self, time_slice: TimeSlice) -> Iterator[RemoteOrderState]:
        """Every order updated in the slice, once, read in update-time order.

        The page token stands for a position, so an order that changes while
        the list is read leaves the window and moves every later order one
        place up: one can slip across a page boundary unread. A total that
        changes between pages says so; reading then starts again from the
        previous page's last update time. Ids already read are not yielded again;
        those updated before that time are forgotten after each page (`RecentIds`).
        """
        start, end = math.ceil(time_slice.start.timestamp()), math.ceil(time_slice.end.timestamp())
        seen = RecentIds()
        for _shift in range(MAX_SHIFTS + 1):
            shifted_at = None
            total = previous_last = None
            with closing(self._search_orders({"update_time_ge": start, "update_time_lt": end})) as pages:
                for reply, page in pages:
                    if total is not None and page.total_count is not None and page.total_count != total:
                        shifted_at = previous_last or start
                        break
                    total = page.total_count
                    for i, raw in enumerate(page.orders or []):
                        where = f"data.orders[{i}]"
                        header = parse(doc.OrderHeader, raw, reply, where)
                        previous_last = int(header.update_time.timestamp())
                        if header.id in seen:
                            continue
                        seen.add(header.id, previous_last)
                        self.listed_keep(header.id, (reply, raw, where))  # the search answer carries full orders
                        yield RemoteOrderState(header.id, header.status, header.update_time)
                    if previous_last is not None:
                        seen.forget_before(previous_last)  # no later reading starts before this page's last update
            if shifted_at is None:
                return
            start = max(start, shifted_at)
        raise self.error(
            "orders kept changing while the list was read; the window will be read again on the next run",
            code="list_shifted", transient=True,
        )

    def _search_orders(self, body: dict) -> Iterator[tuple[Reply, doc.OrdersPage]]:
        """The pages of one order search, read ahead (each page's token comes from the one before)."""

        def fetch(token: str):
            params = {"page_size": self.page_size, "sort_field": "update_time", "sort_order": "ASC"}
            if token:
                params["page_token"] = token
            reply = self._call("POST", "/order/202309/orders/search", params=params, json=body)
            page = self._data(reply, doc.OrdersPage)
            if page.orders is not None and not isinstance(page.orders, list):
                raise reply.malformed("field data.orders should be a list")
            next_token = page.next_page_token or ""
            if next_token and next_token == token:
                raise reply.malformed("field data.next_page_token repeats the previous page's token")
            return (reply, page), next_token or None

        return self.pages_ahead(fetch, "")

    def fetch_orders(self, external_ids: Sequence[str]) -> Iterator[ChannelOrder | OrderProblem]:
        """Full orders; one that does not fit the documented shape is an OrderProblem naming the field."""
        missing = []
        for order_id in dict.fromkeys(external_ids):
            kept = self.listed_take(order_id)
            if kept is None:
                missing.append(order_id)
            else:
                yield self._order(*kept)
        for _batch, (reply, page), _err in self.fan_out(self._detail_page, chunked(missing, self.order_detail_batch)):
            for order_id, order, problem in parse_each(doc.Order, page.orders, reply, "data.orders", id_field="id"):
                if order is None:
                    if not order_id:
                        raise reply.malformed(problem)
                    yield OrderProblem(order_id, problem)
                else:
                    yield self._channel_order(order)

    def _detail_page(self, batch: Sequence[str]) -> tuple[Reply, doc.OrdersPage]:
        reply = self._call("GET", "/order/202309/orders", params={"ids": ",".join(batch)})
        return reply, self._data(reply, doc.OrdersPage)

    def _order(self, reply: Reply, raw: Any, where: str) -> ChannelOrder | OrderProblem:
        for order_id, order, problem in parse_each(doc.Order, [raw], reply, where, id_field="id"):
            if order is not None:
                return self._channel_order(order)
            if not order_id:
                raise reply.malformed(problem)
            return OrderProblem(order_id, problem.replace(f"{where}[0]", where))
        raise reply.malformed(f"field {where} is missing")  # pragma: no cover

    def _channel_order(self, order: doc.Order) -> ChannelOrder:
        lines: list[ChannelOrderLine] = []
        for item in order.line_items:
            raw_status = (item.display_status or "").strip() or None
            if not item.combined_listing_skus:
                lines.append(ChannelOrderLine(
                    line_key=item.id, seller_sku=item.seller_sku.strip(), item_id=item.product_id, variant_id=item.sku_id,
                    quantity=1, unit_price=item.sale_price, raw_status=raw_status,
                ))
                continue
            parts: dict[str, list] = {}
            for part in item.combined_listing_skus:
                entry = parts.setdefault(part.sku_id, [part, 0])
                entry[1] += part.sku_count
            unit_price = apportion(item.sale_price, sum(count for _, count in parts.values()))
            for sku_id, (part, count) in parts.items():
                lines.append(ChannelOrderLine(
                    line_key=f"{item.id}:{sku_id}", seller_sku=part.seller_sku.strip(), item_id=part.product_id,
                    variant_id=sku_id, quantity=count, unit_price=unit_price, raw_status=raw_status,
                ))
        address = order.recipient_address
        return ChannelOrder(
            external_id=order.id,
            raw_status=order.status,
            created_at=order.create_time,
            updated_at=order.update_time,
            currency=order.payment.currency or self.channel.currency or "",
            total=order.payment.total_amount,
            buyer_name=(address.name if address else "") or "",
            lines=tuple(lines),
        )

    # -- listings --------------------------------------------------------
    def list_listings(self, changed_since: datetime | None = None) -> Iterator[ChannelListing]:
        """The SKUs of ACTIVATE products only: TikTok takes stock for active products alone.

        A product that turns inactive drops out of the list, so a full scan
        marks its listings gone and they are no longer pushed.
        """
        body: dict[str, Any] = {"status": "ACTIVATE"}
        if changed_since is not None:
            body["update_time_ge"] = int(changed_since.timestamp())

        def fetch(token: str):
            params: dict[str, Any] = {"page_size": self.page_size}
            if token:
                params["page_token"] = token
            reply = self._call("POST", "/product/202502/products/search", params=params, json=body)
            page = self._data(reply, doc.ProductsPage)
            next_token = page.next_page_token or ""
            if next_token and next_token == token:
                raise reply.malformed("field data.next_page_token repeats the previous page's token")
            return page.products, next_token or None

        for products in self.pages_ahead(fetch, ""):
            for product in products:
                yield from self._product_listings(product)

    @staticmethod
    def _product_listings(product: doc.Product) -> Iterator[ChannelListing]:
        for sku in product.skus:
            per_warehouse = tuple((w.warehouse_id, w.quantity) for w in sku.inventory if w.warehouse_id)
            yield ChannelListing(
                item_id=product.id,
                variant_id=sku.id,
                seller_sku=sku.seller_sku.strip(),
                stock=sum(w.quantity for w in sku.inventory) if sku.inventory else None,
                title=product.title,
                status=product.status,
                updated_at=product.update_time,
                warehouse_stock=per_warehouse,
            )

    def read_listings(self, keys: Sequence[tuple[str, str]]) -> Iterator[ChannelListing]:
        """Pushed SKUs read back with Inventory Search (600 SKU ids a call): sellable and committed per warehouse."""
        wanted = set(keys)
        for product_id, sku in self._inventory([variant for _item, variant in dict.fromkeys(keys) if variant]):
            if (product_id, sku.id) not in wanted:
                continue
            per_warehouse = tuple((w.warehouse_id, w.available_quantity) for w in sku.warehouse_inventory)
            held = (
                sum(w.committed_quantity for w in sku.warehouse_inventory)
                if sku.warehouse_inventory
                else sku.total_committed_quantity
            )
            stock = sum(q for _, q in per_warehouse) if per_warehouse else sku.total_available_quantity
            yield ChannelListing(
                item_id=product_id, variant_id=sku.id, seller_sku=sku.seller_sku.strip(), stock=stock,
                warehouse_stock=per_warehouse, held=held,
            )

    def _inventory(self, sku_ids: Sequence[str]) -> Iterator[tuple[str, doc.InventorySku]]:
        """Inventory Search, 600 SKU ids a call, several calls in flight."""
        for _batch, products, _err in self.fan_out(self._inventory_search, chunked(list(dict.fromkeys(sku_ids)), INVENTORY_SEARCH_SKUS)):
            for product in products:
                for sku in product.skus:
                    yield product.product_id, sku

    def _inventory_search(self, batch: Sequence[str]) -> list:
        reply = self._call("POST", "/product/202309/inventory/search", json={"sku_ids": list(batch)})
        return list(self._data(reply, doc.InventoryPage).inventory)

    def list_warehouses(self) -> list[tuple[str, str, bool]]:
        """The shop's sales warehouses as (id, name, is default), for linking them to POS locations in the admin."""
        reply = self._call("GET", "/logistics/202309/warehouses")
        return [(w.id, w.name, w.is_default) for w in self._data(reply, doc.WarehouseList).warehouses if w.type == "SALES_WAREHOUSE"]

    # -- stock -----------------------------------------------------------
    def push_stock(self, updates: Sequence[StockUpdate]) -> list[PushResult]:
        """Set each SKU's stock in every one of its warehouses, one product per call.

        Each SKU's warehouses are read first (Inventory Search): TikTok refuses
        an update that leaves one out or names another, and an update without
        warehouses for a SKU kept in several cannot be split without knowing
        how the POS locations map to them, so it is refused here, unsent, with
        what to do. Quantities outside 0..99,999 are refused, never clipped.
        """
        refused: dict[int, str] = {}
        for i, update in enumerate(updates):
            problem = self._quantity_problem(update)
            if problem:
                refused[i] = problem
        to_check = [u.variant_id for i, u in enumerate(updates) if i not in refused]
        known: dict[tuple[str, str], list[str]] = {}
        if to_check:
            for product_id, sku in self._inventory(to_check):
                known[(product_id, sku.id)] = [w.warehouse_id for w in sku.warehouse_inventory if w.warehouse_id]
        entries: dict[int, list[dict[str, Any]]] = {}
        for i, update in enumerate(updates):
            if i in refused:
                continue
            inventory, problem = self._inventory_entries(update, known.get((update.item_id, update.variant_id)))
            if problem:
                refused[i] = problem
            else:
                entries[i] = inventory
        by_product: dict[str, list[StockUpdate]] = {}
        inventory_of: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for i, inventory in entries.items():
            update = updates[i]
            by_product.setdefault(update.item_id, []).append(update)
            inventory_of[(update.item_id, update.variant_id)] = inventory
        groups = [chunk for group in by_product.values() for chunk in chunked(group, self.skus_per_call)]
        local = [PushResult(updates[i].item_id, updates[i].variant_id, False, refused[i]) for i in sorted(refused)]

        def push_group(group: Sequence[StockUpdate]) -> list[PushResult]:
            return self._push_product(group, [inventory_of[(u.item_id, u.variant_id)] for u in group])

        try:
            results = self.push_in_groups(groups, push_group)
        except ApiError as err:
            err.partial_results = local + list(err.partial_results or [])
            raise
        by_key = {(r.item_id, r.variant_id): r for r in results}
        return [
            PushResult(u.item_id, u.variant_id, False, refused[i]) if i in refused
            else by_key.get((u.item_id, u.variant_id)) or PushResult(u.item_id, u.variant_id, False, "not sent")
            for i, u in enumerate(updates)
        ]

    @staticmethod
    def _quantity_problem(update: StockUpdate) -> str:
        if not update.variant_id:
            return "the listing has no TikTok SKU id: scan the channel again"
        quantities = [q for _w, q in update.warehouses] if update.warehouses else [update.quantity]
        for quantity in quantities:
            if quantity < 0:
                return f"a stock of {quantity} cannot be pushed; TikTok Shop takes 0 to 99,999 per warehouse"
            if quantity > doc.MAX_QUANTITY:
                return (
                    f"TikTok Shop accepts at most 99,999 per warehouse and the target is {quantity}; nothing was pushed: "
                    "set the channel's stock cap to 99,999 or less"
                )
        return ""

    @staticmethod
    def _inventory_entries(update: StockUpdate, warehouses: list[str] | None) -> tuple[list[dict[str, Any]], str]:
        """The `inventory` list of one SKU, naming every warehouse it is kept in, or why it cannot be built."""
        if update.warehouses:
            named = [w for w, _q in update.warehouses]
            if len(set(named)) != len(named):
                return [], "the update names a warehouse twice"
            if warehouses:
                left_out = [w for w in warehouses if w not in named]
                others = [w for w in named if w not in warehouses]
                if left_out or others:
                    parts = []
                    if left_out:
                        parts.append(f"it leaves out warehouse(s) {', '.join(left_out)}")
                    if others:
                        parts.append(f"it names warehouse(s) {', '.join(others)} the SKU is not kept in")
                    return [], f"TikTok Shop needs every warehouse of the SKU and no other, but {' and '.join(parts)}: {LINK_WAREHOUSES}"
            return [{"warehouse_id": w, "quantity": int(q)} for w, q in update.warehouses], ""
        if warehouses and len(warehouses) > 1:
            return [], (
                f"the SKU is kept in {len(warehouses)} TikTok warehouses ({', '.join(warehouses)}) and the stock was not "
                f"split between them, so nothing was pushed: {LINK_WAREHOUSES}"
            )
        if warehouses:
            return [{"warehouse_id": warehouses[0], "quantity": int(update.quantity)}], ""
        return [{"quantity": int(update.quantity)}], ""

    def _push_product(self, group: Sequence[StockUpdate], inventories: Sequence[list[dict[str, Any]]]) -> list[PushResult]:
        skus = [{"id": u.variant_id, "inventory": inventory} for u, inventory in zip(group, inventories, strict=True)]
        reply = self._call("POST", f"/product/202309/products/{group[0].item_id}/inventory/update", json={"skus": skus})
        data = reply.data.get("data")
        result = parse(doc.UpdateResult, data if isinstance(data, dict) else {}, reply, "data")
        failed: dict[str, list[str]] = {}
        for err in result.errors:
            reason = self._sku_reason(err)
            targets = [err.detail.sku_id] if err.detail.sku_id else [u.variant_id for u in group]
            for sku_id in targets:
                failed.setdefault(sku_id, []).append(reason)
        return [
            PushResult(u.item_id, u.variant_id, False, "; ".join(failed[u.variant_id]))
            if u.variant_id in failed
            else PushResult(u.item_id, u.variant_id, True)
            for u in group
        ]

    @staticmethod
    def _sku_reason(err: doc.UpdateError) -> str:
        text = f"TikTok Shop refused the stock: {err.code or 'error'}" + (f" ({err.message})" if err.message else "")
        codes = [err.code]
        for extra in err.detail.extra_errors:
            where = f"warehouse {extra.warehouse_id}" if extra.warehouse_id else "a warehouse"
            text += f"; {where}: {extra.code}" + (f" ({extra.message})" if extra.message else "")
            codes.append(extra.code)
        hints = list(dict.fromkeys(HINTS[c] for c in codes if c in HINTS))
        return text + (". " + "; ".join(hints) if hints else "")

    # -- connection and authorisation ----------------------------------
    def _shops(self, managed: bool = True) -> list[doc.Shop]:
        reply = self._call("GET", "/authorization/202309/shops", shop=False, managed=managed)
        return self._data(reply, doc.ShopList).shops

    def check_connection(self) -> str:
        shops = self._shops()
        cipher = self.credential("shop_cipher", required=False)
        shop = next((s for s in shops if s.cipher == cipher), shops[0] if shops else None)
        if shop is None:
            return "TikTok Shop: connected, but the app is authorised for no shop"
        return f"TikTok Shop {shop.name or shop.id}" + (f" ({shop.region})" if shop.region else "")

    def authorize_url(self, redirect_uri: str, state: str) -> str | None:
        """TikTok's authorisation page takes the app's service id (not its app key) and a state.

        The redirect URL is registered with the app. Sellers authorise at
        services.tiktokshop.com; other auth hosts (the sandbox) serve the page
        at `<auth base>/oauth/authorize` and also take the app key.
        """
        service_id = self.credential("service_id", required=False)
        if not service_id:
            raise ApiError(
                f"{self.label} channel \u201c{self.channel}\u201d has no service id: copy the Service ID from the app's "
                "details in TikTok Shop Partner Center (it is not the app key) into the channel in the admin",
                platform=self.label,
                code="missing_credential",
            )
        if "tiktok-shops.com" in self.auth_url:
            return "https://services.tiktokshop.com/open/authorize?" + urlencode({"service_id": service_id, "state": state})
        params = {"service_id": service_id, "app_key": self.credential("app_key"), "state": state, "redirect_uri": redirect_uri}
        return f"{self.auth_url}/oauth/authorize?{urlencode(params)}"

    def _token_call(self, path: str, params: dict[str, str]) -> TokenSet:
        query = {"app_key": self.credential("app_key"), "app_secret": self.credential("app_secret"), **params}
        reply = self.session.request("GET", self.auth_url + path, path=path, params=query, check=self._check)
        data = self._data(reply, doc.Tokens)
        return TokenSet(
            data.access_token,
            data.refresh_token,
            self._expiry(reply, data.access_token_expire_in, "data.access_token_expire_in"),
            self._expiry(reply, data.refresh_token_expire_in, "data.refresh_token_expire_in") if data.refresh_token_expire_in else None,
            {},
        )

    @staticmethod
    def _expiry(reply: Reply, number: int, name: str) -> datetime:
        """TikTok gives a Unix timestamp; a small number is read as seconds from now, to be liberal."""
        try:
            if number < 10**9:
                return timezone.now() + timedelta(seconds=number)
            return datetime.fromtimestamp(number, tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise reply.malformed(f"field {name} is not a time ({number!r})") from None

    def exchange_code(self, params: dict[str, str]) -> TokenSet:
        code = params.get("code") or params.get("auth_code") or ""
        if not code:
            raise self.error("the authorisation answer has no code", code="missing_code")
        tokens = self._token_call("/api/v2/token/get", {"auth_code": code, "grant_type": "authorized_code"})
        tokens.extra["authorization_expires_at"] = tokens.refresh_expires_at
        creds = dict(self.channel.credentials or {})
        self.channel.credentials = {**creds, "access_token": tokens.access_token}
        try:
            shops = self._shops(managed=False)
        finally:
            self.channel.credentials = creds
        wanted = creds.get("shop_cipher")
        shop = next((s for s in shops if s.cipher == wanted), None) if wanted else None
        shop = shop or (shops[0] if shops else None)
        if shop:
            tokens.extra["shop_cipher"] = shop.cipher
            tokens.extra["shop_id"] = shop.id
        return tokens

    def refresh_tokens(self) -> TokenSet | None:
        tokens = self._token_call(
            "/api/v2/token/refresh", {"refresh_token": self.credential("refresh_token"), "grant_type": "refresh_token"}
        )
        tokens.extra["authorization_expires_at"] = tokens.refresh_expires_at
        return tokens
