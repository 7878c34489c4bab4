"""The database, not luck, refuses duplicates and a second active run."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from channels_app.models import RunKind, RunStatus, SyncRun
from inventory.models import StockLevel
from orders.models import Order
from tests import factories as f


def make_order(ch, external_id="O1"):
    now = timezone.now()
    return Order.objects.create(
        channel=ch, external_id=external_id, status="to_ship", raw_status="READY_TO_SHIP",
        channel_created_at=now, channel_updated_at=now,
    )


@pytest.mark.django_db
def test_second_order_with_same_channel_and_id_is_refused():
    ch = f.channel()
    make_order(ch)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_order(ch)
    other = f.channel("Other", "lazada")
    make_order(other)  # same id on another channel is a different order
    assert Order.objects.count() == 2


@pytest.mark.django_db
def test_second_active_run_of_a_kind_is_refused_but_finished_ones_are_not():
    ch = f.channel()
    SyncRun.objects.create(channel=ch, kind=RunKind.DOWNLOAD_ORDERS)
    with pytest.raises(IntegrityError), transaction.atomic():
        SyncRun.objects.create(channel=ch, kind=RunKind.DOWNLOAD_ORDERS, status=RunStatus.RUNNING)
    SyncRun.objects.create(channel=ch, kind=RunKind.SCAN)
    SyncRun.objects.filter(kind=RunKind.DOWNLOAD_ORDERS).update(status=RunStatus.SUCCEEDED)
    SyncRun.objects.create(channel=ch, kind=RunKind.DOWNLOAD_ORDERS)
    SyncRun.objects.create(channel=ch, kind=RunKind.DOWNLOAD_ORDERS, status=RunStatus.FAILED)
    assert SyncRun.objects.filter(channel=ch, kind=RunKind.DOWNLOAD_ORDERS).count() == 3


@pytest.mark.django_db
def test_duplicate_stock_row_and_negative_allocation_are_refused():
    loc, s = f.location(), f.sku()
    StockLevel.objects.create(sku=s, location=loc, on_hand=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.create(sku=s, location=loc)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(sku=s).update(allocated=-1)
    assert StockLevel.objects.get(sku=s).allocated == 0


@pytest.mark.django_db
def test_same_order_line_effect_step_cannot_be_posted_twice():
    from inventory.services.ledger import StockChange, ledger_post

    loc, s = f.location(), f.sku()
    change = StockChange(s.pk, loc.pk, 0, 2, "order_allocation", ref_type="order_line", ref_id=7, ref_seq=1)
    ledger_post([change])
    with pytest.raises(IntegrityError), transaction.atomic():
        ledger_post([change])
    assert StockLevel.objects.get(sku=s).allocated == 2


@pytest.mark.django_db
def test_percent_buffer_over_100_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        f.channel("Pct", buffer_kind="percent", buffer_value=150)
