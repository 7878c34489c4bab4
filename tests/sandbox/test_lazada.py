import time
from datetime import UTC, datetime, timedelta

from sandbox.models import Variant
from sandbox.signing import lazada_sign
from tests.sandbox.conftest import add_orders
from tests.sandbox.signers import lazada_signature

VECTOR = {"access_token": "test", "app_key": "123456", "order_id": "1234", "sign_method": "sha256",
          "timestamp": "1517820392000"}
EXPECTED = "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A"


def test_published_signature_vector():
    assert lazada_sign("helloworld", "/order/get", VECTOR) == EXPECTED
    assert lazada_sign("helloworld", "/order/get", {**VECTOR, "sign": "ignored"}) == EXPECTED
    assert lazada_signature("helloworld", "/order/get", VECTOR) == EXPECTED


def _after(days=30):
    return (datetime.now(UTC) - timedelta(days=days)).astimezone().isoformat(timespec="seconds")


def test_orders_get_pages_by_offset_and_returns_every_order_once(make_shop, client_for):
    shop = make_shop("lazada")
    orders = add_orders(shop, 230)
    api = client_for(shop)
    seen, offset = [], 0
    while True:
        body = api.call("/orders/get", {"update_after": _after(), "offset": offset, "limit": 100, "sort_by": "updated_at"}).json()
        assert body["code"] == "0", body
        assert body["data"]["countTotal"] == 230
        seen += [o["order_id"] for o in body["data"]["orders"]]
        if body["data"]["count"] < 100:
            break
        offset += 100
    assert sorted(seen) == sorted(int(o.order_id) for o in orders) and len(seen) == len(set(seen))


def test_orders_get_limits(make_shop, client_for):
    api = client_for(make_shop("lazada"))
    too_big = api.call("/orders/get", {"update_after": _after(), "limit": 101})
    assert too_big.status_code == 200 and too_big.json()["code"] != "0" and too_big.json()["type"]
    assert api.call("/orders/get", {"update_after": _after(), "offset": 5001}).json()["code"] != "0"
    assert api.call("/orders/get", {"update_after": _after(), "offset": 5000}).json()["code"] == "0"
    assert api.call("/orders/get", {"limit": 10}).json()["code"] == "MissingParameter"


def test_order_items_one_per_unit_and_batch_limit(make_shop, client_for):
    shop = make_shop("lazada")
    orders = add_orders(shop, 51)
    api = client_for(shop)
    ids = [int(o.order_id) for o in orders]
    assert api.call("/orders/items/get", {"order_ids": str(ids)}).json()["code"] != "0"
    body = api.call("/orders/items/get", {"order_ids": str(ids[:50])}).json()
    assert body["code"] == "0" and len(body["data"]) == 50
    items = body["data"][0]["order_items"]
    assert sorted(i["sku"] for i in items) == ["MUG-1", "MUG-1", "SHIRT-S"]
    assert all(i["status"] == "unpaid" for i in items)


def test_signature_timestamp_and_token_checks(make_shop, client_for):
    api = client_for(make_shop("lazada"))
    assert api.call("/seller/get").json()["code"] == "0"
    assert api.call("/seller/get", secret="wrong").json()["code"] == "IncompleteSignature"
    stale = api.call("/seller/get", ts=int((time.time() - 7201) * 1000)).json()
    assert stale["code"] == "InvalidTimestamp"
    assert api.call("/seller/get", ts=int((time.time() - 7000) * 1000)).json()["code"] == "0"
    assert api.call("/seller/get", token="nope").json()["code"] == "IllegalAccessToken"


def _payload(rows):
    skus = "".join(f"<Sku><SellerSku>{sku}</SellerSku><Quantity>{qty}</Quantity></Sku>" for sku, qty in rows)
    return f"<Request><Product><Skus>{skus}</Skus></Product></Request>"


def test_stock_update_limits_and_partial_failure(make_shop, client_for):
    shop = make_shop("lazada")
    api = client_for(shop)
    path = "/product/price_quantity/update"
    over = api.call(path, {"payload": _payload([("MUG-1", 1)] * 51)}, post=True).json()
    assert over["code"] == "E204"
    r = api.call(path, {"payload": _payload([("MUG-1", 12), ("NOPE", 3), ("SHIRT-S", -1)])}, post=True).json()
    assert r["code"] == "0"
    assert {(d["seller_sku"], d["field"]) for d in r["detail"]} == {("NOPE", "SellerSku"), ("SHIRT-S", "Quantity")}
    assert Variant.objects.get(shop=shop, seller_sku="MUG-1").stock == 12
    assert Variant.objects.get(shop=shop, seller_sku="SHIRT-S").stock == 40
    products = api.call("/products/get", {"filter": "live", "limit": 50}).json()["data"]
    assert products["total_products"] == 2
    assert api.call("/products/get", {"limit": 51}).json()["code"] != "0"


def test_token_refresh(make_shop, client_for, server):
    shop = make_shop("lazada")
    api = client_for(shop)
    auth = type(api)(f"{server}/sandbox/lazada-auth", api.c)
    r = auth.call("/auth/token/refresh", {"refresh_token": api.c["refresh_token"]}, with_token=False).json()
    assert r["code"] == "0" and r["expires_in"] > 6 * 86400 and r["refresh_expires_in"] > r["expires_in"]
    assert api.call("/seller/get", token=r["access_token"]).json()["code"] == "0"
    assert auth.call("/auth/token/refresh", {"refresh_token": "nope"}, with_token=False).json()["code"] == "IllegalRefreshToken"
