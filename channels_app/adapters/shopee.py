"""Shopee Open Platform v2.

Shopee signs only the query (partner id, path, timestamp, token, shop id), so
JSON bodies are sent as they are. Its order list covers at most 15 days and
carries no update time, so the adapter reads the update time from the detail
endpoint (50 orders a call) rather than guess it: the sync engine compares
update times to tell a stale order from a current one. Refresh tokens are
single use, which is why the token refresh in `base` locks the channel row.

Error codes come module-prefixed (`common.error_auth`, `product.error_param`)
and one code means several things: `error_auth` is an expired access token,
a spent refresh token, a missing API permission or a refused stock update,
told apart only by `message`. `classify` reads the part after the last dot,
then the message, and decides what the caller does (MARKETPLACES.md
"Envelope"): refresh the token and retry once, ask staff to authorise the
channel again, retry later, or refuse without retrying.

Replies are validated by the schemas in `schemas/shopee.py`, written from
the API reference; an order detail that does not fit becomes an
`OrderProblem` for that order alone.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from channels_app.adapters.base import Adapter, chunked, split_until_accepted
from channels_app.adapters.id_sets import IdFingerprints
from channels_app.adapters.schemas import parse, parse_each
from channels_app.adapters.schemas import shopee as doc
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

logger = logging.getLogger(__name__)

#: What the caller does about an error (the `action` attribute of the ApiError the adapter raises).
REFRESH = "refresh"  # refresh the access token and retry once
REAUTHORISE = "reauthorise"  # the shop must authorise the app again
SUSPENDED = "suspended"  # Shopee suspended the shop
RETRY = "retry"  # Shopee is busy: retry later with backoff
REFUSED = "refused"  # fix the request; retrying the same one cannot help

EXPIRED_TOKEN_CODES = frozenset({"invalid_acceess_token", "invalid_access_token"})
REAUTHORISE_CODES = frozenset({"refresh_token_expired", "shop_access_expired", "error_shop_refresh_token", "shop_no_linked", "invalid_code"})
RETRY_CODES = frozenset({"error_server", "error_inner", "error_system_busy", "error_network", "error_too_many_request", "error_busy"})
PARTIAL_STOCK_FAILURE = "error_busi_update_stock_failed"
NOT_MULTI_WAREHOUSE = "error_not_in_whitelist"
#: A fresh authorisation lasts at most this long; used only when the shop info cannot be read right after it.
AUTHORISATION_DAYS = 365
#: Reads of one multi-page order list, looking for orders a shifting list hid, before leaving the slice for the next run.
MAX_PASSES = 4
#: Seconds Shopee's clock and ours may differ (it refuses requests further off).
MAX_CLOCK_SKEW = 300

REAUTHORISE_HINT = "Authorise the channel again in the admin (the channel's Authorise button)"
LINK_LOCATIONS = (
    "this Shopee shop keeps stock in several locations and the channel has not linked them to POS locations: "
    "link the shop's locations to POS locations in the admin (Admin → Channel warehouses), then update the inventory again"
)
RESERVED_HINT = (
    "Shopee holds units of this listing for a promotion and the stock cannot go below them: "
    "lower the promotion stock in Seller Centre or wait for the promotion to end"
)


def shopee_sign(partner_key: str, partner_id: str | int, path: str, timestamp: int, access_token: str = "", shop_id: str | int = "") -> str:
    """Lower-hex HMAC-SHA256 of partner_id + path + timestamp (+ access_token + shop_id for shop calls)."""
    base = f"{partner_id}{path}{timestamp}{access_token}{shop_id}"
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def base_code(code: str) -> str:
    """`common.error_auth` → `error_auth`: Shopee prefixes codes with the module that raised them."""
    return (code or "").rsplit(".", 1)[-1].strip().lower()


def classify(code: str, message: str = "", http_status: int | None = None) -> tuple[str, bool, str]:
    """(action, concerns the whole channel, what staff should do) for one Shopee error."""
    name = base_code(code)
    text = " ".join((message or "").lower().split())
    if http_status == 429 or name in RETRY_CODES:
        if name == "error_inner" and "location" in text:
            return REFUSED, False, "Check the shop's locations: link them to POS locations in the admin (Admin → Channel warehouses)"
        return RETRY, False, "Shopee is busy; the run retries later"
    if name in EXPIRED_TOKEN_CODES:
        return REFRESH, True, ""
    if name in REAUTHORISE_CODES:
        return REAUTHORISE, True, REAUTHORISE_HINT
    if name == "shop_banned":
        return SUSPENDED, True, "Shopee has suspended this shop: resolve it in Seller Centre; syncing resumes once the shop is active"
    if name == "error_auth":
        if "access_token" in text or "access token" in text:
            return REFRESH, True, ""
        if "refresh_token" in text or "refresh token" in text:
            return REAUTHORISE, True, REAUTHORISE_HINT
        if "no permission to current api" in text:
            return REFUSED, True, "The app has no permission for this call: enable it for the app in the Shopee Open Platform console"
        if "partner" in text or "shopid" in text or "shop_id" in text:
            return REFUSED, True, "Check the channel's partner id and shop id, or authorise the channel again in the admin"
        if "reserved stock" in text or "reserve stock" in text:
            return REFUSED, False, RESERVED_HINT
        if "location" in text:
            return REFUSED, False, "Link the shop's locations to POS locations in the admin (Admin → Channel warehouses)"
        return REFUSED, False, ""
    if name == "error_sign":
        return REFUSED, True, "Check the partner id and partner key"
    if name == "error_permission":
        return REFUSED, True, "The app has no permission for this shop or call: check the app in the Shopee Open Platform console"
    if name == "error_param":
        if "timestamp" in text:
            return REFUSED, True, "Check this server's clock: Shopee refuses requests more than 5 minutes off"
        if "partner_id" in text or "shop_id" in text:
            return REFUSED, True, "Check the channel's partner id and shop id"
        return REFUSED, False, ""
    return REFUSED, False, ""


class ShopeeAdapter(Adapter):
    platform = "shopee"
    label = "Shopee"
    #: The documented limit is 15 days (`order.order_list_invalid_time` beyond it); a day's margin keeps
    #: rounding of the bounds to whole seconds and clock differences well inside it.
    max_order_window = timedelta(days=14)
    order_detail_batch = 50
    token_refresh_margin = timedelta(minutes=30)
    credential_names = ("partner_id", "partner_key", "shop_id", "access_token", "refresh_token")
    secret_names = ("partner_id", "partner_key")
    #: No limit is documented for order and product calls: 10 per second per shop is assumed
    #: (MARKETPLACES.md; the sandbox enforces the same when its rate limits are on).
    rate_per_second = 10.0
    rate_burst = 5
    max_in_flight = 4
    expired_token_codes = EXPIRED_TOKEN_CODES
    channel_wide_codes = frozenset({"error_sign", "error_permission", "missing_credential"}) | REAUTHORISE_CODES
    list_page_size = 100
    listing_page_size = 100
    item_info_batch = 50
    stock_models_per_call = 50
    listing_statuses: ClassVar[tuple[str, ...]] = ("NORMAL", "UNLIST")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._location_ids: tuple[str, ...] | None = None
        #: End of the engine's last slice (`order_slices`); readings of several pages not yet checked for moved
        #: orders: (slice, reading number, when it began, order ids on its pages, ids its call already handed on).
        self._last_slice_end: datetime | None = None
        self._readings: list[tuple[TimeSlice, int, float, set[str], set[str]]] = []

    # -- transport -------------------------------------------------------
    def _api_path(self, path: str) -> str:
        return "/api/v2/" + path.lstrip("/")

    def _signer(self, api_path: str, shop: bool, token: tuple[str, str] | None = None):
        partner_id = self.credential("partner_id")
        partner_key = self.credential("partner_key")

        def sign(out: Outgoing) -> None:
            ts = int(time.time())
            out.params["partner_id"] = int(partner_id) if partner_id.isdigit() else partner_id
            out.params["timestamp"] = ts
            if shop:
                access, shop_id = token or (self.credential("access_token"), self.credential("shop_id"))
                out.params["access_token"] = access
                out.params["shop_id"] = int(shop_id) if str(shop_id).isdigit() else shop_id
                out.params["sign"] = shopee_sign(partner_key, partner_id, api_path, ts, access, shop_id)
            else:
                out.params["sign"] = shopee_sign(partner_key, partner_id, api_path, ts)

        return sign

    def _check(self, allow: frozenset[str] = frozenset()):
        def check(reply: Reply) -> None:
            body = reply.data
            if not isinstance(body, dict):
                raise reply.malformed("the body is not an object")
            envelope = parse(doc.Envelope, body, reply)
            code = envelope.error or ""
            if not code or base_code(code) in allow:
                return
            message = envelope.message or ""
            action, channel_wide, hint = classify(code, message, reply.status)
            err = ApiError.refused(
                self.label, code, message, request_id=envelope.request_id or "", transient=action == RETRY, hint=hint,
            )
            err.code = base_code(code)
            err.action = action
            err.channel_wide = channel_wide
            raise err

        return check

    def _call(self, method: str, path: str, *, params=None, json=None, shop: bool = True, allow=frozenset(),
              token: tuple[str, str] | None = None) -> Reply:
        """One call; shop calls run through `with_token` unless they carry an explicit (access token, shop id)."""
        api_path = self._api_path(path)

        def once() -> Reply:
            return self.session.request(
                method,
                self.base_url + api_path,
                path=api_path,
                params=params,
                json=json,
                sign=self._signer(api_path, shop, token),
                check=self._check(allow),
            )

        if shop and token is None:
            return self.with_token(once)
        return once()

    @staticmethod
    def _response(reply: Reply) -> Any:
        response = reply.data.get("response")
        if not isinstance(response, dict):
            raise reply.malformed("field response is missing or not an object", str(reply.data.get("request_id") or ""))
        return response

    def token_expired(self, err: ApiError) -> bool:
        """Shopee says "expired token" as `error_auth` "Invalid access_token." (among other meanings of
        `error_auth`) or the misspelled `invalid_acceess_token`: `classify` tells them apart."""
        return getattr(err, "action", "") == REFRESH

    def stops_batch(self, err: ApiError) -> bool:
        """Only errors that concern the whole channel stop a push: an `error_auth` refusing one item's
        stock (below the promotion stock) leaves the other items to go."""
        return err.transient or getattr(err, "channel_wide", False) or err.code in self.channel_wide_codes

    # -- orders ----------------------------------------------------------
    def order_slices(self, start: datetime, end: datetime) -> list[TimeSlice]:
        """The engine's slices; the end of the last is remembered, where the shifted-list check runs."""
        slices = super().order_slices(start, end)
        self._last_slice_end = slices[-1].end if slices else None
        return slices

    def list_order_states(self, time_slice: TimeSlice) -> Iterator[RemoteOrderState]:
        """Every order updated in the slice, once, with the update time its details give.

        The list carries no update time, so details are read for every listed
        order (50 a call): while the list is still being paged (a background
        reader, `pages_ahead`), the details of the pages already read are in
        flight, and states are handed on in list order as their details come.

        The cursor stands for a position and the list announces no total: an
        order that changes while a list of several pages is read leaves the
        window (its update time is now after the window's end) and moves every
        later order one place up, so one can cross a page boundary unread.
        Reading every list twice would find it but doubles the list calls;
        instead one list call over "updated since the reading began" shows
        whether an order met on a reading's pages moved meanwhile (usually one
        page, usually no such order), once for all the run's slices: the check
        waits for the engine's last slice (`order_slices` remembers it), or
        runs at once for a slice asked outside that plan. Only a reading whose
        orders moved is read again, for the orders not met yet (at most
        MAX_PASSES readings of one slice, else it is left for the next run).
        """
        last = self._last_slice_end is None or time_slice.end >= self._last_slice_end
        seen = IdFingerprints()
        try:
            for part in Adapter.order_slices(self, time_slice.start, time_slice.end):
                yield from self._reading(part, 0, seen)
        except ApiError:
            if last and self._readings:
                yield from self._recheck()
            raise
        if last:
            yield from self._recheck()

    def _reading(self, part: TimeSlice, number: int, seen: IdFingerprints) -> Iterator[RemoteOrderState]:
        """One reading of a slice's list, with the details of the orders not in `seen` (which it extends).

        Memory stays flat however long the list: the orders met are kept as
        fingerprints (`IdFingerprints`, 8 bytes an order). The first reading
        skips only an order repeated on this page or the one before, exactly:
        the window has ended, so an order that changes leaves it instead of
        coming back further down. A repeated reading, rare, skips every order
        met before it by fingerprint.
        """
        began = time.time()
        on_pages = IdFingerprints()
        pages = new = 0
        previous_page: set[str] = set()
        with self.in_flight() as details:
            batch: dict[str, str] = {}
            for page in self.pages_ahead(self._order_list_page(part), ""):
                pages += 1
                this_page: set[str] = set()
                for order_sn, status in page:
                    on_pages.add(order_sn)
                    met = (order_sn in this_page or order_sn in previous_page) if number == 0 else order_sn in seen
                    this_page.add(order_sn)
                    if met:
                        continue
                    seen.add(order_sn)
                    new += 1
                    batch[order_sn] = status
                    if len(batch) >= self.order_detail_batch:
                        details.start(self._detail_batch, (batch, part))
                        batch = {}
                previous_page = this_page
                while details.ready():
                    yield from self._kept_states(details.take()[1])
            if batch:
                details.start(self._detail_batch, (batch, part))
            while len(details):
                yield from self._kept_states(details.take()[1])
        # A reading of one page cannot hide an order; a re-reading that found nothing new settles the slice
        # (whatever moved meanwhile, nothing was hidden from the reading before it).
        if pages > 1 and (number == 0 or new):
            self._readings.append((part, number, began, on_pages, seen))

    def _recheck(self) -> Iterator[RemoteOrderState]:
        """Read again each reading (of several pages) whose orders moved while it was read."""
        while self._readings:
            readings, self._readings = self._readings, []
            # From the window's end itself: an order updated in its last second is still listed (the bounds are
            # whole seconds), yet it moved to the end of the list.
            since = min(max(int(part.end.timestamp()), int(began) - MAX_CLOCK_SKEW) for part, _n, began, _p, _s in readings)
            moved = self._moved_since(since)
            for part, number, _began, on_pages, seen in readings:
                if not on_pages.meets_any(moved):
                    continue
                if number + 1 >= MAX_PASSES:
                    self._readings = []
                    raise self.error(
                        "orders kept changing while the list was read; the window will be read again on the next run",
                        code="list_shifted", transient=True,
                    )
                logger.info("Shopee: orders of %s..%s moved while the list was read; reading it again", part.start, part.end)
                yield from self._reading(part, number + 1, seen)

    def _order_list_page(self, part: TimeSlice, since: int | None = None):
        """fetch(cursor) → ([(order_sn, status)], next cursor or None) for `pages_ahead`."""
        time_from = math.ceil(part.start.timestamp()) if since is None else since
        time_to = math.ceil(part.end.timestamp()) if since is None else int(time.time()) + 60

        def fetch(cursor: str):
            reply = self._call(
                "GET",
                "order/get_order_list",
                params={
                    "time_range_field": "update_time",
                    "time_from": time_from,
                    "time_to": time_to,
                    "page_size": self.list_page_size,
                    "cursor": cursor,
                    "response_optional_fields": "order_status",
                },
            )
            page = parse(doc.OrderList, self._response(reply), reply, "response")
            entries = [(entry.order_sn, entry.order_status or "") for entry in page.order_list]
            if not page.more:
                return entries, None
            next_cursor = page.next_cursor or ""
            if not next_cursor or next_cursor == cursor:
                raise reply.malformed("field response.next_cursor is missing although response.more is true")
            return entries, next_cursor

        return fetch

    def _moved_since(self, since: int) -> set[str]:
        """The orders Shopee says were updated at or after `since` (seconds): the ones that may have moved.

        `since` is at or after the window's end and at most 5 minutes (the clock
        difference Shopee accepts at all) before the reading began: an order
        met on a reading's pages and updated since then left the window while
        the list was read.
        """
        if since > time.time() + 60:
            return set()
        window = TimeSlice(datetime.fromtimestamp(since, tz=UTC), datetime.fromtimestamp(since, tz=UTC))
        moved: set[str] = set()
        for page in self.pages_ahead(self._order_list_page(window, since=since), ""):
            moved.update(order_sn for order_sn, _status in page)
        return moved

    def _detail_batch(self, job: tuple[dict[str, str], TimeSlice]):
        """In a worker: one detail call (split if Shopee refuses an unknown order); plain data back."""
        listed, part = job
        return listed, part, list(self._order_details(list(listed)))

    def _kept_states(self, done) -> Iterator[RemoteOrderState]:
        """On the calling thread: keep the details for `fetch_orders`, hand on the states in list order."""
        listed, part, found = done
        details = {}
        for sn, order in found:
            if isinstance(order, ChannelOrder):
                details[sn] = (order.raw_status, order.updated_at)
            self.listed_keep(sn, order)
        for sn, listed_status in listed.items():
            status, updated = details.get(sn, (listed_status, part.end))
            yield RemoteOrderState(sn, status or listed_status, updated)

    def fetch_orders(self, external_ids: Sequence[str]) -> Iterator[ChannelOrder | OrderProblem]:
        """Orders whose details the list already read come from there; the rest 50 a call, several in flight."""
        missing = []
        for sn in dict.fromkeys(external_ids):
            kept = self.listed_take(sn)
            if kept is None:
                missing.append(sn)
            else:
                yield kept
        for _batch, found, _err in self.fan_out(lambda batch: list(self._order_details(batch)), chunked(missing, self.order_detail_batch)):
            for _sn, order in found:
                yield order

    def _order_details(self, sns: Sequence[str]) -> Iterator[tuple[str, ChannelOrder | OrderProblem]]:
        """Details of up to 50 orders, each validated on its own; a batch Shopee refuses as unknown is split.

        An order Shopee does not know, once alone, is left out (as `fetch_orders` promises).
        """
        return split_until_accepted(
            sns,
            self._detail_call,
            one_bad=lambda err: err.code == "error_not_found",
            on_single_refused=lambda sn, err: (),
        )

    def _detail_call(self, sns: Sequence[str]) -> Iterator[tuple[str, ChannelOrder | OrderProblem]]:
        """One get_order_detail call (a refusal raises here); the orders are read from its reply as they are taken."""
        reply = self._call(
            "GET",
            "order/get_order_detail",
            params={"order_sn_list": ",".join(sns), "response_optional_fields": "item_list,total_amount,buyer_username,pay_time,cancel_reason"},
        )
        return self._details_of(reply)

    def _details_of(self, reply: Reply) -> Iterator[tuple[str, ChannelOrder | OrderProblem]]:
        detail = parse(doc.OrderDetail, self._response(reply), reply, "response")
        request_id = str(reply.data.get("request_id") or "")
        for sn, order, problem in parse_each(doc.Order, detail.order_list, reply, "response.order_list",
                                             id_field="order_sn", request_id=request_id):
            if order is not None:
                yield order.order_sn, self._order(order)
            elif sn:
                yield sn, OrderProblem(sn, f"{self.label} returned an order that does not fit its documentation: {problem}")

    def _order(self, order: doc.Order) -> ChannelOrder:
        grouped: dict[tuple[str, str], dict[str, Any]] = {}
        for item in order.item_list:
            variant = item.model_id if item.model_id and item.model_id != "0" else ""
            price = item.model_discounted_price if item.model_discounted_price is not None else item.model_original_price
            line = grouped.setdefault(
                (item.item_id, variant),
                {"sku": item.model_sku or item.item_sku or "", "quantity": 0, "price": price if price is not None else Decimal(0)},
            )
            line["quantity"] += item.model_quantity_purchased
        return ChannelOrder(
            external_id=order.order_sn,
            raw_status=order.order_status,
            created_at=order.create_time,
            updated_at=order.update_time,
            currency=order.currency or self.channel.currency or "",
            total=order.total_amount if order.total_amount is not None else Decimal(0),
            buyer_name=order.buyer_username or "",
            lines=tuple(
                ChannelOrderLine(
                    line_key=f"{item_id}:{variant or 0}",
                    seller_sku=line["sku"],
                    item_id=item_id,
                    variant_id=variant,
                    quantity=line["quantity"],
                    unit_price=line["price"],
                )
                for (item_id, variant), line in grouped.items()
            ),
        )

    # -- locations -------------------------------------------------------
    def locations(self) -> tuple[str, ...]:
        """The shop's stock locations (`location_id`s) when it keeps stock in several, else ().

        `get_warehouse_detail` answers `warehouse.error_not_in_whitelist` for a
        shop without multi-warehouse; read once per adapter (one run).
        """
        if self._location_ids is not None:
            return self._location_ids
        try:
            reply = self._call("GET", "shop/get_warehouse_detail")
        except ApiError as err:
            if err.transient or getattr(err, "channel_wide", False) or err.code in self.channel_wide_codes:
                raise
            self._location_ids = ()
            return ()
        data = reply.data.get("response")
        if isinstance(data, dict):
            data = data.get("warehouse_list", data.get("list"))
        if data is None:
            data = []
        if not isinstance(data, list):
            raise reply.malformed("field response should be a list of warehouses")
        ids = [parse(doc.Warehouse, w, reply, f"response[{i}]").location_id for i, w in enumerate(data)]
        self._location_ids = tuple(dict.fromkeys(i for i in ids if i))
        return self._location_ids

    # -- listings --------------------------------------------------------
    def list_listings(self, changed_since: datetime | None = None) -> Iterator[ChannelListing]:
        """Item list pages (read ahead), base info 50 items a call and model lists, several in flight."""
        params: dict[str, Any] = {"page_size": self.listing_page_size, "item_status": list(self.listing_statuses)}
        if changed_since is not None:
            params["update_time_from"] = int(changed_since.timestamp())
            params["update_time_to"] = int(timezone.now().timestamp()) + 60

        def fetch(offset: int):
            reply = self._call("GET", "product/get_item_list", params={**params, "offset": offset})
            page = parse(doc.ItemList, self._response(reply), reply, "response")
            items = page.item or []
            if not page.has_next_page or not items:
                return [it.item_id for it in items], None
            next_offset = page.next_offset if page.next_offset is not None else offset + len(items)
            if next_offset <= offset:
                raise reply.malformed("field response.next_offset does not move forward")
            return [it.item_id for it in items], next_offset

        for item_ids in self.pages_ahead(fetch, 0):
            yield from self._listings_of(list(chunked(item_ids, self.item_info_batch)))

    def read_listings(self, keys: Sequence[tuple[str, str]]) -> Iterator[ChannelListing]:
        """By item id, 50 items a call (plus the model list of items with variants), several in flight."""
        wanted = set(keys)
        batches = list(chunked(list(dict.fromkeys(item for item, _ in keys)), self.item_info_batch))
        for listing in self._listings_of(batches):
            if (listing.item_id, listing.variant_id) in wanted:
                yield listing

    def _listings_of(self, batches: Sequence[Sequence[str]]) -> Iterator[ChannelListing]:
        """The listings of items asked for in batches of at most 50, in item order."""
        if not batches:
            return
        self.locations()  # read once, here: the workers only use it
        for _batch, items, _err in self.fan_out(self._base_info, batches):
            models = {
                item.item_id: listings
                for item, listings, _err in self.fan_out(self._model_listings, [it for it in items if it.has_model])
            }
            for item in items:
                if item.has_model:
                    yield from models[item.item_id]
                    continue
                stock, per_location, held = self._stock(item.stock_info_v2)
                yield ChannelListing(
                    item_id=item.item_id, variant_id="", seller_sku=item.item_sku or "", stock=stock, title=item.item_name or "",
                    status=item.item_status or "", updated_at=item.update_time, warehouse_stock=per_location, held=held,
                )

    def _base_info(self, item_ids: Sequence[str]) -> list:
        reply = self._call("GET", "product/get_item_base_info", params={"item_id_list": ",".join(item_ids)})
        return list(parse(doc.BaseInfo, self._response(reply), reply, "response").item_list)

    def _model_listings(self, item) -> list[ChannelListing]:
        return list(self._model_listings_for(item.item_id, item.item_name or "", item.item_status or "", item.update_time))

    def _model_listings_for(self, item_id: str, title: str, status: str, updated: datetime | None) -> Iterator[ChannelListing]:
        reply = self._call("GET", "product/get_model_list", params={"item_id": int(item_id) if item_id.isdigit() else item_id})
        models = parse(doc.ModelList, self._response(reply), reply, "response")
        for model in models.model:
            stock, per_location, held = self._stock(model.stock_info_v2)
            yield ChannelListing(
                item_id=item_id,
                variant_id=model.model_id,
                seller_sku=model.model_sku or "",
                stock=stock,
                title=f"{title} – {model.model_name}" if model.model_name else title,
                status=status,
                updated_at=updated,
                warehouse_stock=per_location,
                held=held,
            )

    def _stock(self, info: doc.StockInfo | None) -> tuple[int | None, tuple[tuple[str, int], ...], int | None]:
        """(sellable seller stock, per location for a multi-location shop, reserved promotion stock).

        `summary_info.total_available_stock` also counts Shopee's own
        warehouses (`shopee_stock`), which the seller cannot set, so the
        sellable figure is the sum of `seller_stock` alone.
        """
        if info is None:
            return None, (), None
        summary = info.summary_info
        held = summary.total_reserved_stock if summary is not None else None
        seller = info.seller_stock or []
        if not seller:
            return None, (), held
        per_location = tuple((s.location_id, s.stock) for s in seller if s.location_id) if self.locations() else ()
        return sum(s.stock for s in seller), per_location, held

    # -- stock -----------------------------------------------------------
    def push_stock(self, updates: Sequence[StockUpdate]) -> list[PushResult]:
        """One call per item (up to 50 models), naming each location of a multi-location shop.

        An update without locations for a shop that has several is not sent:
        one figure cannot say how to spread the units, and Shopee refuses a
        stock list without `location_id` for such a shop.
        """
        locations = self.locations() if updates else ()
        results: dict[int, PushResult] = {}
        by_item: dict[str, list[tuple[int, StockUpdate]]] = {}
        for index, update in enumerate(updates):
            if len(locations) > 1 and not update.warehouses:
                results[index] = PushResult(update.item_id, update.variant_id, False, f"{self.label}: {LINK_LOCATIONS}")
            else:
                by_item.setdefault(update.item_id, []).append((index, update))
        groups = [chunk for group in by_item.values() for chunk in chunked(group, self.stock_models_per_call)]
        order = [index for group in groups for index, _ in group]
        try:
            pushed = self.push_in_groups([[u for _, u in group] for group in groups], lambda g: self._push_item(g, locations))
        except ApiError as err:
            err.partial_results = [results[i] for i in sorted(results)] + list(err.partial_results)
            raise
        results.update(zip(order, pushed, strict=True))
        return [results[i] for i in range(len(updates))]

    def _seller_stock(self, update: StockUpdate, locations: tuple[str, ...]) -> list[dict[str, Any]]:
        if locations and update.warehouses:
            return [{"location_id": wid, "stock": max(0, int(qty))} for wid, qty in update.warehouses]
        if len(locations) == 1:
            return [{"location_id": locations[0], "stock": max(0, int(update.quantity))}]
        return [{"stock": max(0, int(update.quantity))}]

    def _push_item(self, group: Sequence[StockUpdate], locations: tuple[str, ...] = ()) -> list[PushResult]:
        item_id = group[0].item_id
        stock_list = [
            {"model_id": int(u.variant_id) if u.variant_id.isdigit() else 0, "seller_stock": self._seller_stock(u, locations)}
            for u in group
        ]
        reply = self._call(
            "POST",
            "product/update_stock",
            json={"item_id": int(item_id) if item_id.isdigit() else item_id, "stock_list": stock_list},
            allow=frozenset({PARTIAL_STOCK_FAILURE}),
        )
        response = reply.data.get("response")
        outcome = parse(doc.StockResult, response if isinstance(response, dict) else {}, reply, "response")
        succeeded = {s.model_id or "0" for s in outcome.success_list or []}
        failed = {f.model_id or "0": f.failed_reason or "refused" for f in outcome.failure_list or []}
        whole_call_failed = bool(reply.data.get("error")) and not succeeded and not failed
        results = []
        for u in group:
            key = u.variant_id or "0"
            if key in failed:
                results.append(PushResult(u.item_id, u.variant_id, False, self._refusal(failed[key])))
            elif key in succeeded:
                results.append(PushResult(u.item_id, u.variant_id, True))
            elif whole_call_failed:
                results.append(PushResult(u.item_id, u.variant_id, False, self._refusal(str(reply.data.get("message") or reply.data.get("error")))))
            else:
                results.append(PushResult(u.item_id, u.variant_id, False, "Shopee's answer did not mention this model; the stock may not have changed"))
        return results

    def _refusal(self, reason: str) -> str:
        text = f"Shopee refused the stock: {reason}"
        lowered = reason.lower()
        if "reserved stock" in lowered or "reserve stock" in lowered:
            return f"{text}. {RESERVED_HINT}"
        if "location" in lowered:
            return f"{text}. Link the shop's locations to POS locations in the admin (Admin → Channel warehouses)"
        return text

    # -- connection and authorisation ----------------------------------
    def shop_info(self, token: tuple[str, str] | None = None) -> doc.ShopInfo:
        """`get_shop_info`, whose fields the documentation puts at the top level (older answers: under `response`)."""
        reply = self._call("GET", "shop/get_shop_info", token=token)
        body = reply.data
        source = body.get("response") if isinstance(body.get("response"), dict) and "expire_time" not in body else body
        return parse(doc.ShopInfo, source, reply)

    def check_connection(self) -> str:
        """Describe the shop, and keep its authorisation expiry on the channel.

        `expire_time` is when the seller's authorisation ends (at most 365
        days); refresh stops working then. The connection check stores it
        on `channel.authorization_expires_at` (the dashboard card shows it),
        names it in the description, and fails with "authorise again" once
        it has passed. A shop Shopee banned fails as suspended.
        """
        info = self.shop_info()
        name = info.shop_name or f"shop {self.credential('shop_id')}"
        status = (info.status or "").upper()
        if status == "BANNED":
            err = self.error(f"Shopee has banned shop {name}: resolve it in Seller Centre; syncing resumes once the shop is active", code="shop_banned")
            err.action, err.channel_wide = SUSPENDED, True
            raise err
        expiry = info.expire_time
        if expiry is not None:
            self._remember_authorisation(expiry)
            if expiry <= timezone.now():
                err = self.error(f"the shop's authorisation of the app ended on {expiry:%Y-%m-%d}. {REAUTHORISE_HINT}", code="shop_access_expired")
                err.action, err.channel_wide = REAUTHORISE, True
                raise err
        text = f"Shopee shop {name}" + (f" ({info.region})" if info.region else "")
        if status and status != "NORMAL":
            text += f", status {status}"
        if expiry is not None:
            text += f", authorisation valid until {expiry:%Y-%m-%d}"
        return text

    def _remember_authorisation(self, expiry: datetime) -> None:
        self.channel.authorization_expires_at = expiry
        if self.channel.pk is not None:
            type(self.channel).objects.filter(pk=self.channel.pk).update(authorization_expires_at=expiry)

    def _authorisation_expiry(self, access_token: str, shop_id: str) -> datetime | None:
        """The shop's authorisation end, read with a token just obtained; None if it cannot be read now.

        A failure here must not lose the tokens: the refresh token they
        replace is already spent.
        """
        try:
            return self.shop_info(token=(access_token, shop_id)).expire_time
        except ApiError:
            return None

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
        expiry = self._authorisation_expiry(tokens.access_token, str(shop_id))
        tokens.extra["authorization_expires_at"] = expiry or timezone.now() + timedelta(days=AUTHORISATION_DAYS)
        return tokens

    def refresh_tokens(self) -> TokenSet | None:
        """A new pair, plus the authorisation expiry from the shop info.

        "Invalid refresh_token." usually means another worker spent the
        single-use token first: the newest stored pair is taken if it differs;
        only when it does not is the channel's authorisation really gone.
        """
        partner_id = self.credential("partner_id")
        shop_id = self.credential("shop_id")
        used = self.credential("refresh_token")
        try:
            reply = self._call(
                "POST",
                "auth/access_token/get",
                json={
                    "refresh_token": used,
                    "partner_id": int(partner_id) if partner_id.isdigit() else partner_id,
                    "shop_id": int(shop_id) if shop_id.isdigit() else shop_id,
                },
                shop=False,
            )
        except ApiError as err:
            if getattr(err, "action", "") != REAUTHORISE:
                raise
            newer = self._newer_stored_tokens(used)
            if newer is None:
                raise
            return newer
        tokens = self._tokens(reply)
        expiry = self._authorisation_expiry(tokens.access_token, shop_id)
        if expiry is not None:
            tokens.extra["authorization_expires_at"] = expiry
        return tokens

    def _newer_stored_tokens(self, used_refresh_token: str) -> TokenSet | None:
        if self.channel.pk is None:
            return None
        row = type(self.channel).objects.filter(pk=self.channel.pk).first()
        creds = (row.credentials or {}) if row is not None else {}
        if not creds.get("refresh_token") or creds.get("refresh_token") == used_refresh_token or not creds.get("access_token"):
            return None
        refresh_expires = parse_datetime(str(creds.get("refresh_expires_at") or ""))
        return TokenSet(str(creds["access_token"]), str(creds["refresh_token"]), row.token_expires_at, refresh_expires, {})

    def _tokens(self, reply: Reply) -> TokenSet:
        body = reply.data
        source = body.get("response") if isinstance(body.get("response"), dict) and "access_token" not in body else body
        tokens = parse(doc.Tokens, source, reply)
        now = timezone.now()
        return TokenSet(tokens.access_token, tokens.refresh_token, now + timedelta(seconds=tokens.expire_in), now + timedelta(days=30), {})
