"""The daily discrepancy report: one row per channel and day."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyReport(models.Model):
    channel = models.ForeignKey("channels_app.Channel", on_delete=models.CASCADE, related_name="daily_reports")
    day = models.DateField(_("day"))
    orders_on_channel = models.PositiveIntegerField(_("orders on the channel"), default=0)
    orders_imported = models.PositiveIntegerField(_("imported"), default=0)
    # The most seen during the day: what was wrong, even after it was fixed.
    orders_missing = models.PositiveIntegerField(_("missing"), default=0)
    orders_wrong_status = models.PositiveIntegerField(_("wrong status"), default=0)
    stock_discrepancies = models.PositiveIntegerField(_("stock discrepancies"), default=0)
    orders_fixed = models.PositiveIntegerField(_("orders fixed"), default=0)
    stock_fixed = models.PositiveIntegerField(_("listings fixed"), default=0)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    runs_failed = models.PositiveIntegerField(_("failed runs"), default=0)
    generated_at = models.DateTimeField(_("generated"), auto_now=True)

    class Meta:
        ordering = ["-day", "channel"]
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        constraints = [models.UniqueConstraint(fields=["channel", "day"], name="daily_report_unique_channel_day")]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.day}"
