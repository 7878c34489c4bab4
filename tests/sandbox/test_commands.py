import io
import json
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from sandbox import flows, services
from sandbox.models import Order, OrderLine, Shop, Variant


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
    # 5 shops x 20 SKUs; 15 orders each (100 units of every SKU: every order finds stock), plus TikTok's order with a
    # line cancelled on its own and Lazada's unpaid and pending orders.
    assert counts == (5, 100, 5 * 15 + 1 + 2)
    run("sandbox_seed", "--catalogue", catalogue, "--orders", "15", "--seed", "5")
    assert (Shop.objects.count(), Variant.objects.count(), Order.objects.count()) == counts
    shops = json.loads(run("sandbox_shops", "--json", "--base-url", "http://h:1"))
    by_platform = {s["platform"]: s for s in shops}
    assert set(by_platform) == {"shopee", "tiktok", "lazada", "woocommerce", "shopify"}
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
    # Shopify: a custom app's Admin API access token and client secret (webhooks), and the store's one location.
    shopify = by_platform["shopify"]
    assert set(shopify["credentials"]) == {"access_token", "client_secret", "location_id"}
    assert shopify["credentials"]["access_token"].startswith("shpat_")
    assert shopify["credentials"]["client_secret"].startswith("shpss_")
    assert shopify["credentials"]["location_id"].startswith("gid://shopify/Location/")
    assert shopify["auth_base_url"] == ""


@pytest.mark.django_db
def test_export_sale_and_faults(catalogue):
    run("sandbox_seed", "--catalogue", catalogue, "--orders", "10")
    before = Order.objects.count()
    run("sandbox_sale", "--orders", "12", "--changes", "5", "--seed", "1")
    assert Order.objects.count() == before + 12
    data = json.loads(run("sandbox_export", "--json"))
    assert len(data) == 5
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
    (("sandbox_sale", "--line-cancels", "-1"), "--line-cancels"),
    (("sandbox_sale", "--unknown-statuses", "-2"), "--unknown-statuses"),
    (("sandbox_seed", "--catalogue", "/nonexistent.json"), "--catalogue"),
    (("sandbox_shops", "--base-url", "ftp://x"), "--base-url"),
])
def test_bad_arguments_name_the_argument_and_exit_2(args, named):
    with pytest.raises(CommandError) as info:
        run(*args)
    assert named in str(info.value) and info.value.returncode == 2


@pytest.mark.django_db
def test_seed_shows_warehouses_bundles_line_cancels_and_held_stock(tmp_path):
    rows = [{"code": "KOPI", "name": "Kopi", "stock": 30, "second_stock": 7}, {"code": "MADU", "name": "Madu", "stock": 12},
            {"code": "TEH", "name": "Teh", "stock": 50},
            {"code": "PAKET", "name": "Paket Kopi + Madu", "components": [{"code": "KOPI", "count": 1}, {"code": "MADU", "count": 2}]}]
    path = tmp_path / "cat.json"
    path.write_text(json.dumps(rows))
    run("sandbox_seed", "--catalogue", str(path), "--orders", "0")
    shops = {s.platform: s for s in Shop.objects.all()}
    tiktok, shopee, lazada = shops["tiktok"], shops["shopee"], shops["lazada"]
    assert [(w["name"], w["is_default"]) for w in tiktok.warehouses] == [("Gudang Jakarta", True), ("Gudang Surabaya", False)]
    assert [w["id"] for w in shopee.warehouses] == ["IDZ", "IDSUB"]
    assert shops["lazada"].warehouses == [] and shops["woocommerce"].warehouses == [] and shops["shopify"].warehouses == []
    first, second = (w["id"] for w in tiktok.warehouses)
    kopi = Variant.objects.get(shop=tiktok, seller_sku="KOPI")
    assert kopi.warehouse_stock == {first: 30, second: 7}  # as seeded: 30 in Jakarta, 7 in Surabaya (37 in all)
    madu = Variant.objects.get(shop=tiktok, seller_sku="MADU")
    paket = Variant.objects.get(shop=tiktok, seller_sku="PAKET")
    assert paket.components == [{"variant_id": kopi.variant_id, "count": 1}, {"variant_id": madu.variant_id, "count": 2}]
    assert not Variant.objects.filter(seller_sku="PAKET").exclude(shop=tiktok).exists()  # only TikTok has combined listings
    # Lazada's campaign locks 5 units of the SKU with the most stock (TEH, 50).
    assert dict(Variant.objects.filter(shop=lazada, reserved_stock__gt=0).values_list("seller_sku", "reserved_stock")) == {"TEH": 5}

    # --orders 0: no history, yet the orders every demo shows.
    assert Order.objects.filter(shop__platform__in=["shopee", "woocommerce", "shopify"]).count() == 0
    bundle = Order.objects.get(shop=tiktok, buyer="buyer-paket")
    assert (bundle.status, list(bundle.lines.values_list("seller_sku", "quantity"))) == ("AWAITING_SHIPMENT", [("PAKET", 1)])
    partly = Order.objects.get(shop=tiktok, buyer="buyer-sebagian")
    assert partly.status == "AWAITING_SHIPMENT"
    assert list(partly.lines.order_by("pk").values_list("seller_sku", "quantity", "status")) == [
        ("KOPI", 1, "CANCELLED"), ("MADU", 2, "")]
    # TikTok stock: KOPI 30 + 7 - 1 (bundle) - 1 + 1 (line cancelled) = 36; MADU 12 - 2 (bundle) - 2 = 8.
    assert Variant.objects.get(pk=kopi.pk).stock == 36 and Variant.objects.get(pk=madu.pk).stock == 8
    assert sorted(Order.objects.filter(shop=lazada).values_list("status", "buyer")) == [
        ("pending", "buyer-dibayar"), ("unpaid", "buyer-belum-bayar")]
    # Lazada, one warehouse (Surabaya's 7 are not on sale there): KOPI 30 - 1 (unpaid), MADU 12 - 2 (pending).
    assert dict(Variant.objects.filter(shop=lazada).values_list("seller_sku", "stock")) == {"KOPI": 29, "MADU": 10, "TEH": 50}
    run("sandbox_seed", "--catalogue", str(path), "--orders", "0")
    assert (Order.objects.count(), Variant.objects.count(), len(Shop.objects.get(platform="tiktok").warehouses)) == (4, 16, 2)


@pytest.fixture
def open_and_closed_orders():
    """TikTok: 3 two-line orders awaiting shipment, 1 one-line, 1 two-line completed; Lazada: 2 two-line pending, 1
    delivered; Shopee: 2 ready to ship; WooCommerce: 1 pending, 1 processing, 1 completed. Every SKU starts at 20."""
    shops = {p: services.shop_create(p, f"Sale {p}") for p in ("tiktok", "lazada", "shopee", "woocommerce")}
    for shop in shops.values():
        services.items_add_bulk(shop, [{"name": f"Item {c}", "sku": c, "stock": 20} for c in "AB"])
    two = [{"sku": "A", "quantity": 1}, {"sku": "B", "quantity": 2}]
    for status, lines, n in (("AWAITING_SHIPMENT", two, 3), ("AWAITING_SHIPMENT", two[:1], 1), ("COMPLETED", two, 1)):
        for _ in range(n):
            services.order_create(shops["tiktok"], lines, status=status)
    for status, n in (("pending", 2), ("delivered", 1)):
        for _ in range(n):
            services.order_create(shops["lazada"], two, status=status)
    for _ in range(2):
        services.order_create(shops["shopee"], two, status="READY_TO_SHIP")
    for status in ("pending", "processing", "completed"):
        services.order_create(shops["woocommerce"], two[:1], status=status)
    return shops


def stock(platform):
    return dict(Variant.objects.filter(shop__platform=platform).values_list("seller_sku", "stock"))


@pytest.mark.django_db
def test_sale_cancels_single_lines_of_open_multi_line_tiktok_and_lazada_orders(open_and_closed_orders):
    # Taken at creation: TikTok A 3 + 1 + 1 = 5, B 6 + 2 = 8; Lazada A 3, B 6.
    assert (stock("tiktok"), stock("lazada")) == ({"A": 15, "B": 12}, {"A": 17, "B": 14})
    out = run("sandbox_sale", "--orders", "0", "--changes", "0", "--line-cancels", "9", "--seed", "3")
    assert "2 line cancels" not in out and "5 line cancels" in out  # 3 TikTok + 2 Lazada orders qualify
    cancelled = list(OrderLine.objects.exclude(status="").select_related("order__shop"))
    assert len(cancelled) == 5 and len({ln.order_id for ln in cancelled}) == 5
    assert {(ln.order.shop.platform, ln.order.status, ln.status) for ln in cancelled} == {
        ("tiktok", "AWAITING_SHIPMENT", "CANCELLED"), ("lazada", "pending", "canceled")}
    for platform, before in (("tiktok", {"A": 15, "B": 12}), ("lazada", {"A": 17, "B": 14})):
        back = {c: sum(ln.quantity for ln in cancelled if ln.order.shop.platform == platform and ln.seller_sku == c) for c in "AB"}
        assert stock(platform) == {c: before[c] + back[c] for c in "AB"}  # the cancelled line's units are on sale again
    again = run("sandbox_sale", "--orders", "0", "--changes", "0", "--line-cancels", "3", "--seed", "3")
    assert "0 line cancels" in again  # every qualifying order has one line left


@pytest.mark.django_db
def test_sale_line_cancels_and_unknown_statuses_repeat_with_the_same_seed(open_and_closed_orders):
    def burst(seed):
        with transaction.atomic():
            run("sandbox_sale", "--orders", "3", "--changes", "2", "--line-cancels", "2", "--unknown-statuses", "2",
                "--seed", str(seed))
            picked = (sorted(OrderLine.objects.exclude(status="").values_list("order__order_id", "seller_sku")),
                      sorted(Order.objects.filter(status__in=flows.UNDOCUMENTED.values()).values_list("order_id", flat=True)))
            transaction.set_rollback(True)
        return picked

    first = burst(11)
    assert len(first[0]) == 2 and len(first[1]) == 2
    assert burst(11) == first


@pytest.mark.django_db
def test_sale_moves_open_orders_to_a_status_no_map_knows(open_and_closed_orders):
    woo_stock = stock("woocommerce")
    assert woo_stock == {"A": 18, "B": 20}  # processing and completed took 1 A each; pending takes none
    out = run("sandbox_sale", "--orders", "0", "--changes", "0", "--unknown-statuses", "50", "--seed", "1")
    assert "10 unknown statuses" in out  # TikTok 4, Lazada 2, Shopee 2, WooCommerce 2 (pending, processing)
    moved = Counter(Order.objects.filter(status__in=flows.UNDOCUMENTED.values()).values_list("shop__platform", "status"))
    assert moved == {("tiktok", "AWAITING_FULFILLMENT_REVIEW"): 4, ("lazada", "pending_inspection"): 2,
                     ("shopee", "PENDING_SELLER_INSPECTION"): 2, ("woocommerce", "awaiting-shipment"): 2}
    assert set(Order.objects.filter(status__in=["COMPLETED", "delivered", "completed"]).values_list("shop__platform", flat=True)) == {
        "tiktok", "lazada", "woocommerce"}  # shipped or finished orders are left alone
    assert stock("woocommerce") == woo_stock  # a plugin status moves no stock
    assert all(o.history.last().status == o.status for o in Order.objects.filter(status__in=flows.UNDOCUMENTED.values()))
    assert "0 unknown statuses" in run("sandbox_sale", "--orders", "0", "--changes", "0", "--unknown-statuses", "5")
