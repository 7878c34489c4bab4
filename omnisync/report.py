"""The daily discrepancy report: what was wrong per channel and day, and what was fixed."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone

from channels_app.models import Channel, RunKind, RunStatus, SyncRun
from channels_app.runs import RunContext
from omnisync.models import DailyReport
from orders.models import Order, RemoteOrder


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def report_write(day: dt.date, channels=None) -> list[DailyReport]:
    """(Re)compute one row per channel for `day`; running it again overwrites the same rows."""
    start, end = day_bounds(day)
    channels = list(channels if channels is not None else Channel.objects.all())
    rows = []
    for ch in channels:
        runs = SyncRun.objects.filter(channel=ch, created_at__gte=start, created_at__lt=end).aggregate(
            total=Count("id"), failed=Count("id", filter=Q(status=RunStatus.FAILED)),
        )
        fixed = SyncRun.objects.filter(
            channel=ch, kind=RunKind.DOWNLOAD_ORDERS, created_at__gte=start, created_at__lt=end
        ).values_list("counts", flat=True)
        values = {
            "orders_on_channel": RemoteOrder.objects.filter(channel=ch, channel_updated_at__gte=start, channel_updated_at__lt=end).count(),
            "orders_imported": Order.objects.filter(channel=ch, imported_at__gte=start, imported_at__lt=end).count(),
            "orders_missing": ch.orders_missing,
            "orders_wrong_status": ch.orders_wrong_status,
            "stock_discrepancies": ch.stock_discrepancies,
            "orders_fixed": sum((c or {}).get("created", 0) + (c or {}).get("status_fixed", 0) for c in fixed),
            "runs": runs["total"],
            "runs_failed": runs["failed"],
        }
        row, _ = DailyReport.objects.update_or_create(channel=ch, day=day, defaults=values)
        rows.append(row)
    return rows


def report_email(day: dt.date, rows: list[DailyReport]) -> int:
    if not settings.REPORT_EMAILS:
        return 0
    body = render_to_string("omnisync/report_email.txt", {"day": day, "rows": rows})
    return send_mail(f"omnisync daily report {day.isoformat()}", body, settings.DEFAULT_FROM_EMAIL, settings.REPORT_EMAILS)


def report_daily_task(day: str | None = None) -> int:
    """Scheduled: today's rows so far and yesterday's final ones; e-mail yesterday's."""
    today = dt.date.fromisoformat(day) if day else timezone.localdate()
    report_write(today)
    rows = report_write(today - dt.timedelta(days=1))
    return report_email(today - dt.timedelta(days=1), rows)


def report_job(ctx: RunContext) -> None:
    day = dt.date.fromisoformat(ctx.params["day"]) if ctx.params.get("day") else timezone.localdate()
    report_write(day, [ctx.channel])
    ctx.message = f"Report written for {day.isoformat()}."
