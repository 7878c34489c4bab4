"""The daily discrepancy report: what was wrong per channel and day, and what was fixed."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from channels_app.models import Channel, RunKind, RunStatus, SyncRun
from channels_app.runs import RunContext
from omnisync.lib.format import local_date
from omnisync.models import DailyReport
from orders.models import Order, RemoteOrder

log = logging.getLogger(__name__)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


#: the report's columns, each named by what it counts; the page, its CSV and the e-mail all use these names
REPORT_COLUMNS = (
    ("orders_on_channel", _("orders updated on the channel")),
    ("orders_imported", _("orders downloaded")),
    ("orders_missing", _("missing at end of day")),
    ("orders_wrong_status", _("wrong status at end of day")),
    ("stock_discrepancies", _("stock discrepancies at end of day")),
    ("orders_fixed", _("orders fixed by downloads")),
    ("stock_fixed", _("listings fixed by pushes")),
    ("runs", _("runs started")),
    ("runs_failed", _("runs failed")),
)


def report_write(day: dt.date, channels=None) -> list[DailyReport]:
    """(Re)compute one row per channel for `day`; running it again converges on the same row.

    Missing, wrong-status and discrepancy counts are the channel's card counts
    as they stood at the day's last update (today: now), so a day's row and
    the cards agree; what was wrong and then put right that day shows in the
    "fixed" columns. A past day's row keeps the counts it last had that day.
    """
    start, end = day_bounds(day)
    channels = list(channels if channels is not None else Channel.objects.all())
    today = day == timezone.localdate()
    rows = []
    for ch in channels:
        runs = SyncRun.objects.filter(channel=ch, created_at__gte=start, created_at__lt=end)
        totals = runs.aggregate(total=Count("id"), failed=Count("id", filter=Q(status=RunStatus.FAILED)))
        fixed_orders = fixed_stock = 0
        for kind, counts in runs.filter(kind__in=[RunKind.DOWNLOAD_ORDERS, RunKind.UPDATE_INVENTORY]).values_list("kind", "counts"):
            counts = counts or {}
            if kind == RunKind.DOWNLOAD_ORDERS:
                fixed_orders += counts.get("created", 0) + counts.get("status_fixed", 0)
            elif not counts.get("dry_run"):
                fixed_stock += counts.get("confirmed", 0)
        row = DailyReport.objects.filter(channel=ch, day=day).first() or DailyReport(channel=ch, day=day)
        row.orders_on_channel = RemoteOrder.objects.filter(channel=ch, channel_updated_at__gte=start, channel_updated_at__lt=end).count()
        row.orders_imported = Order.objects.filter(channel=ch, imported_at__gte=start, imported_at__lt=end).count()
        if today:
            row.orders_missing = ch.orders_missing
            row.orders_wrong_status = ch.orders_wrong_status
            row.stock_discrepancies = ch.stock_discrepancies
        row.orders_fixed, row.stock_fixed = fixed_orders, fixed_stock
        row.runs, row.runs_failed = totals["total"], totals["failed"]
        row.save()
        rows.append(row)
    return rows


def report_on_run_finished(sender, run, **kwargs) -> None:
    """Keep today's row current after every run, so the report shows what was found and fixed at once."""
    try:
        report_write(timezone.localdate(), [Channel.objects.get(pk=run.channel_id)])
    except Exception:
        log.exception("could not update the daily report after run %s", run.pk)


def report_email_text(day: dt.date, rows: list[DailyReport]) -> tuple[str, str]:
    """Subject and body in the shop's language (a worker has no request to pick one), with the page's column names."""
    with translation.override(settings.LANGUAGE_CODE):
        channels = [(r.channel, [(label, getattr(r, name)) for name, label in REPORT_COLUMNS]) for r in rows]
        body = render_to_string("omnisync/report_email.txt", {"day": day, "channels": channels})
        subject = _("omnisync daily report %(day)s") % {"day": local_date(day)}
    return str(subject), body


def report_email(day: dt.date, rows: list[DailyReport]) -> int:
    if not settings.REPORT_EMAILS:
        return 0
    subject, body = report_email_text(day, rows)
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, settings.REPORT_EMAILS)


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
