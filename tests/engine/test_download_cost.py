"""The import's plain-row writers (issue 13) do what the ORM path did: the same rows, the same rules, the same errors."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from inventory.models import StockLevel, StockMovement
from inventory.services.ledger import StockChange, ledger_post_many, rows_insert, rows_update, stock_import
from orders.models import Order, OrderLine, RemoteOrder
from orders.remote import remote_orders_upsert
from orders.services.importing import orders_import
from tests import factories as f

T0 = f.T0


def remote(ch, oid):
    return RemoteOrder.objects.get(channel=ch, external_id=oid)


@pytest.mark.django_db
def test_remote_upsert_newer_wins_older_is_ignored_every_row_is_seen():
    ch = f.channel()
    t1 = T0 + timedelta(hours=1)
    remote_orders_upsert(ch, {"A": ("READY_TO_SHIP", "to_ship", T0), "B": ("SHIPPED", "shipped", T0)}, now=T0)
    first = remote(ch, "A")
    assert (first.raw_status, first.status, first.channel_updated_at, first.first_seen_at, first.seen_at) == (
        "READY_TO_SHIP", "to_ship", T0, T0, T0)
    remote_orders_upsert(ch, {
        "A": ("SHIPPED", "shipped", T0 + timedelta(minutes=5)),  # newer: replaces
        "B": ("READY_TO_SHIP", "to_ship", T0 - timedelta(minutes=5)),  # older: ignored
        "C": ("UNPAID", "unpaid", T0),  # new
    }, now=t1)
    a, b, c = remote(ch, "A"), remote(ch, "B"), remote(ch, "C")
    assert (a.raw_status, a.status, a.channel_updated_at) == ("SHIPPED", "shipped", T0 + timedelta(minutes=5))
    assert (b.raw_status, b.status, b.channel_updated_at) == ("SHIPPED", "shipped", T0)
    assert a.first_seen_at == T0 and a.seen_at == t1 and b.seen_at == t1 and c.first_seen_at == c.seen_at == t1


@pytest.mark.django_db
def test_remote_upsert_equal_times_go_to_the_further_status():
    ch = f.channel()
    remote_orders_upsert(ch, {"A": ("SHIPPED", "shipped", T0)}, now=T0)
    remote_orders_upsert(ch, {"A": ("READY_TO_SHIP", "to_ship", T0)}, now=T0)  # same time, less far: ignored
    assert remote(ch, "A").status == "shipped"
    remote_orders_upsert(ch, {"A": ("COMPLETED", "completed", T0)}, now=T0)  # same time, further: wins
    assert (remote(ch, "A").raw_status, remote(ch, "A").status) == ("COMPLETED", "completed")


@pytest.mark.django_db
def test_ledger_post_many_creates_missing_levels_moves_existing_and_refuses_negative_allocation():
    loc, a, b = f.location(), f.sku("A"), f.sku("B")
    stock_import(location=loc, quantities={a.pk: 10})
    n = ledger_post_many([
        StockChange(a.pk, loc.pk, 0, 3, "order_allocation", ref_type="order_line", ref_id=1, ref_seq=1),
        StockChange(a.pk, loc.pk, -1, 0, "shipment", ref_type="order_line", ref_id=2, ref_seq=1),
        StockChange(b.pk, loc.pk, 0, 2, "order_allocation", ref_type="order_line", ref_id=3, ref_seq=1),
        StockChange(b.pk, loc.pk, 0, 0, "order_allocation"),  # nothing: not posted
    ])
    assert n == 3
    levels = {lv.sku_id: (lv.on_hand, lv.allocated) for lv in StockLevel.objects.filter(location=loc)}
    assert levels == {a.pk: (9, 3), b.pk: (0, 2)}
    assert StockMovement.objects.filter(ref_type="order_line").count() == 3
    with pytest.raises(IntegrityError), transaction.atomic():
        ledger_post_many([StockChange(a.pk, loc.pk, 0, -4, "cancellation", ref_type="order_line", ref_id=1, ref_seq=2)])
    assert StockLevel.objects.get(sku=a, location=loc).allocated == 3
    with pytest.raises(IntegrityError), transaction.atomic():  # the same step of the same line twice
        ledger_post_many([StockChange(a.pk, loc.pk, 0, 1, "order_allocation", ref_type="order_line", ref_id=1, ref_seq=1)])


@pytest.mark.django_db
def test_rows_insert_returns_keys_and_rows_update_writes_by_pk():
    ch = f.channel()
    rows = [(ch.pk, f"X{i}", "to_ship", "READY_TO_SHIP", T0, T0, 10, "IDR", "", T0, T0) for i in range(5)]
    cols = ("channel_id", "external_id", "status", "raw_status", "channel_created_at", "channel_updated_at", "total", "currency",
            "buyer_name", "imported_at", "updated_at")
    back = dict((oid, pk) for pk, oid in rows_insert(Order, cols, rows, returning=("id", "external_id")))
    assert set(back) == {f"X{i}" for i in range(5)}
    assert Order.objects.get(pk=back["X3"]).channel_updated_at == T0
    assert rows_update(Order, ("status", "channel_updated_at"), [(back["X3"], "shipped", T0 + timedelta(minutes=1))])
    x3 = Order.objects.get(pk=back["X3"])
    assert (x3.status, x3.channel_updated_at) == ("shipped", T0 + timedelta(minutes=1))
    with pytest.raises(IntegrityError), transaction.atomic():  # the unique (channel, order id) still holds
        rows_insert(Order, cols, rows[:1], returning=("id",))


@pytest.mark.django_db
def test_details_equal_to_what_the_list_recorded_are_not_written_to_remote_orders_again():
    ch = f.channel()
    a = f.sku("SKU-1")
    stock_import(location=ch.location, quantities={a.pk: 100})
    o = f.order("L1", "READY_TO_SHIP", 0)
    remote_orders_upsert(ch, {"L1": ("READY_TO_SHIP", "to_ship", o.updated_at)}, now=T0)
    with CaptureQueriesContext(connection) as ctx:
        result = orders_import(ch, [o], listed={"L1": ("READY_TO_SHIP", o.updated_at)})
    assert result.created == ["L1"]
    assert not [q for q in ctx.captured_queries if "orders_remoteorder" in q["sql"]]
    assert remote(ch, "L1").seen_at == T0
    line = OrderLine.objects.get(order__external_id="L1")
    assert (line.applied_allocated, line.effect_version, line.applied_location_id) == (1, 1, ch.location_id)
    # a newer word than the list's is recorded
    newer = f.order("L1", "SHIPPED", 5)
    orders_import(ch, [newer], listed={"L1": ("READY_TO_SHIP", o.updated_at)})
    assert (remote(ch, "L1").status, remote(ch, "L1").channel_updated_at) == ("shipped", newer.updated_at)
