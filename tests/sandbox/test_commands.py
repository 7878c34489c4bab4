import io
import json

import pytest
from django.core.management import CommandError, call_command

from sandbox.models import Order, Shop, Variant


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def catalogue(tmp_path):
    path = tmp_path / "cat.json"
    path.write_text(json.dumps([{"code": f"C-{i}", "name": f"Thing {i}", "stock": 100} for i in range(20)]))
    return str(path)


@pytest.mark.django_db
def test_seed_is_idempotent_and_shops_json_has_the_documented_shape(catalogue):
    run("sandbox_seed", "--catalogue", catalogue, "--orders", "15", "--seed", "5")
    counts = (Shop.objects.count(), Variant.objects.count(), Order.objects.count())
    assert counts[0] == 4 and counts[1] == 80 and 0 < counts[2] <= 60
    run("sandbox_seed", "--catalogue", catalogue, "--orders", "15", "--seed", "5")
    assert (Shop.objects.count(), Variant.objects.count(), Order.objects.count()) == counts
    shops = json.loads(run("sandbox_shops", "--json", "--base-url", "http://h:1"))
    by_platform = {s["platform"]: s for s in shops}
    assert set(by_platform) == {"shopee", "tiktok", "lazada", "woocommerce"}
    for s in shops:
        assert set(s) == {"platform", "shop", "base_url", "auth_base_url", "credentials"}
        assert s["base_url"] == f"http://h:1/sandbox/{s['platform']}"
    assert set(by_platform["shopee"]["credentials"]) == {"partner_id", "partner_key", "shop_id", "access_token", "refresh_token"}
    assert by_platform["shopee"]["credentials"]["partner_id"] == 2001001
    assert len(by_platform["shopee"]["credentials"]["partner_key"]) == 64
    assert set(by_platform["tiktok"]["credentials"]) == {"app_key", "app_secret", "access_token", "refresh_token", "shop_cipher",
                                                               "service_id"}
    assert by_platform["tiktok"]["auth_base_url"] == "http://h:1/sandbox/tiktok-auth"
    assert set(by_platform["lazada"]["credentials"]) == {"app_key", "app_secret", "access_token", "refresh_token"}
    assert by_platform["lazada"]["auth_base_url"] == "http://h:1/sandbox/lazada-auth"
    assert by_platform["woocommerce"]["credentials"]["consumer_key"].startswith("ck_")
    assert by_platform["woocommerce"]["credentials"]["consumer_secret"].startswith("cs_")
    assert all(s["credentials"]["access_token"] for s in shops if s["platform"] != "woocommerce")


@pytest.mark.django_db
def test_export_sale_and_faults(catalogue):
    run("sandbox_seed", "--catalogue", catalogue, "--orders", "10")
    before = Order.objects.count()
    run("sandbox_sale", "--orders", "12", "--changes", "5", "--seed", "1")
    assert Order.objects.count() == before + 12
    data = json.loads(run("sandbox_export", "--json"))
    assert len(data) == 4
    order = data[0]["orders"][0]
    assert set(order) == {"order_id", "status", "create_time", "update_time", "currency", "total", "lines", "history"}
    assert order["history"][-1][0] == order["status"]
    assert set(order["lines"][0]) == {"seller_sku", "item_id", "variant_id", "quantity", "unit_price"}
    assert set(data[0]["items"][0]["variants"][0]) >= {"variant_id", "seller_sku", "stock"}
    run("sandbox_faults", "--shop", "shopee", "--error-rate", "0.3", "--throttle-rate", "0.1", "--shift-pages")
    shop = Shop.objects.get(platform="shopee")
    assert (shop.error_rate, shop.throttle_rate, shop.shift_pages) == (0.3, 0.1, True)
    run("sandbox_faults", "--shop", "all", "--off")
    assert not any(s.has_faults for s in Shop.objects.all())


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "named"), [
    (("sandbox_faults", "--shop", "all", "--error-rate", "1.5"), "--error-rate"),
    (("sandbox_faults", "--shop", "nowhere", "--off"), "--shop"),
    (("sandbox_sale", "--orders", "-1"), "--orders"),
    (("sandbox_seed", "--catalogue", "/nonexistent.json"), "--catalogue"),
    (("sandbox_shops", "--base-url", "ftp://x"), "--base-url"),
])
def test_bad_arguments_name_the_argument_and_exit_2(args, named):
    with pytest.raises(CommandError) as info:
        run(*args)
    assert named in str(info.value) and info.value.returncode == 2
