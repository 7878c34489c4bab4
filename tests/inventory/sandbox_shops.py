"""A sandbox shop behind a scanned channel, for the Update Inventory tests that go over real HTTP."""

from __future__ import annotations

import pytest

from channels_app.models import Channel, RunKind, RunStatus
from channels_app.runs import run_claim, run_perform, run_request
from inventory.services.ledger import stock_import
from tests import factories as f

services = pytest.importorskip("sandbox.services")


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
