import time

import requests

from sandbox import services
from sandbox.models import Item, Variant
from sandbox.platforms import woocommerce
from tests.sandbox.conftest import add_orders


def test_orders_paging_headers_and_every_order_once(make_shop, client_for):
    shop = make_shop("woocommerce")
    orders = add_orders(shop, 230)
    api = client_for(shop)
    seen, page = [], 1
    while True:
        r = api.get("orders", {"per_page": 100, "page": page, "orderby": "modified", "order": "asc"})
        assert r.status_code == 200, r.text
        assert r.headers["X-WP-Total"] == "230" and r.headers["X-WP-TotalPages"] == "3"
        seen += [o["id"] for o in r.json()]
        if 'rel="next"' not in r.headers.get("Link", ""):
            break
        page += 1
    assert page == 3
    assert sorted(seen) == sorted(int(o.order_id) for o in orders) and len(seen) == len(set(seen))
    assert api.get("orders", {"per_page": 101}).status_code == 400


def test_orders_include_gives_details_with_quantities(make_shop, client_for):
    shop = make_shop("woocommerce")
    orders = add_orders(shop, 3, status="processing")
    api = client_for(shop)
    r = api.get("orders", {"include": ",".join(o.order_id for o in orders[:2]), "per_page": 100})
    got = r.json()
    assert sorted(o["id"] for o in got) == sorted(int(o.order_id) for o in orders[:2])
    lines = {li["sku"]: li for li in got[0]["line_items"]}
    assert lines["MUG-1"]["quantity"] == 2 and lines["MUG-1"]["variation_id"] == 0
    assert lines["SHIRT-S"]["variation_id"] > 0 and got[0]["status"] == "processing" and got[0]["total"] == "120000.00"


def test_auth_methods(make_shop, client_for, server):
    shop = make_shop("woocommerce")
    api = client_for(shop)
    assert api.get("system_status").status_code == 200
    assert api.get("system_status", algo="HMAC-SHA1").status_code == 200
    assert api.get("orders", {"status": "any", "per_page": 5}).status_code == 200
    wrong = api.get("system_status", secret="cs_wrong")
    assert wrong.status_code == 401 and wrong.json()["code"] == "woocommerce_rest_authentication_error"
    assert wrong.json()["data"]["status"] == 401
    assert api.get("system_status", ts=int(time.time()) - 16 * 60).status_code == 401
    url = f"{server}/sandbox/woocommerce/wp-json/wc/v3/system_status"
    assert requests.get(url, auth=(shop.consumer_key, shop.consumer_secret), timeout=10).status_code == 200
    assert requests.get(url, auth=(shop.consumer_key, "cs_wrong"), timeout=10).status_code == 401
    assert requests.get(url, params={"consumer_key": shop.consumer_key, "consumer_secret": shop.consumer_secret},
                        timeout=10).status_code == 200
    assert requests.get(url, timeout=10).status_code == 401


def test_batch_limits_and_per_item_errors(make_shop, client_for):
    shop = make_shop("woocommerce")
    api = client_for(shop)
    mug = Item.objects.get(shop=shop, name="Mug")
    shirt = Item.objects.get(shop=shop, name="Shirt")
    over = api.post("products/batch", {"update": [{"id": mug.item_id, "stock_quantity": 1}] * 101})
    assert over.status_code == 413 and over.json()["code"] == "woocommerce_rest_request_entity_too_large"
    r = api.post("products/batch", {"update": [{"id": mug.item_id, "stock_quantity": 8}, {"id": 1, "stock_quantity": 2}]})
    assert r.status_code == 200
    first, second = r.json()["update"]
    assert first["id"] == mug.item_id and first["stock_quantity"] == 8
    assert second["id"] == 1 and second["error"]["code"] == "woocommerce_rest_product_invalid_id"
    assert Variant.objects.get(item=mug).stock == 8
    variations = api.get(f"products/{shirt.item_id}/variations").json()
    assert {v["sku"] for v in variations} == {"SHIRT-S", "SHIRT-M", "SHIRT-L"}
    target = next(v for v in variations if v["sku"] == "SHIRT-L")
    vr = api.post(f"products/{shirt.item_id}/variations/batch",
                  {"update": [{"id": target["id"], "stock_quantity": 4}, {"id": 5, "stock_quantity": 4}]}).json()["update"]
    assert vr[0]["stock_quantity"] == 4 and "error" in vr[1]
    assert Variant.objects.get(shop=shop, seller_sku="SHIRT-L").stock == 4
    products = api.get("products", {"per_page": 100}).json()
    assert {p["type"] for p in products} == {"simple", "variable"}


def test_stock_rule_follows_woocommerce(make_shop):
    shop = make_shop("woocommerce")
    order = services.order_create(shop, [{"sku": "MUG-1", "quantity": 5}])
    mug = Variant.objects.get(shop=shop, seller_sku="MUG-1")
    assert mug.stock == 50
    services.order_set_status(order, "processing")
    mug.refresh_from_db()
    assert mug.stock == 45
    services.order_set_status(order, "cancelled")
    mug.refresh_from_db()
    assert mug.stock == 50


def test_status_filter_accepts_only_any_trash_and_registered_statuses(make_shop, client_for):
    shop = make_shop("woocommerce")
    orders = add_orders(shop, 2, status="processing")
    woocommerce.set_custom_status(orders[0], "awaiting-shipment")
    api = client_for(shop)
    for status in ("any", "trash", "processing", "on-hold", "checkout-draft", "awaiting-shipment", "processing,awaiting-shipment"):
        assert api.get("orders", {"status": status}).status_code == 200, status
    custom = api.get("orders", {"status": "awaiting-shipment"}).json()
    assert [o["id"] for o in custom] == [int(orders[0].order_id)] and custom[0]["status"] == "awaiting-shipment"
    assert {o["status"] for o in api.get("orders").json()} == {"processing", "awaiting-shipment"}
    bad = api.get("orders", {"status": "wc-awaiting-shipment"})
    assert bad.status_code == 400
    body = bad.json()
    assert body["code"] == "rest_invalid_param" and body["data"]["status"] == 400 and "status" in body["data"]["params"]
    assert api.get("orders", {"status": "shipped"}).status_code == 400


def test_a_custom_status_moves_no_stock(make_shop):
    shop = make_shop("woocommerce")
    mug = Variant.objects.get(shop=shop, seller_sku="MUG-1")
    held = services.order_create(shop, [{"sku": "MUG-1", "quantity": 5}])
    services.order_set_status(held, "processing")
    woocommerce.set_custom_status(held, "awaiting-shipment")
    mug.refresh_from_db()
    assert mug.stock == 45, "processing took the units; the plugin's status keeps them taken"
    waiting = services.order_create(shop, [{"sku": "MUG-1", "quantity": 3}])
    woocommerce.set_custom_status(waiting, "awaiting-shipment")
    mug.refresh_from_db()
    assert mug.stock == 45, "pending took nothing; the plugin's status takes nothing either"
    services.order_set_status(held, "cancelled")
    mug.refresh_from_db()
    assert mug.stock == 50
    assert [h.status for h in held.history.all()] == ["pending", "processing", "awaiting-shipment", "cancelled"]
    assert woocommerce.registered_statuses() == (*woocommerce.CORE_STATUSES, "awaiting-shipment")
