"""The sandbox's rate limits (the latency profile's switch): each platform's documented rate, its own throttle answer."""

import time

import pytest

from sandbox import faults
from sandbox.models import Shop

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_buckets():
    faults.buckets.reset()
    yield
    faults.buckets.reset()


def limited(shop, latency_ms=0):
    Shop.objects.filter(pk=shop.pk).update(rate_limited=True, latency_ms=latency_ms)
    shop.refresh_from_db()
    return shop


def test_every_platform_has_a_rate_and_says_whether_it_is_documented():
    assert set(faults.RATE_LIMITS) == {"shopee", "tiktok", "lazada", "woocommerce"}
    assert faults.RATE_LIMITS["tiktok"] == (50.0, "api") and faults.RATE_LIMITS["lazada"] == (50.0, "shop")


def test_off_by_default(make_shop, client_for):
    shop = make_shop("shopee")
    api = client_for(shop)
    answers = [api.call("GET", "/api/v2/shop/get_shop_info").status_code for _ in range(15)]
    assert answers == [200] * 15


def test_shopee_beyond_its_rate_gets_429_with_retry_after(make_shop, client_for, monkeypatch):
    monkeypatch.setitem(faults.RATE_LIMITS, "shopee", (1.0, "shop"))  # slow enough to outrun over HTTP on a busy machine
    api = client_for(limited(make_shop("shopee")))
    answers = [api.call("GET", "/api/v2/shop/get_shop_info") for _ in range(3)]
    statuses = [r.status_code for r in answers]
    assert statuses[0] == 200 and 429 in statuses[1:]  # one second's worth at once, then the rate
    refused = next(r for r in answers if r.status_code == 429)
    assert refused.json()["error"] == "error_too_many_request" and refused.headers["Retry-After"] == "1"


def drain(platform, shop, path=""):
    """Take every token of the shop's bucket (requests over HTTP are slower than the refill)."""
    while faults.over_rate(platform, shop, path) == 0:
        pass


def test_lazada_throttles_with_901_and_the_bucket_refills(make_shop, client_for, monkeypatch):
    monkeypatch.setitem(faults.RATE_LIMITS, "lazada", (2.0, "shop"))  # slow enough to outrun over HTTP
    shop = limited(make_shop("lazada"))
    api = client_for(shop)
    codes = [api.call("/seller/get").json()["code"] for _ in range(3)]
    assert codes[:2] == ["0", "0"] and codes[2] == "901"
    time.sleep(0.6)  # 2 per second: a token is back
    assert api.call("/seller/get").json()["code"] == "0"


def test_a_bucket_holds_one_seconds_worth():
    shop = Shop(pk=10**6, platform="lazada", rate_limited=True)
    taken = 0
    while faults.over_rate("lazada", shop, "/x") == 0:
        taken += 1
    assert 50 <= taken <= 52


def test_tiktok_counts_per_api(make_shop, client_for, monkeypatch):
    monkeypatch.setitem(faults.RATE_LIMITS, "tiktok", (2.0, "api"))  # slow enough to outrun over HTTP on a busy machine
    shop = limited(make_shop("tiktok"))
    api = client_for(shop)
    drain("tiktok", shop, "/sandbox/tiktok/authorization/202309/shops")
    refused = api.call("GET", "/authorization/202309/shops", cipher=False)
    assert (refused.status_code, refused.json()["code"], refused.headers["Retry-After"]) == (429, 36009002, "1")
    # Another API of the same shop has its own bucket.
    assert faults.over_rate("tiktok", shop, "/sandbox/tiktok/product/202309/inventory/search") == 0
    # Ids in the path are one API.
    drain("tiktok", shop, "/sandbox/tiktok/product/202309/products/1/inventory/update")
    assert faults.over_rate("tiktok", shop, "/sandbox/tiktok/product/202309/products/77/inventory/update") > 0


def test_latency_profile_draws_nothing_and_counts_the_whole_request(make_shop, client_for):
    shop = limited(make_shop("woocommerce"), latency_ms=120)
    api = client_for(shop)
    started = time.monotonic()
    assert api.get("system_status").status_code == 200
    took = time.monotonic() - started
    assert 0.12 <= took < 0.6
    shop.refresh_from_db()
    assert shop.fault_draws == 0  # no write per request: requests can be served in parallel
