"""The daily report is a rollup: a run that finishes updates its channel's row for today (DailyReport), and the
report page reads those rows — days × channels — never the orders, remote orders or runs behind them."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from channels_app.models import RunKind, RunStatus, SyncRun
from channels_app.runs import run_finished
from omnisync.models import DailyReport
from tests import factories


def _finish(ch, kind, counts, status=RunStatus.SUCCEEDED):
    now = timezone.now()
    run = SyncRun.objects.create(channel=ch, kind=kind, status=status, started_at=now, finished_at=now, counts=counts)
    run_finished.send(sender=SyncRun, run=run)
    return run


@pytest.mark.django_db
def test_a_finished_run_updates_todays_row_of_its_channel_once():
    ch, other = factories.channel(), factories.channel("Other shop", platform="tiktok")
    _finish(ch, RunKind.DOWNLOAD_ORDERS, {"created": 3, "status_fixed": 1})
    row = DailyReport.objects.get(channel=ch, day=timezone.localdate())
    assert (row.runs, row.runs_failed, row.orders_fixed) == (1, 0, 4)
    _finish(ch, RunKind.UPDATE_INVENTORY, {"confirmed": 5}, status=RunStatus.FAILED)
    row.refresh_from_db()
    assert (row.runs, row.runs_failed, row.orders_fixed, row.stock_fixed) == (2, 1, 4, 5)
    assert DailyReport.objects.filter(channel=ch).count() == 1  # the same row again, not a new one
    assert not DailyReport.objects.filter(channel=other).exists()  # only the run's own channel


@pytest.mark.django_db
def test_the_report_page_reads_only_the_rollup(client, viewer):
    channels = [factories.channel(f"Shop {i}", platform=p) for i, p in enumerate(("shopee", "tiktok", "lazada"))]
    today = timezone.localdate()
    DailyReport.objects.bulk_create([
        DailyReport(channel=ch, day=today - dt.timedelta(days=d), orders_on_channel=10, orders_missing=d % 3)
        for ch in channels for d in range(40)
    ])
    client.force_login(viewer)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("report"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().count("<tr") - 1 == 90  # 30 days (the default range) x 3 channels
    tables = set(re.findall(r'FROM "(\w+)"', " ".join(q["sql"] for q in ctx.captured_queries)))
    assert not tables & {"orders_order", "orders_orderline", "orders_remoteorder", "channels_app_syncrun", "inventory_listing"}
    assert "omnisync_dailyreport" in tables
