"""TikTok Shop Partner API (which also serves migrated Tokopedia shops).

TikTok signs the path, the sorted query and the exact body bytes, so the
session's `Outgoing.body` is what gets signed. Line items carry no quantity:
one line item is one unit, and the adapter groups them per SKU. Token
lifetimes come back as Unix timestamps, not durations.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.utils import timezone

from channels_app.adapters.base import (
    Adapter,
    as_list,
    chunked,
    from_epoch,
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
    TokenSet,
)
from omnisync.lib.http import ApiError, Outgoing, Reply, dig, field_of

TRANSIENT_CODES = frozenset({"36009002", "36009003", "36009007"})
EXPIRED_CODE = "105002"
#: Times the order list may shift under one read before the slice is left for the next run.
MAX_SHIFTS = 5
HINTS = {
    "105002": "The access token expired; authorise the channel again if refreshing does not help",
    "36009004": "Check the app key, app secret and the server clock",
    "106001": "Check the app secret",
}


def tiktok_sign(app_secret: str, path: str, params: dict[str, Any], body: bytes | None = b"") -> str:
    """Lower-hex HMAC-SHA256 of secret + path + sorted key+value (without sign, access_token) + body + secret."""
    pairs = "".join(f"{k}{params[k]}" for k in sorted(params) if k not in ("sign", "access_token"))
    message = app_secret.encode() + path.encode() + pairs.encode() + (body or b"") + app_secret.encode()
    return hmac.new(app_secret.encode(), message, hashlib.sha256).hexdigest()


class TikTokAdapter(Adapter):
    platform = "tiktok"
    label = "TikTok Shop"
    max_order_window = None
    order_detail_batch = 50
    token_refresh_margin = timedelta(hours=12)
    credential_names = ("app_key", "app_secret", "access_token", "refresh_token", "shop_cipher")
    secret_names = ("app_key", "app_secret")
    rate_per_second = 20.0
    rate_burst = 40
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
        body = reply.data
        if not isinstance(body, dict):
            raise reply.malformed("the body is not an object")
        code = str(body.get("code", ""))
        if code == "0":
            return
        if code == "":
            raise reply.malformed("field code is missing")
        raise ApiError.refused(
            self.label,
            code,
            str(body.get("message") or ""),
            request_id=str(body.get("request_id") or ""),
            transient=code in TRANSIENT_CODES,
            hint=HINTS.get(code, ""),
        )

    def _call(self, method: str, path: str, *, params=None, json=None, shop: bool = True, managed: bool = True) -> Reply:
        def once() -> Reply:
            return self.session.request(
                method, self.base_url + path, path=path, params=params, json=json, sign=self._signer(shop), check=self._check
            )

        return self.with_token(once) if managed else once()

    @staticmethod
    def _data(reply: Reply) -> dict:
        return dig(reply, reply.data, "data", dict, request_id=str(reply.data.get("request_id") or ""))

    # -- orders ----------------------------------------------------------
    def list_order_states(self, time_slice: TimeSlice) -> Iterator[RemoteOrderState]:
        """Every order updated in the slice, once, read in update-time order.

        The page token stands for a position, so an order that changes while
        the list is read leaves the window and moves every later order one
        place up: one can slip across a page boundary unread. A total that
        changes between pages says so; reading then starts again from the
        previous page's last update time. Ids already read are not yielded again.
        """
        start, end = math.ceil(time_slice.start.timestamp()), math.ceil(time_slice.end.timestamp())
        seen: set[str] = set()
        for _shift in range(MAX_SHIFTS + 1):
            shifted_at = None
            total = previous_last = None
            for reply, orders, page_total in self._search_orders({"update_time_ge": start, "update_time_lt": end}):
                if total is not None and page_total is not None and page_total != total:
                    shifted_at = previous_last or start
                    break
                total = page_total
                for i, raw in enumerate(orders):
                    where = f"data.orders[{i}]"
                    order_id = str(field_of(reply, raw, "id", (str, int), where=where))
                    updated = from_epoch(field_of(reply, raw, "update_time", where=where), reply, f"{where}.update_time")
                    previous_last = int(updated.timestamp())
                    if order_id in seen:
                        continue
                    seen.add(order_id)
                    status = str(field_of(reply, raw, "status", str, where=where))
                    self.listed_keep(order_id, (reply, raw, where))  # the search answer carries full orders
                    yield RemoteOrderState(order_id, status, updated)
            if shifted_at is None:
                return
            start = max(start, shifted_at)
        raise self.error(
            "orders kept changing while the list was read; the window will be read again on the next run",
            code="list_shifted", transient=True,
        )

    def _search_orders(self, body: dict) -> Iterator[tuple[Reply, list, int | None]]:
        """Page by page: the answer, its orders and the total it announced."""
        token = ""
        while True:
            params = {"page_size": self.page_size, "sort_field": "update_time", "sort_order": "ASC"}
            if token:
                params["page_token"] = token
            reply = self._call("POST", "/order/202309/orders/search", params=params, json=body)
            data = self._data(reply)
            total = data.get("total_count")
            yield reply, as_list(data.get("orders"), reply, "data.orders"), total if isinstance(total, int) and not isinstance(total, bool) else None
            next_token = str(data.get("next_page_token") or "")
            if not next_token:
                return
            if next_token == token:
                raise reply.malformed("field data.next_page_token repeats the previous page's token")
            token = next_token

    def fetch_orders(self, external_ids: Sequence[str]) -> Iterator[ChannelOrder]:
        missing = []
        for order_id in dict.fromkeys(external_ids):
            kept = self.listed_take(order_id)
            if kept is None:
                missing.append(order_id)
            else:
                yield self._order(*kept)
        for batch in chunked(missing, self.order_detail_batch):
            reply = self._call("GET", "/order/202309/orders", params={"ids": ",".join(batch)})
            data = self._data(reply)
            for i, raw in enumerate(as_list(data.get("orders"), reply, "data.orders")):
                yield self._order(reply, raw, f"data.orders[{i}]")

    def _order(self, reply: Reply, raw: dict, where: str) -> ChannelOrder:
        order_id = str(field_of(reply, raw, "id", (str, int), where=where))
        payment = raw.get("payment") if isinstance(raw.get("payment"), dict) else {}
        grouped: dict[tuple[str, str], dict[str, Any]] = {}
        for j, item in enumerate(as_list(raw.get("line_items"), reply, f"{where}.line_items")):
            iw = f"{where}.line_items[{j}]"
            sku_id = str(field_of(reply, item, "sku_id", (str, int), where=iw))
            product_id = str(item.get("product_id") or "")
            line = grouped.setdefault((product_id, sku_id), {"sku": str(item.get("seller_sku") or ""), "count": 0, "sum": Decimal(0)})
            line["count"] += 1
            line["sum"] += to_decimal(item.get("sale_price"), reply, f"{iw}.sale_price")
        lines = tuple(
            ChannelOrderLine(
                line_key=sku_id,
                seller_sku=line["sku"],
                item_id=product_id,
                variant_id=sku_id,
                quantity=line["count"],
                unit_price=(line["sum"] / line["count"]).quantize(Decimal("0.01")),
            )
            for (product_id, sku_id), line in grouped.items()
        )
        return ChannelOrder(
            external_id=order_id,
            raw_status=str(field_of(reply, raw, "status", str, where=where)),
            created_at=from_epoch(field_of(reply, raw, "create_time", where=where), reply, f"{where}.create_time"),
            updated_at=from_epoch(field_of(reply, raw, "update_time", where=where), reply, f"{where}.update_time"),
            currency=str(payment.get("currency") or self.channel.currency or ""),
            total=to_decimal(payment.get("total_amount"), reply, f"{where}.payment.total_amount"),
            buyer_name=str(raw.get("buyer_nickname") or (raw.get("recipient_address") or {}).get("name") or ""),
            lines=lines,
        )

    # -- listings --------------------------------------------------------
    def list_listings(self, changed_since: datetime | None = None) -> Iterator[ChannelListing]:
        body: dict[str, Any] = {}
        if changed_since is not None:
            body["update_time_ge"] = int(changed_since.timestamp())
        token = ""
        while True:
            params: dict[str, Any] = {"page_size": self.page_size}
            if token:
                params["page_token"] = token
            reply = self._call("POST", "/product/202502/products/search", params=params, json=body)
            data = self._data(reply)
            for i, product in enumerate(as_list(data.get("products"), reply, "data.products")):
                yield from self._product_listings(reply, product, f"data.products[{i}]")
            next_token = str(data.get("next_page_token") or "")
            if not next_token:
                return
            if next_token == token:
                raise reply.malformed("field data.next_page_token repeats the previous page's token")
            token = next_token

    def _product_listings(self, reply: Reply, product: dict, where: str) -> Iterator[ChannelListing]:
        product_id = str(field_of(reply, product, "id", (str, int), where=where))
        updated = from_epoch(product["update_time"], reply, f"{where}.update_time") if product.get("update_time") else None
        for k, sku in enumerate(as_list(product.get("skus"), reply, f"{where}.skus")):
            sw = f"{where}.skus[{k}]"
            inventory = as_list(sku.get("inventory") if isinstance(sku, dict) else None, reply, f"{sw}.inventory")
            yield ChannelListing(
                item_id=product_id,
                variant_id=str(field_of(reply, sku, "id", (str, int), where=sw)),
                seller_sku=str(sku.get("seller_sku") or ""),
                stock=sum(to_count(w.get("quantity", 0), reply, f"{sw}.inventory.quantity") for w in inventory if isinstance(w, dict))
                if inventory
                else None,
                title=str(product.get("title") or ""),
                status=str(product.get("status") or ""),
                updated_at=updated,
            )

    # -- stock -----------------------------------------------------------
    def push_stock(self, updates: Sequence[StockUpdate]) -> list[PushResult]:
        by_product: dict[str, list[StockUpdate]] = {}
        for update in updates:
            by_product.setdefault(update.item_id, []).append(update)
        groups = [chunk for group in by_product.values() for chunk in chunked(group, self.skus_per_call)]
        return self.push_in_groups(groups, self._push_product)

    def _push_product(self, group: Sequence[StockUpdate]) -> list[PushResult]:
        warehouse = self.credential("warehouse_id", required=False)
        skus = []
        for u in group:
            entry: dict[str, Any] = {"quantity": max(0, int(u.quantity))}
            if warehouse:
                entry["warehouse_id"] = warehouse
            skus.append({"id": u.variant_id, "inventory": [entry]})
        reply = self._call("POST", f"/product/202309/products/{group[0].item_id}/inventory/update", json={"skus": skus})
        data = reply.data.get("data") if isinstance(reply.data.get("data"), dict) else {}
        failed: dict[str, str] = {}
        for err in as_list(data.get("errors"), reply, "data.errors"):
            if not isinstance(err, dict):
                continue
            detail = err.get("detail") if isinstance(err.get("detail"), dict) else {}
            sku_id = str(detail.get("sku_id") or "")
            reason = f"TikTok Shop refused the stock: {err.get('code', '')} ({err.get('message', '')})"
            if sku_id:
                failed[sku_id] = reason
            else:
                failed.update({u.variant_id: reason for u in group})
        return [
            PushResult(u.item_id, u.variant_id, False, failed[u.variant_id]) if u.variant_id in failed else PushResult(u.item_id, u.variant_id, True)
            for u in group
        ]

    # -- connection and authorisation ----------------------------------
    def _shops(self, managed: bool = True) -> tuple[Reply, list]:
        reply = self._call("GET", "/authorization/202309/shops", shop=False, managed=managed)
        return reply, as_list(self._data(reply).get("shops"), reply, "data.shops")

    def check_connection(self) -> str:
        _reply, shops = self._shops()
        cipher = self.credential("shop_cipher", required=False)
        shop = next((s for s in shops if isinstance(s, dict) and s.get("cipher") == cipher), shops[0] if shops else None)
        if not isinstance(shop, dict):
            return "TikTok Shop: connected, but the app is authorised for no shop"
        region = shop.get("region") or ""
        return f"TikTok Shop {shop.get('name') or shop.get('id')}" + (f" ({region})" if region else "")

    def authorize_url(self, redirect_uri: str, state: str) -> str | None:
        """TikTok's authorisation page takes the app's service id and a state; the redirect URL is registered with the app.

        Sellers authorise at services.tiktokshop.com; other auth hosts (the
        sandbox) serve the page at `<auth base>/oauth/authorize`.
        """
        app_key = self.credential("app_key")
        service_id = self.credential("service_id", required=False) or app_key
        params = {"service_id": service_id, "app_key": app_key, "state": state, "redirect_uri": redirect_uri}
        if "tiktok-shops.com" in self.auth_url:
            return "https://services.tiktokshop.com/open/authorize?" + urlencode(params)
        return f"{self.auth_url}/oauth/authorize?{urlencode(params)}"

    def _token_call(self, path: str, params: dict[str, str]) -> TokenSet:
        query = {"app_key": self.credential("app_key"), "app_secret": self.credential("app_secret"), **params}
        reply = self.session.request("GET", self.auth_url + path, path=path, params=query, check=self._check)
        data = self._data(reply)
        access = dig(reply, data, "access_token", str)
        refresh = dig(reply, data, "refresh_token", str)
        return TokenSet(
            access,
            refresh,
            self._expiry(reply, dig(reply, data, "access_token_expire_in"), "data.access_token_expire_in"),
            self._expiry(reply, data["refresh_token_expire_in"], "data.refresh_token_expire_in") if data.get("refresh_token_expire_in") else None,
            {},
        )

    @staticmethod
    def _expiry(reply: Reply, value: Any, name: str) -> datetime:
        """TikTok gives a Unix timestamp; a small number is read as seconds from now, to be liberal."""
        number = to_int(value, reply, name)
        try:
            if number < 10**9:
                return timezone.now() + timedelta(seconds=number)
            return datetime.fromtimestamp(number, tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise reply.malformed(f"field {name} is not a time ({value!r})") from None

    def exchange_code(self, params: dict[str, str]) -> TokenSet:
        code = params.get("code") or params.get("auth_code") or ""
        if not code:
            raise self.error("the authorisation answer has no code", code="missing_code")
        tokens = self._token_call("/api/v2/token/get", {"auth_code": code, "grant_type": "authorized_code"})
        tokens.extra["authorization_expires_at"] = tokens.refresh_expires_at
        creds = dict(self.channel.credentials or {})
        self.channel.credentials = {**creds, "access_token": tokens.access_token}
        try:
            _reply, shops = self._shops(managed=False)
        finally:
            self.channel.credentials = creds
        wanted = creds.get("shop_cipher")
        shop = next((s for s in shops if isinstance(s, dict) and s.get("cipher") == wanted), None) if wanted else None
        shop = shop or next((s for s in shops if isinstance(s, dict)), None)
        if shop:
            tokens.extra["shop_cipher"] = str(shop.get("cipher") or "")
            tokens.extra["shop_id"] = str(shop.get("id") or "")
        return tokens

    def refresh_tokens(self) -> TokenSet | None:
        tokens = self._token_call(
            "/api/v2/token/refresh", {"refresh_token": self.credential("refresh_token"), "grant_type": "refresh_token"}
        )
        tokens.extra["authorization_expires_at"] = tokens.refresh_expires_at
        return tokens
