"""The sandbox's Shopify GraphQL endpoint, spoken to with plain `requests` (no adapter): as strict as shopify.dev says."""

from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from sandbox import services
from sandbox.models import Variant
from sandbox.platforms import shopify as sandbox_shopify
from tests.sandbox.conftest import creds

VERSION = "2025-10"
VARIANTS = """query($location: ID!) { productVariants(first: 10) { pageInfo { hasNextPage endCursor }
  nodes { id sku inventoryItem { id inventoryLevel(locationId: $location) { quantities(names: ["available"]) { name quantity } } } } } }"""
SET = """mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) {
  inventoryAdjustmentGroup { id reason changes { name delta } } userErrors { code field message } } }"""
ORDERS = """query($after: String, $query: String!) { orders(first: 2, after: $after, query: $query, sortKey: UPDATED_AT) {
  pageInfo { hasNextPage endCursor } nodes { id updatedAt displayFinancialStatus displayFulfillmentStatus cancelledAt returnStatus } } }"""


class Client:
    def __init__(self, shop, server, token=None, version=VERSION):
        row = creds(shop, server)
        self.url = f"{row['base_url']}/admin/api/{version}/graphql.json"
        self.token = token if token is not None else row["credentials"]["access_token"]
        self.location = row["credentials"]["location_id"]

    def post(self, query, variables=None):
        return requests.post(self.url, json={"query": query, "variables": variables or {}},
                             headers={"X-Shopify-Access-Token": self.token}, timeout=10)

    def data(self, query, variables=None):
        reply = self.post(query, variables)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert "errors" not in body, body
        return body["data"], body["extensions"]["cost"]


@pytest.fixture
def shop(make_shop):
    return make_shop("shopify")


def variants(client):
    data, _ = client.data(VARIANTS, {"location": client.location})
    return {n["sku"]: n for n in data["productVariants"]["nodes"]}


def test_auth_version_and_validation(shop, server):
    reply = Client(shop, server, token="shpat_wrong").post("{ shop { name } }")
    assert reply.status_code == 401
    assert reply.json() == {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
    assert Client(shop, server, version="2019-01").post("{ shop { name } }").status_code == 404
    ok = Client(shop, server).post("{ shop { name myshopifyDomain } }")
    assert ok.headers["X-Shopify-API-Version"] == VERSION
    assert ok.json()["data"]["shop"]["myshopifyDomain"].endswith(".myshopify.com")
    bad = Client(shop, server).post("{ shop { nope } }").json()
    assert "Cannot query field 'nope'" in bad["errors"][0]["message"] and "data" not in bad
    missing = Client(shop, server).post("{ orders { nodes { id } } }").json()  # neither first nor last
    assert missing["errors"] and missing["data"] is None


def test_cost_max_and_throttle(shop, server):
    client = Client(shop, server)
    level = 'inventoryLevel(locationId: "' + client.location + '") { quantities(names: ["available"]) { quantity } }'
    deep = "{ productVariants(first: 250) { nodes { id product { id } inventoryItem { id " + level + " } } } }"
    too_big = client.post(deep).json()
    assert too_big["errors"][0]["extensions"] == {"code": "MAX_COST_EXCEEDED", "cost": 2 + 250 * 5, "maxCost": 1000}
    sandbox_shopify.set_plan(shop, maximum=700, restore=1)
    _, cost = client.data("{ productVariants(first: 100) { nodes { id product { id } inventoryItem { id } } } }")
    assert cost["requestedQueryCost"] == 2 + 100 * 3
    assert cost["throttleStatus"]["maximumAvailable"] == 700 and cost["throttleStatus"]["restoreRate"] == 1
    client.data("{ productVariants(first: 100) { nodes { id product { id } inventoryItem { id } } } }")
    throttled = client.post("{ productVariants(first: 100) { nodes { id product { id } inventoryItem { id } } } }")
    assert throttled.status_code == 200
    body = throttled.json()
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert body["extensions"]["cost"]["requestedQueryCost"] == 302
    assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] < 302


def test_set_quantities_compare_and_set_all_or_nothing(shop, server):
    client = Client(shop, server)
    found = variants(client)
    mug, small = found["MUG-1"], found["SHIRT-S"]

    def entry(node, quantity, compare="read"):
        out = {"inventoryItemId": node["inventoryItem"]["id"], "locationId": client.location, "quantity": quantity}
        if compare == "read":
            out["compareQuantity"] = node["inventoryItem"]["inventoryLevel"]["quantities"][0]["quantity"]
        elif compare is not None:
            out["compareQuantity"] = compare
        return out

    def set_(quantities, **extra):
        data, _ = client.data(SET, {"input": {"name": "available", "reason": "correction", "quantities": quantities, **extra}})
        return data["inventorySetQuantities"]

    stale = set_([entry(mug, 7), entry(small, 9, compare=39)])  # SHIRT-S holds 40
    assert stale["inventoryAdjustmentGroup"] is None
    assert stale["userErrors"] == [{"code": "COMPARE_QUANTITY_STALE", "field": ["input", "quantities", "1", "compareQuantity"],
                                    "message": "The compareQuantity value does not match persisted value."}]
    assert Variant.objects.get(shop=shop, seller_sku="MUG-1").stock == 50  # nothing applied
    required = set_([entry(mug, 7, compare=None)])
    assert required["userErrors"][0]["code"] == "COMPARE_QUANTITY_REQUIRED"
    wrong = client.data(SET, {"input": {"name": "available", "reason": "because", "quantities": [entry(mug, 7)]}})[0]
    assert wrong["inventorySetQuantities"]["userErrors"][0]["code"] == "INVALID_REASON"
    elsewhere = {**entry(mug, 7), "locationId": "gid://shopify/Location/1"}
    assert set_([elsewhere])["userErrors"][0]["code"] == "INVALID_LOCATION"
    assert set_([entry(mug, -1)])["userErrors"][0]["code"] == "INVALID_QUANTITY_NEGATIVE"
    done = set_([entry(mug, 7), entry(small, 9)])
    assert done["userErrors"] == [] and done["inventoryAdjustmentGroup"]["reason"] == "correction"
    assert sorted(c["delta"] for c in done["inventoryAdjustmentGroup"]["changes"]) == [-43, -31]
    assert Variant.objects.get(shop=shop, seller_sku="MUG-1").stock == 7
    assert set_([entry(mug, 1, compare=None)], ignoreCompareQuantity=True)["userErrors"] == []


def test_orders_page_by_cursor_and_keep_their_place_when_one_changes(shop, server):
    now = timezone.now()
    orders = services.orders_create_bulk(shop, [
        {"lines": [{"sku": "MUG-1", "quantity": 1}], "status": "PAID/UNFULFILLED", "created_at": now - timedelta(hours=5 - i)}
        for i in range(5)])
    client = Client(shop, server)
    search = f"updated_at:>='{(now - timedelta(days=1)):%Y-%m-%dT%H:%M:%SZ}' updated_at:<'{(now + timedelta(hours=1)):%Y-%m-%dT%H:%M:%SZ}'"
    first, _ = client.data(ORDERS, {"query": search})
    seen = [n["id"] for n in first["orders"]["nodes"]]
    services.order_set_status(orders[0], "CANCELLED")  # the first order read moves to the end
    after = first["orders"]["pageInfo"]["endCursor"]
    while after:
        page, _ = client.data(ORDERS, {"query": search, "after": after})
        seen += [n["id"] for n in page["orders"]["nodes"]]
        after = page["orders"]["pageInfo"]["endCursor"] if page["orders"]["pageInfo"]["hasNextPage"] else None
    assert seen == [f"gid://shopify/Order/{o.order_id}" for o in orders] + [f"gid://shopify/Order/{orders[0].order_id}"]
    bad = client.post(ORDERS, {"query": "status:open"}).json()
    assert "Invalid search field" in bad["errors"][0]["message"]


def test_statuses_render_into_shopify_fields(shop, server):
    cancelled = services.order_create(shop, [{"sku": "MUG-1", "quantity": 2}], status="PAID/UNFULFILLED")
    services.order_set_status(cancelled, "CANCELLED")
    returned = services.order_create(shop, [{"sku": "MUG-1", "quantity": 1}], status="REFUNDED/FULFILLED/RETURNED")
    query = """query($ids: [ID!]!) { nodes(ids: $ids) { ... on Order { id cancelledAt displayFinancialStatus
      displayFulfillmentStatus returnStatus lineItems(first: 5) { nodes { quantity currentQuantity } } } } }"""
    data, cost = Client(shop, server).data(query, {"ids": [f"gid://shopify/Order/{o.order_id}" for o in (cancelled, returned)]
                                                          + ["gid://shopify/Order/1"]})
    a, b, unknown = data["nodes"]
    assert (a["displayFinancialStatus"], a["displayFulfillmentStatus"], a["returnStatus"]) == ("REFUNDED", "UNFULFILLED", "NO_RETURN")
    assert a["cancelledAt"] and a["lineItems"]["nodes"] == [{"quantity": 2, "currentQuantity": 0}]
    assert (b["displayFinancialStatus"], b["displayFulfillmentStatus"], b["returnStatus"], b["cancelledAt"]) == (
        "REFUNDED", "FULFILLED", "RETURNED", None)
    assert unknown is None
    assert cost["requestedQueryCost"] == 3 * (1 + 2 + 5 * 1)
    assert Variant.objects.get(shop=shop, seller_sku="MUG-1").stock == 50 - 1  # cancelled restocked, the return not


def test_faults_answer_as_shopify_does(shop, server):
    shop.error_rate, shop.fault_seed = 1.0, 3
    shop.save()
    answers = {Client(shop, server).post("{ shop { name } }").status_code for _ in range(6)}
    assert answers <= {200, 503} and answers
    shop.error_rate, shop.throttle_rate = 0, 1.0
    shop.save()
    body = Client(shop, server).post("{ shop { name } }").json()
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED" and "throttleStatus" in body["extensions"]["cost"]
