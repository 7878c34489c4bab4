"""Lazada adapter against the sandbox over real HTTP."""

from decimal import Decimal

import pytest
from django.urls import include, path

from channels_app.adapters.types import ChannelOrder, OrderProblem, StockUpdate
from orders.status_maps import canonical_status
from sandbox.models import OrderLine, Shop, Variant
from sandbox.platforms import lazada as lazada_platform
from tests.adapters.live import LiveCases, TokenCases, services

# Until sandbox/urls.py mounts the new Lazada routes (sandbox.platforms.lazada.EXTRA_ROUTES), this module serves
# as the URL configuration, with those routes in front of the project's own.
urlpatterns = [
    *[path(f"sandbox/lazada/{route}", view) for route, view in lazada_platform.EXTRA_ROUTES.items()],
    path("", include("omnisync.urls")),
]


@pytest.fixture(autouse=True)
def _lazada_routes(settings):
    settings.ROOT_URLCONF = __name__


class TestLazadaLive(LiveCases, TokenCases):
    platform = "lazada"

    def test_one_foreign_order_id_does_not_hold_back_the_others(self, shop, adapter):
        self.catalogue(shop)
        other = services.shop_create("lazada", "Another seller", index=2)
        services.items_add_bulk(other, [{"name": "X", "sku": "S-000", "stock": 50}])
        foreign = services.order_create(other, [{"sku": "S-000", "quantity": 1}]).order_id
        mine = [o.order_id for o in services.orders_create_bulk(shop, [{"lines": [{"sku": "S-000", "quantity": 1}]}] * 49)]
        before = adapter.session.requests_made
        results = list(adapter.fetch_orders([*mine[:10], foreign, *mine[10:]]))
        assert sorted(r.external_id for r in results if isinstance(r, ChannelOrder)) == sorted(mine)
        assert [(type(r), r.external_id) for r in results if isinstance(r, OrderProblem)] == [(OrderProblem, foreign)]
        item_calls = adapter.session.requests_made - before
        assert item_calls <= 13 + 49  # the bisection, plus one header read per order not met in a list

    def test_a_catalogue_past_the_offset_limit_is_read_whole_by_creation_time(self, shop, adapter):
        # /products/get stops at offset 10,000 (MARKETPLACES.md): 10,120 products, created over 11 days.
        import datetime as dt

        from django.utils import timezone

        start = timezone.now() - dt.timedelta(days=30)
        for day in range(11):
            services.items_add_bulk(shop, [{"name": f"P {day}-{i}", "sku": f"BIG-{day:02d}-{i:03d}", "stock": 1}
                                           for i in range(920)], now=start + dt.timedelta(days=day))
        listed = [x.seller_sku for x in adapter.list_listings()]
        assert len(listed) == 10_120
        assert len(set(listed)) == 10_120
        assert {"BIG-00-000", "BIG-10-919"} <= set(listed)

    def test_units_keep_their_own_status_and_total_follows_the_formula(self, shop, adapter):
        self.catalogue(shop)
        order = services.order_create(shop, [{"sku": "SHIRT-RED", "quantity": 2}, {"sku": "S-001", "quantity": 1}],
                                      status="pending")
        OrderLine.objects.filter(order=order, seller_sku="S-001").update(status="canceled")
        [fetched] = adapter.fetch_orders([order.order_id])
        assert sorted((line.seller_sku, line.raw_status) for line in fetched.lines) == [
            ("S-001", "canceled"), ("SHIRT-RED", "pending"), ("SHIRT-RED", "pending")]
        assert all(line.item_id == "" and line.variant_id for line in fetched.lines)
        assert fetched.raw_status == "canceled,pending"
        assert canonical_status("lazada", fetched.raw_status) == "to_ship"
        assert fetched.total == Decimal("110000.00")  # price 110,000 − voucher 0 + shipping 0

    def test_push_sets_sellable_around_held_units_and_reads_it_back(self, shop, adapter):
        self.catalogue(shop)
        services.orders_create_bulk(shop, [{"lines": [{"sku": "S-001", "quantity": 3}], "status": "unpaid"},
                                           {"lines": [{"sku": "S-001", "quantity": 2}], "status": "pending"}])
        listing = next(x for x in adapter.list_listings() if x.seller_sku == "S-001")
        assert (listing.stock, listing.held) == (495, 5)
        [result] = adapter.push_stock([StockUpdate(listing.item_id, listing.variant_id, "S-001", 4)])
        assert result.applied
        [back] = adapter.read_listings([(listing.item_id, listing.variant_id)])
        assert (back.stock, back.held) == (4, 5)  # sellable 4 on top of the 5 held: 9 in total, not 4
        assert Variant.objects.get(shop=shop, seller_sku="S-001").stock == 4

    def test_campaign_lock_refuses_that_sku_only(self, shop, adapter):
        self.catalogue(shop)
        Variant.objects.filter(shop=shop, seller_sku="SHIRT-RED").update(reserved_stock=10)
        listings = {x.seller_sku: x for x in adapter.list_listings()}
        red, blue = listings["SHIRT-RED"], listings["SHIRT-BLUE"]
        results = adapter.push_stock([StockUpdate(red.item_id, red.variant_id, red.seller_sku, 3),
                                      StockUpdate(blue.item_id, blue.variant_id, blue.seller_sku, 3)])
        assert [r.applied for r in results] == [False, True]
        assert "campaign" in results[0].reason

    def test_multi_warehouse_listing_is_read_and_pushed_per_warehouse(self, shop, adapter):
        self.catalogue(shop)
        Shop.objects.filter(pk=shop.pk).update(warehouses=[{"id": "dropshipping", "name": "Main", "is_default": True},
                                                           {"id": "WH-SBY", "name": "Surabaya", "is_default": False}])
        Variant.objects.filter(shop=shop, seller_sku="S-002").update(warehouse_stock={"WH-SBY": 100})
        listing = next(x for x in adapter.list_listings() if x.seller_sku == "S-002")
        assert listing.warehouse_stock == (("dropshipping", 400), ("WH-SBY", 100)) and listing.stock == 500
        [result] = adapter.push_stock([StockUpdate(listing.item_id, listing.variant_id, "S-002", 30,
                                                   warehouses=(("dropshipping", 12), ("WH-SBY", 18)))])
        assert result.applied
        [back] = adapter.read_listings([(listing.item_id, listing.variant_id)])
        assert back.warehouse_stock == (("dropshipping", 12), ("WH-SBY", 18)) and back.stock == 30
