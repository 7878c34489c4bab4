import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from channels_app.models import RunIssue, SyncRun
from inventory.models import Listing, Sku, StockLevel, StockMovement
from omnisync.models import DailyReport
from orders.models import Order, OrderLine, RemoteOrder
from tests import factories

PASSWORD = "pw-Omnisync-2026"


@pytest.fixture
def shop(db):
    """Builds a channel with `n` of everything each page lists: orders, mismatches, listings, runs, report rows."""

    def build(n: int, name: str = "Shopee Test"):
        loc = factories.location()
        ch = factories.channel(name=name, loc=loc, orders_missing=n, orders_wrong_status=n, stock_discrepancies=n)
        now = timezone.now()
        start = Sku.objects.count()
        skus = Sku.objects.bulk_create([Sku(code=f"SKU-{start + i}", name=f"Kaos {start + i}") for i in range(n)])
        StockLevel.objects.bulk_create([StockLevel(sku=s, location=loc, on_hand=10, allocated=1) for s in skus])
        Listing.objects.bulk_create(
            [Listing(channel=ch, external_item_id=f"{ch.pk}-{i}", seller_sku=s.code, title=f"Kaos {i}", sku=s, channel_stock=3)
             for i, s in enumerate(skus)]
            + [Listing(channel=ch, external_item_id=f"{ch.pk}-u{i}", seller_sku=f"X-{i}", channel_stock=1) for i in range(n)]
        )
        orders = []
        for i in range(n):
            o = Order.objects.create(
                channel=ch, external_id=f"{ch.pk}-ORD-{i}", status="to_ship", raw_status="READY_TO_SHIP",
                channel_created_at=now - dt.timedelta(hours=i), channel_updated_at=now - dt.timedelta(hours=i),
                total=Decimal("150000"), currency="IDR", buyer_name="Budi",
            )
            line = OrderLine.objects.create(
                order=o, line_key="1", seller_sku=skus[i].code, sku=skus[i], quantity=1, unit_price=Decimal("150000"),
                status="to_ship", raw_status="READY_TO_SHIP", status_updated_at=o.channel_updated_at, applied_allocated=1,
                applied_location=loc,
            )
            StockMovement.objects.create(sku=skus[i], location=loc, allocated_change=1, reason="order_allocation",
                                         ref_type="order_line", ref_id=line.pk, ref_seq=1)
            orders.append(o)
        remote = [
            RemoteOrder(channel=ch, external_id=f"{ch.pk}-MISS-{i}", raw_status="READY_TO_SHIP", status="to_ship",
                        channel_updated_at=now - dt.timedelta(minutes=i)) for i in range(n)
        ] + [
            RemoteOrder(channel=ch, external_id=o.external_id, raw_status="COMPLETED", status="completed",
                        channel_updated_at=now) for o in orders
        ]
        RemoteOrder.objects.bulk_create(remote)
        runs = SyncRun.objects.bulk_create([
            SyncRun(channel=ch, kind=kind, status="succeeded" if i else "failed", finished_at=now, progress_done=5, progress_total=5,
                    counts={"created": i}, message="ok")
            for i in range(n) for kind in ("scan",)
        ])
        RunIssue.objects.bulk_create([RunIssue(run=runs[0], object_type="order", object_ref=f"O{i}", reason="timeout") for i in range(n)])
        today = timezone.localdate()
        DailyReport.objects.bulk_create([
            DailyReport(channel=ch, day=today - dt.timedelta(days=i), orders_on_channel=10, orders_imported=8,
                        orders_missing=2 + i % 3, orders_wrong_status=1, stock_discrepancies=i % 4, runs=3, runs_failed=1)
            for i in range(min(n, 30))
        ])
        return ch

    return build


@pytest.fixture
def as_viewer(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def as_operator(client, operator):
    client.force_login(operator)
    return client
