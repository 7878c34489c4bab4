"""A page of orders costs a fixed number of queries, however many orders it holds."""

import base64
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sandbox import services
from tests.sandbox.conftest import add_orders
from tests.sandbox.signers import _hex


def _queries(call):
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_woocommerce_order_pages_cost_the_same_for_10_and_100_orders(make_shop):
    shop = make_shop("woocommerce")
    add_orders(shop, 100)
    auth = "Basic " + base64.b64encode(f"{shop.consumer_key}:{shop.consumer_secret}".encode()).decode()
    client = Client(HTTP_AUTHORIZATION=auth)
    url = "/sandbox/woocommerce/wp-json/wc/v3/orders"
    small = _queries(lambda: client.get(url, {"per_page": 10}))
    large = _queries(lambda: client.get(url, {"per_page": 100}))
    assert small == large <= 12


@pytest.mark.django_db
def test_shopee_detail_batch_costs_the_same_for_5_and_50_orders(make_shop):
    shop = make_shop("shopee")
    orders = add_orders(shop, 50)
    token = services.shop_current_tokens(shop)["access"].value
    path = "/api/v2/order/get_order_detail"

    def call(n):
        ts = int(time.time())
        sign = _hex(shop.partner_key, f"{shop.partner_id}{path}{ts}{token}{shop.external_id}")
        return Client().get(f"/sandbox/shopee{path}", {
            "partner_id": shop.partner_id, "timestamp": ts, "sign": sign, "access_token": token,
            "shop_id": shop.external_id, "order_sn_list": ",".join(o.order_id for o in orders[:n]),
            "response_optional_fields": "item_list,total_amount,pay_time"})

    assert _queries(lambda: call(5)) == _queries(lambda: call(50)) <= 12


@pytest.mark.django_db
def test_bulk_order_creation_is_not_a_query_per_order(make_shop):
    shop = make_shop("tiktok")
    with CaptureQueriesContext(connection) as ctx:
        add_orders(shop, 300)
    assert len(ctx.captured_queries) < 40
