import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django_q.models import Schedule

from channels_app.models import RunKind, SaleEvent, SyncRun
from omnisync.schedule import channels_due, last_slot, schedules_ensure, tick
from tests import factories as f

JKT = ZoneInfo("Asia/Jakarta")


@pytest.mark.django_db
def test_schedules_are_created_once():
    schedules_ensure()
    schedules_ensure()
    assert Schedule.objects.filter(name="omnisync-tick").count() == 1
    tick_row = Schedule.objects.get(name="omnisync-tick")
    assert tick_row.minutes == 15 and tick_row.func == "omnisync.schedule.tick"


@pytest.mark.django_db
def test_daily_slot_and_sale_event_slots():
    ch = f.channel(sync_hour=6)
    at = dt.datetime(2026, 11, 20, 10, 0, tzinfo=JKT)
    assert last_slot(ch, at) == dt.datetime(2026, 11, 20, 6, 0, tzinfo=JKT)
    early = dt.datetime(2026, 11, 20, 5, 0, tzinfo=JKT)
    assert last_slot(ch, early) == dt.datetime(2026, 11, 19, 6, 0, tzinfo=JKT)
    SaleEvent.objects.create(name="12.12", first_day=dt.date(2026, 12, 12), last_day=dt.date(2026, 12, 12), syncs_per_day=3)
    sale = dt.datetime(2026, 12, 12, 15, 0, tzinfo=JKT)
    assert last_slot(ch, sale) == dt.datetime(2026, 12, 12, 14, 0, tzinfo=JKT)


@pytest.mark.django_db
def test_tick_queues_due_channels_once():
    ch = f.channel(sync_hour=6)
    f.channel("Inactive", active=False)
    fresh = f.channel("Set up this morning", sync_hour=6)
    from channels_app.models import Channel

    Channel.objects.exclude(pk=fresh.pk).update(created_at=dt.datetime(2026, 11, 1, tzinfo=JKT))
    Channel.objects.filter(pk=fresh.pk).update(created_at=dt.datetime(2026, 11, 20, 8, 0, tzinfo=JKT))
    now = dt.datetime(2026, 11, 20, 10, 0, tzinfo=JKT)
    assert [c.pk for c in channels_due(now)] == [ch.pk]  # the fresh one waits for tomorrow 06:00
    assert tick(now) == 1
    SyncRun.objects.filter(kind=RunKind.ROUTINE).update(created_at=now)
    assert tick(now) == 0  # already ran since the slot
    assert SyncRun.objects.filter(kind=RunKind.ROUTINE).count() == 1
