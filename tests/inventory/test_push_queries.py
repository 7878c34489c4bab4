"""Update Inventory over real HTTP: what a push did is written a chunk at a time, so its queries do not grow
with the number of listings pushed (issue 13: the writes between push chunks are time no request is in flight)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from channels_app.models import Channel, RunKind, RunStatus
from inventory.models import Listing, PushState
from tests.inventory.sandbox_shops import run, scanned_channel

pytestmark = pytest.mark.django_db(transaction=True)


def update_counting_queries(ch: Channel):
    with CaptureQueriesContext(connection) as ctx:
        result = run(ch, RunKind.UPDATE_INVENTORY)
    return result, len(ctx.captured_queries)


@pytest.mark.parametrize("platform", ["woocommerce", "lazada"])
def test_pushing_a_hundred_listings_costs_about_the_queries_of_pushing_three(live_server, platform):
    small = scanned_channel(live_server, platform, f"Small {platform}", "QS", 3, 1)
    large = scanned_channel(live_server, platform, f"Large {platform}", "QL", 100, 2)

    small_run, small_queries = update_counting_queries(small)
    large_run, large_queries = update_counting_queries(large)

    assert small_run.status == RunStatus.SUCCEEDED and small_run.counts["confirmed"] == 3
    assert large_run.status == RunStatus.SUCCEEDED and large_run.counts["confirmed"] == 100, (large_run.counts, large_run.message)
    pushed = Listing.objects.filter(channel=large)
    assert pushed.count() == 100
    assert set(pushed.values_list("last_push_state", "last_pushed_quantity", "pushed_target", "channel_stock")) == {
        (PushState.CONFIRMED, 7, 7, 7)
    }
    # 97 more listings may add a few statements (SQLite splits a big statement in power-of-two parts, and Lazada
    # pushes 20 a call), never one per listing.
    assert large_queries <= small_queries + 10, (small_queries, large_queries)
