"""Records staff look up in the Django admin but never edit there: returns received, order notifications, daily reports.

`admin_client` is pytest-django's (a logged-in superuser)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from omnisync.models import DailyReport, OrderNotice
from orders.models import OrderLine, ReturnReceipt
from orders.services.importing import orders_import
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def records():
    ch = f.channel()
    f.sku("SKU-1")
    orders_import(ch, [f.order("ORD-RET-7", "COMPLETED")])
    line = OrderLine.objects.get(order__external_id="ORD-RET-7")
    ReturnReceipt.objects.create(line=line, seq=1, quantity=1, condition="restock", location=ch.location, note="box dented")
    OrderNotice.objects.create(channel=ch, external_id="ORD-PUSH-42", received_at=timezone.now())
    DailyReport.objects.create(channel=ch, day=date(2026, 12, 2), orders_on_channel=317, orders_missing=2)
    return ch


@pytest.mark.parametrize(("model", "shows"), [
    ("orders_returnreceipt", "ORD-RET-7"),
    ("omnisync_ordernotice", "ORD-PUSH-42"),
    ("omnisync_dailyreport", "317"),
])
def test_each_is_listed_and_opened_but_cannot_be_added_changed_or_deleted(admin_client, records, model, shows):
    page = admin_client.get(reverse(f"admin:{model}_changelist"))
    assert page.status_code == 200
    assert shows in page.content.decode()
    assert admin_client.get(reverse(f"admin:{model}_add")).status_code == 403
    obj = {"orders_returnreceipt": ReturnReceipt, "omnisync_ordernotice": OrderNotice, "omnisync_dailyreport": DailyReport}[model].objects.get()
    detail = admin_client.get(reverse(f"admin:{model}_change", args=[obj.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert admin_client.post(reverse(f"admin:{model}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
