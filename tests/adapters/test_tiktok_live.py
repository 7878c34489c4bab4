"""TikTok adapter against the sandbox over real HTTP."""

import pytest
from django.urls import path

from channels_app.adapters.types import StockUpdate
from omnisync import urls as project_urls
from omnisync.lib.http import ApiError
from sandbox.models import OrderLine, Variant
from sandbox.platforms import tiktok as sandbox_tiktok
from tests.adapters.live import LiveCases, TokenCases, services

# The two read endpoints the TikTok sandbox adds; sandbox/urls.py serves them once the lead adds the same two lines there.
urlpatterns = [
    path("sandbox/tiktok/product/202309/inventory/search", sandbox_tiktok.inventory_search),
    path("sandbox/tiktok/logistics/202309/warehouses", sandbox_tiktok.warehouses),
    *project_urls.urlpatterns,
]
pytestmark = pytest.mark.urls(__name__)

WAREHOUSES = [{"id": "7301", "name": "Jakarta", "is_default": True}, {"id": "7302", "name": "Surabaya", "is_default": False}]


class TestTikTokLive(LiveCases, TokenCases):
    platform = "tiktok"

    def two_warehouses(self, shop):
        """SHIRT-RED kept in two warehouses (300 + 200), the simple items in the default one."""
        self.catalogue(shop)
        shop.warehouses = WAREHOUSES
        shop.save(update_fields=["warehouses"])
        red = Variant.objects.get(shop=shop, seller_sku="SHIRT-RED")
        red.warehouse_stock = {"7301": 300, "7302": 200}
        red.save(update_fields=["warehouse_stock"])
        return red

    def test_listings_report_stock_per_warehouse(self, shop, adapter):
        self.two_warehouses(shop)
        listings = {x.seller_sku: x for x in adapter.list_listings()}
        assert listings["SHIRT-RED"].warehouse_stock == (("7301", 300), ("7302", 200))
        assert listings["SHIRT-RED"].stock == 500
        assert listings["S-000"].warehouse_stock == (("7301", 500),)  # the default warehouse

    def test_only_active_products_are_listed(self, shop, adapter):
        self.catalogue(shop)
        services.item_add(shop, "Draft", sku="DRAFT-1", stock=4, status="SELLER_DEACTIVATED")
        assert "DRAFT-1" not in {x.seller_sku for x in adapter.list_listings()}

    def test_push_names_every_warehouse_and_reads_back_per_warehouse(self, shop, adapter):
        red = self.two_warehouses(shop)
        listing = next(x for x in adapter.list_listings() if x.seller_sku == "SHIRT-RED")
        update = StockUpdate(listing.item_id, listing.variant_id, "SHIRT-RED", 9, warehouses=(("7301", 6), ("7302", 3)))
        assert adapter.push_stock([update])[0].applied
        red.refresh_from_db()
        assert red.warehouse_stock == {"7301": 6, "7302": 3}
        services.order_create(shop, [{"sku": "SHIRT-RED", "quantity": 2}], status="AWAITING_SHIPMENT")
        back = list(adapter.read_listings([(listing.item_id, listing.variant_id)]))
        assert [(b.stock, b.warehouse_stock, b.held) for b in back] == [(7, (("7301", 4), ("7302", 3)), 2)]

    def test_push_without_warehouses_for_a_sku_in_several_is_refused_unsent(self, shop, adapter):
        red = self.two_warehouses(shop)
        listing = next(x for x in adapter.list_listings() if x.seller_sku == "SHIRT-RED")
        sent_before = adapter.session.requests_made
        result = adapter.push_stock([StockUpdate(listing.item_id, listing.variant_id, "SHIRT-RED", 9)])[0]
        assert not result.applied
        assert "link the shop's TikTok warehouses to POS locations in the admin" in result.reason
        assert adapter.session.requests_made - sent_before == 1  # the warehouse read, no update call
        partial = adapter.push_stock([StockUpdate(listing.item_id, listing.variant_id, "SHIRT-RED", 9, warehouses=(("7301", 9),))])[0]
        assert not partial.applied and "leaves out warehouse(s) 7302" in partial.reason
        red.refresh_from_db()
        assert red.stock == 500

    def test_quantities_beyond_the_documented_range_are_refused_not_clipped(self, shop, adapter):
        self.catalogue(shop)
        simple = next(x for x in adapter.list_listings() if x.seller_sku == "S-000")
        result = adapter.push_stock([StockUpdate(simple.item_id, simple.variant_id, "S-000", 100_000)])[0]
        assert not result.applied and "99,999" in result.reason
        assert Variant.objects.get(shop=shop, seller_sku="S-000").stock == 500

    def test_combined_listing_push_is_refused_with_the_reason(self, shop, adapter):
        self.catalogue(shop)
        item = services.item_add(shop, "Gift set", sku="GIFT-1", stock=0)
        combo = item.variants.get()
        combo.components = [{"variant_id": Variant.objects.get(shop=shop, seller_sku="S-000").variant_id, "count": 2}]
        combo.save(update_fields=["components"])
        result = adapter.push_stock([StockUpdate(str(item.item_id), str(combo.variant_id), "GIFT-1", 3)])[0]
        assert not result.applied
        assert "12052850" in result.reason and "component SKUs" in result.reason

    def test_list_warehouses_gives_the_sales_warehouses(self, shop, adapter):
        shop.warehouses = WAREHOUSES
        shop.save(update_fields=["warehouses"])
        assert adapter.list_warehouses() == [("7301", "Jakarta", True), ("7302", "Surabaya", False)]

    def test_a_line_cancelled_on_its_own_is_its_own_line(self, shop, adapter):
        self.catalogue(shop)
        order = services.order_create(shop, [{"sku": "S-000", "quantity": 2}, {"sku": "S-001", "quantity": 1}],
                                      status="AWAITING_SHIPMENT")
        sandbox_tiktok.line_cancel(OrderLine.objects.get(order=order, seller_sku="S-001"))
        got = next(iter(adapter.fetch_orders([order.order_id])))
        assert got.raw_status == "AWAITING_SHIPMENT"
        assert sorted((ln.seller_sku, ln.quantity, ln.raw_status) for ln in got.lines) == [
            ("S-000", 1, "AWAITING_SHIPMENT"), ("S-000", 1, "AWAITING_SHIPMENT"), ("S-001", 1, "CANCELLED")]

    def test_authorisation_link_needs_the_service_id(self, channel, adapter):
        channel.credentials = {k: v for k, v in channel.credentials.items() if k != "service_id"}
        with pytest.raises(ApiError) as caught:
            adapter.authorize_url("https://pos.example/cb", "st")
        assert "Partner Center" in str(caught.value) and "service id" in str(caught.value)
        channel.credentials = {**channel.credentials, "service_id": "7172000000070150"}
        url = adapter.authorize_url("https://pos.example/cb", "st")
        assert "service_id=7172000000070150" in url and "state=st" in url
        channel.auth_base_url = "https://auth.tiktok-shops.com"
        assert adapter.authorize_url("https://pos.example/cb", "st") == (
            "https://services.tiktokshop.com/open/authorize?service_id=7172000000070150&state=st")
