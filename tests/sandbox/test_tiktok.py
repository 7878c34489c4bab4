import time

from django.utils import timezone

from sandbox.models import Variant
from tests.sandbox.conftest import add_orders

SEARCH = "/order/202309/orders/search"


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
    assert r["data"]["errors"] == [{"code": 12052556, "message": "SKU not found.", "detail": {"sku_id": "123"}}]
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
