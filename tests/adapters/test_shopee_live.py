"""Shopee adapter against the sandbox over real HTTP."""

from datetime import timedelta

import pytest
from django.utils import timezone

from channels_app.adapters.registry import get_adapter
from channels_app.adapters.types import StockUpdate
from channels_app.models import Channel
from omnisync.lib.http import ApiError
from tests.adapters.live import LiveCases, TokenCases, sandbox_models
from tests.sandbox.test_shopee import warehouse_route  # noqa: F401  (a fixture)

WAREHOUSES = [{"id": "IDZ", "name": "Jakarta", "is_default": True}, {"id": "IDB", "name": "Bandung", "is_default": False}]


class TestShopeeLive(LiveCases, TokenCases):
    platform = "shopee"

    def test_check_connection_keeps_the_authorisation_expiry(self, shop, channel, adapter):
        text = adapter.check_connection()
        expected = shop.created_at.replace(microsecond=0) + timedelta(days=365)
        channel.refresh_from_db()
        assert abs(channel.authorization_expires_at - expected) <= timedelta(seconds=1)
        assert f"authorisation valid until {expected:%Y-%m-%d}" in text

    def test_refresh_reads_the_authorisation_expiry_from_the_shop_info(self, shop, channel, adapter):
        adapter.force_refresh(channel.credentials["access_token"])
        channel.refresh_from_db()
        expected = shop.created_at.replace(microsecond=0) + timedelta(days=365)
        assert abs(channel.authorization_expires_at - expected) <= timedelta(seconds=1)

    def test_a_refresh_token_another_worker_spent_gives_way_to_the_newest_stored_pair(self, channel, adapter):
        other = get_adapter(Channel.objects.get(pk=channel.pk))
        other.force_refresh(channel.credentials["access_token"])
        other.session.close()
        stored = Channel.objects.get(pk=channel.pk).credentials
        tokens = adapter.refresh_tokens()  # still holds the spent refresh token
        assert (tokens.access_token, tokens.refresh_token) == (stored["access_token"], stored["refresh_token"])

    @pytest.fixture
    def multi(self, shop, warehouse_route):  # noqa: F811
        shop.warehouses = WAREHOUSES
        shop.save()
        self.catalogue(shop)
        return shop

    def test_multi_location_listings_show_each_location(self, multi, adapter):
        listings = {x.seller_sku: x for x in adapter.list_listings()}
        red = listings["SHIRT-RED"]
        assert (red.stock, red.warehouse_stock, red.held) == (500, (("IDZ", 500), ("IDB", 0)), 0)

    def test_multi_location_push_names_every_location(self, multi, adapter):
        red = next(x for x in adapter.list_listings() if x.seller_sku == "SHIRT-RED")
        results = adapter.push_stock([StockUpdate(red.item_id, red.variant_id, red.seller_sku, 30, warehouses=(("IDZ", 20), ("IDB", 10)))])
        assert [r.applied for r in results] == [True]
        variant = sandbox_models.Variant.objects.get(shop=multi, seller_sku="SHIRT-RED")
        assert (variant.stock, variant.warehouse_stock) == (30, {"IDZ": 20, "IDB": 10})
        again = next(x for x in adapter.read_listings([(red.item_id, red.variant_id)]))
        assert (again.stock, again.warehouse_stock) == (30, (("IDZ", 20), ("IDB", 10)))

    def test_multi_location_push_without_links_is_not_sent(self, multi, adapter):
        red = next(x for x in adapter.list_listings() if x.seller_sku == "SHIRT-RED")
        results = adapter.push_stock([StockUpdate(red.item_id, red.variant_id, red.seller_sku, 7)])
        assert results[0].applied is False and "Admin → Channel warehouses" in results[0].reason
        assert sandbox_models.Variant.objects.get(shop=multi, seller_sku="SHIRT-RED").stock == 500

    def test_stock_below_the_promotion_stock_is_refused_with_what_to_do(self, shop, adapter):
        self.catalogue(shop)
        sandbox_models.Variant.objects.filter(shop=shop, seller_sku="SHIRT-RED").update(reserved_stock=8)
        red = next(x for x in adapter.list_listings() if x.seller_sku == "SHIRT-RED")
        assert red.held == 8
        blue = next(x for x in adapter.list_listings() if x.seller_sku == "SHIRT-BLUE")
        results = adapter.push_stock([StockUpdate(red.item_id, red.variant_id, red.seller_sku, 5),
                                      StockUpdate(blue.item_id, blue.variant_id, blue.seller_sku, 5)])
        assert [r.applied for r in results] == [False, True]
        assert "Total stock must be more than reserved stock." in results[0].reason and "promotion" in results[0].reason

    def test_an_authorisation_that_ended_asks_to_authorise_again(self, shop, channel, adapter):
        sandbox_models.Shop.objects.filter(pk=shop.pk).update(created_at=timezone.now() - timedelta(days=400))
        with pytest.raises(ApiError, match="Authorise the channel again"):
            adapter.check_connection()
