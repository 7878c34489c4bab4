"""Shopee Open Platform v2.

Shopee signs only the query (partner id, path, timestamp, token, shop id), so
JSON bodies are sent as they are. Its order list covers at most 15 days and
carries no update time, so the adapter reads the update time from the detail
endpoint (50 orders a call) rather than guess it: the sync engine compares
update times to tell a stale order from a current one. Refresh tokens are
single use, which is why the token refresh in `base` locks the channel row.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit, urlunsplit

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

TRANSIENT_CODES = frozenset({"error_server", "error_inner", "error_system_busy", "error_too_many_request", "error_busy"})
PARTIAL_STOCK_FAILURE = "error_busi_update_stock_failed"
AUTHORISATION_DAYS = 365
#: Reads of one multi-page order list, looking for orders a shifting list hid, before leaving the slice for the next run.
MAX_PASSES = 4


def shopee_sign(partner_key: str, partner_id: str | int, path: str, timestamp: int, access_token: str = "", shop_id: str | int = "") -> str:
    """Lower-hex HMAC-SHA256 of partner_id + path + timestamp (+ access_token + shop_id for shop calls)."""
    base = f"{partner_id}{path}{timestamp}{access_token}{shop_id}"
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


class ShopeeAdapter(Adapter):
    platform = "shopee"
    label = "Shopee"
    max_order_window = timedelta(days=15)
    order_detail_batch = 50
    token_refresh_margin = timedelta(minutes=30)
    credential_names = ("partner_id", "partner_key", "shop_id", "access_token", "refresh_token")
    secret_names = ("partner_id", "partner_key")
    rate_per_second = 10.0
    rate_burst = 20
    expired_token_codes = frozenset({"error_auth", "invalid_acceess_token", "invalid_access_token"})
    channel_wide_codes = frozenset({"error_auth", "error_sign", "error_permission", "missing_credential"})
    list_page_size = 100
    listing_page_size = 100
    item_info_batch = 50
    stock_models_per_call = 50
    listing_statuses: ClassVar[tuple[str, ...]] = ("NORMAL", "UNLIST")

    # -- transport -------------------------------------------------------
    def _api_path(self, path: str) -> str:
        return "/api/v2/" + path.lstrip("/")

    def _signer(self, api_path: str, shop: bool):
        partner_id = self.credential("partner_id")
        partner_key = self.credential("partner_key")

        def sign(out: Outgoing) -> None:
            ts = int(time.time())
            out.params["partner_id"] = int(partner_id) if partner_id.isdigit() else partner_id
            out.params["timestamp"] = ts
            if shop:
                token = self.credential("access_token")
                shop_id = self.credential("shop_id")
                out.params["access_token"] = token
                out.params["shop_id"] = int(shop_id) if shop_id.isdigit() else shop_id
                out.params["sign"] = shopee_sign(partner_key, partner_id, api_path, ts, token, shop_id)
            else:
                out.params["sign"] = shopee_sign(partner_key, partner_id, api_path, ts)

        return sign

    def _check(self, allow: frozenset[str] = frozenset()):
        def check(reply: Reply) -> None:
            body = reply.data
            if not isinstance(body, dict):
                raise reply.malformed("the body is not an object")
            code = str(body.get("error") or "")
            if not code or code in allow:
                return
            request_id = str(body.get("request_id") or "")
            hint = ""
            if code == "error_auth":
                hint = "Authorise the channel again in the admin if this persists"
            elif code == "error_sign":
                hint = "Check the partner id and partner key"
            raise ApiError.refused(
                self.label,
                str(code),
                str(body.get("message") or ""),
                request_id=request_id,
                transient=code in TRANSIENT_CODES,
                hint=hint,
            )

        return check

    def _call(self, method: str, path: str, *, params=None, json=None, shop: bool = True, allow=frozenset()) -> Reply:
        api_path = self._api_path(path)

        def once() -> Reply:
            return self.session.request(
                method,
                self.base_url + api_path,
                path=api_path,
                params=params,
                json=json,
                sign=self._signer(api_path, shop),
                check=self._check(allow),
            )

        if shop:
            return self.with_token(once)
        return once()

    @staticmethod
    def _response(reply: Reply) -> dict:
        return dig(reply, reply.data, "response", dict, request_id=str(reply.data.get("request_id") or ""))

    # -- orders ----------------------------------------------------------
    def list_order_states(self, time_slice: TimeSlice) -> Iterator[RemoteOrderState]:
        """Every order updated in the slice, once.

        The cursor stands for a position and the list announces no total, so
        an order that changes while a list of several pages is read can move
        another across a page boundary unread. Such a list is read again until
        a pass finds nothing new (at most MAX_PASSES, else the slice is left
        for the next run); the details are read for the union.
        """
        seen: set[str] = set()
        for part in self.order_slices(time_slice.start, time_slice.end):
            listed: dict[str, str] = {}
            for attempt in range(MAX_PASSES):
                pages = [0]
                new = 0
                for order_sn, status in self._list_order_sns(part, pages):
                    if order_sn in seen or order_sn in listed:
                        continue
                    listed[order_sn] = status
                    new += 1
                if pages[0] <= 1 or (attempt and not new):
                    break
            else:
                raise self.error(
                    "orders kept changing while the list was read; the window will be read again on the next run",
                    code="list_shifted", transient=True,
                )
            sns = list(listed)
            for start in range(0, len(sns), self.order_detail_batch):
                batch = {sn: listed[sn] for sn in sns[start:start + self.order_detail_batch]}
                yield from self._states_for(batch, part)
                seen.update(batch)

    def _list_order_sns(self, part: TimeSlice, pages: list[int]) -> Iterator[tuple[str, str]]:
        cursor = ""
        while True:
            pages[0] += 1
            reply = self._call(
                "GET",
                "order/get_order_list",
                params={
                    "time_range_field": "update_time",
                    "time_from": math.ceil(part.start.timestamp()),
                    "time_to": math.ceil(part.end.timestamp()),
                    "page_size": self.list_page_size,
                    "cursor": cursor,
                    "response_optional_fields": "order_status",
                },
            )
            response = self._response(reply)
            for i, entry in enumerate(as_list(response.get("order_list"), reply, "response.order_list")):
                where = f"response.order_list[{i}]"
                yield str(field_of(reply, entry, "order_sn", (str, int), where=where)), str(entry.get("order_status") or "")
            if not response.get("more"):
                return
            next_cursor = str(response.get("next_cursor") or "")
            if not next_cursor or next_cursor == cursor:
                raise reply.malformed("field response.next_cursor is missing although response.more is true")
            cursor = next_cursor

    def _states_for(self, listed: dict[str, str], part: TimeSlice) -> Iterator[RemoteOrderState]:
        """Update times come only with the details, so read them in full now; `fetch_orders` reuses them."""
        details = {}
        for sn, status, updated, order in self._order_details(list(listed), with_items=True):
            details[sn] = (status, updated)
            self.listed_keep(sn, order)
        for sn, listed_status in listed.items():
            status, updated = details.get(sn, (listed_status, part.end))
            yield RemoteOrderState(sn, status or listed_status, updated)

    def fetch_orders(self, external_ids: Sequence[str]) -> Iterator[ChannelOrder]:
        missing = []
        for sn in dict.fromkeys(external_ids):
            kept = self.listed_take(sn)
            if kept is None:
                missing.append(sn)
            else:
                yield kept
        for batch in chunked(missing, self.order_detail_batch):
            for _sn, _status, _updated, order in self._order_details(list(batch), with_items=True):
                yield order

    def _order_details(self, sns: list[str], with_items: bool) -> Iterator[tuple[str, str, datetime, ChannelOrder | None]]:
        """Details of up to 50 orders; a batch Shopee refuses as unknown is split to find the known ones."""
        fields = "item_list,total_amount,buyer_username,pay_time,cancel_reason" if with_items else "total_amount"
        try:
            reply = self._call(
                "GET",
                "order/get_order_detail",
                params={"order_sn_list": ",".join(sns), "response_optional_fields": fields},
            )
        except ApiError as err:
            if err.code != "error_not_found":
                raise
            if len(sns) == 1:
                return
            middle = len(sns) // 2
            yield from self._order_details(sns[:middle], with_items)
            yield from self._order_details(sns[middle:], with_items)
            return
        response = self._response(reply)
        for i, raw in enumerate(as_list(response.get("order_list"), reply, "response.order_list")):
            where = f"response.order_list[{i}]"
            sn = str(field_of(reply, raw, "order_sn", (str, int), where=where))
            status = str(field_of(reply, raw, "order_status", str, where=where))
            updated = from_epoch(field_of(reply, raw, "update_time", where=where), reply, f"{where}.update_time")
            yield sn, status, updated, (self._order(reply, raw, where, sn, status, updated) if with_items else None)

    def _order(self, reply: Reply, raw: dict, where: str, sn: str, status: str, updated: datetime) -> ChannelOrder:
        created = from_epoch(field_of(reply, raw, "create_time", where=where), reply, f"{where}.create_time")
        grouped: dict[tuple[str, str], dict[str, Any]] = {}
        for j, item in enumerate(as_list(raw.get("item_list"), reply, f"{where}.item_list")):
            iw = f"{where}.item_list[{j}]"
            item_id = str(field_of(reply, item, "item_id", (int, str), where=iw))
            model_id = to_int(item.get("model_id") or 0, reply, f"{iw}.model_id")
            variant = str(model_id) if model_id else ""
            quantity = to_count(field_of(reply, item, "model_quantity_purchased", where=iw), reply, f"{iw}.model_quantity_purchased")
            price = to_decimal(item.get("model_discounted_price", item.get("model_original_price")), reply, f"{iw}.model_discounted_price")
            sku = str(item.get("model_sku") or item.get("item_sku") or "")
            line = grouped.setdefault((item_id, variant), {"sku": sku, "quantity": 0, "price": price})
            line["quantity"] += quantity
        lines = tuple(
            ChannelOrderLine(
                line_key=f"{item_id}:{variant or 0}",
                seller_sku=line["sku"],
                item_id=item_id,
                variant_id=variant,
                quantity=line["quantity"],
                unit_price=line["price"],
            )
            for (item_id, variant), line in grouped.items()
        )
        return ChannelOrder(
            external_id=sn,
            raw_status=status,
            created_at=created,
            updated_at=updated,
            currency=str(raw.get("currency") or self.channel.currency or ""),
            total=to_decimal(raw.get("total_amount"), reply, f"{where}.total_amount"),
            buyer_name=str(raw.get("buyer_username") or ""),
            lines=lines,
        )

    # -- listings --------------------------------------------------------
    def list_listings(self, changed_since: datetime | None = None) -> Iterator[ChannelListing]:
        offset = 0
        while True:
            params: dict[str, Any] = {"offset": offset, "page_size": self.listing_page_size, "item_status": list(self.listing_statuses)}
            if changed_since is not None:
                params["update_time_from"] = int(changed_since.timestamp())
                params["update_time_to"] = int(timezone.now().timestamp()) + 60
            reply = self._call("GET", "product/get_item_list", params=params)
            response = self._response(reply)
            items = as_list(response.get("item"), reply, "response.item")
            ids = [str(field_of(reply, it, "item_id", (int, str), where=f"response.item[{i}]")) for i, it in enumerate(items)]
            for batch in chunked(ids, self.item_info_batch):
                yield from self._listings_for(list(batch))
            if not response.get("has_next_page") or not items:
                return
            next_offset = to_int(response.get("next_offset", offset + len(items)), reply, "response.next_offset")
            if next_offset <= offset:
                raise reply.malformed("field response.next_offset does not move forward")
            offset = next_offset

    def read_listings(self, keys: Sequence[tuple[str, str]]) -> Iterator[ChannelListing]:
        """By item id, 50 items a call (plus the model list of items with variants)."""
        wanted = set(keys)
        for batch in chunked(list(dict.fromkeys(item for item, _ in keys)), self.item_info_batch):
            for listing in self._listings_for(list(batch)):
                if (listing.item_id, listing.variant_id) in wanted:
                    yield listing

    def _listings_for(self, item_ids: list[str]) -> Iterator[ChannelListing]:
        reply = self._call("GET", "product/get_item_base_info", params={"item_id_list": ",".join(item_ids)})
        response = self._response(reply)
        for i, item in enumerate(as_list(response.get("item_list"), reply, "response.item_list")):
            where = f"response.item_list[{i}]"
            item_id = str(field_of(reply, item, "item_id", (int, str), where=where))
            title = str(item.get("item_name") or "")
            status = str(item.get("item_status") or "")
            updated = from_epoch(item["update_time"], reply, f"{where}.update_time") if item.get("update_time") else None
            if item.get("has_model"):
                yield from self._model_listings(item_id, title, status, updated)
            else:
                yield ChannelListing(
                    item_id=item_id,
                    variant_id="",
                    seller_sku=str(item.get("item_sku") or ""),
                    stock=self._stock(reply, item.get("stock_info_v2"), f"{where}.stock_info_v2"),
                    title=title,
                    status=status,
                    updated_at=updated,
                )

    def _model_listings(self, item_id: str, title: str, status: str, updated: datetime | None) -> Iterator[ChannelListing]:
        reply = self._call("GET", "product/get_model_list", params={"item_id": int(item_id) if item_id.isdigit() else item_id})
        response = self._response(reply)
        for i, model in enumerate(as_list(response.get("model"), reply, "response.model")):
            where = f"response.model[{i}]"
            model_id = str(field_of(reply, model, "model_id", (int, str), where=where))
            name = model.get("model_name") or ""
            yield ChannelListing(
                item_id=item_id,
                variant_id=model_id,
                seller_sku=str(model.get("model_sku") or ""),
                stock=self._stock(reply, model.get("stock_info_v2"), f"{where}.stock_info_v2"),
                title=f"{title} – {name}" if name else title,
                status=status,
                updated_at=updated,
            )

    @staticmethod
    def _stock(reply: Reply, info: Any, where: str) -> int | None:
        """The seller stock (what `update_stock` sets), else the summary's available stock."""
        if not isinstance(info, dict):
            return None
        seller = info.get("seller_stock")
        if isinstance(seller, list) and seller:
            return sum(to_count(s.get("stock", 0) if isinstance(s, dict) else 0, reply, f"{where}.seller_stock.stock") for s in seller)
        summary = info.get("summary_info")
        if isinstance(summary, dict) and summary.get("total_available_stock") is not None:
            return to_count(summary["total_available_stock"], reply, f"{where}.summary_info.total_available_stock")
        return None

    # -- stock -----------------------------------------------------------
    def push_stock(self, updates: Sequence[StockUpdate]) -> list[PushResult]:
        by_item: dict[str, list[StockUpdate]] = {}
        for update in updates:
            by_item.setdefault(update.item_id, []).append(update)
        groups = [chunk for group in by_item.values() for chunk in chunked(group, self.stock_models_per_call)]
        return self.push_in_groups(groups, self._push_item)

    def _push_item(self, group: Sequence[StockUpdate]) -> list[PushResult]:
        item_id = group[0].item_id
        stock_list = [
            {"model_id": int(u.variant_id) if u.variant_id else 0, "seller_stock": [{"stock": max(0, int(u.quantity))}]} for u in group
        ]
        reply = self._call(
            "POST",
            "product/update_stock",
            json={"item_id": int(item_id) if item_id.isdigit() else item_id, "stock_list": stock_list},
            allow=frozenset({PARTIAL_STOCK_FAILURE}),
        )
        response = reply.data.get("response") if isinstance(reply.data.get("response"), dict) else {}
        succeeded = {str(s.get("model_id", 0)) for s in as_list(response.get("success_list"), reply, "response.success_list") if isinstance(s, dict)}
        failed = {
            str(f.get("model_id", 0)): str(f.get("failed_reason") or "refused")
            for f in as_list(response.get("failure_list"), reply, "response.failure_list")
            if isinstance(f, dict)
        }
        whole_call_failed = bool(reply.data.get("error")) and not succeeded and not failed
        results = []
        for u in group:
            key = u.variant_id or "0"
            if key in failed:
                results.append(PushResult(u.item_id, u.variant_id, False, f"Shopee refused the stock: {failed[key]}"))
            elif key in succeeded:
                results.append(PushResult(u.item_id, u.variant_id, True))
            elif whole_call_failed:
                results.append(PushResult(u.item_id, u.variant_id, False, f"Shopee refused the stock: {reply.data.get('message') or reply.data.get('error')}"))
            else:
                results.append(PushResult(u.item_id, u.variant_id, False, "Shopee's answer did not mention this model; the stock may not have changed"))
        return results

    # -- connection and authorisation ----------------------------------
    def check_connection(self) -> str:
        reply = self._call("GET", "shop/get_shop_info")
        body = reply.data
        info = body.get("response") if isinstance(body.get("response"), dict) else body
        name = info.get("shop_name") or f"shop {self.credential('shop_id')}"
        region = info.get("region") or ""
        return f"Shopee shop {name}" + (f" ({region})" if region else "")

    def authorize_url(self, redirect_uri: str, state: str) -> str | None:
        """Shopee's auth page has no `state` parameter, so the state rides in the redirect URL's query."""
        api_path = self._api_path("shop/auth_partner")
        partner_id = self.credential("partner_id")
        ts = int(time.time())
        parts = urlsplit(redirect_uri)
        query = (parts.query + "&" if parts.query else "") + urlencode({"state": state})
        redirect = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
        params = {
            "partner_id": partner_id,
            "timestamp": ts,
            "sign": shopee_sign(self.credential("partner_key"), partner_id, api_path, ts),
            "redirect": redirect,
        }
        return f"{self.base_url}{api_path}?{urlencode(params)}"

    def exchange_code(self, params: dict[str, str]) -> TokenSet:
        code = params.get("code") or ""
        shop_id = params.get("shop_id") or self.credential("shop_id", required=False)
        if not code or not shop_id:
            raise self.error("the authorisation answer has no code or shop_id", code="error_param")
        partner_id = self.credential("partner_id")
        reply = self._call(
            "POST",
            "auth/token/get",
            json={"code": code, "shop_id": int(shop_id) if str(shop_id).isdigit() else shop_id, "partner_id": int(partner_id) if partner_id.isdigit() else partner_id},
            shop=False,
        )
        tokens = self._tokens(reply)
        tokens.extra["shop_id"] = str(shop_id)
        tokens.extra["authorization_expires_at"] = timezone.now() + timedelta(days=AUTHORISATION_DAYS)
        return tokens

    def refresh_tokens(self) -> TokenSet | None:
        partner_id = self.credential("partner_id")
        shop_id = self.credential("shop_id")
        reply = self._call(
            "POST",
            "auth/access_token/get",
            json={
                "refresh_token": self.credential("refresh_token"),
                "partner_id": int(partner_id) if partner_id.isdigit() else partner_id,
                "shop_id": int(shop_id) if shop_id.isdigit() else shop_id,
            },
            shop=False,
        )
        return self._tokens(reply)

    def _tokens(self, reply: Reply) -> TokenSet:
        body = reply.data
        source = body.get("response") if isinstance(body.get("response"), dict) else body
        access = dig(reply, source, "access_token", str)
        refresh = dig(reply, source, "refresh_token", str)
        expire_in = to_int(dig(reply, source, "expire_in"), reply, "expire_in")
        now = timezone.now()
        return TokenSet(access, refresh, now + timedelta(seconds=expire_in), now + timedelta(days=30), {})
