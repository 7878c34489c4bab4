"""The TikTok adapter fed the documentation's own example replies (tests/fixtures/tiktok/, each naming its source).

A scripted transport answers each request with the next reply; the expected
orders, lines, stock effects, listings and tokens are written out by hand from
the documented examples, never computed by the code under test.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from channels_app.adapters.tiktok import TikTokAdapter
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
from channels_app.models import Channel
from omnisync.lib.http import ApiError, ApiSession
from orders.effects import Effect, line_effect
from orders.status_maps import canonical_status

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tiktok"
SECRET = "s" * 32


def fixture(name: str) -> dict:
    data = json.loads((FIXTURES / name).read_text())
    assert data.pop("_source").startswith("lazykern/ecommerce-api-docs data/")
    return data


def reply(body, status: int = 200, headers: dict | None = None):
    return status, json.dumps(body).encode(), headers or {}


class Scripted(requests.adapters.BaseAdapter):
    """Answers requests with the scripted replies in order and keeps what was sent."""

    def __init__(self, replies):
        super().__init__()
        self.replies, self.sent = list(replies), []

    def send(self, request, **kwargs):
        self.sent.append(request)
        status, body, headers = self.replies.pop(0)
        response = requests.Response()
        response.status_code, response._content, response.url, response.request = status, body, request.url, request
        response.headers.update({"Content-Type": "application/json", **headers})
        return response

    def close(self):
        pass


def adapter_with(*replies, retries: int = 0, **credentials):
    transport = Scripted(replies)
    http = requests.Session()
    http.mount("https://", transport)
    session = ApiSession("TikTok Shop", max_retries=retries, sleep=lambda s: None, session=http)
    channel = Channel(name="Documented", platform="tiktok", api_base_url="https://open-api.tiktokglobalshop.com",
                      auth_base_url="https://auth.tiktok-shops.com", currency="IDR")
    channel.credentials = {"app_key": "123abc", "app_secret": SECRET, "access_token": "at", "refresh_token": "rt",
                           "shop_cipher": "ROW_RHkDDABBAAB8tKAVoAqsMTjsQZFLyNfY", **credentials}
    return TikTokAdapter(channel, session), transport


def sent_json(request) -> dict:
    return json.loads(request.body)


LAST_PAGE = {"code": 0, "message": "Success", "request_id": "r2", "data": {"next_page_token": "", "total_count": 22113, "orders": []}}
CREATED = datetime(2021, 4, 28, 12, 6, 1, tzinfo=UTC)
UPDATED = datetime(2021, 4, 28, 14, 49, 15, tzinfo=UTC)


# ---------------------------------------------------------------- orders


def test_order_list_example_gives_its_state_and_the_bundle_expanded_into_its_component():
    # The example's next_page_token asks for a second page; that page (empty, same total) is ours.
    adapter, transport = adapter_with(reply(fixture("orders_search.json")), reply(LAST_PAGE))
    states = list(adapter.list_order_states(TimeSlice(datetime(2021, 4, 28, tzinfo=UTC), datetime(2021, 4, 29, tzinfo=UTC))))
    assert states == [RemoteOrderState("576461413038785752", "UNPAID", UPDATED)]
    assert dict(parse_qsl(urlsplit(transport.sent[1].url).query))["page_token"] == (
        "6AsPQsUMvH3RkchNUPPh22NROHkE0D8pmq/N5M1kHYcZmtRyv9aVrNv65W7Q6tFA+7D1ud64MPNz5OaT")
    orders = list(adapter.fetch_orders(["576461413038785752"]))
    assert len(transport.sent) == 2  # served from the list answer, which carries full orders
    assert orders == [ChannelOrder(
        external_id="576461413038785752", raw_status="UNPAID", created_at=CREATED, updated_at=UPDATED, currency="IDR",
        total=Decimal("5000"), buyer_name="David Kong",
        lines=(ChannelOrderLine(line_key="577086512123755123:2729382476852921123", seller_sku="yellow-24-XL",
                                item_id="1729582718312380456", variant_id="2729382476852921123", quantity=1,
                                unit_price=Decimal("0.01"), raw_status="UNPAID"),),
    )]
    assert canonical_status("tiktok", "UNPAID") == "unpaid"
    assert line_effect("unpaid", 1) == Effect(allocated=1, deducted=0)


def test_order_detail_example_line_status_to_ship_holds_the_unit():
    adapter, transport = adapter_with(reply(fixture("order_detail.json")))
    (order,) = adapter.fetch_orders(["576461413038785752"])
    assert dict(parse_qsl(urlsplit(transport.sent[0].url).query))["ids"] == "576461413038785752"
    assert order.raw_status == "UNPAID" and order.total == Decimal("5000") and order.created_at == CREATED
    assert order.lines == (ChannelOrderLine(
        line_key="577086512123755123:2729382476852921123", seller_sku="yellow-24-XL", item_id="1729582718312380456",
        variant_id="2729382476852921123", quantity=1, unit_price=Decimal("0.01"), raw_status="TO_SHIP"),)
    # TO_SHIP is the example's value, not in the documented list: it means "to ship", and holds the unit.
    assert canonical_status("tiktok", "TO_SHIP") == "to_ship"
    assert line_effect("to_ship", 1) == Effect(allocated=1, deducted=0)


def test_each_line_item_is_one_unit_with_its_own_status_and_a_bundle_shares_its_price():
    body = fixture("order_detail.json")
    order = body["data"]["orders"][0]
    order["status"] = "AWAITING_SHIPMENT"
    plain = {k: v for k, v in order["line_items"][0].items() if k != "combined_listing_skus"}
    order["line_items"] = [
        {**plain, "id": "L1", "display_status": "AWAITING_SHIPMENT"},
        {**plain, "id": "L2", "display_status": "CANCELLED"},
        {**plain, "id": "L3", "sale_price": "100.00", "display_status": "AWAITING_SHIPMENT", "combined_listing_skus": [
            {"sku_id": "A", "sku_count": 2, "product_id": "PA", "seller_sku": "SKU-A"},
            {"sku_id": "B", "sku_count": 1, "product_id": "PB", "seller_sku": "SKU-B"}]},
    ]
    adapter, _ = adapter_with(reply(body))
    (got,) = adapter.fetch_orders(["576461413038785752"])
    assert got.lines == (
        ChannelOrderLine("L1", "red_iphone_256", "1729582718312380123", "2729382476852921560", 1, Decimal("0.01"), "AWAITING_SHIPMENT"),
        ChannelOrderLine("L2", "red_iphone_256", "1729582718312380123", "2729382476852921560", 1, Decimal("0.01"), "CANCELLED"),
        ChannelOrderLine("L3:A", "SKU-A", "PA", "A", 2, Decimal("33.33"), "AWAITING_SHIPMENT"),
        ChannelOrderLine("L3:B", "SKU-B", "PB", "B", 1, Decimal("33.33"), "AWAITING_SHIPMENT"),
    )
    assert line_effect(canonical_status("tiktok", "CANCELLED"), 1) == Effect(0, 0)
    assert line_effect(canonical_status("tiktok", "AWAITING_SHIPMENT"), 2) == Effect(2, 0)


def test_an_order_that_does_not_fit_is_a_problem_and_the_rest_lands():
    body = fixture("order_detail.json")
    good = body["data"]["orders"][0]
    bad = copy.deepcopy(good)
    bad["id"] = "576461413038785753"
    del bad["line_items"][0]["sku_id"]
    body["data"]["orders"] = [bad, good]
    adapter, _ = adapter_with(reply(body))
    problem, order = adapter.fetch_orders(["576461413038785753", "576461413038785752"])
    assert isinstance(problem, OrderProblem) and problem.external_id == "576461413038785753"
    assert "line_items[0].sku_id" in problem.reason and "missing" in problem.reason
    assert order.external_id == "576461413038785752"


@pytest.mark.parametrize(("raw", "canonical"), [
    ("UNPAID", "unpaid"), ("ON_HOLD", "to_ship"), ("AWAITING_SHIPMENT", "to_ship"), ("PARTIALLY_SHIPPING", "to_ship"),
    ("AWAITING_COLLECTION", "to_ship"), ("IN_TRANSIT", "shipped"), ("DELIVERED", "completed"), ("COMPLETED", "completed"),
    ("CANCELLED", "cancelled"), ("CANCEL", "cancelled"), ("TO_SHIP", "to_ship"), ("SOMETHING_NEW", "unknown"),
])
def test_every_documented_status_is_mapped(raw, canonical):
    assert canonical_status("tiktok", raw) == canonical


# ---------------------------------------------------------------- listings and stock


def test_products_search_example_lists_active_skus_per_warehouse():
    last = {"code": 0, "message": "Success", "request_id": "r2", "data": {"products": [], "next_page_token": ""}}
    adapter, transport = adapter_with(reply(fixture("products_search.json")), reply(last))
    assert list(adapter.list_listings()) == [ChannelListing(
        item_id="1729592969712207008", variant_id="1729592969712207012", seller_sku="Color-Red-XM01", stock=999,
        title="Short Boat Invisible Socks", status="ACTIVATE", updated_at=datetime(2009, 2, 13, 23, 30, 0, tzinfo=UTC),
        warehouse_stock=(("7068517275539719942", 999),),
    )]
    assert sent_json(transport.sent[0]) == {"status": "ACTIVATE"}


def test_inventory_search_example_is_the_read_back():
    adapter, transport = adapter_with(reply(fixture("inventory_search.json")))
    got = list(adapter.read_listings([("1729592969712207008", "1729388324987897824")]))
    assert got == [ChannelListing(item_id="1729592969712207008", variant_id="1729388324987897824", seller_sku="Color-Red-XM01",
                                  stock=100, warehouse_stock=(("7054915283043174149", 100),), held=10)]
    assert transport.sent[0].path_url.startswith("/product/202309/inventory/search?")
    assert sent_json(transport.sent[0]) == {"sku_ids": ["1729388324987897824"]}


def test_inventory_update_example_partial_failure_names_the_sku_and_warehouse():
    warehouses = {"code": 0, "message": "Success", "request_id": "r0", "data": {"inventory": [{"product_id": "1729382561353664372", "skus": [
        {"id": "1729592969712207013", "warehouse_inventory": [{"warehouse_id": "7068517275539719942", "available_quantity": 5}]},
        {"id": "1729592969712207014", "warehouse_inventory": [{"warehouse_id": "7068517275539719942", "available_quantity": 5}]}]}]}}
    adapter, transport = adapter_with(reply(warehouses), reply(fixture("inventory_update_errors.json")))
    results = adapter.push_stock([
        StockUpdate("1729382561353664372", "1729592969712207013", "A", 999),
        StockUpdate("1729382561353664372", "1729592969712207014", "B", 0),
    ])
    assert sent_json(transport.sent[1]) == {"skus": [
        {"id": "1729592969712207013", "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 999}]},
        {"id": "1729592969712207014", "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 0}]},
    ]}
    assert transport.sent[1].path_url.startswith("/product/202309/products/1729382561353664372/inventory/update?")
    assert results[1] == PushResult("1729382561353664372", "1729592969712207014", True)
    assert not results[0].applied
    assert "12052990" in results[0].reason
    assert "warehouse 7068517275539719942: 12052097 (The warehouse does not exist)" in results[0].reason
    assert "POS locations in the admin" in results[0].reason


def test_combo_refusal_is_a_refused_sku_not_a_retry():
    warehouses = {"code": 0, "data": {"inventory": []}, "message": "Success", "request_id": "r0"}
    combo = {"code": 0, "message": "Success", "request_id": "r1", "data": {"errors": [
        {"code": 12052850, "message": "The stock of combo does not support being edited.", "detail": {"sku_id": "9"}}]}}
    adapter, transport = adapter_with(reply(warehouses), reply(combo), retries=3)
    (result,) = adapter.push_stock([StockUpdate("8", "9", "GIFT", 3)])
    assert not result.applied and "component SKUs" in result.reason
    assert len(transport.sent) == 2


def test_warehouse_list_example_gives_sales_warehouses():
    adapter, _ = adapter_with(reply(fixture("warehouses.json")))
    assert adapter.list_warehouses() == [("7000714532876273410", "Guangzhou", True)]


# ---------------------------------------------------------------- tokens and signing


def test_token_example_gives_timestamps_not_durations():
    adapter, transport = adapter_with(reply(fixture("token_get.json")))
    tokens = adapter.refresh_tokens()
    assert (tokens.access_token, tokens.refresh_token, tokens.access_expires_at, tokens.refresh_expires_at) == (
        "TTP_Fw8rBwAAAAAkW03FYd09DG-9INtpw361hWthei8S3fHX8iPJ5AUv99fLSCYD9-UucaqxTgNRzKZxi5-tfFMtdWqglEt5_iCk",
        "TTP_NTUxZTNhYTQ2ZDk2YmRmZWNmYWY2YWY2YzkxNGYwNjQ3YjkzYTllYjA0YmNlMw",
        datetime(2022, 8, 15, 9, 46, 23, tzinfo=UTC),
        datetime(2023, 8, 8, 9, 30, 31, tzinfo=UTC),
    )
    assert isinstance(tokens, TokenSet)
    assert transport.sent[0].url.startswith("https://auth.tiktok-shops.com/api/v2/token/refresh?")


def independent_sign(secret: str, path: str, query: dict, body: bytes) -> str:
    """The documented steps: sort the query names (without sign, access_token), join name+value, put the path in
    front, append the body, wrap in the secret, HMAC-SHA256 with the secret, hex."""
    joined = "".join(name + query[name] for name in sorted(query) if name not in ("sign", "access_token"))
    return hmac.new(secret.encode(), (secret + path + joined).encode() + body + secret.encode(), hashlib.sha256).hexdigest()


def test_signature_of_the_documented_example():
    # "create a hash to sign your test API call": app_key 123456, timestamp 1234567890, secret abc000def111.
    expected = hmac.new(b"abc000def111", b"abc000def111/authorization/202309/shopsapp_key123456timestamp1234567890abc000def111",
                        hashlib.sha256).hexdigest()
    assert independent_sign("abc000def111", "/authorization/202309/shops", {"app_key": "123456", "timestamp": "1234567890"},
                            b"") == expected


def test_the_adapter_signs_path_query_and_body_as_documented():
    adapter, transport = adapter_with(reply(fixture("products_search.json")),
                                      reply({"code": 0, "data": {"products": [], "next_page_token": ""}}))
    list(adapter.list_listings())
    sent = transport.sent[0]
    query = dict(parse_qsl(urlsplit(sent.url).query))
    assert query["sign"] == independent_sign(SECRET, "/product/202502/products/search", query, sent.body)
    assert sent.headers["x-tts-access-token"] == "at"


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(("status", "code", "transient"), [
    (429, 36009002, True), (500, 36009003, True), (200, 36009007, True), (401, 36009004, False), (401, 106001, False),
])
def test_documented_error_codes_are_classified(status, code, transient):
    adapter, _ = adapter_with(reply({"code": code, "message": "x", "request_id": "r", "data": None}, status))
    with pytest.raises(ApiError) as caught:
        list(adapter.list_warehouses())
    assert (caught.value.code, caught.value.transient) == (str(code), transient)
    if not transient:
        assert caught.value.code in adapter.channel_wide_codes


def test_overload_protection_503_is_transient():
    adapter, _ = adapter_with((503, b"<html>busy</html>", {}))
    with pytest.raises(ApiError) as caught:
        adapter.list_warehouses()
    assert caught.value.transient


def test_expired_token_is_refreshed_and_the_call_repeated():
    expired = {"code": 105002, "message": "Access token expired.", "request_id": "r", "data": None}
    adapter, transport = adapter_with(reply(expired, 401), reply(fixture("token_get.json")), reply(fixture("warehouses.json")))
    assert adapter.list_warehouses() == [("7000714532876273410", "Guangzhou", True)]
    assert transport.sent[2].headers["x-tts-access-token"].startswith("TTP_Fw8rBwAAAAAkW03F")
