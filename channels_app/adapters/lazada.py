"""Lazada Open Platform.

Lazada signs the path plus every parameter (business ones and the XML
`payload` included), upper-case hex, timestamps in milliseconds. Its order
list pages by offset, which stops at 5,000 and shifts when an order changes
while being paged, so the adapter sorts by update time and moves the time
bound forward instead of trusting the offset (see `list_order_states`).

Orders have no status of their own and no quantity: each unit is one item
with its own status. Each unit becomes one line keyed by its order item id,
so a unit that is cancelled or returned on its own keeps its line and gets
exactly its own stock effect; the order's status is the sorted distinct item
statuses joined by ",". Items carry no item id: a line names its listing by
`sku_id` (the variant id) alone.

Stock is pushed as SELLABLE quantity (/product/stock/sellable/update): the
total that price_quantity/update sets also counts units Lazada holds for
unpaid and unshipped orders, so pushing the POS figure there would offer
those units twice (or be refused below the held figure). Replies are parsed
by the schemas in `schemas/lazada.py`.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import time
from collections.abc import Iterator, Sequence
from contextlib import closing
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.utils import timezone
from pydantic import ValidationError

from channels_app.adapters.base import Adapter, chunked, split_until_accepted
from channels_app.adapters.id_sets import RecentIds
from channels_app.adapters.schemas import Count, Doc, Text, describe, parse, parse_each
from channels_app.adapters.schemas.lazada import (
    ListedOrder,
    OrderHeader,
    OrderItems,
    OrderPage,
    Product,
    ProductPage,
    StockDetail,
)
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

#: Lazada is busy: wait and try again (901 "request too frequent", internal errors the docs say to retry).
TRANSIENT_CODES = frozenset({
    "901", "E901", "ApiCallLimit", "ServiceTimeout", "ServiceUnavailable", "SYSTEM_ERROR", "InternalError",
    "6", "E006", "1000", "513", "E513",
})
#: The access token is no longer valid: refresh once and retry.
EXPIRED_TOKEN_CODES = frozenset({"IllegalAccessToken"})
#: The whole channel is misconfigured: stop instead of failing item by item.
CHANNEL_WIDE_CODES = frozenset({
    "IllegalAccessToken", "IllegalRefreshToken", "IncompleteSignature", "InvalidApiKey", "InvalidAppKey",
    "MissingParameter", "missing_credential",
})
#: One or more order ids of /orders/items/get are not this seller's (the whole call fails).
BAD_ORDER_ID_CODES = frozenset({"E037", "37"})
#: Too many SKUs in one stock call (E204, 4171) or an internal error the docs tie to batch size (513).
TOO_MANY_SKUS = frozenset({"E204", "204", "4171", "513", "E513"})
#: Refusals about one SKU's stock; in a group the group is split to find the SKU.
SKU_REFUSALS = frozenset({"4170", "212", "4225", "501", "E501"})
#: An item id that is not (or no longer) this seller's, in /product/item/get.
ITEM_GONE = frozenset({"207", "E207", "208", "E208", "EDIT_ITEM_NOT_BELONG_SELLER"})
HINTS = {
    "IllegalAccessToken": "Authorise the channel again in the admin if this persists",
    "IllegalRefreshToken": "Authorise the channel again in the admin",
    "IncompleteSignature": "Check the app key and app secret in the admin",
    "InvalidApiKey": "Check the app key in the admin",
    "InvalidAppKey": "Check the app key in the admin",
    "MissingParameter": "omnisync sent an incomplete request; report this with the request id",
}
REASONS = {
    "4170": "a Lazada campaign is running: this SKU's stock may only go up until it ends. Raise the POS stock or push again after the campaign",
    "212": "Lazada refused a sellable stock below zero (or below the stock locked by a campaign)",
    "4225": "Global Plus (semi-hosted) item: change its stock in Lazada's Global Selling Portal",
}
MAX_OFFSET = 5000
#: /products/get: the largest offset accepted (offset paging is deprecated there; beyond it, page by date).
MAX_PRODUCT_OFFSET = 10_000
#: Before any Lazada product existed (Lazada opened in 2012): the start of a full scan's creation-time windows.
PRODUCTS_SINCE = datetime(2012, 1, 1, tzinfo=UTC)
#: Times the order list may shift under one read before the slice is left for the next run.
MAX_SHIFTS = 5
#: SKUs per stock call. The docs allow 50 but recommend 20, and tie the sporadic internal error
#: 513 to larger batches; 20 keeps a refused batch's split short and stays far below the
#: 50 inventory calls per second a seller may make.
SKUS_PER_CALL = 20


def lazada_sign(app_secret: str, path: str, params: dict[str, Any]) -> str:
    """Upper-hex HMAC-SHA256 of the API path followed by every sorted name+value except `sign`."""
    pairs = "".join(f"{k}{params[k]}" for k in sorted(params) if k != "sign")
    return hmac.new(app_secret.encode(), (path + pairs).encode(), hashlib.sha256).hexdigest().upper()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


class TokenReply(Doc):
    access_token: Text
    refresh_token: Text = ""
    expires_in: Count
    refresh_expires_in: Count | None = None
    country: str = ""
    country_user_info: list[dict] | None = None


class LazadaAdapter(Adapter):
    platform = "lazada"
    label = "Lazada"
    max_order_window = None
    order_detail_batch = 50
    token_refresh_margin = timedelta(hours=6)
    credential_names = ("app_key", "app_secret", "access_token", "refresh_token")
    secret_names = ("app_key", "app_secret")
    #: Documented: inventory calls 50 per second per seller; the other calls are assumed to share
    #: that budget (not documented), so one bucket at 50/s covers every call.
    rate_per_second = 50.0
    rate_burst = 10
    max_in_flight = 10
    expired_token_codes = EXPIRED_TOKEN_CODES
    channel_wide_codes = CHANNEL_WIDE_CODES
    order_page_size = 100
    listing_page_size = 50
    skus_per_call = SKUS_PER_CALL
    listings_per_push = SKUS_PER_CALL

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: Seller SKU of each listing this adapter pushed, by (item id, variant id): the read-back asks by seller SKU.
        self._pushed_skus: dict[tuple[str, str], str] = {}

    # -- transport -------------------------------------------------------
    def _signer(self, base_params: dict[str, Any], body_params: dict[str, Any] | None, seller: bool):
        app_key = self.credential("app_key")
        secret = self.credential("app_secret")

        def sign(out: Outgoing) -> None:
            system: dict[str, Any] = {"app_key": app_key, "timestamp": int(time.time() * 1000), "sign_method": "sha256"}
            if seller:
                system["access_token"] = self.credential("access_token")
            signed = {**base_params, **(body_params or {}), **system}
            out.params = {**base_params, **system, "sign": lazada_sign(secret, out.path, signed)}
            if body_params is not None:
                out.body = urlencode(body_params).encode()
                out.headers["Content-Type"] = "application/x-www-form-urlencoded;charset=utf-8"

        return sign

    def _check(self, keep: bool):
        """Raise for Lazada's error envelope; with `keep`, refusals about the request's content come back to the caller.

        Throttling, expired tokens and channel-wide problems always raise:
        the caller cannot do anything about them item by item.
        """

        def check(reply: Reply) -> None:
            body = reply.data
            if not isinstance(body, dict):
                raise reply.malformed("the body is not an object")
            code = str(body.get("code", "0"))
            if code == "0":
                return
            if keep and code not in TRANSIENT_CODES and code not in CHANNEL_WIDE_CODES:
                return
            raise ApiError.refused(
                self.label,
                code,
                str(body.get("message") or ""),
                request_id=str(body.get("request_id") or ""),
                transient=code in TRANSIENT_CODES,
                hint=HINTS.get(code, ""),
            )

        return check

    def _call(self, method: str, path: str, params: dict[str, Any] | None = None, *, base: str | None = None,
              seller: bool = True, keep: bool = False) -> Reply:
        params = {k: v for k, v in (params or {}).items() if v is not None}
        body_params = params if method == "POST" else None
        query = {} if method == "POST" else params

        def once() -> Reply:
            return self.session.request(
                method,
                (base or self.base_url) + path,
                path=path,
                params=query,
                sign=self._signer(query, body_params, seller),
                check=self._check(keep),
            )

        return self.with_token(once) if seller else once()

    @staticmethod
    def _rid(reply: Reply) -> str:
        return str(reply.data.get("request_id") or "") if isinstance(reply.data, dict) else ""

    @staticmethod
    def _code(reply: Reply) -> str:
        return str(reply.data.get("code", "0")) if isinstance(reply.data, dict) else "0"

    # -- orders ----------------------------------------------------------
    def list_order_states(self, time_slice: TimeSlice) -> Iterator[RemoteOrderState]:
        """Every order updated in the slice, once.

        Sorted by update time ascending, an order not yet read can only be
        at or after the last one read (one that changes meanwhile moves
        later). When the total changes between pages, the list shifted under
        us and an order may have slipped back across the page boundary unread:
        reading restarts at offset 0 from one second before the previous
        page's last update time (the last page is checked too). When the
        offset would pass 5,000 it restarts from the current page's last
        update time. Ids already read are not yielded again; those updated more
        than a second before the last page's last update are forgotten, as no
        later reading starts before that (`RecentIds`).
        """
        seen = RecentIds()
        bound = time_slice.start
        shifts = 0
        while True:
            restart_from = None
            offset, total, previous_last = 0, None, None
            with closing(self.pages_ahead(self._order_page(bound, time_slice.end), 0)) as pages:
                for reply, page, orders in pages:
                    rid = self._rid(reply)
                    page_total = page.countTotal if page.countTotal is not None else page.count
                    last_updated = None
                    for i, raw in enumerate(orders):
                        listed = parse(ListedOrder, raw, reply, f"data.orders[{i}]", request_id=rid)
                        last_updated = listed.updated_at
                        if listed.order_id in seen:
                            continue
                        seen.add(listed.order_id, listed.updated_at)
                        self.listed_keep(listed.order_id, raw)  # the header (dates, price) fetch_orders needs
                        statuses = ",".join(sorted({s for s in listed.statuses if s}))
                        yield RemoteOrderState(listed.order_id, statuses, listed.updated_at)
                    if total is not None and page_total is not None and page_total != total:
                        shifts += 1
                        if shifts > MAX_SHIFTS:
                            raise self.error(
                                "orders kept changing while the list was read; the window will be read again on the next run",
                                code="list_shifted", transient=True,
                            )
                        restart_from = max(bound, previous_last - timedelta(seconds=1))
                        break
                    if len(orders) < self.order_page_size:
                        return
                    total = page_total
                    previous_last = last_updated
                    if last_updated is not None:
                        seen.forget_before(last_updated - timedelta(seconds=1))
                    offset += len(orders)
                    if offset + self.order_page_size > MAX_OFFSET:
                        restart_from = last_updated - timedelta(seconds=1)
                        if restart_from > bound:
                            break
                        raise self.error(
                            f"more than {MAX_OFFSET} orders share one update time around {iso(bound)}; the order list cannot be read past them",
                            code="offset_limit",
                        )
            if restart_from is None:
                return
            bound = restart_from

    def _order_page(self, bound: datetime, end: datetime):
        """fetch(offset) → ((reply, page, orders), next offset) for `pages_ahead`; the reader stops
        at a short page and before the offset would pass 5,000 (the caller then moves the bound)."""

        def fetch(offset: int):
            reply = self._call(
                "GET",
                "/orders/get",
                {
                    "update_after": iso(bound),
                    "update_before": iso(end),
                    "sort_by": "updated_at",
                    "sort_direction": "ASC",
                    "offset": offset,
                    "limit": self.order_page_size,
                },
            )
            rid = self._rid(reply)
            page = parse(OrderPage, reply.data.get("data"), reply, "data", request_id=rid)
            if page.orders is not None and not isinstance(page.orders, list):
                raise reply.malformed("field data.orders should be a list", rid)
            orders = page.orders or []
            following = offset + len(orders)
            if len(orders) < self.order_page_size or following + self.order_page_size > MAX_OFFSET:
                following = None
            return (reply, page, orders), following

        return fetch

    def fetch_orders(self, external_ids: Sequence[str]) -> Iterator[ChannelOrder | OrderProblem]:
        """Orders with their units, 50 per call; a batch Lazada refuses for one bad id is split to find it.

        Lazada fails the whole /orders/items/get call when any id is wrong or
        another seller's (E037) and says nothing about which: the batch is
        halved until the bad ids stand alone, so the good orders still land
        (a clean batch costs one call; one bad id among 50 about a dozen). A
        bad id comes back as an `OrderProblem`, as does an order whose reply
        does not fit the documented shape.
        """
        wanted = list(dict.fromkeys(str(i) for i in external_ids))
        good = [i for i in wanted if i.isdigit()]
        for order_id in wanted:
            if not order_id.isdigit():
                yield OrderProblem(order_id, f"Lazada order ids are numbers; {order_id!r} cannot be looked up")
        for _batch, orders, _err in self.fan_out(self._fetch_split, chunked(good, self.order_detail_batch)):
            yield from orders

    def _fetch_split(self, batch: Sequence[str]) -> list[ChannelOrder | OrderProblem]:
        """One batch (in a worker): split until Lazada accepts it, bad ids as problems."""
        return list(split_until_accepted(
            batch,
            self._fetch_batch,
            one_bad=lambda err: err.code in BAD_ORDER_ID_CODES,
            on_single_refused=self._unknown_order,
        ))

    @staticmethod
    def _unknown_order(order_id: str, err: ApiError) -> list[OrderProblem]:
        return [OrderProblem(order_id, (
            f"Lazada does not know order {order_id} for this shop (E037: one or more order id in the list are "
            "incorrect). It may belong to another seller account or be mistyped: check it in Lazada Seller Center"
        ))]

    def _fetch_batch(self, ids: Sequence[str]) -> Iterator[ChannelOrder | OrderProblem]:
        """One /orders/items/get call (a refusal raises here); the orders are read from its reply as they are taken."""
        reply = self._call("GET", "/orders/items/get", {"order_ids": "[" + ",".join(ids) + "]"})
        return self._orders_of(reply, ids)

    def _orders_of(self, reply: Reply, ids: Sequence[str]) -> Iterator[ChannelOrder | OrderProblem]:
        rid = self._rid(reply)
        asked = set(ids)
        data = reply.data.get("data")
        for order_id, entry, problem in parse_each(OrderItems, data, reply, "data", id_field="order_id", request_id=rid):
            if entry is None:
                if not order_id:
                    raise reply.malformed(problem, rid)
                yield OrderProblem(order_id, f"Lazada's answer for order {order_id} does not fit: {problem}")
                continue
            if entry.order_id not in asked:
                continue
            header = self.listed_take(entry.order_id)
            if header is None:
                header = self._header(entry.order_id)
            try:
                yield self._order(entry, header)
            except ValueError as exc:
                yield OrderProblem(entry.order_id, f"Lazada's answer for order {entry.order_id} does not fit: {exc}")

    def _header(self, order_id: str) -> Any:
        """One order's header (dates, price) when it was not met in this run's order list."""
        try:
            reply = self._call("GET", "/order/get", {"order_id": order_id})
        except ApiError as err:
            if err.transient or err.code in self.channel_wide_codes:
                raise
            return None
        return reply.data.get("data") if isinstance(reply.data, dict) else None

    def _order(self, entry: OrderItems, raw_header: Any) -> ChannelOrder:
        """One order from its units and its header.

        Total = price − voucher + shipping_fee from the header, Lazada's
        documented formula for what the buyer paid. Without a header (the
        order was not in this run's list and /order/get failed) the total is
        the sum of the units' paid prices, shipping not included, and the
        dates come from the units.
        """
        header: OrderHeader | None = None
        if isinstance(raw_header, dict) and raw_header:
            try:
                header = OrderHeader.model_validate(raw_header)
            except ValidationError as exc:
                raise ValueError(describe(exc, f"order {entry.order_id} header")) from None
        lines: list[ChannelOrderLine] = []
        currency = ""
        for item in entry.order_items:
            price = item.paid_price if item.paid_price is not None else (item.item_price or Decimal(0))
            currency = currency or item.currency
            lines.append(ChannelOrderLine(
                line_key=item.order_item_id,
                seller_sku=item.sku,
                item_id="",
                variant_id=item.sku_id,
                quantity=1,
                unit_price=price.quantize(Decimal("0.01")),
                raw_status=item.status.strip().lower(),
            ))
        created = header.created_at if header else None
        updated = header.updated_at if header else None
        item_created = [i.created_at for i in entry.order_items if i.created_at]
        item_updated = [i.updated_at for i in entry.order_items if i.updated_at]
        created = created or min(item_created, default=None)
        updated = updated or max(item_updated, default=None) or created
        if created is None or updated is None:
            raise ValueError(f"order {entry.order_id} has no created_at/updated_at in the order list or its items")
        if header is not None and header.price is not None:
            total = header.price - header.voucher + header.shipping_fee
        else:
            total = sum((line.unit_price for line in lines), Decimal(0))
        buyer = " ".join(p for p in (header.customer_first_name, header.customer_last_name) if p) if header else ""
        return ChannelOrder(
            external_id=entry.order_id,
            raw_status=",".join(sorted({line.raw_status for line in lines if line.raw_status})),
            created_at=created,
            updated_at=updated,
            currency=currency or self.channel.currency or "",
            total=total.quantize(Decimal("0.01")),
            buyer_name=buyer,
            lines=tuple(lines),
        )

    # -- listings --------------------------------------------------------
    def list_listings(self, changed_since: datetime | None = None) -> Iterator[ChannelListing]:
        """Every SKU, built from `filter=all` (sold-out is a filter of its own: `live` would miss it).

        `/products/get` pages by an offset that stops at 10,000 (deprecated:
        Lazada says to page by date). A catalogue larger than that is read in
        windows of creation time (of update time for a changed-since scan),
        halved until each fits under the offset limit; neighbouring windows
        overlap by a second, whatever the API's boundary rule, and a product
        met twice is listed once.
        """
        base: dict[str, Any] = {"filter": "all", "limit": self.listing_page_size}
        if changed_since is not None:
            base["update_after"] = iso(changed_since)
        first = self._product_page(base, 0)
        if first.total_products is None or first.total_products <= MAX_PRODUCT_OFFSET + self.listing_page_size:
            yield from self._product_pages(base, first)
            return
        key = "update" if changed_since is not None else "create"
        seen: set[str] = set()
        for params, page in self._product_windows(base, key, changed_since or PRODUCTS_SINCE, timezone.now() + timedelta(minutes=5)):
            for listing in self._product_pages(params, page):
                ref = f"{listing.item_id}/{listing.variant_id}"
                if ref not in seen:
                    seen.add(ref)
                    yield listing

    def _product_page(self, params: dict, offset: int) -> ProductPage:
        reply = self._call("GET", "/products/get", {**params, "offset": offset})
        return parse(ProductPage, reply.data.get("data"), reply, "data", request_id=self._rid(reply))

    def _product_pages(self, params: dict, first: ProductPage) -> Iterator[ChannelListing]:
        """The listings of one list whose first page is read: the rest read ahead."""

        def following(offset: int, products: list) -> int | None:
            nxt = offset + len(products)
            if not products or len(products) < self.listing_page_size:
                return None
            if first.total_products is not None and nxt >= first.total_products:
                return None
            return nxt

        def fetch(offset: int):
            products = self._product_page(params, offset).products or []
            return products, following(offset, products)

        for product in first.products or []:
            yield from self.product_listings(product)
        start = following(0, first.products or [])
        if start is None:
            return
        for products in self.pages_ahead(fetch, start):
            for product in products:
                yield from self.product_listings(product)

    def _product_windows(self, base: dict, key: str, low: datetime, high: datetime) -> Iterator[tuple[dict, ProductPage]]:
        """(params, first page) of time windows covering [low, high), each small enough to page by offset."""
        pending = [(low, high)]
        while pending:
            lo, hi = pending.pop()
            params = {**base, f"{key}_after": iso(lo), f"{key}_before": iso(hi)}
            page = self._product_page(params, 0)
            total = page.total_products or 0
            if total > MAX_PRODUCT_OFFSET + self.listing_page_size and hi - lo > timedelta(seconds=4):
                mid = lo + (hi - lo) / 2
                pending.append((mid - timedelta(seconds=1), hi))
                pending.append((lo, mid))  # read first: oldest products first
                continue
            yield params, page

    @staticmethod
    def product_listings(product: Product) -> Iterator[ChannelListing]:
        """One listing per SKU: stock = sellable, held = withhold + occupy, per-warehouse sellable.

        `sellableQuantity` of `multiWarehouseInventories` is what buyers can
        order (campaign locks are part of it, not on top: the inventory guide).
        Without it the docs' examples show `Available` (= `quantity`) equal to
        sellable, so that is the fallback, and held stock is then unknown.
        """
        name = str((product.attributes or {}).get("name") or "")
        for sku in product.skus:
            warehouses = sku.multiWarehouseInventories or []
            stock = None
            held = None
            per_warehouse: tuple[tuple[str, int], ...] = ()
            if warehouses:
                figures = [(w.warehouseCode, w.sellableQuantity if w.sellableQuantity is not None else (w.quantity or 0))
                           for w in warehouses]
                stock = sum(q for _, q in figures)
                held = sum(w.withholdQuantity + w.occupyQuantity for w in warehouses)
                if len(figures) > 1 or figures[0][0] not in ("", "dropshipping"):
                    per_warehouse = tuple(figures)
            elif sku.Available is not None:
                stock = sku.Available
            elif sku.quantity is not None:
                stock = sku.quantity
            yield ChannelListing(
                item_id=product.item_id,
                variant_id=sku.SkuId,
                seller_sku=sku.SellerSku,
                stock=stock,
                title=name,
                status=product.status,
                updated_at=product.updated_time,
                warehouse_stock=per_warehouse,
                held=held,
            )

    def read_listings(self, keys: Sequence[tuple[str, str]]) -> Iterator[ChannelListing]:
        """A push's read-back: the pushed SKUs asked for by seller SKU, then any pushed item not among them by id.

        /products/get takes `sku_seller_list` (at most 100 seller SKUs) and
        answers only the products that hold one of them, 50 products a page:
        the K SKUs this run pushed come back in K/50 calls, all in flight at
        once, whatever else changed in the shop meanwhile (asking for the
        products "updated since the push" also brought back every product an
        order or an earlier push had just touched, a page for each 50 of them).
        A listing pushed without a seller SKU, or one that did not come back
        that way, is read by id (/product/item/get, several in flight), so
        nothing pushed goes unread.
        """
        keys = list(dict.fromkeys(keys))
        wanted = set(keys)
        items = list(dict.fromkeys(item for item, _ in keys))
        found: set[str] = set()
        skus = list(dict.fromkeys(sku for sku in (self._pushed_skus.get(key) for key in keys) if sku))
        if len(items) > 1 and skus:
            for listing in self._by_seller_sku(skus):
                if (listing.item_id, listing.variant_id) in wanted:
                    found.add(listing.item_id)
                    yield listing
        rest = [item for item in items if item not in found]
        for item_id, product, _err in self.fan_out(self._item_get, rest):
            if product is None:
                continue
            for listing in self.product_listings(product):
                if (listing.item_id, listing.variant_id) in wanted or (item_id, listing.variant_id) in wanted:
                    yield listing

    def _by_seller_sku(self, skus: Sequence[str]) -> Iterator[ChannelListing]:
        """The listings of every product holding one of `skus`: 50 seller SKUs a call (at most 50 products,
        one page; further pages only if Lazada says there are more), the calls in flight together."""

        def products(chunk: Sequence[str]) -> list[Product]:
            params = {"filter": "all", "limit": self.listing_page_size, "sku_seller_list": json.dumps(list(chunk))}
            got: list[Product] = []
            while True:
                page = self._product_page(params, len(got))
                more = page.products or []
                got.extend(more)
                if len(more) < self.listing_page_size or (page.total_products is not None and len(got) >= page.total_products):
                    return got

        seen: set[str] = set()
        for _chunk, found, _err in self.fan_out(products, chunked(list(skus), self.listing_page_size)):
            for product in found:
                if product.item_id in seen:  # a product whose SKUs fell into two chunks
                    continue
                seen.add(product.item_id)
                yield from self.product_listings(product)

    def _item_get(self, item_id: str) -> Product | None:
        try:
            reply = self._call("GET", "/product/item/get", {"item_id": item_id})
        except ApiError as err:
            if err.code in ITEM_GONE:
                return None
            raise
        return parse(Product, reply.data.get("data"), reply, "data", request_id=self._rid(reply))

    # -- stock -----------------------------------------------------------
    def push_stock(self, updates: Sequence[StockUpdate]) -> list[PushResult]:
        self._pushed_skus.update(((u.item_id, u.variant_id), u.seller_sku) for u in updates if u.seller_sku)
        return self.push_in_groups(list(chunked(list(updates), self.skus_per_call)), self._push_group)

    @staticmethod
    def stock_payload(updates: Sequence[StockUpdate]) -> str:
        """UpdateSellableQuantity's XML: one figure, or every warehouse of a multi-warehouse listing."""
        skus = []
        for u in updates:
            head = (f"<ItemId>{html.escape(u.item_id)}</ItemId><SkuId>{html.escape(u.variant_id)}</SkuId>"
                    f"<SellerSku>{html.escape(u.seller_sku)}</SellerSku>")
            if u.warehouses:
                body = "".join(
                    f"<MultiWarehouseInventory><WarehouseCode>{html.escape(str(code))}</WarehouseCode>"
                    f"<SellableQuantity>{max(0, int(qty))}</SellableQuantity></MultiWarehouseInventory>"
                    for code, qty in u.warehouses
                )
                skus.append(f"<Sku>{head}<MultiWarehouseInventories>{body}</MultiWarehouseInventories></Sku>")
            else:
                skus.append(f"<Sku>{head}<SellableQuantity>{max(0, int(u.quantity))}</SellableQuantity></Sku>")
        return f'<?xml version="1.0" encoding="UTF-8" ?><Request><Product><Skus>{"".join(skus)}</Skus></Product></Request>'

    def _push_group(self, group: Sequence[StockUpdate]) -> list[PushResult]:
        """Push one group; a refusal of the group as a whole is split until it names single SKUs.

        Too many SKUs (E204, 4171, 513) halves the group. A refusal that is
        about one SKU's stock (4170 campaign, 212, 4225, 501 without detail)
        halves it too, so the other SKUs still land; alone, the SKU is
        refused with the reason (as is a lone SKU still refused as too many).
        Per-SKU `detail[]` entries are matched by sku_id, then seller_sku.
        """
        return list(split_until_accepted(
            group,
            self._send_stock,
            too_big=lambda err: err.code in TOO_MANY_SKUS,
            one_bad=lambda err: err.code in SKU_REFUSALS or err.code in TOO_MANY_SKUS,
            on_single_refused=self._sku_refused,
        ))

    @staticmethod
    def _sku_refused(update: StockUpdate, err: ApiError) -> list[PushResult]:
        reason = REASONS.get(err.code) or f"Lazada refused the stock ({err.code}: {getattr(err, 'said', '') or 'refused'})"
        return [PushResult(update.item_id, update.variant_id, False, reason)]

    def _send_stock(self, group: Sequence[StockUpdate]) -> list[PushResult]:
        """One stock call; a refusal of the whole group (no per-SKU detail) raises, with Lazada's own words as `said`."""
        reply = self._call("POST", "/product/stock/sellable/update", {"payload": self.stock_payload(group)}, keep=True)
        body = reply.data
        code = self._code(reply)
        details = self._details(reply)
        if code != "0" and not details:
            err = ApiError.refused(self.label, code, str(body.get("message") or ""), request_id=self._rid(reply),
                                   hint=HINTS.get(code, ""))
            err.said = body.get("message")
            raise err
        by_id = {d.sku_id: d for d in details if d.sku_id}
        by_sku = {d.seller_sku: d for d in details if d.seller_sku}
        results = []
        for u in group:
            entry = by_id.get(u.variant_id) or by_sku.get(u.seller_sku)
            if entry is None:
                results.append(PushResult(u.item_id, u.variant_id, True))
                continue
            said = entry.message or body.get("message") or entry.code or "refused"
            field = f" ({entry.field})" if entry.field else ""
            reason = f"{REASONS[entry.code]} (Lazada{field}: {said})" if entry.code in REASONS else f"Lazada refused the stock{field}: {said}"
            results.append(PushResult(u.item_id, u.variant_id, False, reason))
        return results

    def _details(self, reply: Reply) -> list[StockDetail]:
        body = reply.data
        detail = body.get("detail")
        if not isinstance(detail, list) and isinstance(body.get("data"), dict):
            detail = body["data"].get("detail")
        if not isinstance(detail, list):
            return []
        return [parse(StockDetail, d, reply, f"detail[{i}]", request_id=self._rid(reply)) for i, d in enumerate(detail)]

    # -- connection and authorisation ----------------------------------
    def check_connection(self) -> str:
        reply = self._call("GET", "/seller/get")
        data = reply.data.get("data") if isinstance(reply.data.get("data"), dict) else {}
        name = data.get("name") or data.get("name_company") or data.get("seller_id") or "seller"
        return f"Lazada seller {name}"

    def authorize_url(self, redirect_uri: str, state: str) -> str | None:
        """Lazada's page lives at /oauth/authorize on the auth host (outside its /rest API root)."""
        root = self.auth_url.removesuffix("/rest")
        params = {
            "response_type": "code",
            "force_auth": "true",
            "redirect_uri": redirect_uri,
            "client_id": self.credential("app_key"),
            "state": state,
        }
        return f"{root}/oauth/authorize?{urlencode(params)}"

    def _token_call(self, path: str, params: dict[str, str]) -> TokenSet:
        reply = self._call("POST", path, params, base=self.auth_url, seller=False)
        body = reply.data
        source = body if body.get("access_token") else body.get("data")
        tokens = parse(TokenReply, source, reply, "body", request_id=self._rid(reply))
        now = timezone.now()
        refresh_at = now + timedelta(seconds=tokens.refresh_expires_in) if tokens.refresh_expires_in is not None else None
        extra: dict[str, Any] = {"authorization_expires_at": refresh_at}
        users = tokens.country_user_info or []
        if users and isinstance(users[0], dict):
            extra["seller_id"] = str(users[0].get("seller_id") or "")
            extra["country"] = str(users[0].get("country") or tokens.country or "")
        return TokenSet(tokens.access_token, tokens.refresh_token, now + timedelta(seconds=tokens.expires_in), refresh_at, extra)

    def exchange_code(self, params: dict[str, str]) -> TokenSet:
        code = params.get("code") or ""
        if not code:
            raise self.error("the authorisation answer has no code", code="missing_code")
        return self._token_call("/auth/token/create", {"code": code})

    def refresh_tokens(self) -> TokenSet | None:
        return self._token_call("/auth/token/refresh", {"refresh_token": self.credential("refresh_token")})

