"""The Shopee adapter fed the replies of Shopee's documentation (tests/fixtures/shopee/*.json).

Each fixture names the page it was copied from in "_source" (the adapter
ignores the key). A scripted transport answers each API path from a queue of
fixtures and records what the adapter sent; the expected orders, lines,
listings, stock effects and push results below are written by hand from the
fixtures, never computed by the code under test.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from channels_app.adapters import shopee as adapter_module
from channels_app.adapters.shopee import REAUTHORISE, REFRESH, REFUSED, RETRY, SUSPENDED, ShopeeAdapter, classify
from channels_app.adapters.types import (
    ChannelListing,
    ChannelOrder,
    ChannelOrderLine,
    OrderProblem,
    PushResult,
    StockUpdate,
    TimeSlice,
)
from channels_app.models import Channel
from omnisync.lib.http import ApiError, ApiSession
from orders.effects import Effect, line_effect
from orders.status_maps import canonical_status

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "shopee"
CREDENTIALS = {"partner_id": "2001", "partner_key": "k" * 32, "shop_id": "600000", "access_token": "at-1", "refresh_token": "rt-1"}
TOKENS = {"request_id": "t1", "error": "", "message": "", "access_token": "at-2", "refresh_token": "rt-2", "expire_in": 14400}


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


class Scripted(requests.adapters.BaseAdapter):
    """Answers each API path from its queue (the last answer repeats) and records every request."""

    def __init__(self, routes: dict[str, list]):
        super().__init__()
        self.routes = {path: list(answers) for path, answers in routes.items()}
        self.sent: list[tuple[str, str, dict, dict | None]] = []

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        path = parts.path.removeprefix("/shopee")
        params = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(parts.query).items()}
        body = json.loads(request.body) if request.body else None
        self.sent.append((request.method, path, params, body))
        queue = self.routes.get(path)
        assert queue, f"no scripted answer for {path}"
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        status, data = answer if isinstance(answer, tuple) else (200, answer)
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(fixture(data) if isinstance(data, str) else data).encode()
        response.headers["Content-Type"] = "application/json"
        response.url, response.request = request.url, request
        return response

    def close(self):
        pass

    def calls(self, path: str) -> list[tuple[str, str, dict, dict | None]]:
        return [c for c in self.sent if c[1] == path]


def make(routes: dict[str, list], **credentials) -> tuple[ShopeeAdapter, Scripted]:
    transport = Scripted(routes)
    http = requests.Session()
    http.mount("http://", transport)
    channel = Channel(name="Documented Shopee", platform="shopee", api_base_url="http://docs.invalid/shopee", currency="IDR")
    channel.credentials = {**CREDENTIALS, **credentials}
    return ShopeeAdapter(channel, ApiSession("Shopee", max_retries=0, sleep=lambda s: None, session=http)), transport


DETAIL = "/api/v2/order/get_order_detail"
LIST = "/api/v2/order/get_order_list"
SHOP_INFO = "/api/v2/shop/get_shop_info"
WAREHOUSES = "/api/v2/shop/get_warehouse_detail"
BASE_INFO = "/api/v2/product/get_item_base_info"
MODELS = "/api/v2/product/get_model_list"
UPDATE = "/api/v2/product/update_stock"
REFRESH_PATH = "/api/v2/auth/access_token/get"

DOCUMENTED_ORDER = ChannelOrder(
    external_id="2404098R48U37H",
    raw_status="COMPLETED",
    created_at=datetime(2024, 4, 8, 18, 39, 51, tzinfo=UTC),
    updated_at=datetime(2024, 4, 15, 0, 12, 28, tzinfo=UTC),
    currency="VND",
    total=Decimal("32119"),
    buyer_name="xt4fdsf96j",
    lines=(
        ChannelOrderLine(
            line_key="23620853561:221404189791",
            seller_sku="QAZ-SADOER-05",
            item_id="23620853561",
            variant_id="221404189791",
            quantity=1,
            unit_price=Decimal("48000"),
        ),
    ),
)


# -- orders ------------------------------------------------------------------------------------------


def test_documented_order_detail_becomes_the_canonical_order_and_stock_effect():
    adapter, transport = make({DETAIL: ["get_order_detail"]})
    orders = list(adapter.fetch_orders(["2404098R48U37H"]))
    assert orders == [DOCUMENTED_ORDER]
    assert canonical_status("shopee", orders[0].raw_status) == "completed"
    assert line_effect(canonical_status("shopee", "COMPLETED"), orders[0].lines[0].quantity) == Effect(allocated=0, deducted=1)
    _, _, params, _ = transport.calls(DETAIL)[0]
    assert params["order_sn_list"] == "2404098R48U37H"
    assert "item_list" in params["response_optional_fields"].split(",")


def test_an_order_that_does_not_fit_is_reported_alone_and_the_rest_lands():
    reply = fixture("get_order_detail")
    bad = copy.deepcopy(reply["response"]["order_list"][0])
    bad["order_sn"] = "2404098BAD0000"
    del bad["item_list"][0]["model_quantity_purchased"]
    reply["response"]["order_list"].insert(0, bad)
    adapter, _ = make({DETAIL: [reply]})
    got = list(adapter.fetch_orders(["2404098BAD0000", "2404098R48U37H"]))
    assert got[1] == DOCUMENTED_ORDER
    assert isinstance(got[0], OrderProblem) and got[0].external_id == "2404098BAD0000"
    assert "response.order_list[0].item_list[0].model_quantity_purchased is missing" in got[0].reason
    assert "2404098BAD0000" in got[0].reason


def test_documented_order_list_keeps_unknown_statuses_and_stays_inside_15_days():
    last_page = fixture("get_order_list")
    last_page["response"].update(more=False, next_cursor="", order_list=[])
    adapter, transport = make({LIST: ["get_order_list", last_page], DETAIL: [(404, "error_order_not_found")]})
    end = datetime(2026, 11, 11, tzinfo=UTC)
    slices = adapter.order_slices(end - timedelta(days=30), end)
    assert len(slices) == 3 and all(s.end - s.start < timedelta(days=15) for s in slices)
    states = list(adapter.list_order_states(TimeSlice(end - timedelta(days=10), end)))
    assert [(s.external_id, s.raw_status) for s in states] == [("201218V2Y6E59M", "READY_TO_SHIP"), ("201218V2W2SG1E", "PENDING_INVOICE")]
    assert canonical_status("shopee", "READY_TO_SHIP") == "to_ship"
    assert canonical_status("shopee", "PENDING_INVOICE") == "unknown"
    cursors = [params["cursor"] if "cursor" in params else "" for _, _, params, _ in transport.calls(LIST)]
    assert cursors[:2] == ["", "2"]
    for _, _, params, _ in transport.calls(LIST):
        assert int(params["time_to"]) - int(params["time_from"]) < 15 * 86400


def test_unknown_orders_are_left_out():
    adapter, _ = make({DETAIL: [(404, "error_order_not_found")]})
    assert list(adapter.fetch_orders(["NOPE"])) == []


# -- listings ----------------------------------------------------------------------------------------

SIMPLE = ChannelListing(
    item_id="1000", variant_id="", seller_sku="GUIDE-1000", stock=90, title="Item without variants", status="NORMAL",
    updated_at=datetime(2024, 4, 8, 18, 39, 51, tzinfo=UTC), warehouse_stock=(), held=0,
)


def test_documented_stock_reads_seller_stock_only_for_a_single_location_shop():
    adapter, _ = make({WAREHOUSES: [(403, "error_not_in_whitelist")], BASE_INFO: ["get_item_base_info"], MODELS: ["get_model_list"]})
    listings = list(adapter.read_listings([("1000", "")]))
    assert listings == [SIMPLE]  # 389 available counts Shopee's own warehouses (99 + 200): not the seller's stock


def test_multi_location_listings_report_each_location_and_the_reserved_stock():
    adapter, _ = make({WAREHOUSES: ["get_warehouse_detail"], BASE_INFO: ["get_item_base_info"], MODELS: ["get_model_list"]})
    listings = list(adapter.read_listings([("1000", ""), ("2000", "3456"), ("2000", "1234")]))
    updated = datetime(2024, 4, 8, 18, 39, 51, tzinfo=UTC)
    assert listings == [
        ChannelListing("1000", "", "GUIDE-1000", 90, "Item without variants", "NORMAL", updated, (("IDZ", 90),), 0),
        ChannelListing("2000", "3456", "GUIDE-2000-RED", 130, "Item with variants – Red", "NORMAL", updated, (("IDZ", 90), ("IDB", 40)), 5),
        ChannelListing("2000", "1234", "GUIDE-2000-BLUE", 0, "Item with variants – Blue", "NORMAL", updated, (("IDZ", 0), ("IDB", 0)), 0),
    ]


# -- stock -------------------------------------------------------------------------------------------


def test_multi_location_push_names_each_location_and_reads_the_failure_list():
    adapter, transport = make({WAREHOUSES: ["get_warehouse_detail"], UPDATE: ["update_stock_partial"]})
    results = adapter.push_stock([
        StockUpdate("2000", "3456", "GUIDE-2000-RED", 3, warehouses=(("IDZ", 2), ("IDB", 1))),
        StockUpdate("2000", "1234", "GUIDE-2000-BLUE", 100, warehouses=(("IDZ", 100), ("IDB", 0))),
    ])
    (_, _, _, body), = transport.calls(UPDATE)
    assert body == {"item_id": 2000, "stock_list": [
        {"model_id": 3456, "seller_stock": [{"location_id": "IDZ", "stock": 2}, {"location_id": "IDB", "stock": 1}]},
        {"model_id": 1234, "seller_stock": [{"location_id": "IDZ", "stock": 100}, {"location_id": "IDB", "stock": 0}]},
    ]}
    assert [(r.item_id, r.variant_id, r.applied) for r in results] == [("2000", "3456", False), ("2000", "1234", True)]
    assert "Total stock must be more than reserved stock." in results[0].reason
    assert "promotion" in results[0].reason


def test_update_without_locations_for_a_multi_location_shop_is_not_sent_blind():
    adapter, transport = make({WAREHOUSES: ["get_warehouse_detail"], UPDATE: ["update_stock_partial"]})
    results = adapter.push_stock([StockUpdate("1000", "", "GUIDE-1000", 7)])
    assert transport.calls(UPDATE) == []
    assert results[0].applied is False
    assert "Admin → Channel warehouses" in results[0].reason and "link the shop's locations to POS locations" in results[0].reason


def test_single_location_push_sends_one_figure_without_location():
    ok = {"error": "", "message": "", "request_id": "r", "response": {"success_list": [{"model_id": 0, "location_id": "IDZ", "stock": 7}], "failure_list": []}}
    adapter, transport = make({WAREHOUSES: [(403, "error_not_in_whitelist")], UPDATE: [ok]})
    assert adapter.push_stock([StockUpdate("1000", "", "GUIDE-1000", 7)]) == [PushResult("1000", "", True)]
    assert transport.calls(UPDATE)[0][3] == {"item_id": 1000, "stock_list": [{"model_id": 0, "seller_stock": [{"stock": 7}]}]}


def test_a_prefixed_refusal_of_one_item_does_not_stop_the_others():
    ok = {"error": "", "message": "", "request_id": "r", "response": {"success_list": [{"model_id": 0, "stock": 4}], "failure_list": []}}
    adapter, _ = make({WAREHOUSES: [(403, "error_not_in_whitelist")], UPDATE: [(400, "error_product_prefixed"), ok]})
    results = adapter.push_stock([StockUpdate("1", "", "A", 3), StockUpdate("2", "", "B", 4)])
    assert [r.applied for r in results] == [False, True]
    assert "product.error_check_luc_fail" in results[0].reason


# -- errors and tokens -------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "message", "status", "action", "channel_wide"), [
    ("common.error_auth", "Invalid access_token.", 403, REFRESH, True),
    ("invalid_acceess_token", "", 403, REFRESH, True),
    ("error_auth", "Invalid refresh_token.", 403, REAUTHORISE, True),
    ("refresh_token_expired", "", 403, REAUTHORISE, True),
    ("shop_access_expired", "", 403, REAUTHORISE, True),
    ("error_shop_refresh_token", "", 403, REAUTHORISE, True),
    ("shop_no_linked", "", 403, REAUTHORISE, True),
    ("invalid_code", "", 403, REAUTHORISE, True),
    ("shop_banned", "", 403, SUSPENDED, True),
    ("common.error_server", "Something wrong. Please try later.", 500, RETRY, False),
    ("error_inner", "", 500, RETRY, False),
    ("error_system_busy", "", 503, RETRY, False),
    ("error_network", "Inner http call failed", 500, RETRY, False),
    ("error_too_many_request", "", 429, RETRY, False),
    ("product.error_param", "Wrong parameters, detail: x.", 400, REFUSED, False),
    ("error_sign", "Wrong sign.", 403, REFUSED, True),
    ("error_not_found", "Wrong parameters, detail: the order is not found.", 404, REFUSED, False),
    ("error_permission", "", 403, REFUSED, True),
    ("common.error_auth", "No permission to current api.", 403, REFUSED, True),
    ("product.error_auth", "Total stock must be more than reserved stock.", 400, REFUSED, False),
    ("product.error_auth", "Lack of location_id, please double check.", 400, REFUSED, False),
])
def test_errors_are_classified_by_the_code_after_the_last_dot_then_the_message(code, message, status, action, channel_wide):
    assert classify(code, message, status)[:2] == (action, channel_wide)


def test_prefixed_invalid_access_token_refreshes_once_and_retries():
    adapter, transport = make({
        DETAIL: [(403, "error_common_error_auth"), "get_order_detail"],
        REFRESH_PATH: [TOKENS],
        SHOP_INFO: ["get_shop_info"],
    })
    assert list(adapter.fetch_orders(["2404098R48U37H"])) == [DOCUMENTED_ORDER]
    assert [c[1] for c in transport.sent] == [DETAIL, REFRESH_PATH, SHOP_INFO, DETAIL]
    assert adapter.channel.credentials["access_token"] == "at-2" and adapter.channel.credentials["refresh_token"] == "rt-2"
    assert transport.sent[-1][2]["access_token"] == "at-2"
    assert adapter.channel.authorization_expires_at == datetime(2026, 3, 14, 15, 59, 59, tzinfo=UTC)


def test_misspelled_expired_token_code_refreshes_too():
    misspelled = {"request_id": "r", "error": "invalid_acceess_token", "message": "Invalid access_token."}
    adapter, transport = make({DETAIL: [(403, misspelled), "get_order_detail"], REFRESH_PATH: [TOKENS], SHOP_INFO: ["get_shop_info"]})
    assert list(adapter.fetch_orders(["2404098R48U37H"])) == [DOCUMENTED_ORDER]
    assert len(transport.calls(REFRESH_PATH)) == 1


def test_check_connection_describes_the_shop_and_keeps_the_authorisation_expiry():
    later = fixture("get_shop_info")
    later["expire_time"] = 4102444799  # the documented reply, its expiry moved past today's date
    adapter, _ = make({SHOP_INFO: [later]})
    assert adapter.check_connection() == "Shopee shop mysipuat (MY), authorisation valid until 2099-12-31"
    assert adapter.channel.authorization_expires_at == datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_spent_refresh_token_asks_for_authorisation_again():
    spent = {"request_id": "r", "error": "error_auth", "message": "Invalid refresh_token."}
    adapter, _ = make({DETAIL: [(403, "error_common_error_auth")], REFRESH_PATH: [(403, spent)]})
    with pytest.raises(ApiError) as caught:
        list(adapter.fetch_orders(["2404098R48U37H"]))
    assert not caught.value.transient and caught.value.action == REAUTHORISE
    assert "Authorise the channel again in the admin" in str(caught.value)


def test_busy_shopee_is_transient_and_names_the_prefixed_code():
    busy = {"request_id": "r", "error": "common.error_server", "message": "Something wrong. Please try later."}
    adapter, _ = make({DETAIL: [(500, busy)]})
    with pytest.raises(ApiError) as caught:
        list(adapter.fetch_orders(["2404098R48U37H"]))
    assert caught.value.transient and caught.value.code == "error_server"
    assert "common.error_server" in str(caught.value) and "retries later" in str(caught.value)


def test_code_exchange_reads_the_authorisation_expiry_from_the_shop_info():
    adapter, transport = make({"/api/v2/auth/token/get": [TOKENS], SHOP_INFO: ["get_shop_info"]}, access_token="", refresh_token="")
    tokens = adapter.exchange_code({"code": "c0de", "shop_id": "600000"})
    assert tokens.extra["authorization_expires_at"] == datetime(2026, 3, 14, 15, 59, 59, tzinfo=UTC)
    assert transport.calls(SHOP_INFO)[0][2]["access_token"] == "at-2"


def test_refresh_reads_the_authorisation_expiry_and_survives_a_failed_shop_info():
    adapter, _ = make({REFRESH_PATH: [TOKENS], SHOP_INFO: ["get_shop_info"]})
    assert adapter.refresh_tokens().extra["authorization_expires_at"] == datetime(2026, 3, 14, 15, 59, 59, tzinfo=UTC)
    busy = {"request_id": "r", "error": "error_server", "message": ""}
    adapter, _ = make({REFRESH_PATH: [TOKENS], SHOP_INFO: [(500, busy)]})
    tokens = adapter.refresh_tokens()
    assert (tokens.access_token, tokens.refresh_token) == ("at-2", "rt-2")
    assert "authorization_expires_at" not in tokens.extra


def test_check_connection_refuses_an_ended_authorisation():
    ended = fixture("get_shop_info")
    ended["expire_time"] = 1600000000
    adapter, _ = make({SHOP_INFO: [ended]})
    with pytest.raises(ApiError, match="Authorise the channel again"):
        adapter.check_connection()
    assert adapter.channel.authorization_expires_at == datetime(2020, 9, 13, 12, 26, 40, tzinfo=UTC)


def test_shop_call_signature_matches_the_documented_base_string():
    adapter, transport = make({DETAIL: ["get_order_detail"]})
    list(adapter.fetch_orders(["2404098R48U37H"]))
    _, path, params, _ = transport.sent[0]
    base = f"2001{path}{params['timestamp']}at-1600000"
    assert path == "/api/v2/order/get_order_detail"
    assert params["sign"] == hmac.new(("k" * 32).encode(), base.encode(), hashlib.sha256).hexdigest()


def test_order_window_is_strictly_inside_the_documented_15_days():
    assert adapter_module.ShopeeAdapter.max_order_window < timedelta(days=15)
