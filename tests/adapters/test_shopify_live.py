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

    # The shared case's 130 orders fit one Shopify page (250): 260 take two.
    def test_multi_slice_multi_page_listing_returns_every_order_once(self, shop, adapter):
        self.catalogue(shop)
        now = timezone.now()
        specs = [{"lines": [{"sku": "S-000", "quantity": 1}], "created_at": now - timedelta(days=20) + timedelta(hours=1 * i)}
                 for i in range(260)]
        expected = {o.order_id for o in services.orders_create_bulk(shop, specs)}
        got = [state.external_id for s in adapter.order_slices(now - timedelta(days=21), now + timedelta(minutes=1))
               for state in adapter.list_order_states(s)]
        assert len(got) == len(set(got)) == 260
        assert set(got) == expected
        assert adapter.session.requests_made == 2

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
        assert adapter.session.requests_made == 2  # 3 lines come with the order, the other 5 with OrderLines

    def test_a_concurrent_change_is_refused_not_overwritten(self, shop, adapter):
        """Stock changes on Shopify between omnisync's read and its write: the compare fails, nothing is overwritten."""
        self.catalogue(shop)
        listings = {x.seller_sku: x for x in adapter.list_listings()}
        red, blue = listings["SHIRT-RED"], listings["SHIRT-BLUE"]
        read = adapter._push_states

        def read_then_sold(batch):
            found = read(batch)
            variant = sandbox_variant(shop, "SHIRT-RED")
            services.variant_set_stock(variant, variant.stock - 1)  # an order on Shopify, just after the read
            return found

        adapter._push_states = read_then_sold
        results = adapter.push_stock([StockUpdate(red.item_id, red.variant_id, red.seller_sku, 7),
                                      StockUpdate(blue.item_id, blue.variant_id, blue.seller_sku, 9)])
        assert [r.applied for r in results] == [False, True]
        assert "COMPARE_QUANTITY_STALE" in results[0].reason and "next scan" in results[0].reason
        assert sandbox_variant(shop, "SHIRT-RED").stock == 499  # the sale stands
        assert sandbox_variant(shop, "SHIRT-BLUE").stock == 9  # the rest was sent again and applied

    def test_cost_bucket_makes_the_adapter_wait_instead_of_being_throttled(self, shop, adapter, settings):
        from sandbox.platforms import shopify as sandbox_shopify

        settings.HTTP_RATE_LIMIT_SCALE = 1  # the store's real refill rate, as in production

        self.catalogue(shop, simple=120)
        sandbox_shopify.set_plan(shop, maximum=1000, restore=100)  # a Standard store
        waited = []
        adapter.session.sleep = lambda s: waited.append(s) or __import__("time").sleep(s)
        listings = list(adapter.list_listings())  # two pages of 502 points each: the second must wait
        listings += list(adapter.list_listings())
        assert len(listings) == 246
        assert adapter.session.retries_made == 0, "the adapter waited before sending; nothing was throttled"
        assert sum(waited) > 0

    def test_throttled_answer_is_retried_after_the_refill_time(self, shop, adapter, settings):
        """A restarted worker believes the bucket full; Shopify answers THROTTLED and the session waits for the refill."""
        from channels_app.adapters.shopify import CostBucket
        from sandbox.platforms import shopify as sandbox_shopify

        settings.HTTP_RATE_LIMIT_SCALE = 1
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


@pytest.mark.django_db(transaction=True)
class TestShopifyCostBucket:
    """Shopify's query-cost bucket, as the sandbox enforces it and as the adapter keeps inside it."""

    platform = "shopify"
    shop = LiveCases.shop
    channel = LiveCases.channel
    adapter = LiveCases.adapter
    catalogue = LiveCases.catalogue

    QUERY = "{ productVariants(first: 250) { nodes { id product { id } inventoryItem { id } } } }"  # 2 + 250 × 3 = 752 points

    def post(self, adapter):
        import requests

        answer = requests.post(adapter.endpoint, json={"query": self.QUERY}, timeout=10,
                               headers={"X-Shopify-Access-Token": adapter.credential("access_token")})
        return answer.json()

    def test_the_bucket_holds_for_a_rate_limited_shop_only(self, shop, adapter):
        """As the other platforms' request rates: a local shop is not paced, the latency profile's shop is (Plus: 2,000 points)."""
        self.catalogue(shop)
        free = [self.post(adapter) for _ in range(4)]  # 3,008 points
        assert all("errors" not in a for a in free)
        assert {a["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] for a in free} == {2000}
        shop.rate_limited = True
        shop.save()
        limited = [self.post(adapter) for _ in range(4)]
        assert limited[0]["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 2000 - 752
        # 3,008 points against 2,000 and the refill of a few round trips (1,000 points/s): one of them is refused.
        assert any(a.get("errors") and a["errors"][0]["extensions"]["code"] == "THROTTLED" for a in limited[1:])

    def test_concurrent_detail_calls_stay_inside_the_bucket(self, shop, adapter, settings):
        """Replies report the bucket before the calls sent alongside; the adapter counts those too and is never throttled."""
        from sandbox.platforms import shopify as sandbox_shopify

        settings.HTTP_RATE_LIMIT_SCALE = 1
        self.catalogue(shop)
        orders = services.orders_create_bulk(shop, [{"lines": [{"sku": "S-000", "quantity": 1}]} for _ in range(8 * 47)])
        sandbox_shopify.set_plan(shop, maximum=2000, restore=1000)  # Shopify Plus
        shop.latency_ms = 150  # slow enough that the adapter keeps several calls in flight
        shop.save()
        got = list(adapter.fetch_orders([o.order_id for o in orders]))
        assert len(got) == 8 * 47
        assert adapter.session.requests_made == 8  # 47 orders of 21 points a call
        assert adapter.session.retries_made == 0, "no call was THROTTLED"


def test_a_reply_does_not_forget_the_calls_still_in_flight(settings):
    """Two calls of 987 points go out together; the first one's reply shows the bucket before the second ran.

    Believing that figure (2,000 - 987 = 1,013) would send a third call at once
    into a bucket that holds 26: it must wait (987 - 26) / 1,000 = 0.961 s.
    """
    import threading

    from channels_app.adapters.shopify import CostBucket

    settings.HTTP_RATE_LIMIT_SCALE = 1
    now = [100.0]
    bucket = CostBucket(clock=lambda: now[0])
    bucket.observe(2000, 2000, 1000)  # Shopify Plus, full
    waits = {}

    def call(name, reply=None):
        waits[name] = bucket.reserve(987)
        if reply is not None:
            bucket.observe(2000, reply, 1000)

    second = threading.Thread(target=call, args=("second",))  # sent, its reply not in yet
    second.start()
    second.join()
    first = threading.Thread(target=call, args=("first", 1013))
    first.start()
    first.join()
    call("third")
    assert waits["first"] == waits["second"] == 0
    assert waits["third"] == pytest.approx(0.961)
