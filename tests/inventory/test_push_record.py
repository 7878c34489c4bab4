"""What Update Inventory writes on the pushed listings when the read-back goes wrong or finds them changed.

The last push chunk's rows are written with the read-back (inventory/push_record.py), not before it: these
tests hold a real push against the sandbox, then make the read-back fail or meet a renamed SKU, and check that
every push the platform applied is still recorded as staff would need it.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from channels_app.adapters.registry import get_adapter
from channels_app.adapters.types import StockUpdate
from channels_app.models import Channel, RunKind
from channels_app.runs import RunContext, run_claim, run_request
from inventory.models import Listing, PushState
from inventory.planning import inventory_plan
from inventory.push_record import PushRecord
from omnisync.lib.http import ApiError
from sandbox.models import Shop, Variant
from tests import factories as f
from tests.inventory.sandbox_shops import scanned_channel

pytestmark = pytest.mark.django_db(transaction=True)


def pushed_and_held(ch: Channel) -> tuple[PushRecord, object]:
    """Push every planned listing for real and hand the answers to a PushRecord that holds them for the read-back."""
    run, _ = run_request(ch, RunKind.UPDATE_INVENTORY, queue=False)
    ctx = RunContext(run_claim(run.pk))
    adapter = get_adapter(ch)
    pushes = [p for p in inventory_plan(ch) if p.action == "push"]
    record = PushRecord(ctx, adapter, timezone.now())
    record.expect(pushes)
    record.answers(adapter.push_stock([StockUpdate(p.item_id, p.variant_id, p.seller_sku, p.target, p.warehouses) for p in pushes]),
                   hold=True)
    return record, ctx


def test_a_read_back_that_fails_still_records_every_applied_push_as_pending(live_server):
    ch = scanned_channel(live_server, "lazada", "Readback fails", "RF", 3, 1)
    record, ctx = pushed_and_held(ch)
    assert ctx.counts["pushed"] == 3
    # Held for the read-back: nothing written yet.
    assert set(Listing.objects.filter(channel=ch).values_list("last_push_state", "last_pushed_quantity")) == {("", None)}
    # The app's secret changes on Lazada's side: every further call is refused as wrongly signed.
    Shop.objects.filter(name="Readback fails").update(app_secret="rotated-by-the-seller")

    with pytest.raises(ApiError):
        record.read_back()

    assert sorted(Listing.objects.filter(channel=ch).values_list("seller_sku", "last_push_state", "last_pushed_quantity",
                                                                 "pushed_target")) == [
        ("RF-0", PushState.PENDING, 7, 7), ("RF-1", PushState.PENDING, 7, 7), ("RF-2", PushState.PENDING, 7, 7),
    ]
    # ... and that is what the shop shows: the pushes were applied.
    assert sorted(Variant.objects.filter(shop__name="Readback fails").values_list("seller_sku", "stock")) == [
        ("RF-0", 7), ("RF-1", 7), ("RF-2", 7),
    ]


def test_a_listing_renamed_on_the_channel_since_the_plan_is_confirmed_and_mapped_to_its_new_sku(live_server):
    ch = scanned_channel(live_server, "lazada", "Renamed", "RN", 2, 2)
    new_sku = f.sku("RN-NEW")
    renamed_pk = Listing.objects.get(channel=ch, seller_sku="RN-1").pk
    record, ctx = pushed_and_held(ch)
    Variant.objects.filter(shop__name="Renamed", seller_sku="RN-1").update(seller_sku="RN-NEW")

    record.read_back()

    assert (ctx.counts["confirmed"], ctx.counts["not_applied"]) == (2, 0)
    renamed = Listing.objects.get(pk=renamed_pk)
    assert (renamed.seller_sku, renamed.sku_id, renamed.last_push_state, renamed.last_pushed_quantity, renamed.channel_stock) == (
        "RN-NEW", new_sku.pk, PushState.CONFIRMED, 7, 7)
    kept = Listing.objects.get(channel=ch, seller_sku="RN-0")
    assert (kept.sku.code, kept.last_push_state, kept.last_pushed_quantity, kept.channel_stock) == ("RN-0", PushState.CONFIRMED, 7, 7)


def test_a_push_the_channel_did_not_apply_is_recorded_not_applied_with_what_it_shows(live_server):
    ch = scanned_channel(live_server, "lazada", "Ignores", "IG", 2, 3)
    Shop.objects.filter(name="Ignores").update(ignore_stock_rate=1.0)
    record, ctx = pushed_and_held(ch)

    record.read_back()

    assert (ctx.counts["confirmed"], ctx.counts["not_applied"]) == (0, 2)
    assert sorted(Listing.objects.filter(channel=ch).values_list("seller_sku", "last_push_state", "last_pushed_quantity",
                                                                 "channel_stock")) == [
        ("IG-0", PushState.NOT_APPLIED, 7, 20), ("IG-1", PushState.NOT_APPLIED, 7, 20),
    ]
    assert [i.code for i in ctx.issues] == ["not_applied", "not_applied"]
