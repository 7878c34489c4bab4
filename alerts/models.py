"""Alerts, the webhook endpoints that hear of them, and the log of every delivery attempt."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from omnisync.lib.crypto import decrypt_text, encrypt_text


class AlertKind(models.TextChoices):
    AUTH_EXPIRING = "auth_expiring", _("authorisation expiring")
    AUTH_EXPIRED = "auth_expired", _("authorisation expired")
    DOWNLOAD_STALE = "download_stale", _("no recent order download")
    PUSH_REFUSED = "push_refused", _("stock push refused")
    PUSH_UNCONFIRMED = "push_unconfirmed", _("stock push not applied")
    UNKNOWN_STATUSES = "unknown_statuses", _("unknown order statuses")
    UNMAPPED_LINES = "unmapped_lines", _("order lines without a SKU")
    SALE_TOMORROW = "sale_tomorrow", _("sale event tomorrow")


class Severity(models.TextChoices):
    INFO = "info", _("info")
    WARNING = "warning", _("warning")
    CRITICAL = "critical", _("critical")


SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


class AlertQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)

    def unacknowledged(self):
        return self.open().filter(acknowledged_at__isnull=True)


class Alert(models.Model):
    """One cause staff should hear about, open while the cause lasts.

    `key` names the cause (kind and the object it is about), so the tick that
    finds it again refreshes the open alert instead of raising a second one;
    the partial unique constraint makes that hold even for two ticks at once.
    A cause that comes back after it was resolved raises a new alert.
    The text is not stored: it is written from `detail` when shown, in the
    reader's language.
    """

    kind = models.CharField(_("kind"), max_length=30, choices=AlertKind.choices)
    channel = models.ForeignKey(
        "channels_app.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("channel")
    )
    key = models.CharField(_("cause"), max_length=200)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.WARNING)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("acknowledged by")
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    #: set by the one e-mail task that claims the alert, so a re-delivered task sends nothing twice
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-first_seen", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        permissions = [("acknowledge_alert", "Can acknowledge alerts")]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(resolved_at__isnull=True), name="alert_one_open_per_cause",
                violation_error_message=_("An alert for this cause is already open."),
            ),
        ]
        indexes = [
            models.Index(fields=["resolved_at", "acknowledged_at"], name="alert_open_unacknowledged"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.key}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def text(self) -> str:
        from alerts.texts import alert_text

        return alert_text(self)


class EncryptedTextField(models.TextField):
    """A secret kept as a Fernet token (omnisync.lib.crypto), so a database dump does not leak it."""

    def from_db_value(self, value, expression, connection):
        return decrypt_text(value) if value else ""

    def get_prep_value(self, value):
        return encrypt_text(value) if value else ""

    def value_to_string(self, obj):
        return ""


class WebhookEndpoint(models.Model):
    """A receiver (a WhatsApp or chat gateway, an on-call tool) that gets one signed POST per alert raised."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.URLField(_("URL"), max_length=500)
    secret = EncryptedTextField(_("signing secret"), blank=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    kinds = models.JSONField(
        _("alert kinds"), default=list, blank=True, help_text=_("Only these kinds of alert; none chosen means every kind.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name

    def wants(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


class WebhookDelivery(models.Model):
    """One alert to one endpoint: its attempts so far, when the next is due and how it ended.

    The unique pair means a re-run tick or a re-delivered task never sends an
    alert to an endpoint twice; `next_attempt_at` is cleared once it was
    delivered or the attempts ran out.
    """

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("alert"))
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    response_excerpt = models.CharField(_("last response"), max_length=500, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["alert", "endpoint"], name="webhook_delivery_once_per_alert_and_endpoint"),
        ]
        indexes = [models.Index(fields=["next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.endpoint} · {self.alert_id}"

    @property
    def gave_up(self) -> bool:
        return self.delivered_at is None and self.next_attempt_at is None and self.attempts > 0


class WebhookAttempt(models.Model):
    """One POST of a delivery: what the receiver answered, or why it could not be reached."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery"))
    number = models.PositiveSmallIntegerField(_("attempt"))
    at = models.DateTimeField(_("when"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response_excerpt = models.CharField(_("response"), max_length=500, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["delivery", "number"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"
