import time
from datetime import timedelta

from django.utils import timezone

from sandbox import services
from sandbox.models import Token, Variant
from tests.sandbox.conftest import add_orders

LIST = "/api/v2/order/get_order_list"


def _window(days=15):
    now = int(time.time())
    return {"time_range_field": "update_time", "time_from": now - days * 86400, "time_to": now}


def test_order_list_pages_with_cursor_and_returns_every_order_once(make_shop, client_for):
    shop = make_shop("shopee")
    orders = add_orders(shop, 230, days_back=12)
    api = client_for(shop)
    seen, cursor, pages = [], "", 0
    while True:
        r = api.call("GET", LIST, {**_window(), "page_size": 100, "cursor": cursor, "response_optional_fields": "order_status"})
        body = r.json()
        assert r.status_code == 200 and body["error"] == "", body
        assert body["request_id"]
        pages += 1
        seen += [o["order_sn"] for o in body["response"]["order_list"]]
        assert all(o["order_status"] == "UNPAID" for o in body["response"]["order_list"])
        if not body["response"]["more"]:
            assert body["response"]["next_cursor"] == ""
            break
        cursor = body["response"]["next_cursor"]
    assert pages == 3
    assert sorted(seen) == sorted(o.order_id for o in orders)
    assert len(seen) == len(set(seen))


def test_order_list_refuses_a_window_over_15_days_and_bad_page_sizes(make_shop, client_for):
    api = client_for(make_shop("shopee"))
    w = _window()
    ok = api.call("GET", LIST, {**w, "page_size": 100})
    assert ok.json()["error"] == ""
    too_long = api.call("GET", LIST, {**w, "time_from": w["time_from"] - 1, "page_size": 10})
    assert too_long.json()["error"] == "order.order_list_invalid_time"
    for size in (0, 101):
        r = api.call("GET", LIST, {**w, "page_size": size})
        assert r.json()["error"] == "error_param", size


def test_order_detail_batch_limit_and_fields(make_shop, client_for):
    shop = make_shop("shopee")
    orders = add_orders(shop, 51)
    api = client_for(shop)
    fields = "item_list,total_amount,buyer_username,pay_time,cancel_reason"
    over = api.call("GET", "/api/v2/order/get_order_detail", {"order_sn_list": ",".join(o.order_id for o in orders)})
    assert over.json()["error"] == "error_param"
    r = api.call("GET", "/api/v2/order/get_order_detail",
                 {"order_sn_list": ",".join(o.order_id for o in orders[:50]), "response_optional_fields": fields})
    got = r.json()["response"]["order_list"]
    assert len(got) == 50
    first = got[0]
    assert first["order_status"] == "UNPAID" and first["currency"] == "IDR" and first["total_amount"] == 120000.0
    lines = {line["model_sku"] or line["item_sku"]: line for line in first["item_list"]}
    assert lines["SHIRT-S"]["model_quantity_purchased"] == 1 and lines["SHIRT-S"]["model_id"] > 0
    assert lines["MUG-1"]["model_id"] == 0 and lines["MUG-1"]["model_quantity_purchased"] == 2
    missing = api.call("GET", "/api/v2/order/get_order_detail", {"order_sn_list": "NOPE"})
    assert missing.json()["error"] == "error_not_found"


def test_signature_timestamp_and_token_are_checked(make_shop, client_for):
    api = client_for(make_shop("shopee"))
    path = "/api/v2/shop/get_shop_info"
    assert api.call("GET", path).json()["error"] == ""
    wrong = api.call("GET", path, key="0" * 64)
    assert (wrong.status_code, wrong.json()["error"]) == (403, "error_sign")
    stale = api.call("GET", path, ts=int(time.time()) - 301)
    assert stale.json()["error"] == "error_param" and "timestamp" in stale.json()["message"].lower()
    unknown = api.call("GET", path, token="at-unknown")
    assert unknown.json()["error"] == "error_auth"


def test_expired_access_token_is_refused(make_shop, client_for):
    shop = make_shop("shopee")
    api = client_for(shop)
    assert api.call("GET", "/api/v2/shop/get_shop_info").json()["error"] == ""
    Token.objects.filter(shop=shop, kind=Token.ACCESS).update(expires_at=timezone.now() - timedelta(seconds=1))
    r = api.call("GET", "/api/v2/shop/get_shop_info")
    assert r.json()["error"] == "error_auth"


def test_listing_calls(make_shop, client_for):
    shop = make_shop("shopee")
    api = client_for(shop)
    items = api.call("GET", "/api/v2/product/get_item_list", {"offset": 0, "page_size": 1, "item_status": "NORMAL"}).json()
    assert items["response"]["total_count"] == 2 and items["response"]["has_next_page"] is True
    assert items["response"]["next_offset"] == 1
    ids = [items["response"]["item"][0]["item_id"]]
    ids.append(api.call("GET", "/api/v2/product/get_item_list", {"offset": 1, "page_size": 1}).json()["response"]["item"][0]["item_id"])
    base = api.call("GET", "/api/v2/product/get_item_base_info", {"item_id_list": ",".join(map(str, ids))}).json()
    simple, variable = base["response"]["item_list"]
    assert simple["has_model"] is False and simple["item_sku"] == "MUG-1"
    assert simple["stock_info_v2"]["seller_stock"][0]["stock"] == 50
    assert variable["has_model"] is True and "stock_info_v2" not in variable
    models = api.call("GET", "/api/v2/product/get_model_list", {"item_id": variable["item_id"]}).json()["response"]["model"]
    by_sku = {m["model_sku"]: m for m in models}
    assert set(by_sku) == {"SHIRT-S", "SHIRT-M", "SHIRT-L"}
    assert by_sku["SHIRT-M"]["stock_info_v2"]["summary_info"]["total_reserved_stock"] == 5
    too_many = api.call("GET", "/api/v2/product/get_item_base_info", {"item_id_list": ",".join(["1"] * 51)})
    assert too_many.json()["error"] == "error_param"


def test_update_stock_partial_failure(make_shop, client_for):
    shop = make_shop("shopee")
    s, m = (Variant.objects.get(shop=shop, seller_sku=k) for k in ("SHIRT-S", "SHIRT-M"))
    api = client_for(shop)
    body = {"item_id": s.item.item_id, "stock_list": [
        {"model_id": s.variant_id, "seller_stock": [{"stock": 7}]},
        {"model_id": m.variant_id, "seller_stock": [{"stock": 3}]},  # below the 5 reserved
        {"model_id": 999, "seller_stock": [{"stock": 1}]},
    ]}
    r = api.call("POST", "/api/v2/product/update_stock", body=body).json()
    assert r["error"] == "error_busi_update_stock_failed"
    assert r["response"]["success_list"] == [{"model_id": s.variant_id, "location_id": "IDZ", "stock": 7}]
    assert {f["model_id"] for f in r["response"]["failure_list"]} == {m.variant_id, 999}
    s.refresh_from_db()
    m.refresh_from_db()
    assert (s.stock, m.stock) == (7, 40)
    over = {"item_id": s.item.item_id, "stock_list": [{"model_id": s.variant_id, "seller_stock": [{"stock": 1}]}] * 51}
    assert api.call("POST", "/api/v2/product/update_stock", body=over).json()["error"] == "error_param"
    mug = Variant.objects.get(shop=shop, seller_sku="MUG-1")
    ok = api.call("POST", "/api/v2/product/update_stock",
                  body={"item_id": mug.item.item_id, "stock_list": [{"model_id": 0, "seller_stock": [{"stock": 9}]}]}).json()
    assert ok["error"] == "" and ok["response"]["failure_list"] == []
    mug.refresh_from_db()
    assert mug.stock == 9


def test_refresh_token_is_single_use_and_old_access_token_lives_five_minutes(make_shop, client_for):
    shop = make_shop("shopee")
    api = client_for(shop)
    old_access, old_refresh = api.c["access_token"], api.c["refresh_token"]
    body = {"refresh_token": old_refresh, "partner_id": api.c["partner_id"], "shop_id": api.c["shop_id"]}
    first = api.call("POST", "/api/v2/auth/access_token/get", body=body, shop=False).json()
    assert first["error"] == "" and first["access_token"] != old_access and first["refresh_token"] != old_refresh
    assert 14000 <= first["expire_in"] <= 14400
    again = api.call("POST", "/api/v2/auth/access_token/get", body=body, shop=False).json()
    assert again["error"] == "error_auth"
    old = Token.objects.get(value=old_access)
    assert old.expires_at <= timezone.now() + timedelta(minutes=5, seconds=1)
    assert api.call("GET", "/api/v2/shop/get_shop_info").json()["error"] == ""
    assert api.call("GET", "/api/v2/shop/get_shop_info", token=first["access_token"]).json()["error"] == ""
    newer = {**body, "refresh_token": first["refresh_token"]}
    assert api.call("POST", "/api/v2/auth/access_token/get", body=newer, shop=False).json()["error"] == ""


def test_selling_and_cancelling_move_stock(make_shop):
    shop = make_shop("shopee")
    order = services.order_create(shop, [{"sku": "SHIRT-S", "quantity": 3}])
    stock = Variant.objects.get(shop=shop, seller_sku="SHIRT-S")
    assert stock.stock == 37
    services.order_set_status(order, "IN_CANCEL")
    stock.refresh_from_db()
    assert stock.stock == 37
    services.order_set_status(order, "CANCELLED")
    stock.refresh_from_db()
    assert stock.stock == 40
    assert [h.status for h in order.history.all()] == ["UNPAID", "IN_CANCEL", "CANCELLED"]
