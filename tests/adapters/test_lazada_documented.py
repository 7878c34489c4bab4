"""The Lazada adapter fed Lazada's own documented example replies (tests/fixtures/lazada/).

Each fixture is copied from the Open Platform documentation (its `_source`
names the file and section). The transport below answers by API path from
a script; what the adapter should make of each reply is written out by hand
here, from reading the documentation, never computed by the adapter.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from channels_app.adapters.lazada import LazadaAdapter, lazada_sign
from channels_app.adapters.types import (
    ChannelListing,
    ChannelOrder,
    ChannelOrderLine,
    OrderProblem,
    RemoteOrderState,
    StockUpdate,
    TimeSlice,
)
from channels_app.models import Channel
from omnisync.lib.http import ApiError, ApiSession
from orders.status_maps import canonical_status

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lazada"


def doc(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def error(code: str, message: str = "refused", **extra) -> dict:
    return {"type": "ISV", "code": code, "message": message, "request_id": "r-err", **extra}


class Script(requests.adapters.BaseAdapter):
    """Answers each request from `routes[path]` (a body, or a function of the request's parameters)."""

    def __init__(self, routes):
        super().__init__()
        self.routes, self.sent = routes, []

    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        path = url.path.split("/rest", 1)[-1]
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        if request.body:
            body = request.body.decode() if isinstance(request.body, bytes) else request.body
            params.update({k: v[0] for k, v in parse_qs(body).items()})
        self.sent.append((path, params))
        route = self.routes[path]
        answer = route(params) if callable(route) else route
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(answer).encode()
        response.headers["Content-Type"] = "application/json"
        response.url, response.request, response.encoding = request.url, request, "utf-8"
        return response

    def close(self):
        pass


def adapter_with(routes) -> tuple[LazadaAdapter, Script]:
    script = Script(routes)
    http = requests.Session()
    http.mount("https://", script)
    session = ApiSession("Lazada", max_retries=0, sleep=lambda s: None, session=http)
    channel = Channel(name="Documented Lazada", platform="lazada", api_base_url="https://api.lazada.co.id/rest",
                      auth_base_url="https://auth.lazada.com/rest", currency="IDR")
    channel.credentials = {"app_key": "123456", "app_secret": "helloworld", "access_token": "at", "refresh_token": "rt"}
    return LazadaAdapter(channel, session), script


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# -- signing -------------------------------------------------------------
def test_signer_matches_the_published_vector():
    params = {"access_token": "test", "app_key": "123456", "order_id": "1234", "sign_method": "sha256",
              "timestamp": "1517820392000"}
    assert lazada_sign("helloworld", "/order/get", params) == "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A"


# -- orders --------------------------------------------------------------
def items_for(order_id: str) -> dict:
    """The documented GetMultipleOrderItems order, re-keyed to another order id."""
    entry = copy.deepcopy(doc("getmultipleorderitems.json")["data"][0])
    entry["order_id"] = order_id
    for item in entry["order_items"]:
        item["order_id"] = order_id
    return entry


def test_documented_order_list_gives_the_order_and_keeps_its_header_for_the_total():
    items = {"code": "0", "data": [items_for("491253082180001")], "request_id": "r"}
    adapter, script = adapter_with({"/orders/get": doc("getorders.json"), "/orders/items/get": items})
    states = list(adapter.list_order_states(TimeSlice(at("2018-02-01T00:00:00+00:00"), at("2018-02-11T00:00:00+00:00"))))
    # The documented order has an empty statuses[]: nothing to map yet.
    assert states == [RemoteOrderState("491253082180001", "", at("2018-02-09T22:44:30+08:00"))]
    [order] = list(adapter.fetch_orders(["491253082180001"]))
    assert order == ChannelOrder(
        external_id="491253082180001",
        raw_status="delivered",
        created_at=at("2018-02-09T22:44:30+08:00"),
        updated_at=at("2018-02-09T22:44:30+08:00"),
        currency="SGD",
        total=Decimal("106.54"),  # price 106.00 - voucher 0.00 + shipping_fee 0.54
        buyer_name="Ha Hung last_name",
        lines=(ChannelOrderLine(line_key="100827", seller_sku="BRSCR#06", item_id="", variant_id="666", quantity=1,
                                unit_price=Decimal("89.10"), raw_status="delivered"),),
    )
    assert canonical_status("lazada", order.raw_status) == "completed"
    assert [p for p, _ in script.sent] == ["/orders/get", "/orders/items/get"]


def test_documented_items_without_a_header_take_dates_from_the_items_and_total_from_paid_prices():
    adapter, script = adapter_with({
        "/orders/items/get": doc("getmultipleorderitems.json"),
        "/order/get": error("E0001", "Order not found."),
    })
    [order] = list(adapter.fetch_orders(["32793"]))
    assert order.external_id == "32793"
    assert order.created_at == at("2014-10-20T06:24:07+00:00")  # created_at "1413786247000" (ms)
    assert order.updated_at == at("2014-10-29T02:08:07+00:00")  # updated_at "1414548487000"
    assert order.total == Decimal("89.10")
    assert order.lines[0].variant_id == "666" and order.lines[0].item_id == ""
    assert [p for p, _ in script.sent] == ["/orders/items/get", "/order/get"]


def test_one_foreign_order_id_does_not_hold_back_the_other_49():
    good = [str(1000 + i) for i in range(49)]
    bad = "999"

    def answer(params):
        ids = [str(i) for i in json.loads(params["order_ids"])]
        if bad in ids:
            return doc("e037.json")
        return {"code": "0", "data": [items_for(i) for i in ids], "request_id": "r"}

    headers = {"code": "0", "data": doc("getorders.json")["data"]["orders"][0], "request_id": "r"}
    adapter, script = adapter_with({"/orders/items/get": answer, "/order/get": headers})
    ids = [*good[:20], bad, *good[20:]]
    results = list(adapter.fetch_orders(ids))
    orders = [r for r in results if isinstance(r, ChannelOrder)]
    problems = [r for r in results if isinstance(r, OrderProblem)]
    assert sorted(o.external_id for o in orders) == sorted(good)
    assert [p.external_id for p in problems] == [bad]
    assert "E037" in problems[0].reason and "Seller Center" in problems[0].reason
    item_calls = [len(json.loads(params["order_ids"])) for p, params in script.sent if p == "/orders/items/get"]
    # one refused call of 50, then halves down to the bad id (the 21st): 50 25 | 12 ok, 13 | 6 ok, 7 | 3 | 1 ok, 2 | 1 ok, 1 bad | 4 ok | 25 ok
    assert item_calls == [50, 25, 12, 13, 6, 7, 3, 1, 2, 1, 1, 4, 25]


def test_a_clean_batch_of_50_costs_one_call():
    ids = [str(5000 + i) for i in range(50)]
    adapter, script = adapter_with({
        "/orders/items/get": lambda p: {"code": "0", "data": [items_for(str(i)) for i in json.loads(p["order_ids"])]},
        "/order/get": {"code": "0", "data": doc("getorders.json")["data"]["orders"][0]},
    })
    for order_id in ids:
        adapter.listed_keep(order_id, doc("getorders.json")["data"]["orders"][0])
    assert len([r for r in adapter.fetch_orders(ids) if isinstance(r, ChannelOrder)]) == 50
    assert [p for p, _ in script.sent] == ["/orders/items/get"]


def test_an_order_that_does_not_fit_is_a_problem_and_the_rest_lands():
    broken = items_for("2")
    del broken["order_items"][0]["status"]
    adapter, _ = adapter_with({
        "/orders/items/get": {"code": "0", "data": [items_for("1"), broken]},
        "/order/get": {"code": "0", "data": doc("getorders.json")["data"]["orders"][0]},
    })
    results = list(adapter.fetch_orders(["1", "2"]))
    assert [type(r).__name__ for r in results] == ["ChannelOrder", "OrderProblem"]
    assert results[1].external_id == "2" and "status" in results[1].reason


# -- listings ------------------------------------------------------------
def test_documented_products_list():
    adapter, _ = adapter_with({"/products/get": doc("getproducts.json")})
    assert list(adapter.list_listings()) == [ChannelListing(
        item_id="180226526", variant_id="314525867", seller_sku="39817:01:01", stock=0, title="asd",
        status="Active,InActive,Pending QC,Suspended,Deleted", updated_at=at("2021-01-25T06:05:25+00:00"),
        warehouse_stock=(), held=None,
    )]


def test_read_back_is_one_item_call_and_reads_sellable_and_held():
    adapter, script = adapter_with({"/product/item/get": doc("getproductitem_data_demo.json")})
    listings = list(adapter.read_listings([("5758254690", "11212296431")]))
    # occupy 26 (paid, not yet RTS) + withhold 0: total 1,745 = sellable 1,719 + 26; the campaign lock of 200 is
    # part of the sellable figure.
    assert listings == [ChannelListing(
        item_id="5758254690", variant_id="11212296431", seller_sku="1pc", stock=1719, title="LC541", status="Active",
        updated_at=at("2022-07-11T10:43:15+00:00"), warehouse_stock=(), held=26,
    )]
    assert script.sent == [("/product/item/get", {**script.sent[0][1], "item_id": "5758254690"})]


def test_read_back_of_the_other_documented_product_shapes():
    adapter, _ = adapter_with({"/product/item/get": doc("getproducts_data_demo.json")})
    [listing] = adapter.read_listings([("2807246166", "13449296008")])
    assert (listing.stock, listing.held, listing.seller_sku, listing.title) == (20, 0, "12333-poi", "#TEST TITLE#$2022-02-18 15:21:16&")
    adapter, _ = adapter_with({"/product/item/get": doc("getproductitem.json")})
    [listing] = adapter.read_listings([("234222211", "314525867")])
    assert (listing.stock, listing.held, listing.item_id, listing.seller_sku) == (0, None, "234222211", "39817:01:01")



def test_pushed_listings_are_read_back_by_seller_sku_and_the_rest_by_id():
    """GetProducts' sku_seller_list (a JSON array, whole seller SKUs, at most 100): one call for the pushed SKUs,
    whatever else changed in the shop; a pushed listing that does not come back that way is read by id."""
    listed = doc("getproducts.json")  # item 180226526, SKU 314525867, seller SKU 39817:01:01
    adapter, script = adapter_with({
        "/product/stock/sellable/update": doc("updatesellablequantity.json"),
        "/products/get": listed,
        "/product/item/get": doc("getproductitem_data_demo.json"),  # item 5758254690, SKU 11212296431
    })
    adapter.push_stock([StockUpdate("180226526", "314525867", "39817:01:01", 0), StockUpdate("5758254690", "11212296431", "1pc", 1719)])
    got = list(adapter.read_listings([("180226526", "314525867"), ("5758254690", "11212296431")]))
    assert [(g.item_id, g.variant_id, g.stock) for g in got] == [("180226526", "314525867", 0), ("5758254690", "11212296431", 1719)]
    reads = [(path, params) for path, params in script.sent if "stock" not in path]
    assert [path for path, _ in reads] == ["/products/get", "/product/item/get"]
    asked = reads[0][1]
    assert json.loads(asked["sku_seller_list"]) == ["39817:01:01", "1pc"] and asked["filter"] == "all" and "update_after" not in asked
    assert reads[1][1]["item_id"] == "5758254690"


# -- stock ---------------------------------------------------------------
def test_push_sets_sellable_with_the_documented_call():
    adapter, script = adapter_with({"/product/stock/sellable/update": doc("updatesellablequantity.json")})
    results = adapter.push_stock([StockUpdate("234234234", "234", "Apple-SG-Glod-64G", 20)])
    assert [r.applied for r in results] == [True]
    [(path, params)] = script.sent
    assert path == "/product/stock/sellable/update"
    assert "<SellableQuantity>20</SellableQuantity>" in params["payload"] and "<Quantity>" not in params["payload"]
    assert "<ItemId>234234234</ItemId><SkuId>234</SkuId><SellerSku>Apple-SG-Glod-64G</SellerSku>" in params["payload"]


def test_push_names_every_warehouse_of_a_multi_warehouse_listing():
    adapter, script = adapter_with({"/product/stock/sellable/update": doc("updatesellablequantity.json")})
    adapter.push_stock([StockUpdate("234234234", "234", "Apple-SG-Glod-64G", 50,
                                    warehouses=(("warehouseTest1", 20), ("warehouseTest2", 30)))])
    payload = script.sent[0][1]["payload"]
    assert ("<MultiWarehouseInventories><MultiWarehouseInventory><WarehouseCode>warehouseTest1</WarehouseCode>"
            "<SellableQuantity>20</SellableQuantity></MultiWarehouseInventory><MultiWarehouseInventory>"
            "<WarehouseCode>warehouseTest2</WarehouseCode><SellableQuantity>30</SellableQuantity>"
            "</MultiWarehouseInventory></MultiWarehouseInventories>") in payload


def updates(n):
    return [StockUpdate(str(100 + i), str(200 + i), f"SKU-{i}", i) for i in range(n)]


def sku_count(params) -> int:
    return params["payload"].count("<Sku>")


def test_push_sends_20_skus_per_call():
    adapter, script = adapter_with({"/product/stock/sellable/update": doc("updatesellablequantity.json")})
    assert all(r.applied for r in adapter.push_stock(updates(45)))
    assert [sku_count(p) for _, p in script.sent] == [20, 20, 5]


def test_too_many_skus_splits_the_call():
    adapter, script = adapter_with({"/product/stock/sellable/update": lambda p: (
        error("E204", "Too many SKU in one request") if sku_count(p) > 8 else doc("updatesellablequantity.json"))})
    assert all(r.applied for r in adapter.push_stock(updates(20)))
    assert [sku_count(p) for _, p in script.sent] == [20, 10, 5, 5, 10, 5, 5]


def test_a_campaign_refusal_names_the_sku_and_the_others_land():
    def answer(params):
        if "<SkuId>203</SkuId>" in params["payload"]:
            return error("4170", "During the Bday Mega campaign ... Sellers can increase stocks, but may not decrease stocks.")
        return doc("updatesellablequantity.json")

    adapter, _ = adapter_with({"/product/stock/sellable/update": answer})
    results = adapter.push_stock(updates(6))
    assert [r.applied for r in results] == [True, True, True, False, True, True]
    assert "campaign" in results[3].reason and "may only go up" in results[3].reason


def test_detail_entries_are_matched_by_sku_id_then_seller_sku():
    answer = error("501", "Update product failed", detail=[
        {"sku_id": "201", "field": "SellableQuantity", "message": "below the campaign lock", "code": "4170"},
        {"seller_sku": "SKU-2", "field": "SellerSku", "message": "SKU not exist"},
    ])
    adapter, script = adapter_with({"/product/stock/sellable/update": answer})
    results = adapter.push_stock(updates(3))
    assert [r.applied for r in results] == [True, False, False]
    assert "below the campaign lock" in results[1].reason and "SKU not exist" in results[2].reason
    assert len(script.sent) == 1


# -- errors --------------------------------------------------------------
def test_illegal_access_token_refreshes_once_and_retries():
    calls = {"n": 0}

    def seller(params):
        calls["n"] += 1
        return error("IllegalAccessToken", "Invalid access token or expired.") if params["access_token"] == "at" else {
            "code": "0", "data": {"name": "Shop"}}

    token = {"code": "0", "access_token": "at2", "refresh_token": "rt2", "expires_in": 604800, "refresh_expires_in": 2592000,
             "country_user_info": [{"country": "id", "seller_id": "100"}]}
    adapter, script = adapter_with({"/seller/get": seller, "/auth/token/refresh": token})
    assert adapter.check_connection() == "Lazada seller Shop"
    assert [p for p, _ in script.sent] == ["/seller/get", "/auth/token/refresh", "/seller/get"]
    assert adapter.channel.credentials["access_token"] == "at2"


@pytest.mark.parametrize(("code", "transient"), [
    ("901", True), ("E901", True), ("ApiCallLimit", True),
    ("IncompleteSignature", False), ("MissingParameter", False), ("InvalidApiKey", False),
])
def test_error_codes_are_classified(code, transient):
    adapter, script = adapter_with({"/seller/get": error(code, "msg")})
    with pytest.raises(ApiError) as caught:
        adapter.check_connection()
    assert caught.value.code == code and caught.value.transient is transient
    assert len(script.sent) == 1
    if code in ("IncompleteSignature", "InvalidApiKey"):
        assert "admin" in str(caught.value)


def test_a_channel_wide_error_stops_the_push():
    adapter, script = adapter_with({"/product/stock/sellable/update": error("InvalidApiKey", "bad key")})
    with pytest.raises(ApiError) as caught:
        adapter.push_stock(updates(30))
    assert caught.value.code == "InvalidApiKey" and len(script.sent) == 1
