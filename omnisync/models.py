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


class OrderNotice(models.Model):
    """A marketplace's push said this order changed: pending until a Download Orders run has read it since.

    One row per channel and order (the constraint), so duplicate pushes
    collapse into it; `changed_at` is the newest update time a push named, so
    a push that repeats or predates it wakes nothing. Rows are kept once taken:
    they are how a later, older push is recognised as stale.
    """

    channel = models.ForeignKey("channels_app.Channel", on_delete=models.CASCADE, related_name="order_notices",
                                verbose_name=_("channel"))
    external_id = models.CharField(_("order id"), max_length=64)
    changed_at = models.DateTimeField(_("changed on the channel"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"))
    notices = models.PositiveIntegerField(_("notifications"), default=1)
    taken_at = models.DateTimeField(_("read"), null=True, blank=True)
    run = models.ForeignKey("channels_app.SyncRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                            verbose_name=_("run"))

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("order notification")
        verbose_name_plural = _("order notifications")
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"], name="order_notice_unique_channel_order")]
        indexes = [models.Index(fields=["channel", "taken_at"], name="order_notice_pending")]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.external_id}"
