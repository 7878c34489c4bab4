"""The WooCommerce adapter fed the documentation's own example replies (tests/fixtures/woocommerce).

Every expected order, line, stock effect and listing below is written by hand
from the example replies; none is computed by the code under test. The
transport is a scripted `requests` adapter (as in the fuzz tests): each
request is answered by the next reply queued for its path, and recorded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections import defaultdict
from copy import deepcopy
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
import requests

from channels_app.adapters.types import (
    ChannelListing,
    ChannelOrder,
    ChannelOrderLine,
    OrderProblem,
    RemoteOrderState,
    StockUpdate,
    TimeSlice,
)
from channels_app.adapters.woocommerce import WooCommerceAdapter
from channels_app.models import Channel
from omnisync.lib.http import ApiError, ApiSession
from orders.effects import Effect, line_effect
from orders.status_maps import canonical_status

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "woocommerce"
BASE = "/wp-json/wc/v3"


def fixture(name: str) -> dict:
    data = json.loads((FIXTURES / name).read_text())
    assert data["_source"].startswith("woocommerce/"), "every fixture names the documentation section it is copied from"
    return data


def reply(body, status=200, headers=None) -> dict:
    return {"status": status, "headers": headers or {}, "body": body}


class Scripted(requests.adapters.BaseAdapter):
    """Answers each request with the next reply queued for its path (a callable gets the request); records requests."""

    def __init__(self, script: dict):
        super().__init__()
        self.script = {path: list(replies) for path, replies in script.items()}
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request, **kwargs):
        self.sent.append(request)
        path = urlsplit(request.url).path.removeprefix(BASE)
        queue = self.script.get(path)
        assert queue, f"unexpected request {request.method} {request.url}"
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if callable(answer):
            answer = answer(request)
        response = requests.Response()
        response.status_code = answer["status"]
        response._content = json.dumps(answer["body"]).encode()
        response.headers.update({"Content-Type": "application/json", **answer["headers"]})
        response.url, response.request, response.encoding = request.url, request, "utf-8"
        return response

    def close(self):
        pass

    def params(self, i: int) -> dict:
        return dict(parse_qsl(urlsplit(self.sent[i].url).query, keep_blank_values=True))


def adapter_for(script: dict, *, scheme: str = "https", retries: int = 0) -> tuple[WooCommerceAdapter, Scripted]:
    transport = Scripted(script)
    http = requests.Session()
    http.mount("http://", transport)
    http.mount("https://", transport)
    session = ApiSession("WooCommerce", max_retries=retries, sleep=lambda s: None, session=http)
    channel = Channel(name="Docs shop", platform="woocommerce", api_base_url=f"{scheme}://example.com", currency="IDR")
    channel.credentials = {"consumer_key": "ck_docs", "consumer_secret": "cs_docs"}
    return WooCommerceAdapter(channel, session), transport


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# Written by hand from _orders.md, "List all orders" / "Retrieve an order".
ORDER_727 = ChannelOrder(
    external_id="727",
    raw_status="processing",
    created_at=utc(2017, 3, 22, 19, 28, 2),
    updated_at=utc(2017, 3, 22, 19, 28, 8),
    currency="USD",
    total=Decimal("29.35"),
    buyer_name="John Doe",
    lines=(
        ChannelOrderLine("315", "", "93", "", 2, Decimal("3")),
        ChannelOrderLine("316", "Bar3", "22", "23", 1, Decimal("12")),
    ),
)
ORDER_723 = ChannelOrder(
    external_id="723",
    raw_status="completed",
    created_at=utc(2017, 3, 21, 19, 16, 0),
    updated_at=utc(2017, 3, 21, 19, 54, 51),
    currency="USD",
    total=Decimal("39.00"),
    buyer_name="João Silva",
    lines=(
        ChannelOrderLine("311", "", "87", "", 1, Decimal("9")),
        ChannelOrderLine("313", "", "34", "", 1, Decimal("20")),
    ),
)
WINDOW = TimeSlice(utc(2017, 3, 20), utc(2017, 3, 24))


def listed(name: str) -> dict:
    data = fixture(name)
    return reply(data["body"], data["status"], data["headers"])


# -- orders -------------------------------------------------------------------
def test_order_list_example_gives_states_orders_lines_and_stock_effects():
    adapter, transport = adapter_for({"/orders": [listed("orders_list.json"), reply([], headers={"X-WP-Total": "0", "X-WP-TotalPages": "0"})]})
    states = list(adapter.list_order_states(WINDOW))
    assert states == [
        RemoteOrderState("727", "processing", utc(2017, 3, 22, 19, 28, 8)),
        RemoteOrderState("723", "completed", utc(2017, 3, 21, 19, 54, 51)),
    ]
    first, trash = transport.params(0), transport.params(1)
    assert "status" not in first, "the list is read with WooCommerce's default status=any, never a list of core statuses"
    assert first["dates_are_gmt"] == "true" and first["orderby"] == "modified"
    assert trash["status"] == "trash", "trashed orders are not in `any`: the window is read again in the bin"

    orders = list(adapter.fetch_orders(["727", "723"]))
    assert orders == [ORDER_727, ORDER_723]
    assert len(transport.sent) == 2, "the list carries full orders: no detail request"

    # processing holds the units (to_ship: allocated); completed takes them off on hand.
    assert canonical_status("woocommerce", "processing") == "to_ship"
    assert canonical_status("woocommerce", "completed") == "completed"
    assert [line_effect("to_ship", line.quantity) for line in ORDER_727.lines] == [Effect(2, 0), Effect(1, 0)]
    assert [line_effect("completed", line.quantity) for line in ORDER_723.lines] == [Effect(0, 1), Effect(0, 1)]


def test_retrieve_example_through_include():
    data = fixture("order_retrieve.json")
    adapter, transport = adapter_for({"/orders": [reply([data["body"]], headers={"X-WP-Total": "1", "X-WP-TotalPages": "1"})]})
    assert list(adapter.fetch_orders(["727"])) == [ORDER_727]
    assert transport.params(0)["include"] == "727" and transport.params(0)["status"] == "any"


def test_an_order_in_the_bin_is_found_by_a_second_include_read():
    body = deepcopy(fixture("order_retrieve.json")["body"])
    body["status"] = "trash"
    adapter, transport = adapter_for({"/orders": [reply([]), reply([body])]})
    [order] = adapter.fetch_orders(["727"])
    assert order.raw_status == "trash" and canonical_status("woocommerce", "trash") == "cancelled"
    assert [transport.params(i)["status"] for i in range(2)] == ["any", "trash"]


def test_a_plugin_status_keeps_the_order_with_its_raw_slug():
    body = deepcopy(fixture("order_retrieve.json")["body"])
    body["status"] = "awaiting-shipment"  # registered by a plugin as wc-awaiting-shipment, returned without wc-
    adapter, _ = adapter_for({"/orders": [reply([body]), reply([])]})
    [state] = adapter.list_order_states(WINDOW)
    assert state == RemoteOrderState("727", "awaiting-shipment", utc(2017, 3, 22, 19, 28, 8))
    [order] = adapter.fetch_orders(["727"])
    assert order.raw_status == "awaiting-shipment" and order.lines == ORDER_727.lines
    assert canonical_status("woocommerce", "awaiting-shipment") == "unknown"
    # Conservative: a new line holds its units; one that already held them keeps that.
    assert line_effect("unknown", 2) == Effect(2, 0)
    assert line_effect("unknown", 2, current=Effect(0, 2)) == Effect(0, 2)


def test_an_order_that_does_not_fit_is_a_problem_naming_the_field_and_the_rest_lands():
    body = deepcopy(fixture("orders_list.json")["body"])
    body[1]["line_items"][0]["quantity"] = "two"
    adapter, _ = adapter_for({"/orders": [reply(body, headers={"X-WP-Total": "2", "X-WP-TotalPages": "1"}), reply([])]})
    assert [s.external_id for s in adapter.list_order_states(WINDOW)] == ["727", "723"]
    got = list(adapter.fetch_orders(["727", "723"]))
    assert got[0] == ORDER_727
    assert isinstance(got[1], OrderProblem) and got[1].external_id == "723"
    assert "line_items[0].quantity" in got[1].reason and "723" in got[1].reason

    # The same through include= (per-order validation of one page).
    adapter, _ = adapter_for({"/orders": [reply(body)]})
    got = list(adapter.fetch_orders(["727", "723"]))
    assert got[0] == ORDER_727 and isinstance(got[1], OrderProblem) and "line_items[0].quantity" in got[1].reason


def test_amounts_are_read_from_the_documented_string_fields():
    body = deepcopy(fixture("order_retrieve.json")["body"])
    body["total"] = "1250000.50"
    body["line_items"][0]["price"] = "625000.25"
    adapter, _ = adapter_for({"/orders": [reply([body])]})
    [order] = adapter.fetch_orders(["727"])
    assert order.total == Decimal("1250000.50") and order.lines[0].unit_price == Decimal("625000.25")


# -- listings and stock ---------------------------------------------------------
def test_product_and_variation_examples_give_listings():
    adapter, transport = adapter_for({"/products": [listed("products_list.json")], "/products/799/variations": [listed("variations_list.json")]})
    # Written by hand: the variable product is listed through its variations; manage_stock false means no stock figure.
    shipped = utc(2017, 3, 23, 20, 3, 12)
    assert list(adapter.list_listings()) == [
        ChannelListing("799", "733", "", None, "Ship Your Idea", "publish", shipped),
        ChannelListing("799", "732", "", None, "Ship Your Idea", "publish", shipped),
        ChannelListing("794", "", "", None, "Premium Quality", "publish", utc(2017, 3, 23, 20, 1, 14)),
    ]
    assert len(transport.sent) == 2


def test_batch_example_with_a_failing_item():
    data = fixture("products_batch.json")
    adapter, transport = adapter_for({"/products/batch": [reply(data["body"])]})
    results = adapter.push_stock([StockUpdate("799", "", "", 5), StockUpdate("800", "", "", 3)])
    assert json.loads(transport.sent[0].body) == {"update": [{"id": 799, "stock_quantity": 5}, {"id": 800, "stock_quantity": 3}]}
    assert [r.applied for r in results] == [False, False]
    assert "Manage stock" in results[0].reason  # the documented 799 does not manage stock
    assert "woocommerce_rest_product_invalid_id" in results[1].reason and "scan the channel again" in results[1].reason


def test_a_batch_the_store_finds_too_big_is_split():
    def answer(request):
        entries = json.loads(request.body)["update"]
        if len(entries) > 2:
            return reply({"code": "woocommerce_rest_request_entity_too_large",
                          "message": "Unable to accept more than 2 items for this request.", "data": {"status": 413}}, 413)
        return reply({"update": [{"id": e["id"], "manage_stock": True, "stock_quantity": e["stock_quantity"]} for e in entries]})

    adapter, transport = adapter_for({"/products/batch": [answer]})
    results = adapter.push_stock([StockUpdate(str(i), "", "", i) for i in range(1, 6)])
    assert [r.applied for r in results] == [True] * 5
    sizes = [len(json.loads(r.body)["update"]) for r in transport.sent]
    assert sizes == [5, 2, 3, 1, 2], "halved until the store accepts: 5 → 2 + 3, 3 → 1 + 2"


# -- errors ---------------------------------------------------------------------
def test_documented_error_body():
    adapter, _ = adapter_for({"/products": [listed("error_not_found.json")]})
    with pytest.raises(ApiError) as caught:
        adapter.check_connection()
    err = caught.value
    assert (err.code, err.http_status, err.transient) == ("woocommerce_rest_term_invalid", 404, False)
    assert "Resource doesn't exist." in str(err) and "no longer exists" in str(err)


@pytest.mark.parametrize(
    ("status", "code", "transient", "advice"),
    [
        (401, "woocommerce_rest_authentication_error", False, "consumer key and secret"),
        (401, "woocommerce_rest_cannot_view", False, "consumer key and secret"),
        (403, "woocommerce_rest_cannot_edit", False, "Read/Write access"),
        (404, "woocommerce_rest_product_invalid_id", False, "no longer exists"),
        (400, "rest_invalid_param", False, "retrying will not help"),
        (413, "woocommerce_rest_request_entity_too_large", False, "splits the batch"),
        (429, "too_many_requests", True, "retries later"),
        (500, "internal_server_error", True, "retries later"),
        (503, "woocommerce_rest_service_unavailable", True, "retries later"),
    ],
)
def test_error_classes(status, code, transient, advice):
    body = {"code": code, "message": "As the store said it.", "data": {"status": status}}
    adapter, transport = adapter_for({"/products": [reply(body, status)]})
    with pytest.raises(ApiError) as caught:
        adapter.check_connection()
    err = caught.value
    assert (err.code, err.http_status, err.transient) == (code, status, transient)
    assert advice in str(err) and "As the store said it." in str(err)
    assert len(transport.sent) == 1
    if status in (401, 403):
        assert code in adapter.channel_wide_codes, "a push stops at the first refusal of the keys"


def test_paging_follows_the_link_header_when_the_totals_are_missing():
    page_one = deepcopy(fixture("products_list.json")["body"][1])
    page_two = deepcopy(page_one) | {"id": 795}
    link = '<https://example.com/wp-json/wc/v3/products?page=2>; rel="next", <https://example.com/wp-json/wc/v3/products?page=2>; rel="last"'
    adapter, transport = adapter_for({"/products": [reply([page_one], headers={"Link": link}), reply([page_two], headers={"Link": '<x>; rel="prev"'})]})
    assert [x.item_id for x in adapter.list_listings()] == ["794", "795"]
    assert [transport.params(i)["page"] for i in range(2)] == ["1", "2"]


# -- signing ----------------------------------------------------------------------
def _docs_pct(text: str) -> str:
    """The documentation's percent encoding (PHP rawurlencode: everything but A-Z a-z 0-9 - _ . ~)."""
    return quote(text, safe="-_.~")


def _docs_base_string(method: str, url: str, params: list[tuple[str, str]]) -> str:
    """Authentication over HTTP, "Creating a signature", steps 1-3 then the base string's five steps."""
    encoded = sorted((_docs_pct(k), _docs_pct(v)) for k, v in params)
    joined = "&".join(f"{k}={v}" for k, v in encoded)
    return method.upper() + "&" + _docs_pct(url) + "&" + _docs_pct(joined)


def test_oauth1_base_string_matches_the_documented_example_and_the_adapter_signs_with_it():
    documented = (
        "GET&http%3A%2F%2Fwww.example.com%2Fwp-json%2Fwc%2Fv3%2Forders"
        "&oauth_consumer_key%3Dabc123%26oauth_signature_method%3DHMAC-SHA1"
    )
    assert _docs_base_string(
        "GET", "http://www.example.com/wp-json/wc/v3/orders",
        [("oauth_signature_method", "HMAC-SHA1"), ("oauth_consumer_key", "abc123")],
    ) == documented

    adapter, transport = adapter_for({"/orders": [reply([]), reply([])]}, scheme="http")
    list(adapter.list_order_states(WINDOW))
    for sent in transport.sent:
        query = parse_qsl(urlsplit(sent.url).query, keep_blank_values=True)
        given = dict(query)
        assert "oauth_version" not in given, "the documentation asks to leave oauth_version out"
        assert given["oauth_signature_method"] == "HMAC-SHA256" and given["oauth_consumer_key"] == "ck_docs"
        base = _docs_base_string("GET", "http://example.com/wp-json/wc/v3/orders", [(k, v) for k, v in query if k != "oauth_signature"])
        expected = base64.b64encode(hmac.new(b"cs_docs&", base.encode(), hashlib.sha256).digest()).decode()
        assert given["oauth_signature"] == expected
        assert "modified_after" in given, "the request's own parameters are signed too"


def test_https_uses_basic_auth_without_oauth_parameters():
    adapter, transport = adapter_for({"/products": [reply([])]})
    adapter.check_connection()
    sent = transport.sent[0]
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(b"ck_docs:cs_docs").decode()
    assert "oauth_signature" not in sent.url


def test_fixtures_are_what_the_adapter_reads_not_their_source_note():
    loaded = defaultdict(int)
    for path in FIXTURES.glob("*.json"):
        data = json.loads(path.read_text())
        assert set(data) == {"_source", "status", "headers", "body"}, path.name
        loaded[path.name] += 1
    assert set(loaded) >= {"orders_list.json", "order_retrieve.json", "products_list.json", "variations_list.json",
                           "products_batch.json", "error_not_found.json"}
