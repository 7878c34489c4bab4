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
statuses joined by ",".
"""

from __future__ import annotations

import hashlib
import hmac
import html
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
    TokenSet,
)
from omnisync.lib.http import ApiError, Outgoing, Reply, dig, field_of

TRANSIENT_CODES = frozenset({"901", "E901", "ApiCallLimit", "ServiceTimeout", "ServiceUnavailable", "SYSTEM_ERROR", "InternalError"})
EXPIRED_TOKEN_CODES = frozenset({"IllegalAccessToken"})
HINTS = {
    "IllegalAccessToken": "Authorise the channel again in the admin if this persists",
    "IncompleteSignature": "Check the app key and app secret",
    "InvalidApiKey": "Check the app key",
}
MAX_OFFSET = 5000
#: Times the order list may shift under one read before the slice is left for the next run.
MAX_SHIFTS = 5


def lazada_sign(app_secret: str, path: str, params: dict[str, Any]) -> str:
    """Upper-hex HMAC-SHA256 of the API path followed by every sorted name+value except `sign`."""
    pairs = "".join(f"{k}{params[k]}" for k in sorted(params) if k != "sign")
    return hmac.new(app_secret.encode(), (path + pairs).encode(), hashlib.sha256).hexdigest().upper()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


class LazadaAdapter(Adapter):
    platform = "lazada"
    label = "Lazada"
    max_order_window = None
    order_detail_batch = 50
    token_refresh_margin = timedelta(hours=6)
    credential_names = ("app_key", "app_secret", "access_token", "refresh_token")
    secret_names = ("app_key", "app_secret")
    rate_per_second = 20.0
    rate_burst = 40
    expired_token_codes = EXPIRED_TOKEN_CODES
    channel_wide_codes = frozenset({"IllegalAccessToken", "IncompleteSignature", "InvalidApiKey", "missing_credential"})
    order_page_size = 100
    listing_page_size = 50
    skus_per_call = 50

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

    def _check(self, allow_detail: bool = False):
        def check(reply: Reply) -> None:
            body = reply.data
            if not isinstance(body, dict):
                raise reply.malformed("the body is not an object")
            code = str(body.get("code", "0"))
            if code == "0":
                return
            if allow_detail and isinstance(body.get("detail"), list) and body["detail"]:
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
              seller: bool = True, allow_detail: bool = False) -> Reply:
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
                check=self._check(allow_detail),
            )

        return self.with_token(once) if seller else once()

    @staticmethod
    def _rid(reply: Reply) -> str:
        return str(reply.data.get("request_id") or "") if isinstance(reply.data, dict) else ""

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
        update time. Ids already read are not yielded again.
        """
        seen: set[str] = set()
        bound = time_slice.start
        shifts = 0
        while True:
            restart_from = None
            offset, total, previous_last = 0, None, None
            while True:
                reply = self._call(
                    "GET",
                    "/orders/get",
                    {
                        "update_after": iso(bound),
                        "update_before": iso(time_slice.end),
                        "sort_by": "updated_at",
                        "sort_direction": "ASC",
                        "offset": offset,
                        "limit": self.order_page_size,
                    },
                )
                data = dig(reply, reply.data, "data", dict, request_id=self._rid(reply))
                orders = as_list(data.get("orders"), reply, "data.orders")
                page_total = data.get("countTotal", data.get("count"))
                last_updated = None
                for i, raw in enumerate(orders):
                    where = f"data.orders[{i}]"
                    order_id = str(field_of(reply, raw, "order_id", (str, int), where=where))
                    last_updated = from_text_time(field_of(reply, raw, "updated_at", where=where), reply, f"{where}.updated_at")
                    if order_id in seen:
                        continue
                    seen.add(order_id)
                    self.listed_keep(order_id, raw)  # the header (dates, price) fetch_orders needs
                    yield RemoteOrderState(order_id, self._joined_statuses(reply, raw, where), last_updated)
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
                offset += len(orders)
                if offset + self.order_page_size > MAX_OFFSET:
                    restart_from = last_updated - timedelta(seconds=1)
                    if restart_from > bound:
                        break
                    raise self.error(
                        f"more than {MAX_OFFSET} orders share one update time around {iso(bound)}; the order list cannot be read past them",
                        code="offset_limit",
                    )
            bound = restart_from

    @staticmethod
    def _joined_statuses(reply: Reply, raw: dict, where: str) -> str:
        statuses = as_list(raw.get("statuses"), reply, f"{where}.statuses")
        return ",".join(sorted({str(s) for s in statuses if s not in (None, "")}))

    def fetch_orders(self, external_ids: Sequence[str]) -> Iterator[ChannelOrder]:
        for batch in chunked(list(dict.fromkeys(external_ids)), self.order_detail_batch):
            ids = [int(i) if str(i).isdigit() else i for i in batch]
            reply = self._call("GET", "/orders/items/get", {"order_ids": "[" + ",".join(str(i) for i in ids) + "]"})
            entries = as_list(dig(reply, reply.data, "data", list, request_id=self._rid(reply)), reply, "data")
            for i, entry in enumerate(entries):
                where = f"data[{i}]"
                order_id = str(field_of(reply, entry, "order_id", (str, int), where=where))
                items = as_list(entry.get("order_items"), reply, f"{where}.order_items")
                header = self.listed_take(order_id) or self._header(order_id)
                yield self._order(reply, order_id, header, items, where)

    def _header(self, order_id: str) -> dict:
        """One order's header (dates, price) when it was not met in this run's order list."""
        try:
            reply = self._call("GET", "/order/get", {"order_id": int(order_id) if order_id.isdigit() else order_id})
        except ApiError as err:
            if err.transient or err.code in self.channel_wide_codes:
                raise
            return {}
        data = reply.data.get("data") if isinstance(reply.data, dict) else None
        return data if isinstance(data, dict) else {}

    def _order(self, reply: Reply, order_id: str, header: dict, items: list, where: str) -> ChannelOrder:
        lines: list[ChannelOrderLine] = []
        statuses: set[str] = set()
        item_times: list[datetime] = []
        currency = ""
        for j, item in enumerate(items):
            iw = f"{where}.order_items[{j}]"
            if not isinstance(item, dict):
                raise reply.malformed(f"{iw} is not an object")
            sku_id = str(item.get("sku_id") or item.get("shop_sku") or field_of(reply, item, "sku", str, where=iw))
            status = str(field_of(reply, item, "status", str, where=iw))
            unit_id = field_of(reply, item, "order_item_id", (int, str), where=iw)
            statuses.add(status)
            currency = currency or str(item.get("currency") or "")
            if item.get("updated_at"):
                item_times.append(from_text_time(item["updated_at"], reply, f"{iw}.updated_at"))
            lines.append(ChannelOrderLine(
                line_key=str(unit_id),
                seller_sku=str(item.get("sku") or ""),
                item_id=str(item.get("product_id") or item.get("item_id") or ""),
                variant_id=sku_id,
                quantity=1,
                unit_price=to_decimal(item.get("paid_price", item.get("item_price")), reply, f"{iw}.paid_price").quantize(Decimal("0.01")),
                raw_status=status,
            ))
        hw = f"order {order_id}"
        updated = (
            from_text_time(header["updated_at"], reply, f"{hw}.updated_at")
            if header.get("updated_at")
            else max(item_times, default=None)
        )
        created = from_text_time(header["created_at"], reply, f"{hw}.created_at") if header.get("created_at") else None
        if updated is None or created is None:
            first = next((it for it in items if isinstance(it, dict) and it.get("created_at")), None)
            created = created or (from_text_time(first["created_at"], reply, f"{hw}.created_at") if first else None)
            if created is None or updated is None:
                raise reply.malformed(f"order {order_id} has no created_at/updated_at in the order list or its items")
        total = (
            to_decimal(header.get("price"), reply, f"{hw}.price")
            if header.get("price") not in (None, "")
            else sum((line.unit_price * line.quantity for line in lines), Decimal(0))
        )
        return ChannelOrder(
            external_id=order_id,
            raw_status=",".join(sorted(statuses)),
            created_at=created,
            updated_at=updated,
            currency=currency or self.channel.currency or "",
            total=total,
            buyer_name=" ".join(str(header.get(k) or "") for k in ("customer_first_name", "customer_last_name")).strip(),
            lines=tuple(lines),
        )

    # -- listings --------------------------------------------------------
    def list_listings(self, changed_since: datetime | None = None) -> Iterator[ChannelListing]:
        offset = 0
        while True:
            params: dict[str, Any] = {"filter": "all", "limit": self.listing_page_size, "offset": offset}
            if changed_since is not None:
                params["update_after"] = iso(changed_since)
            reply = self._call("GET", "/products/get", params)
            data = dig(reply, reply.data, "data", dict, request_id=self._rid(reply))
            products = as_list(data.get("products"), reply, "data.products")
            for i, product in enumerate(products):
                yield from self._product_listings(reply, product, f"data.products[{i}]")
            offset += len(products)
            total = data.get("total_products")
            if not products or len(products) < self.listing_page_size:
                return
            if total is not None and offset >= to_int(total, reply, "data.total_products"):
                return

    def _product_listings(self, reply: Reply, product: dict, where: str) -> Iterator[ChannelListing]:
        item_id = str(field_of(reply, product, "item_id", (str, int), where=where))
        attributes = product.get("attributes") if isinstance(product.get("attributes"), dict) else {}
        updated = None
        if product.get("updated_time"):
            updated = from_text_time(product["updated_time"], reply, f"{where}.updated_time")
        for k, sku in enumerate(as_list(product.get("skus"), reply, f"{where}.skus")):
            sw = f"{where}.skus[{k}]"
            stock = sku.get("quantity", sku.get("Available")) if isinstance(sku, dict) else None
            yield ChannelListing(
                item_id=item_id,
                variant_id=str(field_of(reply, sku, "SkuId", (str, int), where=sw)),
                seller_sku=str(sku.get("SellerSku") or ""),
                stock=to_count(stock, reply, f"{sw}.quantity") if stock is not None else None,
                title=str(attributes.get("name") or ""),
                status=str(product.get("status") or ""),
                updated_at=updated,
            )

    # -- stock -----------------------------------------------------------
    def push_stock(self, updates: Sequence[StockUpdate]) -> list[PushResult]:
        return self.push_in_groups(list(chunked(list(updates), self.skus_per_call)), self._push_batch)

    @staticmethod
    def stock_payload(updates: Sequence[StockUpdate]) -> str:
        skus = "".join(
            "<Sku>"
            f"<ItemId>{html.escape(u.item_id)}</ItemId>"
            f"<SkuId>{html.escape(u.variant_id)}</SkuId>"
            f"<SellerSku>{html.escape(u.seller_sku)}</SellerSku>"
            f"<Quantity>{max(0, int(u.quantity))}</Quantity>"
            "</Sku>"
            for u in updates
        )
        return f'<?xml version="1.0" encoding="UTF-8" ?><Request><Product><Skus>{skus}</Skus></Product></Request>'

    def _push_batch(self, group: Sequence[StockUpdate]) -> list[PushResult]:
        reply = self._call("POST", "/product/price_quantity/update", {"payload": self.stock_payload(group)}, allow_detail=True)
        body = reply.data
        detail = body.get("detail")
        if not isinstance(detail, list) and isinstance(body.get("data"), dict):
            detail = body["data"].get("detail")
        failed: dict[str, str] = {}
        for entry in detail if isinstance(detail, list) else []:
            if isinstance(entry, dict):
                key = str(entry.get("seller_sku") or entry.get("SellerSku") or entry.get("sku_id") or "")
                field = f" ({entry['field']})" if entry.get("field") else ""
                failed[key] = f"Lazada refused the stock{field}: {entry.get('message') or body.get('message') or 'refused'}"
        results = []
        for u in group:
            reason = failed.get(u.seller_sku) or failed.get(u.variant_id)
            results.append(PushResult(u.item_id, u.variant_id, reason is None, reason or ""))
        return results

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
        source = body if body.get("access_token") else (body.get("data") if isinstance(body.get("data"), dict) else body)
        now = timezone.now()
        access = dig(reply, source, "access_token", str)
        refresh = dig(reply, source, "refresh_token", str)
        expires_in = to_int(dig(reply, source, "expires_in"), reply, "expires_in")
        refresh_in = source.get("refresh_expires_in")
        refresh_at = now + timedelta(seconds=to_int(refresh_in, reply, "refresh_expires_in")) if refresh_in not in (None, "") else None
        extra: dict[str, Any] = {"authorization_expires_at": refresh_at}
        users = source.get("country_user_info")
        if isinstance(users, list) and users and isinstance(users[0], dict):
            extra["seller_id"] = str(users[0].get("seller_id") or "")
            extra["country"] = str(users[0].get("country") or source.get("country") or "")
        return TokenSet(access, refresh, now + timedelta(seconds=expires_in), refresh_at, extra)

    def exchange_code(self, params: dict[str, str]) -> TokenSet:
        code = params.get("code") or ""
        if not code:
            raise self.error("the authorisation answer has no code", code="missing_code")
        return self._token_call("/auth/token/create", {"code": code})

    def refresh_tokens(self) -> TokenSet | None:
        return self._token_call("/auth/token/refresh", {"refresh_token": self.credential("refresh_token")})
