"""Adapter tests over real HTTP against the sandbox marketplaces (shared by the per-platform files).

Each platform file subclasses `LiveCases`; the sandbox is served by
pytest-django's `live_server`, and tests set up sandbox data through
`sandbox.services` (tests may use the sandbox; the apps never do).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from channels_app.adapters.registry import get_adapter
from channels_app.adapters.types import StockUpdate
from channels_app.models import Channel
from inventory.models import Location
from omnisync.lib.http import ApiError

services = pytest.importorskip("sandbox.services")
sandbox_models = pytest.importorskip("sandbox.models")

WRONG_SECRET = {
    "shopee": ("partner_key", "error_sign"),
    "tiktok": ("app_secret", "106001"),
    "lazada": ("app_secret", "IncompleteSignature"),
    "woocommerce": ("consumer_secret", "woocommerce_rest_authentication_error"),
}


@pytest.mark.django_db(transaction=True)
class LiveCases:
    platform = ""

    # -- setup -----------------------------------------------------------
    @pytest.fixture
    def shop(self):
        return services.shop_create(self.platform, f"Live {self.platform}")

    @pytest.fixture
    def channel(self, shop, live_server):
        details = next(s for s in services.shops_json(live_server.url) if s["shop"] == shop.name)
        location = Location.objects.create(code=f"L-{self.platform}", name="Main")
        return Channel.objects.create(
            name=f"Channel {self.platform}",
            platform=self.platform,
            location=location,
            api_base_url=details["base_url"],
            auth_base_url=details["auth_base_url"],
            credentials={k: str(v) for k, v in details["credentials"].items()},
        )

    @pytest.fixture
    def adapter(self, channel):
        adapter = get_adapter(channel)
        yield adapter
        adapter.session.close()

    def catalogue(self, shop, simple: int = 3):
        specs = [{"name": f"Simple {i}", "sku": f"S-{i:03d}", "stock": 500, "price": "10000"} for i in range(simple)]
        specs.append(
            {
                "name": "Shirt",
                "variants": [{"sku": f"SHIRT-{c}", "name": c, "stock": 500, "price": "50000"} for c in ("RED", "BLUE", "GREEN")],
            }
        )
        return services.items_add_bulk(shop, specs)

    # -- orders ----------------------------------------------------------
    def test_multi_slice_multi_page_listing_returns_every_order_once(self, shop, adapter):
        self.catalogue(shop)
        now = timezone.now()
        specs = [
            {"lines": [{"sku": "S-000", "quantity": 1}], "created_at": now - timedelta(days=20) + timedelta(hours=3 * i)}
            for i in range(130)
        ]
        expected = {o.order_id for o in services.orders_create_bulk(shop, specs)}
        slices = adapter.order_slices(now - timedelta(days=21), now + timedelta(minutes=1))
        if self.platform == "shopee":
            assert len(slices) == 2
        got = [state.external_id for s in slices for state in adapter.list_order_states(s)]
        assert len(got) == len(set(got)) == len(expected)
        assert set(got) == expected
        assert adapter.session.requests_made >= 2

    def test_detail_batches_respect_the_limit_and_count_units(self, shop, adapter):
        self.catalogue(shop)
        orders = services.orders_create_bulk(
            shop,
            [{"lines": [{"sku": "SHIRT-RED", "quantity": 3}, {"sku": "S-001", "quantity": 1}]} for _ in range(60)],
        )
        wanted = {o.order_id for o in orders}
        asked: list[set[str]] = []  # the order ids each request carried
        attempt = adapter.session._attempt

        def recording(out, *args, **kwargs):
            sent = " ".join([out.url, json.dumps(out.params, default=str), (out.body or b"").decode(errors="replace")])
            asked.append(set(re.findall(r"[A-Za-z0-9]+", sent)) & wanted)
            return attempt(out, *args, **kwargs)

        adapter.session._attempt = recording
        fetched = list(adapter.fetch_orders(sorted(wanted)))
        assert {o.external_id for o in fetched} == wanted
        batches = sorted((len(ids) for ids in asked if len(ids) > 1), reverse=True)
        assert batches == [adapter.order_detail_batch, 60 - adapter.order_detail_batch], batches  # 60 = 50 + 10
        units: dict[str, int] = {}
        for line in fetched[0].lines:
            units[line.seller_sku] = units.get(line.seller_sku, 0) + line.quantity
        assert units == {"SHIRT-RED": 3, "S-001": 1}
        assert len({line.line_key for line in fetched[0].lines}) == len(fetched[0].lines)
        assert fetched[0].created_at.tzinfo is not None

    # -- listings --------------------------------------------------------
    def test_listings_page_to_the_end(self, shop, adapter):
        self.catalogue(shop, simple=120)
        listings = list(adapter.list_listings())
        skus = [listing.seller_sku for listing in listings]
        assert len(skus) == len(set(skus)) == 123
        simple = next(x for x in listings if x.seller_sku == "S-007")
        # TikTok and Lazada give every product at least one SKU id; Shopee and WooCommerce none for a simple item.
        assert bool(simple.variant_id) is (self.platform in ("tiktok", "lazada")), simple
        assert simple.stock == 500
        shirts = [x for x in listings if x.seller_sku.startswith("SHIRT-")]
        assert len({x.item_id for x in shirts}) == 1 and all(x.variant_id for x in shirts)

    # -- stock -----------------------------------------------------------
    def test_stock_push_reports_each_listing(self, shop, adapter):
        self.catalogue(shop)
        listings = {x.seller_sku: x for x in adapter.list_listings()}
        red, blue, simple = listings["SHIRT-RED"], listings["SHIRT-BLUE"], listings["S-001"]
        bogus_variant = "99999999" if red.variant_id.isdigit() else "nope"
        updates = [
            StockUpdate(red.item_id, red.variant_id, red.seller_sku, 7),
            StockUpdate(red.item_id, bogus_variant, "NO-SUCH-SKU", 5),
            StockUpdate(blue.item_id, blue.variant_id, blue.seller_sku, 0),
            StockUpdate(simple.item_id, simple.variant_id, simple.seller_sku, 42),
        ]
        results = adapter.push_stock(updates)
        assert [(r.item_id, r.variant_id) for r in results] == [(u.item_id, u.variant_id) for u in updates]
        assert [r.applied for r in results] == [True, False, True, True]
        assert results[1].reason
        after = {x.seller_sku: x.stock for x in adapter.list_listings()}
        assert (after["SHIRT-RED"], after["SHIRT-BLUE"], after["S-001"]) == (7, 0, 42)

    def test_wrong_secret_is_a_permanent_error_with_the_platform_code(self, channel, adapter):
        name, code = WRONG_SECRET[self.platform]
        channel.credentials = {**channel.credentials, name: "definitely-wrong"}
        with pytest.raises(ApiError) as caught:
            adapter.check_connection()
        assert not caught.value.transient
        assert caught.value.code == code
        assert code in str(caught.value)
        assert adapter.session.requests_made == 1

    def test_check_connection_describes_the_shop(self, adapter):
        assert adapter.label in adapter.check_connection()


class TokenCases:
    """For the platforms whose access tokens expire (not WooCommerce): mixed into their LiveCases class."""

    def test_expired_token_is_refreshed_and_the_new_refresh_token_stored(self, shop, channel, adapter):
        self.catalogue(shop)
        old_refresh = channel.credentials["refresh_token"]
        old_access = channel.credentials["access_token"]
        sandbox_models.Token.objects.filter(shop=shop, value=old_access).update(expires_at=timezone.now() - timedelta(minutes=10))
        assert len(list(adapter.list_listings())) == 6
        channel.refresh_from_db()
        assert channel.credentials["access_token"] != old_access
        assert channel.credentials["refresh_token"] != old_refresh
        assert channel.token_expires_at > timezone.now()

    def test_token_close_to_expiry_is_refreshed_before_the_call(self, channel, adapter):
        old_refresh = channel.credentials["refresh_token"]
        channel.token_expires_at = timezone.now() + timedelta(minutes=1)
        channel.save()
        adapter.ensure_token()
        channel.refresh_from_db()
        assert channel.credentials["refresh_token"] != old_refresh
        assert channel.token_expires_at > timezone.now() + adapter.token_refresh_margin
        fresh = channel.credentials["refresh_token"]
        adapter.ensure_token()  # fresh now: no second refresh
        channel.refresh_from_db()
        assert channel.credentials["refresh_token"] == fresh
        assert adapter.check_connection()
