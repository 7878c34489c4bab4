"""Schedules: one tick decides which channels are due; a janitor; the daily report.

Schedules are created by `schedules_ensure()` (run after migrate), never at
import time, and are updated in place so running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from channels_app.models import Channel, RunKind, SyncRun, sale_plan
from channels_app.runs import runs_fail_stale

SCHEDULES = {
    "omnisync-tick": ("omnisync.schedule.tick", 15),
    "omnisync-janitor": ("channels_app.runs.runs_fail_stale", 5),
    "omnisync-daily-report": ("omnisync.report.report_daily_task", 60),
    "omnisync-alert-webhooks": ("alerts.delivery.deliveries_send_due", 1),
}


def schedules_ensure() -> None:
    from django_q.models import Schedule

    for name, (func, minutes) in SCHEDULES.items():
        Schedule.objects.update_or_create(
            name=name, defaults={"func": func, "schedule_type": Schedule.MINUTES, "minutes": minutes, "repeats": -1},
        )


def syncs_per_day(channel: Channel, day: dt.date) -> int:
    return sale_plan(channel, day).syncs_per_day


def last_slot(channel: Channel, now: dt.datetime) -> dt.datetime:
    """The latest scheduled routine time at or before `now` (shop time zone)."""
    local = timezone.localtime(now)
    candidates = []
    for offset in (0, 1):
        day = local.date() - dt.timedelta(days=offset)
        n = syncs_per_day(channel, day)
        for k in range(n):
            minutes = (channel.sync_hour * 60 + k * (24 * 60 // n)) % (24 * 60)
            at = timezone.make_aware(dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60)))
            if at <= now:
                candidates.append(at)
    return max(candidates)


def channels_due(now: dt.datetime | None = None) -> list[Channel]:
    """Active channels with no routine since their last slot; a channel set up after that slot waits for the next."""
    now = now or timezone.now()
    due = []
    for ch in Channel.objects.filter(active=True):
        slot = last_slot(ch, now)
        if ch.created_at >= slot:
            continue
        if not SyncRun.objects.filter(channel=ch, kind=RunKind.ROUTINE, created_at__gte=slot).exists():
            due.append(ch)
    return due


def tick(now: dt.datetime | None = None) -> int:
    """Queue the routine for every channel that is due; a channel already running it is skipped by the database."""
    from omnisync.routine import routine_request

    runs_fail_stale()
    created = sum(created for _run, created in routine_request(channels_due(now), trigger="schedule"))
    _alerts_evaluate(now)
    return created


def _alerts_evaluate(now: dt.datetime | None) -> None:
    """The alert centre rides on the tick; a fault in it is logged and never stops the routines being queued."""
    from alerts.services import alerts_evaluate

    try:
        alerts_evaluate(now)
    except Exception:
        logging.getLogger(__name__).exception("evaluating alerts failed")
