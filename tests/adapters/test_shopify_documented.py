"""The Shopify adapter fed replies shaped as shopify.dev documents them (tests/fixtures/shopify), and the status table.

Every expected order, line, listing, push result and canonical status below is written by hand from the fixtures
and the documentation; none is computed by the code under test. The transport is a scripted `requests` adapter:
each GraphQL operation is answered by the next reply queued for its name, and the requests are recorded.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from channels_app.adapters.shopify import API_VERSION, ShopifyAdapter
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
from orders.effects import Effect, line_effect
from orders.status_maps import canonical_status

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "shopify"
LOCATION = "gid://shopify/Location/124656943"


def fixture(name: str) -> dict:
    data = json.loads((FIXTURES / name).read_text())
    assert data["_source"].startswith("shopify.dev/"), "every fixture names the documentation page it follows"
    return data


class Scripted(requests.adapters.BaseAdapter):
    """Answers each GraphQL request by its operation name with the next queued reply (status, body); records requests."""

    def __init__(self, script: dict):
        super().__init__()
        self.script = {name: list(replies) for name, replies in script.items()}
        self.sent: list[dict] = []
        self.headers: list[dict] = []

    def send(self, request, **kwargs):
        body = json.loads(request.body)
        name = body["query"].split("(")[0].split()[-1]
        self.sent.append({"name": name, "url": request.url, **body})
        self.headers.append(dict(request.headers))
        queue = self.script.get(name)
        assert queue, f"unexpected operation {name}"
        status, answer = queue.pop(0) if len(queue) > 1 else queue[0]
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(answer).encode()
        response.headers.update({"Content-Type": "application/json"})
        response.url, response.request, response.encoding = request.url, request, "utf-8"
        return response

    def close(self):
        pass


def adapter_for(script: dict, retries: int = 0) -> tuple[ShopifyAdapter, Scripted, list]:
    transport = Scripted(script)
    http = requests.Session()
    http.mount("https://", transport)
    slept: list[float] = []
    session = ApiSession("Shopify", max_retries=retries, sleep=slept.append, session=http)
    channel = Channel(name="Docs store", platform="shopify", api_base_url="https://shop-name.myshopify.com", currency="USD")
    channel.credentials = {"access_token": "shpat_docs", "location_id": "124656943", "client_secret": "shpss_docs"}
    adapter = ShopifyAdapter(channel, session)
    adapter.pages_ahead_depth = 0
    adapter.max_in_flight = 1
    return adapter, transport, slept


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# -- the status table, by hand ---------------------------------------------------------------
STATUS_TABLE = [
    # raw (from displayFinancialStatus / displayFulfillmentStatus / cancelledAt / returnStatus), canonical
    ("PENDING/UNFULFILLED", "unpaid"),
    ("AUTHORIZED/UNFULFILLED", "unpaid"),
    ("PARTIALLY_PAID/UNFULFILLED", "unpaid"),
    ("EXPIRED/UNFULFILLED", "unpaid"),
    ("VOIDED/UNFULFILLED", "unpaid"),
    ("PAID/UNFULFILLED", "to_ship"),
    ("PAID/OPEN", "to_ship"),
    ("PAID/PENDING_FULFILLMENT", "to_ship"),
    ("PAID/IN_PROGRESS", "to_ship"),
    ("PAID/ON_HOLD", "to_ship"),
    ("PAID/SCHEDULED", "to_ship"),
    ("PAID/REQUEST_DECLINED", "to_ship"),
    ("PARTIALLY_REFUNDED/UNFULFILLED", "to_ship"),
    ("PAID/PARTIALLY_FULFILLED", "to_ship"),
    ("PENDING/PARTIALLY_FULFILLED", "to_ship"),
    ("PAID/FULFILLED", "shipped"),
    ("PENDING/FULFILLED", "shipped"),
    ("PARTIALLY_REFUNDED/FULFILLED", "shipped"),
    ("REFUNDED/FULFILLED", "returned"),
    ("REFUNDED/PARTIALLY_FULFILLED", "returned"),
    ("REFUNDED/UNFULFILLED", "cancelled"),
    ("PAID/RESTOCKED", "cancelled"),
    ("REFUNDED/RESTOCKED", "cancelled"),
    ("CANCELLED", "cancelled"),
    ("PAID/FULFILLED/RETURN_REQUESTED", "returned"),
    ("PAID/FULFILLED/IN_PROGRESS", "returned"),
    ("REFUNDED/FULFILLED/RETURNED", "returned"),
    ("PARTIALLY_REFUNDED/FULFILLED/INSPECTION_COMPLETE", "returned"),
    ("PAID/FULFILLED/RETURN_FAILED", "shipped"),
    # Not in 2025-10 (FULFILLMENT_NOT_REQUIRED comes with 2026-10), a null financial status, a value Shopify adds:
    ("PAID/FULFILLMENT_NOT_REQUIRED", "unknown"),
    ("/UNFULFILLED", "unknown"),
    ("PAID/READY_FOR_PICKUP", "unknown"),
]


@pytest.mark.parametrize(("raw", "canonical"), STATUS_TABLE)
def test_status_table(raw, canonical):
    assert canonical_status("shopify", raw) == canonical


def test_every_documented_combination_is_mapped():
    financial = ["PENDING", "AUTHORIZED", "PARTIALLY_PAID", "EXPIRED", "PAID", "PARTIALLY_REFUNDED", "REFUNDED", "VOIDED"]
    fulfilment = ["FULFILLED", "IN_PROGRESS", "ON_HOLD", "OPEN", "PARTIALLY_FULFILLED", "PENDING_FULFILLMENT",
                  "REQUEST_DECLINED", "RESTOCKED", "SCHEDULED", "UNFULFILLED"]
    for fin in financial:
        for ful in fulfilment:
            assert canonical_status("shopify", f"{fin}/{ful}") != "unknown", (fin, ful)
            for ret in ("INSPECTION_COMPLETE", "IN_PROGRESS", "RETURNED", "RETURN_FAILED", "RETURN_REQUESTED"):
                assert canonical_status("shopify", f"{fin}/{ful}/{ret}") != "unknown", (fin, ful, ret)


# -- orders ----------------------------------------------------------------------------------
def test_order_states_from_the_documented_fields():
    adapter, transport, _ = adapter_for({"OrderStates": [(200, fixture("orders_states.json"))]})
    states = list(adapter.list_order_states(TimeSlice(utc(2024, 1, 1), utc(2024, 1, 2))))
    assert states == [
        RemoteOrderState("450789469", "PAID/UNFULFILLED", utc(2024, 1, 1, 10, 0)),
        RemoteOrderState("1073459962", "REFUNDED/FULFILLED/RETURNED", utc(2024, 1, 1, 11, 30)),
        RemoteOrderState("1073459963", "CANCELLED", utc(2024, 1, 1, 17, 0)),
        RemoteOrderState("1073459964", "/FULFILLMENT_NOT_REQUIRED", utc(2024, 1, 1, 13, 0)),
    ]
    sent = transport.sent[0]
    assert sent["url"] == f"https://shop-name.myshopify.com/admin/api/{API_VERSION}/graphql.json"
    assert sent["variables"]["query"] == "updated_at:>='2024-01-01T00:00:00Z' updated_at:<'2024-01-02T00:00:00Z'"
    assert "sortKey: UPDATED_AT" in sent["query"] and sent["variables"]["first"] == 250  # Shopify's largest page
    assert transport.headers[0]["X-Shopify-Access-Token"] == "shpat_docs"


def test_orders_by_id_lines_quantities_and_a_problem():
    adapter, transport, _ = adapter_for({"OrdersById": [(200, fixture("orders_by_id.json"))]})
    got = list(adapter.fetch_orders(["450789469", "1", "1073459962", "1073459965"]))
    assert transport.sent[0]["variables"]["ids"] == ["gid://shopify/Order/450789469", "gid://shopify/Order/1",
                                                     "gid://shopify/Order/1073459962", "gid://shopify/Order/1073459965"]
    assert got[0] == ChannelOrder(
        external_id="450789469", raw_status="PAID/UNFULFILLED", created_at=utc(2008, 1, 10, 16, 0),
        updated_at=utc(2024, 1, 1, 10, 0), currency="USD", total=Decimal("598.94"), buyer_name="Bob Norman",
        lines=(
            # Nothing shipped yet: currentQuantity (one RED removed by an edit, the BLACK one removed altogether).
            ChannelOrderLine("466157049", "IPOD2008GREEN", "632910392", "39072856", 1, Decimal("199.0")),
            ChannelOrderLine("518995019", "IPOD2008RED", "632910392", "49148385", 1, Decimal("199.99")),
        ),
    )
    # Returned after fulfilment: the ordered quantity (a refund does not bring the shipped unit back to the shelf).
    assert got[1] == ChannelOrder(
        external_id="1073459962", raw_status="REFUNDED/FULFILLED/RETURNED", created_at=utc(2024, 1, 1, 9, 0),
        updated_at=utc(2024, 1, 1, 11, 30), currency="USD", total=Decimal("11.50"), buyer_name="",
        lines=(ChannelOrderLine("1071823180", "", "", "", 1, Decimal("11.50")),),
    )
    assert isinstance(got[2], OrderProblem) and got[2].external_id == "1073459965"
    assert "totalPriceSet.shopMoney.amount" in got[2].reason
    assert len(got) == 3  # the unknown id 1 is left out


def test_stock_effects_of_the_documented_orders():
    # PAID/UNFULFILLED → to_ship: each line allocated; REFUNDED/FULFILLED/RETURNED → returned: stays deducted.
    assert line_effect("to_ship", 1) == Effect(allocated=1, deducted=0)
    assert line_effect("returned", 1) == Effect(allocated=0, deducted=1)
    assert canonical_status("shopify", "PAID/UNFULFILLED") == "to_ship"
    assert canonical_status("shopify", "REFUNDED/FULFILLED/RETURNED") == "returned"


# -- listings and stock ----------------------------------------------------------------------
def test_read_listings_at_the_channel_location():
    adapter, transport, _ = adapter_for({"VariantsById": [(200, fixture("variants_by_id.json"))]})
    keys = [("632910392", v) for v in ("39072856", "49148385", "457924702", "808950810")]
    got = list(adapter.read_listings(keys))
    assert transport.sent[0]["variables"]["location"] == LOCATION
    when = utc(2024, 1, 2, 10, 0)
    assert got == [
        ChannelListing("632910392", "39072856", "IPOD2008GREEN", 8, "IPod Nano - 8GB", "ACTIVE", when),
        ChannelListing("632910392", "49148385", "IPOD2008RED", 20, "IPod Nano - 8GB", "ACTIVE", when),
        ChannelListing("632910392", "457924702", "IPOD2008BLACK", None, "IPod Nano - 8GB", "ACTIVE", when),  # not stocked here
        ChannelListing("632910392", "808950810", "IPOD2008PINK", None, "IPod Nano - 8GB", "ACTIVE", when),  # not tracked
    ]


def test_push_sets_available_with_compare_quantity_and_records_a_stale_one():
    adapter, transport, _ = adapter_for({
        "PushStates": [(200, fixture("variants_by_id.json"))],  # the push reads fewer fields of the same variants
        "SetAvailable": [(200, fixture("inventory_set_quantities_stale.json")), (200, fixture("inventory_set_quantities.json"))],
    })
    updates = [
        StockUpdate("632910392", "39072856", "IPOD2008GREEN", 5),
        StockUpdate("632910392", "49148385", "IPOD2008RED", 17),
        StockUpdate("632910392", "457924702", "IPOD2008BLACK", 3),
        StockUpdate("632910392", "808950810", "IPOD2008PINK", 3),
        StockUpdate("1", "2", "GONE", 3),
    ]
    results = adapter.push_stock(updates)
    first, second = (s for s in transport.sent if s["name"] == "SetAvailable")
    assert first["variables"]["input"] == {
        "name": "available", "reason": "correction", "referenceDocumentUri": "omnisync://channel/None/update-inventory",
        "quantities": [
            {"inventoryItemId": "gid://shopify/InventoryItem/30322695", "locationId": LOCATION, "quantity": 5, "compareQuantity": 8},
            {"inventoryItemId": "gid://shopify/InventoryItem/39072856", "locationId": LOCATION, "quantity": 17, "compareQuantity": 20},
        ],
    }
    # All or nothing: entry 0 was stale, so entry 1 is sent again on its own.
    assert second["variables"]["input"]["quantities"] == [first["variables"]["input"]["quantities"][1]]
    assert [r.applied for r in results] == [False, True, False, False, False]
    assert "COMPARE_QUANTITY_STALE" in results[0].reason and "not overwritten" in results[0].reason
    assert "not stocked at the channel's Shopify location" in results[2].reason
    assert "Track quantity" in results[3].reason
    assert "scan the channel again" in results[4].reason


def test_throttled_is_retried_after_the_refill_time():
    adapter, transport, slept = adapter_for({"ShopAndLocation": [
        (200, fixture("throttled.json")),
        (200, {"data": {"shop": {"name": "Docs", "myshopifyDomain": "shop-name.myshopify.com"},
                        "location": {"id": LOCATION, "name": "Ottawa Store", "isActive": True}}}),
    ]}, retries=2)
    assert adapter.check_connection() == "Shopify shop Docs (shop-name.myshopify.com), location Ottawa Store"
    assert len(transport.sent) == 2
    assert max(slept) >= (70 - 66) / 50  # the refill the throttle status asks for


def test_invalid_token_is_permanent_and_channel_wide():
    adapter, transport, _ = adapter_for({"ShopAndLocation": [(401, fixture("invalid_token.json"))]}, retries=2)
    with pytest.raises(ApiError) as caught:
        adapter.check_connection()
    assert (caught.value.code, caught.value.transient) == ("HTTP 401", False)
    assert adapter.stops_batch(caught.value) and len(transport.sent) == 1
    assert "Invalid API key or access token" in str(caught.value)
