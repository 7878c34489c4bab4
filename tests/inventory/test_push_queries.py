"""Update Inventory over real HTTP: what a push did is written a chunk at a time, so its queries do not grow
with the number of listings pushed (issue 13: the writes between push chunks are time no request is in flight)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from channels_app.models import Channel, RunKind, RunStatus
from channels_app.runs import run_claim, run_perform, run_request
from inventory.models import Listing, PushState
from inventory.services.ledger import stock_import
from tests import factories as f

services = pytest.importorskip("sandbox.services")
pytestmark = pytest.mark.django_db(transaction=True)


def run(channel, kind, **params):
    r, created = run_request(channel, kind, params=params, queue=False)
    assert created
    return run_perform(run_claim(r.pk))


def scanned_channel(live_server, platform: str, name: str, prefix: str, n: int, index: int) -> Channel:
    """A sandbox shop with n items showing 20 each, scanned; the POS holds 7 of each, so every listing needs a push."""
    shop = services.shop_create(platform, name, index=index)
    services.items_add_bulk(shop, [{"name": f"Item {prefix}-{i}", "sku": f"{prefix}-{i}", "stock": 20, "price": "10000"}
                                   for i in range(n)])
    details = next(s for s in services.shops_json(live_server.url) if s["shop"] == name)
    ch = Channel(name=name, platform=platform, location=f.location(f"L-{prefix}"), api_base_url=details["base_url"],
                 auth_base_url=details["auth_base_url"] or "")
    ch.credentials = {k: str(v) for k, v in details["credentials"].items()}
    ch.save()
    stock_import(location=ch.location, quantities={f.sku(f"{prefix}-{i}").pk: 7 for i in range(n)})
    assert run(ch, RunKind.SCAN, full=True).status == RunStatus.SUCCEEDED
    return ch


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
