"""Each kind of alert: raised when its cause appears, one alert however often the tick runs, resolved when the cause is gone."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError
from django.test import override_settings
from django.utils import timezone, translation

from alerts.models import Alert
from alerts.services import alerts_evaluate
from channels_app.models import Channel, SaleEvent, SyncRun
from inventory.models import Listing
from omnisync.schedule import tick
from tests import factories as f

JKT = ZoneInfo("Asia/Jakarta")
# 20 November 2026, 10:00 in Jakarta
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=JKT)

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel():
    return f.channel("Toko Shopee")


def open_alerts(kind=None):
    qs = Alert.objects.filter(resolved_at__isnull=True)
    return list(qs.filter(kind=kind) if kind else qs)


def english(alert):
    with translation.override("en"):
        return alert.text


def test_authorisation_expiring_then_expired_then_renewed(channel):
    Channel.objects.filter(pk=channel.pk).update(authorization_expires_at=dt.datetime(2026, 11, 23, 15, 30, tzinfo=JKT))
    first = alerts_evaluate(NOW)
    [alert] = open_alerts()
    assert first.raised == [alert.pk]
    assert (alert.kind, alert.severity, alert.channel) == ("auth_expiring", "warning", channel)
    assert "Toko Shopee" in english(alert)
    assert "23 Nov 2026, 15:30" in english(alert)  # the English way (omnisync/formats/en), Jakarta time

    second = alerts_evaluate(NOW + dt.timedelta(minutes=15))
    assert second.raised == [] and second.refreshed == 1
    assert [a.pk for a in open_alerts()] == [alert.pk]
    alert.refresh_from_db()
    assert alert.last_seen == NOW + dt.timedelta(minutes=15) and alert.first_seen == NOW

    # four days later it has expired: the "expiring" alert gives way to a critical "expired" one
    later = NOW + dt.timedelta(days=4)
    alerts_evaluate(later)
    alert.refresh_from_db()
    assert alert.resolved_at == later
    [expired] = open_alerts()
    assert (expired.kind, expired.severity) == ("auth_expired", "critical")

    # re-authorised for a year: nothing open
    Channel.objects.filter(pk=channel.pk).update(authorization_expires_at=later + dt.timedelta(days=365))
    assert alerts_evaluate(later).resolved == 1
    assert open_alerts() == []


def test_authorisation_further_than_seven_days_away_raises_nothing(channel):
    Channel.objects.filter(pk=channel.pk).update(authorization_expires_at=NOW + dt.timedelta(days=7, minutes=1))
    alerts_evaluate(NOW)
    assert open_alerts() == []


def test_no_successful_download_in_26_hours(channel):
    Channel.objects.filter(pk=channel.pk).update(created_at=NOW - dt.timedelta(days=10))
    SyncRun.objects.create(channel=channel, kind="download_orders", status="succeeded", created_at=NOW - dt.timedelta(hours=27),
                           finished_at=NOW - dt.timedelta(hours=27))
    # a failed run since does not count as a download
    SyncRun.objects.create(channel=channel, kind="download_orders", status="failed", created_at=NOW - dt.timedelta(hours=2),
                           finished_at=NOW - dt.timedelta(hours=2))
    alerts_evaluate(NOW)
    [alert] = open_alerts()
    assert (alert.kind, alert.severity) == ("download_stale", "critical")
    assert english(alert) == "No successful Download Orders for Toko Shopee in 26 hours (the last one finished 19 Nov 2026, 07:00)."

    alerts_evaluate(NOW + dt.timedelta(minutes=15))
    assert Alert.objects.count() == 1

    SyncRun.objects.create(channel=channel, kind="download_orders", status="succeeded", created_at=NOW, finished_at=NOW + dt.timedelta(minutes=20))
    alerts_evaluate(NOW + dt.timedelta(minutes=30))
    alert.refresh_from_db()
    assert alert.resolved_at == NOW + dt.timedelta(minutes=30)


@override_settings(ALERT_DOWNLOAD_STALE_HOURS=4)
def test_download_hours_come_from_the_setting_and_a_new_channel_gets_that_long(channel):
    Channel.objects.filter(pk=channel.pk).update(created_at=NOW - dt.timedelta(hours=3))
    alerts_evaluate(NOW)
    assert open_alerts() == []
    alerts_evaluate(NOW + dt.timedelta(hours=2))
    [alert] = open_alerts()
    assert alert.kind == "download_stale"
    assert english(alert) == "Toko Shopee has had no successful Download Orders since it was set up (20 Nov 2026, 07:00)."


def _listings(channel, states):
    return Listing.objects.bulk_create([
        Listing(channel=channel, external_item_id=f"item-{i}", seller_sku=f"KAOS-{i}", last_push_state=state)
        for i, state in enumerate(states)
    ])


def test_pushes_refused_and_not_applied(channel):
    listings = _listings(channel, ["failed", "failed", "not_applied", "confirmed", "pending"])
    Listing.objects.create(channel=channel, external_item_id="gone", last_push_state="failed", gone=True)
    alerts_evaluate(NOW)
    refused, = open_alerts("push_refused")
    unconfirmed, = open_alerts("push_unconfirmed")
    assert english(refused) == "Toko Shopee refused the last stock update of 2 listings."
    assert english(unconfirmed) == "Toko Shopee accepted the last stock update of 1 listing but still shows another quantity."
    assert len(open_alerts()) == 2

    # one refused listing is pushed again successfully: still open, the count follows
    Listing.objects.filter(pk=listings[0].pk).update(last_push_state="confirmed")
    alerts_evaluate(NOW + dt.timedelta(minutes=15))
    refused.refresh_from_db()
    assert refused.resolved_at is None and refused.detail["count"] == 1
    assert english(refused) == "Toko Shopee refused the last stock update of 1 listing."
    assert Alert.objects.filter(kind="push_refused").count() == 1

    Listing.objects.filter(channel=channel).update(last_push_state="confirmed")
    alerts_evaluate(NOW + dt.timedelta(minutes=30))
    assert open_alerts() == []
    assert Alert.objects.filter(resolved_at=NOW + dt.timedelta(minutes=30)).count() == 2


def test_unknown_statuses_and_unmapped_lines(channel):
    Channel.objects.filter(pk=channel.pk).update(orders_unknown_status=3, order_lines_unmapped=1)
    alerts_evaluate(NOW)
    unknown, = open_alerts("unknown_statuses")
    unmapped, = open_alerts("unmapped_lines")
    assert english(unknown) == "3 orders on Toko Shopee have a status omnisync does not know; map them so their stock counts."
    assert english(unmapped) == "1 order line on Toko Shopee has no SKU; map its listing so its stock counts."

    alerts_evaluate(NOW + dt.timedelta(minutes=15))
    assert Alert.objects.count() == 2

    Channel.objects.filter(pk=channel.pk).update(orders_unknown_status=0)
    alerts_evaluate(NOW + dt.timedelta(minutes=30))
    assert [a.kind for a in open_alerts()] == ["unmapped_lines"]
    Channel.objects.filter(pk=channel.pk).update(order_lines_unmapped=0)
    alerts_evaluate(NOW + dt.timedelta(minutes=45))
    assert open_alerts() == []


def test_a_cause_that_comes_back_raises_a_new_alert(channel):
    Channel.objects.filter(pk=channel.pk).update(orders_unknown_status=1)
    alerts_evaluate(NOW)
    Channel.objects.filter(pk=channel.pk).update(orders_unknown_status=0)
    alerts_evaluate(NOW + dt.timedelta(minutes=15))
    Channel.objects.filter(pk=channel.pk).update(orders_unknown_status=2)
    again = alerts_evaluate(NOW + dt.timedelta(minutes=30))
    assert len(again.raised) == 1
    assert Alert.objects.filter(kind="unknown_statuses").count() == 2
    assert len(open_alerts()) == 1


def test_sale_event_starting_tomorrow(channel):
    harbolnas = SaleEvent.objects.create(name="Harbolnas 12.12", first_day=dt.date(2026, 11, 21), last_day=dt.date(2026, 11, 22),
                                         syncs_per_day=3, extra_buffer=5)
    SaleEvent.objects.create(name="Already running", first_day=dt.date(2026, 11, 19), last_day=dt.date(2026, 11, 25))
    SaleEvent.objects.create(name="Next week", first_day=dt.date(2026, 11, 27), last_day=dt.date(2026, 11, 27))
    alerts_evaluate(NOW)
    [alert] = open_alerts()
    assert (alert.kind, alert.severity, alert.channel) == ("sale_tomorrow", "info", None)
    assert english(alert) == ("The sale event Harbolnas 12.12 starts tomorrow (21 Nov 2026 – 22 Nov 2026): "
                              "3 syncs a day, 5 extra buffer units.")
    # 23:50 the same evening: still tomorrow
    alerts_evaluate(dt.datetime(2026, 11, 20, 23, 50, tzinfo=JKT))
    assert [a.pk for a in open_alerts()] == [alert.pk]
    # the day it starts, the alert has done its job
    alerts_evaluate(dt.datetime(2026, 11, 21, 0, 5, tzinfo=JKT))
    assert open_alerts() == []
    assert harbolnas.pk == int(alert.key.split(":")[1])


def test_an_inactive_channel_raises_nothing_and_its_alerts_resolve(channel):
    Channel.objects.filter(pk=channel.pk).update(orders_unknown_status=4)
    alerts_evaluate(NOW)
    assert len(open_alerts()) == 1
    Channel.objects.filter(pk=channel.pk).update(active=False)
    alerts_evaluate(NOW + dt.timedelta(minutes=15))
    assert open_alerts() == []


def test_the_database_keeps_one_open_alert_per_cause(channel):
    Alert.objects.create(kind="unknown_statuses", key=f"unknown_statuses:{channel.pk}", channel=channel)
    with pytest.raises(IntegrityError):
        Alert.objects.create(kind="unknown_statuses", key=f"unknown_statuses:{channel.pk}", channel=channel)


def test_the_tick_evaluates_alerts(channel, django_capture_on_commit_callbacks, run_tasks):
    Channel.objects.filter(pk=channel.pk).update(orders_unknown_status=2, created_at=NOW - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        tick(NOW)
    assert [a.kind for a in open_alerts()] == ["unknown_statuses"]
    with django_capture_on_commit_callbacks(execute=True):
        tick(NOW + dt.timedelta(minutes=15))
    assert Alert.objects.count() == 1


def test_a_fault_in_the_alerts_never_stops_the_tick(channel, monkeypatch):
    def broken(now):
        raise RuntimeError("boom")

    monkeypatch.setattr("alerts.services.alerts_evaluate", broken)
    Channel.objects.filter(pk=channel.pk).update(created_at=dt.datetime(2026, 11, 1, tzinfo=JKT))
    assert tick(NOW) == 1


def test_evaluate_without_a_time_uses_now(channel):
    Channel.objects.filter(pk=channel.pk).update(orders_unknown_status=1)
    before = timezone.now()
    alerts_evaluate()
    [alert] = open_alerts()
    assert alert.first_seen >= before
