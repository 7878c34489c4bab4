from datetime import timedelta

import pytest
from django.utils import timezone

from sandbox import services
from tests.sandbox import signers

# A tiny catalogue: one simple item and one item with three variants.
CATALOGUE = [
    {"name": "Mug", "sku": "MUG-1", "stock": 50, "price": "20000"},
    {"name": "Shirt", "sku": "SHIRT", "variants": [
        {"sku": "SHIRT-S", "name": "S", "stock": 40, "price": "80000"},
        {"sku": "SHIRT-M", "name": "M", "stock": 40, "price": "80000", "reserved_stock": 5},
        {"sku": "SHIRT-L", "name": "L", "stock": 40, "price": "80000"},
    ]},
]


@pytest.fixture
def server(live_server, transactional_db):
    return live_server.url


def _make(platform, name, index):
    shop = services.shop_create(platform, name, index=index)
    services.items_add_bulk(shop, CATALOGUE)
    return shop


@pytest.fixture
def make_shop(transactional_db):
    counter = iter(range(1, 100))

    def make(platform):
        return _make(platform, f"{platform} test {next(counter)}", next(counter))

    return make


def creds(shop, server):
    for row in services.shops_json(server):
        if row["shop"] == shop.name:
            return row
    raise AssertionError(shop.name)


@pytest.fixture
def client_for(server):
    """A signing client for a shop, as an adapter would hold it."""

    def make(shop):
        row = creds(shop, server)
        cls = {"shopee": signers.Shopee, "tiktok": signers.TikTok, "lazada": signers.Lazada, "woocommerce": signers.Woo}
        return cls[shop.platform](row["base_url"], row["credentials"])

    return make


def add_orders(shop, count, *, days_back=10, status=None):
    """`count` orders spread evenly over the last `days_back` days, one SHIRT-S and one MUG-1 each."""
    now = timezone.now()
    specs = []
    for i in range(count):
        at = now - timedelta(days=days_back) + timedelta(seconds=i * days_back * 86400 // count)
        specs.append({"lines": [{"sku": "SHIRT-S", "quantity": 1}, {"sku": "MUG-1", "quantity": 2}],
                      "status": status, "created_at": at})
    return services.orders_create_bulk(shop, specs, allow_oversell=True)
