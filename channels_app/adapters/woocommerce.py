"""WooCommerce REST API v3 (a shop's own site).

WooCommerce keys never expire, so there is no token to refresh: over HTTPS
the keys go in HTTP Basic auth, over plain HTTP every request is signed with
one-legged OAuth 1.0a (HMAC-SHA256), as the REST API documentation
(Authentication over HTTP) describes. Errors come as real HTTP statuses with
`{"code": "woocommerce_rest_…", "message", "data": {"status"}}`; hosts answer
5xx under load. A page-numbered list shifts when an order leaves the filtered
set while being read, which the order listing detects through the total count
and handles by reading again.

Orders are listed with WooCommerce's default `status=any`, never a list of
core statuses: a plugin registers its own statuses (`awaiting-shipment`) and an
order in one must still reach the POS, with its raw slug. `any` leaves out
trashed orders, so the window is read a second time with `status=trash`: an
order moved to the bin must not keep its units allocated for ever.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from pydantic import ValidationError

from channels_app.adapters.base import Adapter, chunked, split_until_accepted
from channels_app.adapters.id_sets import RecentIds
from channels_app.adapters.schemas import describe, parse, parse_each
from channels_app.adapters.schemas.woocommerce import (
    BatchEntry,
    BatchReply,
    ErrorBody,
    Order,
    OrderHeader,
    Product,
    Variation,
    managed,
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
)
from omnisync.lib.http import ApiError, Outgoing, Reply

#: Codes that concern the whole channel (keys, permissions, store address): a batch stops instead of failing item by item.
AUTH_CODES = frozenset(
    {
        "woocommerce_rest_authentication_error",
        "woocommerce_rest_authentication_missing_parameter",
        "woocommerce_rest_cannot_view",
        "woocommerce_rest_cannot_edit",
        "woocommerce_rest_cannot_create",
        "woocommerce_rest_cannot_batch",
        "rest_forbidden",
        "rest_no_route",
        "HTTP 401",
        "HTTP 403",
        "missing_credential",
    }
)
MAX_RESTARTS = 3
#: `status=` values the order list is read with: the default (`any`, every registered status but the bin), then the bin.
ORDER_LISTS: tuple[dict[str, str], ...] = ({}, {"status": "trash"})


def pct(text: Any) -> str:
    """RFC 3986 percent-encoding, as PHP's rawurlencode (the documentation's "percent encode")."""
    return quote(str(text), safe="-._~")


def oauth1_params(
    method: str,
    url: str,
    params: Sequence[tuple[str, Any]],
    consumer_key: str,
    consumer_secret: str,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> list[tuple[str, str]]:
    """The `oauth_*` query parameters for one request (one-legged OAuth 1.0a, HMAC-SHA256).

    Base string: METHOD & pct(url without query) & pct(sorted `k=v` pairs
    joined by `&`), keys and values percent-encoded first; key `secret&`.
    `oauth_version` is left out, as the documentation asks; the body is not signed.
    """
    oauth = [
        ("oauth_consumer_key", consumer_key),
        ("oauth_nonce", nonce or secrets.token_hex(16)),
        ("oauth_signature_method", "HMAC-SHA256"),
        ("oauth_timestamp", str(int(time.time()) if timestamp is None else timestamp)),
    ]
    pairs = sorted((pct(k), pct(v)) for k, v in [*params, *oauth])
    base = "&".join((method.upper(), pct(url), pct("&".join(f"{k}={v}" for k, v in pairs))))
    digest = hmac.new(f"{consumer_secret}&".encode(), base.encode(), hashlib.sha256).digest()
    return [*oauth, ("oauth_signature", base64.b64encode(digest).decode())]


def gmt(moment: datetime) -> str:
    """WooCommerce reads dates without offset as GMT when `dates_are_gmt=true`."""
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat()


def error_hint(status: int, code: str) -> str:
    """What staff should do about one of WooCommerce's error answers."""
    if status == 401 or code in ("woocommerce_rest_authentication_error", "woocommerce_rest_cannot_view", "missing_credential"):
        return ("Check the consumer key and secret of the channel (WooCommerce > Settings > Advanced > REST API) "
                "and enter them again in the admin; retrying will not help")
    if status == 403 or code in AUTH_CODES:
        return ("The key's WordPress user may not do this: give the key Read/Write access "
                "(WooCommerce > Settings > Advanced > REST API); retrying will not help")
    if code == "rest_no_route":
        return "Check the channel's API base URL (the store address) and that the store's REST API is reachable"
    if status == 404:
        return "That item no longer exists on the store; it is skipped (scan the channel to refresh its listings)"
    if status == 413:
        return "Too many objects in one batch; omnisync splits the batch"
    if status == 429 or status >= 500:
        return "The store is overloaded; omnisync retries later"
    if status == 400:
        return "The store refused the request's parameters; retrying will not help: report this message"
    return ""


class WooCommerceAdapter(Adapter):
    platform = "woocommerce"
    label = "WooCommerce"
    max_order_window = None
    order_detail_batch = 50
    #: webhook_secret: the secret typed into WooCommerce's webhook form, checked by omnisync.webhooks.woocommerce.
    credential_names = ("consumer_key", "consumer_secret", "webhook_secret")
    secret_names = ("consumer_key", "consumer_secret", "webhook_secret")
    #: WooCommerce core has no rate limit; hosts time out and answer 5xx under load. 10 per second
    #: is our own assumed budget for a store's host (the sandbox enforces it when rate limits are on).
    rate_per_second = 10.0
    rate_burst = 5
    max_in_flight = 4
    channel_wide_codes = AUTH_CODES
    per_page = 100
    batch_size = 100
    listings_per_push = batch_size

    @property
    def base_url(self) -> str:
        """The REST root; a store address without `/wp-json/wc/v3` gets it appended."""
        root = (self.channel.api_base_url or "").rstrip("/")
        return root if root.endswith("/wp-json/wc/v3") else root + "/wp-json/wc/v3"

    # -- transport -------------------------------------------------------
    def _signer(self):
        key = self.credential("consumer_key")
        secret = self.credential("consumer_secret")
        https = urlsplit(self.base_url).scheme == "https"

        def sign(out: Outgoing) -> None:
            if https:
                out.auth = (key, secret)
                return
            params = [(k, str(v)) for k, v in out.params.items()]
            out.params = dict([*params, *oauth1_params(out.method, out.url, params, key, secret)])

        return sign

    def _check(self, reply: Reply) -> None:
        if reply.status < 400:
            return
        body = ErrorBody.model_validate(reply.data) if isinstance(reply.data, dict) else ErrorBody()
        code = body.code or f"HTTP {reply.status}"
        raise ApiError.refused(self.label, code, body.message, http_status=reply.status, hint=error_hint(reply.status, code))

    def _call(self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None) -> Reply:
        return self.session.request(
            method, self.base_url + path, path=path, params=params, json=json, sign=self._signer(), check=self._check
        )

    @staticmethod
    def _list(reply: Reply) -> list:
        if not isinstance(reply.data, list):
            raise reply.malformed("the body should be a list")
        return reply.data

    @staticmethod
    def _has_next(reply: Reply, page: int, rows: list, per_page: int) -> bool:
        """X-WP-TotalPages first, then the Link header's rel="next", then a full page."""
        pages = reply.headers.get("X-WP-TotalPages")
        if pages and pages.strip().isdigit():
            return page < int(pages)
        link = reply.headers.get("Link")
        if link is not None:
            return 'rel="next"' in link
        return len(rows) >= per_page

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[tuple[Reply | None, list, int | None]]:
        """(reply, rows, X-WP-Total) per page, read ahead; (None, [], -1) when the list shrank under the reader."""

        def fetch(page: int):
            try:
                reply = self._call("GET", path, params={**params, "page": page, "per_page": self.per_page})
            except ApiError as err:
                if page > 1 and err.code == "rest_post_invalid_page_number":
                    return (None, [], -1), None  # the list shrank while being read
                raise
            rows = self._list(reply)
            total = reply.headers.get("X-WP-Total")
            following = page + 1 if rows and self._has_next(reply, page, rows, self.per_page) else None
            return (reply, rows, int(total) if total and total.strip().isdigit() else None), following

        return self.pages_ahead(fetch, 1)

    # -- orders ----------------------------------------------------------
    def list_order_states(self, time_slice: TimeSlice) -> Iterator[RemoteOrderState]:
        """Every order modified in the slice, once: all registered statuses (`any`), then the bin."""
        seen = RecentIds()
        for extra in ORDER_LISTS:
            yield from self._order_states(time_slice, extra, seen)

    def _order_states(self, time_slice: TimeSlice, extra: dict[str, str], seen: RecentIds) -> Iterator[RemoteOrderState]:
        """One `status=` reading of the window, in order of modification.

        Pages are numbered, so an order that changes while the list is read
        leaves the window and moves every later order one place up: one can
        slip across a page boundary unread. A total that changes between pages
        says so; reading then starts again from the previous page's last
        modification time, so each restart keeps what was read before it. Ids
        modified more than a second before that time cannot be listed again
        and are forgotten after each page (`RecentIds`).
        """
        after = time_slice.start - timedelta(seconds=1)  # modified_after is exclusive
        stalls = 0
        while True:
            params = {
                **extra,
                "modified_after": gmt(after),
                # Whole seconds, exclusive: rounded up, or an order changed in the window's last fraction of a
                # second would be read by no window at all.
                "modified_before": gmt(time_slice.end + timedelta(microseconds=999_999 if time_slice.end.microsecond else 0)),
                "dates_are_gmt": "true",
                "orderby": "modified",
                "order": "asc",
            }
            first_total = read_to = None
            shifted = False
            with closing(self._pages("/orders", params)) as pages:
                for reply, rows, total in pages:
                    if total == -1 or (first_total is not None and total is not None and total != first_total):
                        shifted = True
                        break
                    first_total = total if first_total is None else first_total
                    for i, raw in enumerate(rows):
                        header = parse(OrderHeader, raw, reply, f"orders[{i}]")
                        updated = header.date_modified_gmt
                        read_to = updated if read_to is None else max(read_to, updated)
                        if header.id in seen or updated < time_slice.start:
                            continue
                        seen.add(header.id, updated)
                        self.listed_keep(header.id, (reply, raw, f"orders[{i}]"))  # the list carries full orders
                        yield RemoteOrderState(header.id, header.status, updated)
                    if read_to is not None:
                        seen.forget_before(read_to - timedelta(seconds=1))
            if not shifted:
                return
            restart = read_to - timedelta(seconds=1) if read_to is not None else after
            if restart <= after:
                stalls += 1
                if stalls > MAX_RESTARTS:
                    raise self.error(
                        "orders kept changing while the list was read; the window will be read again on the next run",
                        code="list_shifted",
                        transient=True,
                    )
            after = max(after, restart)

    def fetch_orders(self, external_ids: Sequence[str]) -> Iterator[ChannelOrder | OrderProblem]:
        """Orders kept from the list, the rest by `include=` (status `any`, then the bin for those not returned).

        An order that does not fit the documented shape is yielded as an
        `OrderProblem` naming the field; the others of the page still land.
        """
        missing = []
        for order_id in dict.fromkeys(external_ids):
            kept = self.listed_take(order_id)
            if kept is None:
                missing.append(order_id)
                continue
            _reply, raw, where = kept
            try:
                yield self._order(Order.model_validate(raw))
            except ValidationError as exc:
                yield OrderProblem(order_id, f"{describe(exc, where)} (order {order_id})")
        wanted = [oid for oid in missing if oid.isdigit()]
        for _batch, found, _err in self.fan_out(self._include_batch, chunked(wanted, self.order_detail_batch)):
            yield from found

    def _include_batch(self, batch: Sequence[str]) -> list[ChannelOrder | OrderProblem]:
        """One batch by `include=` (status `any`, then the bin for those not returned); in a worker."""
        returned: set[str] = set()
        found: list[ChannelOrder | OrderProblem] = []
        for extra in ORDER_LISTS:
            ask = [oid for oid in batch if oid not in returned]
            if not ask:
                break
            for reply, rows, _total in self._pages("/orders", {"include": ",".join(ask), "status": extra.get("status", "any")}):
                for ident, order, problem in parse_each(Order, rows, reply, "orders", id_field="id"):
                    if not ident or ident in returned:
                        continue
                    returned.add(ident)
                    found.append(self._result(ident, order, problem))
        return found

    def _result(self, order_id: str, order: Order | None, problem: str) -> ChannelOrder | OrderProblem:
        return self._order(order) if order is not None else OrderProblem(order_id, problem)

    def _order(self, order: Order) -> ChannelOrder:
        lines = tuple(
            ChannelOrderLine(
                line_key=item.id,
                seller_sku=item.sku or "",
                item_id=item.product_id,
                variant_id=item.variation_id if item.variation_id not in (None, "", "0") else "",
                quantity=item.quantity,
                unit_price=item.price,
            )
            for item in order.line_items
        )
        billing = order.billing
        buyer = f"{(billing.first_name or '') if billing else ''} {(billing.last_name or '') if billing else ''}".strip()
        return ChannelOrder(
            external_id=order.id,
            raw_status=order.status,
            created_at=order.date_created_gmt,
            updated_at=order.date_modified_gmt,
            currency=order.currency or self.channel.currency or "",
            total=order.total,
            buyer_name=buyer,
            lines=lines,
        )

    # -- listings --------------------------------------------------------
    def list_listings(self, changed_since: datetime | None = None) -> Iterator[ChannelListing]:
        params: dict[str, Any] = {}
        if changed_since is not None:
            params.update(modified_after=gmt(changed_since), dates_are_gmt="true")
        yield from self._product_listings(params)

    def read_listings(self, keys: Sequence[tuple[str, str]]) -> Iterator[ChannelListing]:
        """By product id (`include=`, 100 a page), plus the variations of variable products."""
        wanted = set(keys)
        ids = [item for item in dict.fromkeys(item for item, _ in keys) if item.isdigit()]
        batches = chunked(ids, self.per_page)
        for _batch, listings, _err in self.fan_out(lambda batch: list(self._product_listings({"include": ",".join(batch)})), batches):
            for listing in listings:
                if (listing.item_id, listing.variant_id) in wanted:
                    yield listing

    def _product_listings(self, params: dict[str, Any]) -> Iterator[ChannelListing]:
        for reply, rows, _total in self._pages("/products", params):
            for i, raw in enumerate(rows):
                product = parse(Product, raw, reply, f"products[{i}]")
                if product.type == "variable":
                    yield from self._variations(product)
                    continue
                yield ChannelListing(
                    item_id=product.id,
                    variant_id="",
                    seller_sku=product.sku or "",
                    stock=self._stock(product.manage_stock, product.stock_quantity),
                    title=product.name or "",
                    status=product.status or "",
                    updated_at=product.date_modified_gmt,
                )

    def _variations(self, product: Product) -> Iterator[ChannelListing]:
        for reply, rows, _total in self._pages(f"/products/{product.id}/variations", {}):
            for i, raw in enumerate(rows):
                variation = parse(Variation, raw, reply, f"variations[{i}]")
                yield ChannelListing(
                    item_id=product.id,
                    variant_id=variation.id,
                    seller_sku=variation.sku or "",
                    stock=self._stock(variation.manage_stock, variation.stock_quantity),
                    title=product.name or "",
                    status=product.status or "",
                    updated_at=product.date_modified_gmt,
                )

    @staticmethod
    def _stock(manage_stock: bool | str | None, quantity: int | None) -> int | None:
        """The sellable figure; None where WooCommerce does not count stock for the product."""
        if quantity is None or managed(manage_stock) is False:
            return None
        return quantity

    # -- stock -----------------------------------------------------------
    def push_stock(self, updates: Sequence[StockUpdate]) -> list[PushResult]:
        simple = [u for u in updates if not u.variant_id]
        by_parent: dict[str, list[StockUpdate]] = {}
        for u in updates:
            if u.variant_id:
                by_parent.setdefault(u.item_id, []).append(u)
        groups = list(chunked(simple, self.batch_size))
        groups += [chunk for group in by_parent.values() for chunk in chunked(group, self.batch_size)]
        results = {(r.item_id, r.variant_id): r for r in self.push_in_groups(groups, self._push_batch)}
        return [results[(u.item_id, u.variant_id)] for u in updates]

    def _push_batch(self, group: Sequence[StockUpdate]) -> list[PushResult]:
        """One batch call; a store that caps batches lower than 100 answers 413, and the batch is split."""
        key_of = self._batch_key(group)
        bad = [u for u in group if not key_of(u).isdigit()]
        good = [u for u in group if key_of(u).isdigit()]
        results = [PushResult(u.item_id, u.variant_id, False, "WooCommerce ids are numbers; scan the channel again") for u in bad]
        return results + list(split_until_accepted(good, self._send_batch, too_big=lambda err: err.http_status == 413))

    @staticmethod
    def _batch_key(group: Sequence[StockUpdate]) -> Callable[[StockUpdate], str]:
        """The id WooCommerce updates: the variation's in a variations batch, else the product's."""
        return (lambda u: u.variant_id) if group[0].variant_id else (lambda u: u.item_id)

    def _send_batch(self, batch: Sequence[StockUpdate]) -> list[PushResult]:
        """One /batch call for updates with numeric ids; a refusal of the whole batch raises."""
        key_of = self._batch_key(batch)
        path = f"/products/{batch[0].item_id}/variations/batch" if batch[0].variant_id else "/products/batch"
        payload = {"update": [{"id": int(key_of(u)), "stock_quantity": max(0, int(u.quantity))} for u in batch]}
        reply = self._call("POST", path, json=payload)
        body = parse(BatchReply, reply.data, reply) if isinstance(reply.data, dict) else BatchReply()
        answers: dict[str, BatchEntry] = {}
        for ident, entry, _problem in parse_each(BatchEntry, body.update, reply, "update", id_field="id"):
            if entry is not None and entry.id is not None:
                answers[entry.id] = entry
            elif ident:
                answers.setdefault(ident, BatchEntry(id=ident))
        return [self._push_result(u, answers.get(key_of(u))) for u in batch]

    @staticmethod
    def _push_result(u: StockUpdate, answer: BatchEntry | None) -> PushResult:
        if answer is None:
            return PushResult(u.item_id, u.variant_id, False, "WooCommerce's answer did not mention this product; the stock may not have changed")
        if answer.error is not None:
            code = answer.error.code or ""
            hint = (
                "the product no longer exists on the store: scan the channel again"
                if code.endswith("_invalid_id")
                else "check the product on the store"
            )
            return PushResult(u.item_id, u.variant_id, False, f"WooCommerce refused the stock: {code} ({answer.error.message or ''}); {hint}")
        if managed(answer.manage_stock) is False:
            return PushResult(u.item_id, u.variant_id, False, "WooCommerce does not manage stock for this product; turn on \u201cManage stock\u201d")
        return PushResult(u.item_id, u.variant_id, True)

    # -- connection ------------------------------------------------------
    def check_connection(self) -> str:
        reply = self._call("GET", "/products", params={"per_page": 1})
        self._list(reply)
        total = reply.headers.get("X-WP-Total")
        host = urlsplit(self.base_url).netloc
        return f"WooCommerce store {host}" + (f": {total} products" if total and total.strip().isdigit() else "")
