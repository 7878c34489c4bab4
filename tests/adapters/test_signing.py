"""Each platform's signature, built exactly as its documentation describes."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl, quote, urlsplit

from channels_app.adapters.lazada import LazadaAdapter, lazada_sign
from channels_app.adapters.shopee import shopee_sign
from channels_app.adapters.tiktok import tiktok_sign
from channels_app.adapters.types import StockUpdate
from channels_app.adapters.woocommerce import oauth1_params


def test_lazada_published_test_vector():
    params = {"access_token": "test", "app_key": "123456", "order_id": "1234", "sign_method": "sha256", "timestamp": "1517820392000"}
    assert lazada_sign("helloworld", "/order/get", params) == "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A"


def test_lazada_ignores_an_existing_sign_parameter():
    params = {"app_key": "1", "timestamp": "2", "sign": "whatever"}
    assert lazada_sign("s", "/p", params) == lazada_sign("s", "/p", {"app_key": "1", "timestamp": "2"})


def test_lazada_stock_payload_escapes_values():
    xml = LazadaAdapter.stock_payload([StockUpdate("1", "2", "A&B<1>", 7)])
    assert "<SellerSku>A&amp;B&lt;1&gt;</SellerSku>" in xml
    assert "<SellableQuantity>7</SellableQuantity>" in xml
    assert xml.startswith("<?xml") and xml.endswith("</Skus></Product></Request>")


def test_shopee_shop_call_signature():
    expected = hmac.new(b"key", b"2001/api/v2/order/get_order_list1700000000tok123456", hashlib.sha256).hexdigest()
    assert shopee_sign("key", 2001, "/api/v2/order/get_order_list", 1700000000, "tok", 123456) == expected
    assert expected == expected.lower()


def test_shopee_public_call_signature_has_no_token_or_shop():
    expected = hmac.new(b"key", b"2001/api/v2/auth/token/get1700000000", hashlib.sha256).hexdigest()
    assert shopee_sign("key", "2001", "/api/v2/auth/token/get", 1700000000) == expected


def test_tiktok_signature_wraps_path_sorted_params_and_body_in_the_secret():
    params = {"timestamp": 1700000000, "app_key": "ak", "shop_cipher": "c1", "sign": "old", "access_token": "t"}
    body = b'{"update_time_ge":1}'
    message = b"sec" + b"/order/202309/orders/search" + b"app_keyakshop_cipherc1timestamp1700000000" + body + b"sec"
    expected = hmac.new(b"sec", message, hashlib.sha256).hexdigest()
    assert tiktok_sign("sec", "/order/202309/orders/search", params, body) == expected


def test_tiktok_signature_without_body():
    message = b"sec/authorization/202309/shopsapp_keyaktimestamp1sec"
    assert tiktok_sign("sec", "/authorization/202309/shops", {"app_key": "ak", "timestamp": 1}, None) == hmac.new(
        b"sec", message, hashlib.sha256
    ).hexdigest()


def _pct(value: str) -> str:
    return quote(value, safe="~")


def test_woocommerce_oauth1_signature_follows_rfc5849():
    url = "http://shop.test/wp-json/wc/v3/orders?page=2&modified_after=2026-11-11T00:00:00"
    query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    params = [*query, *oauth1_params("GET", "http://shop.test/wp-json/wc/v3/orders", query, "ck_abc", "cs_secret")]
    given = dict(params)
    assert given["oauth_consumer_key"] == "ck_abc"
    assert given["oauth_signature_method"] == "HMAC-SHA256"
    assert given["oauth_nonce"] and given["oauth_timestamp"].isdigit()
    normalized = "&".join(f"{k}={v}" for k, v in sorted((_pct(k), _pct(v)) for k, v in params if k != "oauth_signature"))
    base = "&".join(["GET", _pct("http://shop.test/wp-json/wc/v3/orders"), _pct(normalized)])
    expected = base64.b64encode(hmac.new(b"cs_secret&", base.encode(), hashlib.sha256).digest()).decode()
    assert given["oauth_signature"] == expected
