"""Shopify adapter against the sandbox's GraphQL endpoint over real HTTP."""

from datetime import timedelta

import pytest
from django.utils import timezone

from channels_app.adapters.shopify import COSTS, ShopifyAdapter
from channels_app.adapters.types import StockUpdate
from omnisync.lib.http import ApiError
from tests.adapters.live import LiveCases, services


class TestShopifyLive(LiveCases):
    platform = "shopify"

    # The shared case expects no variant id for a simple item on Shopee and WooCommerce; on Shopify every product
    # has at least one variant (the default one), whose id the listing carries.
    def test_listings_page_to_the_end(self, shop, adapter):
        self.catalogue(shop, simple=120)
        listings = list(adapter.list_listings())
        skus = [listing.seller_sku for listing in listings]
        assert len(skus) == len(set(skus)) == 123
        simple = next(x for x in listings if x.seller_sku == "S-007")
        assert simple.variant_id.isdigit() and simple.item_id.isdigit()
        assert simple.stock == 500 and simple.status == "ACTIVE"
        shirts = [x for x in listings if x.seller_sku.startswith("SHIRT-")]
        assert len({x.item_id for x in shirts}) == 1 and len({x.variant_id for x in shirts}) == 3
        assert adapter.session.requests_made == 2  # 100 variants a page

    # live.WRONG_SECRET has no Shopify entry: a wrong access token is HTTP 401, permanent, one request.
    def test_wrong_secret_is_a_permanent_error_with_the_platform_code(self, channel, adapter):
        channel.credentials = {**channel.credentials, "access_token": "shpat_definitely-wrong"}
        with pytest.raises(ApiError) as caught:
            adapter.check_connection()
        assert not caught.value.transient
        assert caught.value.code == "HTTP 401"
        assert "access token" in str(caught.value)
        assert adapter.session.requests_made == 1

    def test_statuses_come_from_financial_fulfilment_cancel_and_return(self, shop, adapter):
        self.catalogue(shop)
        specs = [{"lines": [{"sku": "S-000", "quantity": 2}], "status": s}
                 for s in ("PENDING/UNFULFILLED", "PAID/UNFULFILLED", "PAID/FULFILLED", "REFUNDED/FULFILLED/RETURNED")]
        pending, paid, fulfilled, returned = services.orders_create_bulk(shop, specs)
        cancelled = services.orders_create_bulk(shop, [{"lines": [{"sku": "S-001", "quantity": 1}], "status": "PAID/UNFULFILLED"}])[0]
        services.order_set_status(cancelled, "CANCELLED")
        now = timezone.now()
        states = {s.external_id: s.raw_status for s in adapter.list_order_states(adapter.order_slices(now - timedelta(days=1), now + timedelta(minutes=1))[0])}
        assert states == {pending.order_id: "PENDING/UNFULFILLED", paid.order_id: "PAID/UNFULFILLED",
                          fulfilled.order_id: "PAID/FULFILLED", returned.order_id: "REFUNDED/FULFILLED/RETURNED",
                          cancelled.order_id: "CANCELLED"}
        fetched = {o.external_id: o for o in adapter.fetch_orders([cancelled.order_id, returned.order_id, "12345"])}
        assert set(fetched) == {cancelled.order_id, returned.order_id}  # an unknown id is left out
        # A cancelled order's currentQuantity is 0 (restocked); its line keeps the ordered quantity.
        assert [(ln.seller_sku, ln.quantity) for ln in fetched[cancelled.order_id].lines] == [("S-001", 1)]
        assert fetched[cancelled.order_id].raw_status == "CANCELLED"

    def test_long_orders_page_their_line_items(self, shop, adapter):
        self.catalogue(shop, simple=8)
        order = services.order_create(shop, [{"sku": f"S-{i:03d}", "quantity": i + 1} for i in range(8)])
        fetched = list(adapter.fetch_orders([order.order_id]))
        assert [(ln.seller_sku, ln.quantity) for ln in fetched[0].lines] == [(f"S-{i:03d}", i + 1) for i in range(8)]
        assert adapter.session.requests_made == 2  # 5 lines come with the order, the other 3 with OrderLines

    def test_a_concurrent_change_is_refused_not_overwritten(self, shop, adapter):
        """Stock changes on Shopify between omnisync's read and its write: the compare fails, nothing is overwritten."""
        self.catalogue(shop)
        listings = {x.seller_sku: x for x in adapter.list_listings()}
        red, blue = listings["SHIRT-RED"], listings["SHIRT-BLUE"]
        read = adapter._variants_by_id

        def read_then_sold(batch):
            found = read(batch)
            variant = sandbox_variant(shop, "SHIRT-RED")
            services.variant_set_stock(variant, variant.stock - 1)  # an order on Shopify, just after the read
            return found

        adapter._variants_by_id = read_then_sold
        results = adapter.push_stock([StockUpdate(red.item_id, red.variant_id, red.seller_sku, 7),
                                      StockUpdate(blue.item_id, blue.variant_id, blue.seller_sku, 9)])
        assert [r.applied for r in results] == [False, True]
        assert "COMPARE_QUANTITY_STALE" in results[0].reason and "next scan" in results[0].reason
        assert sandbox_variant(shop, "SHIRT-RED").stock == 499  # the sale stands
        assert sandbox_variant(shop, "SHIRT-BLUE").stock == 9  # the rest was sent again and applied

    def test_cost_bucket_makes_the_adapter_wait_instead_of_being_throttled(self, shop, adapter):
        from sandbox.platforms import shopify as sandbox_shopify

        self.catalogue(shop, simple=120)
        sandbox_shopify.set_plan(shop, maximum=1000, restore=100)  # a Standard store
        waited = []
        adapter.session.sleep = lambda s: waited.append(s) or __import__("time").sleep(s)
        listings = list(adapter.list_listings())  # two pages of 502 points each: the second must wait
        listings += list(adapter.list_listings())
        assert len(listings) == 246
        assert adapter.session.retries_made == 0, "the adapter waited before sending; nothing was throttled"
        assert sum(waited) > 0

    def test_throttled_answer_is_retried_after_the_refill_time(self, shop, adapter):
        """A restarted worker believes the bucket full; Shopify answers THROTTLED and the session waits for the refill."""
        from channels_app.adapters.shopify import CostBucket
        from sandbox.platforms import shopify as sandbox_shopify

        self.catalogue(shop)
        sandbox_shopify.set_plan(shop, maximum=600, restore=400)
        assert sandbox_shopify.buckets.take(shop.pk, 580)[0]  # spent by the worker that was restarted
        adapter.bucket = CostBucket()
        waited = []
        adapter.session.sleep = lambda s: waited.append(s) or __import__("time").sleep(s)
        assert len(list(adapter.list_listings())) == 6
        assert adapter.session.retries_made == 1
        assert waited and waited[-1] >= (502 - 600) / 400 and waited[-1] < 3

    def test_requested_costs_match_the_sandbox(self, shop, adapter):
        from sandbox.platforms import shopify as sandbox_shopify

        self.catalogue(shop)
        costs = {}
        check = adapter._check

        def record(reply):
            costs[reply.path.split()[-1]] = reply.data["extensions"]["cost"]["requestedQueryCost"]
            return check(reply)

        adapter._check = record
        keys = [(x.item_id, x.variant_id) for x in adapter.list_listings()]
        list(adapter.read_listings(keys))
        order = services.order_create(shop, [{"sku": "S-000", "quantity": 1}])
        list(adapter.fetch_orders([order.order_id] * 1))
        adapter.check_connection()
        for name in ("ShopAndLocation",):
            assert costs[name] == COSTS[name]
        assert costs["Variants"] == COSTS["Variants"]
        assert costs["VariantsById"] == len(keys) * 5  # nodes(ids:) costs per id asked
        assert costs["OrdersById"] == COSTS["OrdersById"] // ShopifyAdapter.order_detail_batch
        assert sandbox_shopify.MAX_QUERY_COST >= max(COSTS.values())


def sandbox_variant(shop, sku):
    from sandbox.models import Variant

    return Variant.objects.get(shop=shop, seller_sku=sku)
