"""WooCommerce REST API v3 (a shop's own site).

WooCommerce keys never expire, so there is no token to refresh: over HTTPS
the keys go in HTTP Basic auth, over plain HTTP every request is signed with
one-legged OAuth 1.0a (HMAC-SHA256), as WooCommerce requires. Errors come as
real HTTP statuses, hosts answer 5xx under load, and a page-numbered list
shifts when an order leaves the filtered set while being read, which the
order listing detects through the total count and handles by reading again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from oauthlib import oauth1

from channels_app.adapters.base import (
    Adapter,
    as_list,
    chunked,
    from_text_time,
    to_count,
    to_decimal,
    to_int,
)
from channels_app.adapters.types import (
    ChannelListing,
    ChannelOrder,
    ChannelOrderLine,
    PushResult,
    RemoteOrderState,
    StockUpdate,
    TimeSlice,
)
from omnisync.lib.http import ApiError, Outgoing, Reply, field_of

AUTH_CODES = frozenset(
    {
        "woocommerce_rest_authentication_error",
        "woocommerce_rest_cannot_view",
        "woocommerce_rest_cannot_edit",
        "woocommerce_rest_cannot_batch",
        "rest_forbidden",
        "HTTP 401",
        "HTTP 403",
        "missing_credential",
    }
)
MAX_RESTARTS = 3


def oauth1_signed_url(method: str, url: str, consumer_key: str, consumer_secret: str) -> str:
    """The URL with one-legged OAuth 1.0a parameters (HMAC-SHA256, key `secret&`) added to its query."""
    client = oauth1.Client(
        consumer_key,
        client_secret=consumer_secret,
        signature_method=oauth1.SIGNATURE_HMAC_SHA256,
        signature_type=oauth1.SIGNATURE_TYPE_QUERY,
    )
    signed, _headers, _body = client.sign(url, http_method=method.upper())
    return signed


def gmt(moment: datetime) -> str:
    """WooCommerce reads dates without offset as GMT when `dates_are_gmt=true`."""
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat()


class WooCommerceAdapter(Adapter):
    platform = "woocommerce"
    label = "WooCommerce"
    max_order_window = None
    order_detail_batch = 50
    credential_names = ("consumer_key", "consumer_secret")
    secret_names = ("consumer_key", "consumer_secret")
    rate_per_second = 10.0
    rate_burst = 20
    channel_wide_codes = AUTH_CODES
    per_page = 100
    batch_size = 100

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
            query = urlencode(out.params, doseq=True)
            out.url = oauth1_signed_url(out.method, f"{out.url}?{query}" if query else out.url, key, secret)
            out.params = {}

        return sign

    def _check(self, reply: Reply) -> None:
        body = reply.data
        if reply.status < 400:
            return
        code = str(body.get("code") or f"HTTP {reply.status}") if isinstance(body, dict) else f"HTTP {reply.status}"
        message = str(body.get("message") or "") if isinstance(body, dict) else ""
        hint = "Check the consumer key and secret and that the key has read/write access" if code in AUTH_CODES else ""
        raise ApiError.refused(self.label, code, message, http_status=reply.status, hint=hint)

    def _call(self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None) -> Reply:
        return self.session.request(
            method, self.base_url + path, path=path, params=params, json=json, sign=self._signer(), check=self._check
        )

    @staticmethod
    def _list(reply: Reply) -> list:
        if not isinstance(reply.data, list):
            raise reply.malformed("the body should be a list")
        return reply.data

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[tuple[Reply, list, int | None]]:
        page = 1
        while True:
            try:
                reply = self._call("GET", path, params={**params, "page": page, "per_page": self.per_page})
            except ApiError as err:
                if page > 1 and err.code == "rest_post_invalid_page_number":
                    yield None, [], -1  # the list shrank while being read
                    return
                raise
            rows = self._list(reply)
            total = reply.headers.get("X-WP-Total")
            yield reply, rows, int(total) if total and total.isdigit() else None
            pages = reply.headers.get("X-WP-TotalPages")
            if len(rows) < self.per_page or (pages and pages.isdigit() and page >= int(pages)):
                return
            page += 1

    # -- orders ----------------------------------------------------------
    def list_order_states(self, time_slice: TimeSlice) -> Iterator[RemoteOrderState]:
        """Every order modified in the slice, once, read in order of modification.

        Pages are numbered, so an order that changes while the list is read
        leaves the window and moves every later order one place up: one can
        slip across a page boundary unread. A total that changes between pages
        says so; reading then starts again from the previous page's last
        modification time, so each restart keeps what was read before it.
        """
        after = time_slice.start - timedelta(seconds=1)  # modified_after is exclusive
        seen: set[str] = set()
        stalls = 0
        while True:
            params = {
                "modified_after": gmt(after),
                "modified_before": gmt(time_slice.end),
                "dates_are_gmt": "true",
                "orderby": "modified",
                "order": "asc",
            }
            first_total = read_to = None
            shifted = False
            for reply, rows, total in self._pages("/orders", params):
                if total == -1 or (first_total is not None and total is not None and total != first_total):
                    shifted = True
                    break
                first_total = total if first_total is None else first_total
                for i, raw in enumerate(rows):
                    where = f"orders[{i}]"
                    order_id = str(field_of(reply, raw, "id", (int, str), where=where))
                    updated = self._time(reply, raw, "date_modified_gmt", where)
                    read_to = updated if read_to is None else max(read_to, updated)
                    if order_id in seen or updated < time_slice.start:
                        continue
                    seen.add(order_id)
                    self.listed_keep(order_id, (reply, raw, where))  # the list carries full orders
                    yield RemoteOrderState(order_id, str(field_of(reply, raw, "status", str, where=where)), updated)
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

    @staticmethod
    def _time(reply: Reply, raw: dict, name: str, where: str) -> datetime:
        value = raw.get(name)
        if value in (None, "") and name.endswith("_gmt"):
            value = raw.get(name.removesuffix("_gmt"))
        return from_text_time(value if value not in (None, "") else field_of(reply, raw, name, where=where), reply, f"{where}.{name}")

    def fetch_orders(self, external_ids: Sequence[str]) -> Iterator[ChannelOrder]:
        missing = []
        for order_id in dict.fromkeys(external_ids):
            kept = self.listed_take(order_id)
            if kept is None:
                missing.append(order_id)
            else:
                yield self._order(*kept)
        for batch in chunked(missing, self.order_detail_batch):
            for reply, rows, _total in self._pages("/orders", {"include": ",".join(batch), "status": "any"}):
                for i, raw in enumerate(rows):
                    yield self._order(reply, raw, f"orders[{i}]")

    def _order(self, reply: Reply, raw: dict, where: str) -> ChannelOrder:
        if not isinstance(raw, dict):
            raise reply.malformed(f"{where} is not an object")
        lines = []
        for j, item in enumerate(as_list(raw.get("line_items"), reply, f"{where}.line_items")):
            iw = f"{where}.line_items[{j}]"
            variation = to_int(item.get("variation_id") or 0, reply, f"{iw}.variation_id")
            lines.append(
                ChannelOrderLine(
                    line_key=str(field_of(reply, item, "id", (int, str), where=iw)),
                    seller_sku=str(item.get("sku") or ""),
                    item_id=str(field_of(reply, item, "product_id", (int, str), where=iw)),
                    variant_id=str(variation) if variation else "",
                    quantity=to_count(field_of(reply, item, "quantity", where=iw), reply, f"{iw}.quantity"),
                    unit_price=to_decimal(item.get("price"), reply, f"{iw}.price"),
                )
            )
        billing = raw.get("billing") if isinstance(raw.get("billing"), dict) else {}
        return ChannelOrder(
            external_id=str(field_of(reply, raw, "id", (int, str), where=where)),
            raw_status=str(field_of(reply, raw, "status", str, where=where)),
            created_at=self._time(reply, raw, "date_created_gmt", where),
            updated_at=self._time(reply, raw, "date_modified_gmt", where),
            currency=str(raw.get("currency") or self.channel.currency or ""),
            total=to_decimal(raw.get("total"), reply, f"{where}.total"),
            buyer_name=f"{billing.get('first_name') or ''} {billing.get('last_name') or ''}".strip(),
            lines=tuple(lines),
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
        for batch in chunked(list(dict.fromkeys(item for item, _ in keys)), self.per_page):
            for listing in self._product_listings({"include": ",".join(batch)}):
                if (listing.item_id, listing.variant_id) in wanted:
                    yield listing

    def _product_listings(self, params: dict[str, Any]) -> Iterator[ChannelListing]:
        for reply, rows, _total in self._pages("/products", params):
            for i, product in enumerate(rows):
                where = f"products[{i}]"
                product_id = str(field_of(reply, product, "id", (int, str), where=where))
                title = str(product.get("name") or "")
                status = str(product.get("status") or "")
                updated = self._time(reply, product, "date_modified_gmt", where) if product.get("date_modified_gmt") or product.get("date_modified") else None
                if product.get("type") == "variable":
                    yield from self._variations(product_id, title, status, updated)
                else:
                    yield ChannelListing(
                        item_id=product_id,
                        variant_id="",
                        seller_sku=str(product.get("sku") or ""),
                        stock=self._stock(reply, product, where),
                        title=title,
                        status=status,
                        updated_at=updated,
                    )

    def _variations(self, product_id: str, title: str, status: str, updated: datetime | None) -> Iterator[ChannelListing]:
        for reply, rows, _total in self._pages(f"/products/{product_id}/variations", {}):
            for i, variation in enumerate(rows):
                where = f"variations[{i}]"
                yield ChannelListing(
                    item_id=product_id,
                    variant_id=str(field_of(reply, variation, "id", (int, str), where=where)),
                    seller_sku=str(variation.get("sku") or ""),
                    stock=self._stock(reply, variation, where),
                    title=title,
                    status=status,
                    updated_at=updated,
                )

    @staticmethod
    def _stock(reply: Reply, obj: dict, where: str) -> int | None:
        value = obj.get("stock_quantity")
        if value is None or obj.get("manage_stock") is False:
            return None
        return to_count(value, reply, f"{where}.stock_quantity")

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
        variations = bool(group[0].variant_id)
        path = f"/products/{group[0].item_id}/variations/batch" if variations else "/products/batch"
        payload = {"update": [{"id": int(u.variant_id if variations else u.item_id), "stock_quantity": max(0, int(u.quantity))} for u in group]}
        reply = self._call("POST", path, json=payload)
        answers: dict[str, dict] = {}
        body = reply.data if isinstance(reply.data, dict) else {}
        for entry in as_list(body.get("update"), reply, "update"):
            if isinstance(entry, dict) and entry.get("id") is not None:
                answers[str(entry["id"])] = entry
        results = []
        for u in group:
            key = u.variant_id if variations else u.item_id
            answer = answers.get(key)
            if answer is None:
                results.append(PushResult(u.item_id, u.variant_id, False, "WooCommerce's answer did not mention this product; the stock may not have changed"))
                continue
            error = answer.get("error")
            if isinstance(error, dict):
                results.append(
                    PushResult(u.item_id, u.variant_id, False, f"WooCommerce refused the stock: {error.get('code', '')} ({error.get('message', '')})")
                )
            elif answer.get("manage_stock") is False:
                results.append(PushResult(u.item_id, u.variant_id, False, "WooCommerce does not manage stock for this product; turn on \u201cManage stock\u201d"))
            else:
                results.append(PushResult(u.item_id, u.variant_id, True))
        return results

    # -- connection ------------------------------------------------------
    def check_connection(self) -> str:
        reply = self._call("GET", "/products", params={"per_page": 1})
        self._list(reply)
        total = reply.headers.get("X-WP-Total")
        host = urlsplit(self.base_url).netloc
        return f"WooCommerce store {host}" + (f": {total} products" if total else "")
