"""A shop with several marketplace warehouses: each linked one gets its POS location's stock; the rest keep theirs.

Figures by hand: location A holds 10, location B holds 4; the channel keeps a buffer of 1 unit.
"""

import pytest

from channels_app.adapters.types import ChannelListing
from inventory.listings import listings_upsert
from inventory.models import Listing, WarehouseLink
from inventory.planning import inventory_plan
from inventory.services.ledger import stock_import
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    a, b = f.location("A"), f.location("B")
    ch = f.channel("TikTok Shop", platform="tiktok", loc=a, buffer_value=1, api_base_url="http://127.0.0.1:9/sandbox/tiktok")
    sku = f.sku("TEE-M")
    stock_import(location=a, quantities={sku.pk: 10})
    stock_import(location=b, quantities={sku.pk: 4})
    return ch, sku, b


def test_a_push_names_every_warehouse_linked_ones_at_their_location_others_as_last_read(shop):
    ch, sku, b = shop
    WarehouseLink.objects.create(channel=ch, warehouse_id="W-A", location=ch.location)
    WarehouseLink.objects.create(channel=ch, warehouse_id="W-B", location=b)
    Listing.objects.create(channel=ch, external_item_id="P1", external_variant_id="S1", seller_sku="TEE-M", sku=sku,
                           channel_stock=3, warehouse_stock={"W-A": 3, "W-B": 3, "W-C": 7})

    [push] = inventory_plan(ch)

    assert push.action == "push"
    assert push.target == 9
    assert push.warehouses == (("W-A", 9), ("W-B", 3), ("W-C", 7))


def test_a_listing_whose_home_warehouse_matches_is_still_pushed_when_another_linked_one_differs(shop):
    ch, sku, b = shop
    WarehouseLink.objects.create(channel=ch, warehouse_id="W-A", location=ch.location)
    WarehouseLink.objects.create(channel=ch, warehouse_id="W-B", location=b)
    Listing.objects.create(channel=ch, external_item_id="P1", external_variant_id="S1", seller_sku="TEE-M", sku=sku,
                           channel_stock=9, warehouse_stock={"W-A": 9, "W-B": 0})
    [push] = inventory_plan(ch)
    assert push.warehouses == (("W-A", 9), ("W-B", 3))
    Listing.objects.filter(channel=ch).update(warehouse_stock={"W-A": 9, "W-B": 3})
    assert inventory_plan(ch) == []


def test_without_links_a_push_carries_one_figure(shop):
    ch, sku, _b = shop
    Listing.objects.create(channel=ch, external_item_id="P1", external_variant_id="S1", seller_sku="TEE-M", sku=sku,
                           channel_stock=3, warehouse_stock={"W-A": 3})
    [push] = inventory_plan(ch)
    assert (push.target, push.warehouses) == (9, ())


def test_a_scan_keeps_each_warehouse_and_compares_the_home_warehouse_with_the_target(shop):
    ch, _sku, b = shop
    WarehouseLink.objects.create(channel=ch, warehouse_id="W-A", location=ch.location)
    WarehouseLink.objects.create(channel=ch, warehouse_id="W-B", location=b)
    listings_upsert(ch, [ChannelListing("P1", "S1", "TEE-M", 7, warehouse_stock=(("W-A", 5), ("W-B", 2)), held=4)])
    row = Listing.objects.get(channel=ch)
    assert (row.channel_stock, row.warehouse_stock, row.held_stock) == (5, {"W-A": 5, "W-B": 2}, 4)


def test_a_scan_without_links_keeps_the_sellable_total(shop):
    ch, _sku, _b = shop
    listings_upsert(ch, [ChannelListing("P1", "S1", "TEE-M", 7, warehouse_stock=(("W-A", 5), ("W-B", 2)))])
    assert Listing.objects.get(channel=ch).channel_stock == 7
