"""The bench's Shopify yardsticks: the fewest requests and the least time Shopify's documented limits allow.

Every expected figure is worked out by hand from shopify.dev's cost rules (object 1, connection 2 + first × node,
`nodes(ids:)` per id, mutation 10; 1,000 points a query, 250 a page or input array) and Shopify Plus's bucket
(2,000 points, 1,000 a second), not taken from the code under test.
"""

import pytest

from bench import inventory
from bench.common import ShopifyCost, latency_floor


def test_an_order_with_three_lines_costs_21_points_and_47_fit_one_call():
    # order 1 + lineItems (2 + 3 × 5) + totalPriceSet 2 + customer 1
    assert ShopifyCost.order(3) == 21
    assert ShopifyCost.per_call(21) == 47  # 47 × 21 = 987 ≤ 1,000 < 48 × 21
    assert ShopifyCost.per_call(5) == 200  # read-back: 200 × 5 = 1,000
    assert ShopifyCost.per_call(4) == 250  # before a push: 1,000 / 4 = 250, also the input limit
    assert ShopifyCost.per_call(1) == 250  # the input limit, not the cost, bounds cheap nodes
    assert ShopifyCost.STATE_PAGE == 252


def test_update_inventory_minimum_for_1000_changed_listings():
    m = inventory.minimum("shopify", 20_000, 1_000)
    assert (m["push"], m["before_push"], m["read_back"], m["total"]) == (4, 4, 5, 13)
    assert m["cost"] == 1000 * 4 + 4 * 10 + 1000 * 5 == 9040
    assert m["critical_path"] == 3


def test_the_floor_is_the_cost_beyond_the_full_bucket_at_the_restore_rate():
    # 1,000 orders of 3 lines: 4 state pages (1,008 points) and 21,000 points of details.
    floor = latency_floor("shopify", {"list": 4, "detail": 22}, critical=5, latency_ms=150, cost=22_008)
    assert floor["rate_seconds"] == pytest.approx(20.008)  # (22,008 - 2,000) / 1,000
    assert floor["path_seconds"] == pytest.approx(0.75)
    assert floor["floor"] == pytest.approx(20.008)
    small = latency_floor("shopify", {"list": 1}, critical=1, latency_ms=150, cost=1_500)  # fits the full bucket
    assert small["rate_seconds"] == 0 and small["floor"] == pytest.approx(0.15)
