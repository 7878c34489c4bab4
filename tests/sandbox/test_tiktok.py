import time

import pytest
from django.urls import path
from django.utils import timezone

from omnisync import urls as project_urls
from sandbox import services
from sandbox.models import OrderLine, Variant
from sandbox.platforms import tiktok
from tests.sandbox.conftest import add_orders

SEARCH = "/order/202309/orders/search"
INVENTORY_SEARCH = "/product/202309/inventory/search"
WAREHOUSES = "/logistics/202309/warehouses"

# The two read endpoints this module adds; sandbox/urls.py serves them once the lead adds the same two lines there.
urlpatterns = [
    path("sandbox/tiktok/product/202309/inventory/search", tiktok.inventory_search),
    path("sandbox/tiktok/logistics/202309/warehouses", tiktok.warehouses),
    *project_urls.urlpatterns,
]
pytestmark = pytest.mark.urls(__name__)


def test_orders_search_pages_with_page_token_and_returns_every_order_once(make_shop, client_for):
    shop = make_shop("tiktok")
    orders = add_orders(shop, 230)
    api = client_for(shop)
    seen, token, pages = [], "", 0
    while True:
        query = {"page_size": 100, "sort_field": "update_time", **({"page_token": token} if token else {})}
        body = api.call("POST", SEARCH, query, {"update_time_ge": int(time.time()) - 30 * 86400}).json()
        assert body["code"] == 0, body
        pages += 1
        seen += [o["id"] for o in body["data"]["orders"]]
        assert body["data"]["total_count"] == 230
        token = body["data"]["next_page_token"]
        if not token:
            break
    assert pages == 3
    assert sorted(seen) == sorted(o.order_id for o in orders) and len(seen) == len(set(seen))


def test_one_line_item_per_unit_and_detail_batch_limit(make_shop, client_for):
    shop = make_shop("tiktok")
    orders = add_orders(shop, 51)
    api = client_for(shop)
    over = api.call("GET", "/order/202309/orders", {"ids": ",".join(o.order_id for o in orders)})
    assert over.status_code == 400 and over.json()["code"] != 0
    got = api.call("GET", "/order/202309/orders", {"ids": ",".join(o.order_id for o in orders[:50])}).json()
    assert len(got["data"]["orders"]) == 50
    order = got["data"]["orders"][0]
    skus = [li["seller_sku"] for li in order["line_items"]]
    assert sorted(skus) == ["MUG-1", "MUG-1", "SHIRT-S"]
    assert "quantity" not in order["line_items"][0]
    assert len({li["id"] for li in order["line_items"]}) == 3
    assert order["payment"] == {"currency": "IDR", "total_amount": "120000.00", "sub_total": "120000.00"}


def test_page_size_limit(make_shop, client_for):
    api = client_for(make_shop("tiktok"))
    assert api.call("POST", SEARCH, {"page_size": 100}, {}).json()["code"] == 0
    assert api.call("POST", SEARCH, {"page_size": 101}, {}).json()["code"] == 36009001
    assert api.call("POST", SEARCH, {}, {}).json()["code"] == 36009001


def test_signature_covers_path_query_and_body_and_timestamp_window(make_shop, client_for):
    api = client_for(make_shop("tiktok"))
    assert api.call("POST", SEARCH, {"page_size": 10}, {"order_status": "UNPAID"}).json()["code"] == 0
    wrong = api.call("POST", SEARCH, {"page_size": 10}, {}, secret="x" * 40)
    assert (wrong.status_code, wrong.json()["code"]) == (401, 106001)
    tampered = api.call("POST", SEARCH, {"page_size": 10}, {"order_status": "UNPAID"}, sent_body={"order_status": "CANCELLED"})
    assert tampered.json()["code"] == 106001
    now = int(time.time())
    assert api.call("POST", SEARCH, {"page_size": 10}, {}, ts=now - 301).json()["code"] == 36009004
    assert api.call("POST", SEARCH, {"page_size": 10}, {}, ts=now + 60).json()["code"] == 36009004
    assert api.call("POST", SEARCH, {"page_size": 10}, {}, ts=now + 20).json()["code"] == 0
    assert api.call("POST", SEARCH, {"page_size": 10}, {}, token="at-nope").json()["code"] == 36009004
    body = api.call("POST", SEARCH, {"page_size": 10}, {}, cipher=False).json()
    assert body["code"] != 0 and body["request_id"]


def test_shops_gives_the_cipher(make_shop, client_for):
    shop = make_shop("tiktok")
    body = client_for(shop).call("GET", "/authorization/202309/shops", cipher=False).json()
    assert body["code"] == 0
    assert body["data"]["shops"][0]["cipher"] == shop.shop_cipher


def test_products_search_and_inventory_partial_failure(make_shop, client_for):
    shop = make_shop("tiktok")
    api = client_for(shop)
    products = api.call("POST", "/product/202502/products/search", {"page_size": 1}, {"status": "ACTIVATE"}).json()["data"]
    assert len(products["products"]) == 1 and products["next_page_token"]
    shirt = Variant.objects.get(shop=shop, seller_sku="SHIRT-L")
    path = f"/product/202309/products/{shirt.item.item_id}/inventory/update"
    body = {"skus": [{"id": str(shirt.variant_id), "inventory": [{"warehouse_id": shop.warehouse_id, "quantity": 11}]},
                     {"id": "123", "inventory": [{"warehouse_id": shop.warehouse_id, "quantity": 1}]}]}
    r = api.call("POST", path, body=body).json()
    assert r["code"] == 0
    assert r["data"]["errors"] == [{"code": 12052556, "message": "The SKU id not exist.", "detail": {"sku_id": "123"}}]
    shirt.refresh_from_db()
    assert shirt.stock == 11
    listed = api.call("POST", "/product/202502/products/search", {"page_size": 10}, {}).json()["data"]["products"]
    inventory = {s["seller_sku"]: s["inventory"][0]["quantity"] for p in listed for s in p["skus"]}
    assert inventory["SHIRT-L"] == 11 and inventory["MUG-1"] == 50


def test_token_refresh_gives_timestamps(make_shop, client_for, server):
    import requests

    shop = make_shop("tiktok")
    api = client_for(shop)
    r = requests.get(f"{server}/sandbox/tiktok-auth/api/v2/token/refresh", params={
        "app_key": api.c["app_key"], "app_secret": api.c["app_secret"], "refresh_token": api.c["refresh_token"],
        "grant_type": "refresh_token"}, timeout=10).json()
    assert r["code"] == 0
    expire = r["data"]["access_token_expire_in"]
    assert timezone.now().timestamp() + 6 * 86400 < expire < timezone.now().timestamp() + 8 * 86400
    assert api.call("GET", "/authorization/202309/shops", cipher=False, token=r["data"]["access_token"]).json()["code"] == 0
    bad = requests.get(f"{server}/sandbox/tiktok-auth/api/v2/token/refresh", params={
        "app_key": api.c["app_key"], "app_secret": "wrong", "refresh_token": api.c["refresh_token"],
        "grant_type": "refresh_token"}, timeout=10).json()
    assert bad["code"] == 36009004


# ---------------------------------------------------------------- several warehouses

WH = [{"id": "7301", "name": "Jakarta", "is_default": True}, {"id": "7302", "name": "Surabaya", "is_default": False}]


def _two_warehouse_shop(make_shop):
    shop = make_shop("tiktok")
    shop.warehouses = WH
    shop.save(update_fields=["warehouses"])
    shirt = Variant.objects.get(shop=shop, seller_sku="SHIRT-L")
    shirt.warehouse_stock, shirt.stock = {"7301": 30, "7302": 10}, 40
    shirt.save(update_fields=["warehouse_stock", "stock"])
    return shop, shirt


def _update(api, shirt, inventory):
    body = {"skus": [{"id": str(shirt.variant_id), "inventory": inventory}]}
    return api.call("POST", f"/product/202309/products/{shirt.item.item_id}/inventory/update", body=body).json()


def test_update_must_name_every_warehouse_of_the_sku_and_no_other(make_shop, client_for):
    shop, shirt = _two_warehouse_shop(make_shop)
    api = client_for(shop)
    missing = _update(api, shirt, [{"warehouse_id": "7301", "quantity": 5}])
    assert missing["code"] == 0 and missing["data"]["errors"][0]["code"] == 12019028
    blind = _update(api, shirt, [{"quantity": 5}])
    assert blind["data"]["errors"][0]["code"] == 12019028
    foreign = _update(api, shirt, [{"warehouse_id": "7301", "quantity": 5}, {"warehouse_id": "9999", "quantity": 1}])
    error = foreign["data"]["errors"][0]
    assert error["detail"]["extra_errors"][0] == {"warehouse_id": "9999", "code": 12052097, "message": "The warehouse does not exist"}
    too_many = _update(api, shirt, [{"warehouse_id": "7301", "quantity": 100_000}, {"warehouse_id": "7302", "quantity": 1}])
    assert too_many["data"]["errors"][0]["detail"]["extra_errors"][0]["code"] == 12052055
    shirt.refresh_from_db()
    assert (shirt.stock, shirt.warehouse_stock) == (40, {"7301": 30, "7302": 10})
    ok = _update(api, shirt, [{"warehouse_id": "7302", "quantity": 4}, {"warehouse_id": "7301", "quantity": 0}])
    assert ok == {**ok, "code": 0} and ok["data"]["errors"] == []
    shirt.refresh_from_db()
    assert (shirt.stock, shirt.warehouse_stock) == (4, {"7301": 0, "7302": 4})


def test_one_warehouse_may_be_left_unnamed(make_shop, client_for):
    shop = make_shop("tiktok")
    mug = Variant.objects.get(shop=shop, seller_sku="MUG-1")
    assert _update(client_for(shop), mug, [{"quantity": 7}])["data"]["errors"] == []
    mug.refresh_from_db()
    assert mug.stock == 7


def test_products_search_filters_by_status_and_shows_each_warehouse(make_shop, client_for):
    shop, _shirt = _two_warehouse_shop(make_shop)
    services.item_add(shop, "Old", sku="OLD-1", stock=3, status="SELLER_DEACTIVATED")
    api = client_for(shop)
    active = api.call("POST", "/product/202502/products/search", {"page_size": 100}, {"status": "ACTIVATE"}).json()["data"]
    skus = {s["seller_sku"]: s["inventory"] for p in active["products"] for s in p["skus"]}
    assert "OLD-1" not in skus
    assert skus["SHIRT-L"] == [{"warehouse_id": "7301", "quantity": 30}, {"warehouse_id": "7302", "quantity": 10}]
    everything = api.call("POST", "/product/202502/products/search", {"page_size": 100}, {}).json()["data"]
    assert "OLD-1" in {s["seller_sku"] for p in everything["products"] for s in p["skus"]}


def test_inventory_search_gives_available_and_committed_per_warehouse(make_shop, client_for):
    shop, shirt = _two_warehouse_shop(make_shop)
    services.order_create(shop, [{"sku": "SHIRT-L", "quantity": 3}], status="AWAITING_SHIPMENT")
    api = client_for(shop)
    body = api.call("POST", INVENTORY_SEARCH, body={"sku_ids": [str(shirt.variant_id)]}).json()
    assert body["code"] == 0
    sku = body["data"]["inventory"][0]["skus"][0]
    assert sku["warehouse_inventory"] == [
        {"warehouse_id": "7301", "available_quantity": 27, "committed_quantity": 3},
        {"warehouse_id": "7302", "available_quantity": 10, "committed_quantity": 0},
    ]
    assert (sku["total_available_quantity"], sku["total_committed_quantity"]) == (37, 3)
    over = api.call("POST", INVENTORY_SEARCH, body={"sku_ids": [str(i) for i in range(601)]}).json()
    assert over["code"] == 12019015


def test_warehouse_list(make_shop, client_for):
    shop, _ = _two_warehouse_shop(make_shop)
    rows = client_for(shop).call("GET", WAREHOUSES).json()["data"]["warehouses"]
    sales = [(w["id"], w["name"], w["is_default"]) for w in rows if w["type"] == "SALES_WAREHOUSE"]
    assert sales == [("7301", "Jakarta", True), ("7302", "Surabaya", False)]
    assert any(w["type"] == "RETURN_WAREHOUSE" for w in rows)


# ---------------------------------------------------------------- per-line cancels and combined listings


def test_a_line_cancelled_on_its_own_shows_and_gives_back_only_its_units(make_shop, client_for):
    shop = make_shop("tiktok")
    order = services.order_create(shop, [{"sku": "SHIRT-S", "quantity": 1}, {"sku": "MUG-1", "quantity": 2}],
                                  status="AWAITING_SHIPMENT")
    mug_line = OrderLine.objects.get(order=order, seller_sku="MUG-1")
    before = Variant.objects.get(shop=shop, seller_sku="MUG-1").stock
    tiktok.line_cancel(mug_line)
    assert Variant.objects.get(shop=shop, seller_sku="MUG-1").stock == before + 2
    assert Variant.objects.get(shop=shop, seller_sku="SHIRT-S").stock == 39
    got = client_for(shop).call("GET", "/order/202309/orders", {"ids": order.order_id}).json()["data"]["orders"][0]
    assert got["status"] == "AWAITING_SHIPMENT"
    assert sorted((li["seller_sku"], li["display_status"]) for li in got["line_items"]) == [
        ("MUG-1", "CANCELLED"), ("MUG-1", "CANCELLED"), ("SHIRT-S", "AWAITING_SHIPMENT")]
    assert got["update_time"] > int(order.created_at.timestamp())


def _combo(shop):
    mug = Variant.objects.get(shop=shop, seller_sku="MUG-1")
    shirt = Variant.objects.get(shop=shop, seller_sku="SHIRT-S")
    item = services.item_add(shop, "Gift set", sku="GIFT-1", stock=0)
    combo = item.variants.get()
    combo.components = [{"variant_id": mug.variant_id, "count": 2}, {"variant_id": shirt.variant_id, "count": 1}]
    combo.save(update_fields=["components"])
    return combo, mug, shirt


def test_combined_listing_shows_component_stock_refuses_edits_and_renders_its_parts(make_shop, client_for):
    shop = make_shop("tiktok")
    combo, mug, shirt = _combo(shop)
    api = client_for(shop)
    listed = api.call("POST", "/product/202502/products/search", {"page_size": 100}, {}).json()["data"]["products"]
    stock = {s["seller_sku"]: sum(w["quantity"] for w in s["inventory"]) for p in listed for s in p["skus"]}
    assert stock["GIFT-1"] == 25  # MUG-1 50 // 2, SHIRT-S 40 // 1
    refused = _update(api, combo, [{"quantity": 5}])
    assert refused["code"] == 0
    assert refused["data"]["errors"] == [{"code": 12052850, "message": "The stock of combo does not support being edited.",
                                          "detail": {"sku_id": str(combo.variant_id)}}]
    order = services.order_create(shop, [{"variant": combo, "quantity": 1}], status="AWAITING_SHIPMENT", allow_oversell=True)
    item = api.call("GET", "/order/202309/orders", {"ids": order.order_id}).json()["data"]["orders"][0]["line_items"][0]
    assert item["combined_listing_skus"] == [
        {"sku_id": str(mug.variant_id), "sku_count": 2, "product_id": str(mug.item.item_id), "seller_sku": "MUG-1"},
        {"sku_id": str(shirt.variant_id), "sku_count": 1, "product_id": str(shirt.item.item_id), "seller_sku": "SHIRT-S"},
    ]
