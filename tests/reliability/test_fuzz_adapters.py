"""Every adapter's parsing, fuzzed: whatever a platform answers, the adapter returns plain data or raises ApiError.

The HTTP layer is a real `requests.Session` whose transport answers with
bodies hypothesis draws per request: arbitrary JSON, the platform's envelope
around objects made of the field names the adapter reads (with the wrong
types, missing, huge or not-a-number values), and bytes in other encodings.
Anything but an `ApiError` (a KeyError, TypeError, OverflowError...) is a
failure: the sync engine would record it as "Unexpected error" instead of a
reason staff can act on.
"""

from __future__ import annotations

import json
import math
import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels_app.adapters.registry import ADAPTERS
from channels_app.adapters.types import (
    ChannelListing,
    ChannelOrder,
    OrderProblem,
    PushResult,
    RemoteOrderState,
    StockUpdate,
    TimeSlice,
)
from channels_app.models import Channel
from omnisync.lib.http import ApiError, ApiSession

CREDENTIALS = {
    "shopee": {"partner_id": "2001", "partner_key": "k" * 32, "shop_id": "3001", "access_token": "at", "refresh_token": "rt"},
    "tiktok": {"app_key": "ak", "app_secret": "s" * 32, "access_token": "at", "refresh_token": "rt", "shop_cipher": "c"},
    "lazada": {"app_key": "1001", "app_secret": "s" * 32, "access_token": "at", "refresh_token": "rt"},
    "woocommerce": {"consumer_key": "ck_x", "consumer_secret": "cs_x"},
    "shopify": {"access_token": "shpat_x", "location_id": "gid://shopify/Location/1", "client_secret": "s" * 32},
}
# Field names the adapters read, so drawn objects look like answers often enough to reach deep parsing.
FIELDS = [
    "error", "message", "request_id", "response", "data", "code", "more", "next_cursor", "order_list", "order_sn",
    "order_status", "update_time", "create_time", "item_list", "item_id", "model_id", "model_quantity_purchased",
    "model_discounted_price", "model_sku", "item_sku", "total_amount", "currency", "buyer_username", "item", "has_next_page",
    "next_offset", "has_model", "stock_info_v2", "seller_stock", "stock", "summary_info", "total_available_stock", "model",
    "success_list", "failure_list", "failed_reason", "orders", "id", "status", "line_items", "sku_id", "product_id",
    "seller_sku", "sale_price", "payment", "next_page_token", "total_count", "products", "skus", "inventory", "quantity",
    "errors", "detail", "shops", "cipher", "order_id", "updated_at", "created_at", "statuses", "countTotal", "order_items",
    "sku", "order_item_id", "paid_price", "price", "SkuId", "SellerSku", "total_products", "attributes", "variation_id",
    "date_modified_gmt", "date_created_gmt", "total", "billing", "type", "stock_quantity", "manage_stock", "update",
    "access_token", "refresh_token", "expire_in", "expires_in",
    "nodes", "edges", "node", "pageInfo", "hasNextPage", "endCursor", "lineItems", "updatedAt", "createdAt",
    "displayFinancialStatus", "displayFulfillmentStatus", "cancelledAt", "currentQuantity", "variant", "inventoryItem",
    "inventoryLevel", "quantities", "userErrors", "inventorySetQuantities", "productVariants", "totalPriceSet", "shopMoney",
    "amount", "currencyCode", "name", "legacyResourceId",
]
HUGE = st.sampled_from([10**12, 10**19, -(10**19), 10**30, 2**63, 1e308, -1e308, 10**400])
LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(), HUGE, st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20), st.sampled_from(["", "0", "1", "2026-11-11T10:00:00Z", "2026-13-45", "NaN", "1e999", "READY_TO_SHIP", "x" * 300]),
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(FIELDS), inner, max_size=6)),
    max_leaves=25,
)
ENVELOPES = {
    "shopee": lambda v: {"error": "", "message": "", "request_id": "r1", "response": v},
    "tiktok": lambda v: {"code": 0, "message": "Success", "request_id": "r1", "data": v},
    "lazada": lambda v: {"code": "0", "request_id": "r1", "data": v},
    "woocommerce": lambda v: v,
    "shopify": lambda v: {"data": v, "extensions": {"cost": {"requestedQueryCost": 10, "actualQueryCost": 10,
                          "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1990, "restoreRate": 100.0}}}},
}


def body_strategy(platform: str):
    as_json = st.one_of(VALUES.map(ENVELOPES[platform]), VALUES).map(lambda v: json.dumps(v).encode())
    other_encoding = st.text(max_size=40).map(lambda t: json.dumps({"message": t}, ensure_ascii=False).encode("utf-16"))
    return st.tuples(
        st.sampled_from([200, 200, 200, 200, 201, 400, 401, 403, 404, 429, 500, 503]),
        st.one_of(as_json, as_json, as_json, st.binary(max_size=60), other_encoding),
        st.sampled_from([{}, {"X-WP-Total": "3", "X-WP-TotalPages": "2"}, {"X-WP-Total": "x"}, {"Retry-After": "Thu, 01 Jan 2099 00:00:00 GMT"}]),
    )


class Scripted(requests.adapters.BaseAdapter):
    """A transport whose answers hypothesis draws, one per request; it refuses to serve an endless loop."""

    def __init__(self, draw, platform: str, limit: int = 60):
        super().__init__()
        self.draw, self.platform, self.limit, self.sent = draw, platform, limit, 0

    def send(self, request, **kwargs):
        self.sent += 1
        assert self.sent <= self.limit, f"the adapter kept asking ({self.sent} requests for one call): an endless paging loop"
        status, body, headers = self.draw(body_strategy(self.platform))
        response = requests.Response()
        response.status_code = status
        response._content = body
        response.headers.update({"Content-Type": "application/json", **headers})
        response.url = request.url
        response.request = request
        response.encoding = None
        return response

    def close(self):
        pass


def adapter_for(platform: str, draw):
    http = requests.Session()
    http.mount("http://", Scripted(draw, platform))
    http.mount("https://", Scripted(draw, platform))
    session = ApiSession(platform, max_retries=1, sleep=lambda s: None, session=http)
    channel = Channel(name=f"Fuzz {platform}", platform=platform, api_base_url=f"http://fuzz.invalid/{platform}",
                      auth_base_url=f"http://fuzz.invalid/{platform}-auth", currency="IDR")
    channel.credentials = dict(CREDENTIALS[platform])
    return ADAPTERS[platform](channel, session)


def sane_time(value) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None


def sane_decimal(value) -> bool:
    return isinstance(value, Decimal) and value.is_finite()


def check_result(result) -> None:
    """What an adapter returns is plain data the engine can store."""
    for item in result if isinstance(result, list) else [result]:
        if isinstance(item, RemoteOrderState):
            assert isinstance(item.external_id, str) and isinstance(item.raw_status, str) and sane_time(item.updated_at), item
        elif isinstance(item, ChannelOrder):
            assert sane_time(item.created_at) and sane_time(item.updated_at) and sane_decimal(item.total), item
            for line in item.lines:
                assert isinstance(line.quantity, int) and abs(line.quantity) < 2**31, line
                assert sane_decimal(line.unit_price) and isinstance(line.line_key, str), line
        elif isinstance(item, ChannelListing):
            assert item.stock is None or (isinstance(item.stock, int) and not isinstance(item.stock, bool) and abs(item.stock) < 2**31), item
            assert item.updated_at is None or sane_time(item.updated_at), item
        elif isinstance(item, OrderProblem):
            assert isinstance(item.external_id, str) and isinstance(item.reason, str) and item.reason, item
        elif isinstance(item, PushResult):
            assert isinstance(item.applied, bool) and isinstance(item.reason, str), item
        else:
            assert isinstance(item, str), item


NOW = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)
CALLS = {
    "list_order_states": lambda a: list(a.list_order_states(TimeSlice(NOW - timedelta(days=20), NOW))),
    "fetch_orders": lambda a: list(a.fetch_orders(["1001", "1002", "abc"])),
    "list_listings": lambda a: list(a.list_listings()),
    "list_listings_changed": lambda a: list(a.list_listings(changed_since=NOW - timedelta(days=1))),
    "push_stock": lambda a: a.push_stock([StockUpdate("11", "21", "SKU-1", 5), StockUpdate("11", "", "SKU-2", 0), StockUpdate("12", "22", "SKU-3", 9)]),
    "check_connection": lambda a: a.check_connection(),
    "refresh_tokens": lambda a: a.refresh_tokens(),
}


def fuzz(platform: str, call: str, data) -> None:
    adapter = adapter_for(platform, data.draw)
    error = None
    try:
        result = CALLS[call](adapter)
    except ApiError as err:
        error, result = err, None
    if error is not None:
        assert str(error).strip(), "an ApiError without a message"
        assert math.isfinite(error.retry_after or 0), error.retry_after
    elif result is not None:
        check_result(result)


FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")), deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))


def make_case(platform: str, call: str):
    @FUZZ
    @given(data=st.data())
    def case(data):
        fuzz(platform, call, data)

    case.__name__ = f"test_{platform}_{call}_never_raises_anything_but_api_error"
    return case


for _platform in ADAPTERS:
    for _call in CALLS:
        _case = make_case(_platform, _call)
        globals()[_case.__name__] = _case
