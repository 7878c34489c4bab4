import time
from datetime import timedelta

import pytest
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
    assert (unknown.json()["error"], unknown.json()["message"]) == ("common.error_auth", "Invalid access_token.")


def test_expired_access_token_is_refused(make_shop, client_for):
    shop = make_shop("shopee")
    api = client_for(shop)
    assert api.call("GET", "/api/v2/shop/get_shop_info").json()["error"] == ""
    Token.objects.filter(shop=shop, kind=Token.ACCESS).update(expires_at=timezone.now() - timedelta(seconds=1))
    r = api.call("GET", "/api/v2/shop/get_shop_info")
    assert r.json()["error"] == "common.error_auth"


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
    assert {f["model_id"]: f["failed_reason"] for f in r["response"]["failure_list"]} == {
        m.variant_id: "Total stock must be more than reserved stock.", 999: "Model not found."}
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


# -- authorisation expiry, several locations (issue 11) -------------------------------------------------

WAREHOUSES = [{"id": "IDZ", "name": "Jakarta", "is_default": True}, {"id": "IDB", "name": "Bandung", "is_default": False}]


@pytest.fixture
def warehouse_route():
    """GET /api/v2/shop/get_warehouse_detail, mounted for the test when sandbox/urls.py does not list it yet."""
    from django.urls import clear_url_caches, path

    from sandbox import urls
    from sandbox.platforms import shopee

    route = "shopee/api/v2/shop/get_warehouse_detail"
    added = None
    if not any(str(p.pattern) == route for p in urls.urlpatterns):
        added = path(route, shopee.get_warehouse_detail)
        urls.urlpatterns.append(added)
        clear_url_caches()
    yield
    if added is not None:
        urls.urlpatterns.remove(added)
        clear_url_caches()


def test_shop_info_has_its_fields_at_the_top_and_the_authorisation_ends_365_days_after_it_began(make_shop, client_for):
    shop = make_shop("shopee")
    body = client_for(shop).call("GET", "/api/v2/shop/get_shop_info").json()
    assert "response" not in body
    assert body["auth_time"] == int(shop.created_at.timestamp())
    assert body["expire_time"] - body["auth_time"] == 365 * 86400
    assert body["shop_name"] == shop.name and body["status"] == "NORMAL"


def test_a_new_authorisation_moves_the_expiry(make_shop, client_for):
    shop = make_shop("shopee")
    code = services.token_issue(shop, Token.CODE)
    Token.objects.filter(pk=code.pk).update(used_at=timezone.now() + timedelta(days=3))
    body = client_for(shop).call("GET", "/api/v2/shop/get_shop_info").json()
    assert abs(body["auth_time"] - int((timezone.now() + timedelta(days=3)).timestamp())) <= 2
    assert body["expire_time"] == body["auth_time"] + 365 * 86400


def test_warehouse_detail_lists_the_locations_or_says_the_shop_has_one(make_shop, client_for, warehouse_route):
    single = make_shop("shopee")
    r = client_for(single).call("GET", "/api/v2/shop/get_warehouse_detail").json()
    assert r["error"] == "warehouse.error_not_in_whitelist"
    multi = make_shop("shopee")
    multi.warehouses = WAREHOUSES
    multi.save()
    r = client_for(multi).call("GET", "/api/v2/shop/get_warehouse_detail").json()
    assert r["error"] == ""
    assert [(w["location_id"], w["warehouse_name"]) for w in r["response"]] == [("IDZ", "Jakarta"), ("IDB", "Bandung")]


def _multi(make_shop):
    shop = make_shop("shopee")
    shop.warehouses = WAREHOUSES
    shop.save()
    Variant.objects.filter(shop=shop, seller_sku="SHIRT-S").update(stock=40, warehouse_stock={"IDB": 15})
    return shop


def test_multi_location_stock_is_shown_per_location(make_shop, client_for):
    shop = _multi(make_shop)
    api = client_for(shop)
    s = Variant.objects.get(shop=shop, seller_sku="SHIRT-S")
    models = api.call("GET", "/api/v2/product/get_model_list", {"item_id": s.item.item_id}).json()["response"]["model"]
    info = next(m for m in models if m["model_sku"] == "SHIRT-S")["stock_info_v2"]
    assert info["seller_stock"] == [{"location_id": "IDZ", "stock": 25}, {"location_id": "IDB", "stock": 15}]
    assert info["summary_info"] == {"total_reserved_stock": 0, "total_available_stock": 40}
    mug = Variant.objects.get(shop=shop, seller_sku="MUG-1")
    base = api.call("GET", "/api/v2/product/get_item_base_info", {"item_id_list": str(mug.item.item_id)}).json()
    assert base["response"]["item_list"][0]["stock_info_v2"]["seller_stock"] == [
        {"location_id": "IDZ", "stock": 50}, {"location_id": "IDB", "stock": 0}]


def test_multi_location_update_needs_every_location_id_and_only_the_shops(make_shop, client_for):
    shop = _multi(make_shop)
    api = client_for(shop)
    s = Variant.objects.get(shop=shop, seller_sku="SHIRT-S")

    def push(seller_stock):
        body = {"item_id": s.item.item_id, "stock_list": [{"model_id": s.variant_id, "seller_stock": seller_stock}]}
        return api.call("POST", "/api/v2/product/update_stock", body=body).json()

    lack = push([{"stock": 9}])
    assert (lack["error"], lack["message"]) == ("product.error_auth", "Lack of location_id, please double check.")
    wrong = push([{"location_id": "XXX", "stock": 9}])
    assert wrong["error"] == "product.error_auth" and "more/wrong" in wrong["message"]
    repeated = push([{"location_id": "IDZ", "stock": 1}, {"location_id": "IDZ", "stock": 2}])
    assert repeated["error"] == "product.error_auth" and "more/wrong" in repeated["message"]
    s.refresh_from_db()
    assert (s.stock, s.warehouse_stock) == (40, {"IDB": 15})
    ok = push([{"location_id": "IDZ", "stock": 7}, {"location_id": "IDB", "stock": 3}])
    assert ok["error"] == ""
    assert ok["response"]["success_list"] == [
        {"model_id": s.variant_id, "location_id": "IDZ", "stock": 7}, {"model_id": s.variant_id, "location_id": "IDB", "stock": 3}]
    s.refresh_from_db()
    assert (s.stock, s.warehouse_stock) == (10, {"IDZ": 7, "IDB": 3})


def test_multi_location_total_may_not_go_below_reserved_stock(make_shop, client_for):
    shop = _multi(make_shop)
    m = Variant.objects.get(shop=shop, seller_sku="SHIRT-M")  # 5 reserved
    body = {"item_id": m.item.item_id, "stock_list": [{"model_id": m.variant_id, "seller_stock": [
        {"location_id": "IDZ", "stock": 2}, {"location_id": "IDB", "stock": 2}]}]}
    r = client_for(shop).call("POST", "/api/v2/product/update_stock", body=body).json()
    assert r["error"] == "error_busi_update_stock_failed"
    assert r["response"]["failure_list"] == [{"model_id": m.variant_id, "failed_reason": "Total stock must be more than reserved stock."}]
    m.refresh_from_db()
    assert m.stock == 40


def test_single_location_shop_refuses_a_foreign_location(make_shop, client_for):
    shop = make_shop("shopee")
    mug = Variant.objects.get(shop=shop, seller_sku="MUG-1")
    body = {"item_id": mug.item.item_id, "stock_list": [{"model_id": 0, "seller_stock": [{"location_id": "IDB", "stock": 3}]}]}
    r = client_for(shop).call("POST", "/api/v2/product/update_stock", body=body).json()
    assert r["error"] == "product.error_auth"
    same = {"item_id": mug.item.item_id, "stock_list": [{"model_id": 0, "seller_stock": [{"location_id": "IDZ", "stock": 3}]}]}
    assert client_for(shop).call("POST", "/api/v2/product/update_stock", body=same).json()["error"] == ""
