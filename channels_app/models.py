"""Channels (one shop account on one platform), sale events and sync runs."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from omnisync.lib.crypto import EncryptedJSONField


class Platform(models.TextChoices):
    SHOPEE = "shopee", "Shopee"
    TIKTOK = "tiktok", "TikTok Shop / Tokopedia"
    LAZADA = "lazada", "Lazada"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    SHOPIFY = "shopify", "Shopify"


class BufferKind(models.TextChoices):
    UNITS = "units", _("units")
    PERCENT = "percent", _("percent of available")


class Location(models.Model):
    """An outlet or warehouse that holds stock; a channel sells from one. It lives here, in the lowest app,
    so a channel can name its location without reaching up into inventory."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        # The table keeps the name it had when the model lived in inventory.
        db_table = "inventory_location"
        ordering = ["code"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return self.name


class Channel(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="channels", verbose_name=_("sells from")
    )
    api_base_url = models.URLField(_("API base URL"), max_length=300)
    auth_base_url = models.URLField(
        _("authorisation base URL"), max_length=300, blank=True, help_text=_("Only for platforms with a separate auth host.")
    )
    credentials = EncryptedJSONField(_("credentials"), blank=True, default=dict, editable=False)
    currency = models.CharField(_("currency"), max_length=3, default="IDR")
    active = models.BooleanField(_("active"), default=True)

    count_unpaid = models.BooleanField(_("allocate stock for unpaid orders"), default=True)
    receive_returns_automatically = models.BooleanField(
        _("receive returns automatically"), default=False,
        help_text=_("Put returned units back in stock when the channel reports the return received, "
                    "instead of waiting for staff to receive the parcel."),
    )
    buffer_kind = models.CharField(_("buffer kind"), max_length=10, choices=BufferKind.choices, default=BufferKind.UNITS)
    buffer_value = models.PositiveIntegerField(_("buffer stock"), default=0)
    stock_cap = models.PositiveIntegerField(_("stock cap"), null=True, blank=True)
    sync_hour = models.PositiveSmallIntegerField(
        _("daily sync hour"), default=6, validators=[MaxValueValidator(23)], help_text=_("Hour of day, shop time.")
    )

    # Health fields, kept up to date by the jobs and read by the dashboard.
    last_scan_at = models.DateTimeField(_("last scan"), null=True, blank=True)
    orders_verified_until = models.DateTimeField(_("orders verified up to"), null=True, blank=True)
    orders_missing = models.PositiveIntegerField(_("missing orders"), default=0)
    #: The channel time of the oldest of them, recounted with the count (the card's "missing since").
    orders_missing_since = models.DateTimeField(_("missing since"), null=True, blank=True)
    orders_wrong_status = models.PositiveIntegerField(_("wrong-status orders"), default=0)
    orders_unknown_status = models.PositiveIntegerField(_("orders with an unknown status"), default=0)
    stock_discrepancies = models.PositiveIntegerField(_("stock discrepancies"), default=0)
    listings_not_in_pos = models.PositiveIntegerField(_("listings not in POS"), default=0)
    order_lines_unmapped = models.PositiveIntegerField(_("order lines without a SKU"), default=0)
    returns_awaiting_receipt = models.PositiveIntegerField(_("returns awaiting receipt"), default=0)
    token_expires_at = models.DateTimeField(_("access token expires"), null=True, blank=True)
    authorization_expires_at = models.DateTimeField(_("authorisation expires"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        constraints = [
            models.CheckConstraint(
                condition=Q(buffer_kind="units") | Q(buffer_value__lte=100),
                name="channel_buffer_percent_max_100",
                violation_error_message=_("A percentage buffer cannot exceed 100."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def credential_names_set(self) -> list[str]:
        return sorted(k for k, v in (self.credentials or {}).items() if v not in (None, ""))


class SaleEventQuerySet(models.QuerySet):
    """The one rule for which sale events apply: on a day (first and last day included), to a channel
    (named among the event's channels, or every channel when it names none)."""

    def on(self, day):
        return self.filter(first_day__lte=day, last_day__gte=day)

    def applying_to(self, channel):
        """`channel` is a Channel, its pk, or an OuterRef to a channel id (inside a subquery)."""
        ref = channel.pk if isinstance(channel, Channel) else channel
        return self.filter(Q(channels=ref) | Q(channels__isnull=True))


@dataclass(frozen=True)
class SalePlan:
    """What the sale events on a day mean for one channel: the most syncs and the largest extra buffer of them."""

    events: tuple = ()

    @property
    def syncs_per_day(self) -> int:
        return max((e.syncs_per_day for e in self.events), default=1)

    @property
    def extra_buffer(self) -> int:
        return max((e.extra_buffer for e in self.events), default=0)

    @property
    def event(self):
        """The event to name on the card: the one asking for the most syncs (then the latest to start)."""
        return max(self.events, key=lambda e: (e.syncs_per_day, e.first_day, e.pk), default=None)


def sale_plan(channel, day, events=None) -> SalePlan:
    """The sale plan of a channel on a day. `events` (already read for that day, with their channels
    prefetched) lets a page of cards share one query; without it the plan is read from the database."""
    if events is None:
        return SalePlan(tuple(SaleEvent.objects.on(day).applying_to(channel).distinct()))
    chosen = []
    for event in events:
        if not (event.first_day <= day <= event.last_day):
            continue
        ids = {c.pk for c in event.channels.all()}
        if not ids or channel.pk in ids:
            chosen.append(event)
    return SalePlan(tuple(chosen))


class SaleEvent(models.Model):
    """A big-sale period: more syncs a day and more buffer while it lasts."""

    name = models.CharField(_("name"), max_length=100)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    syncs_per_day = models.PositiveSmallIntegerField(
        _("syncs per day"), default=3, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    extra_buffer = models.PositiveIntegerField(_("extra buffer (units)"), default=0)
    channels = models.ManyToManyField(
        Channel, blank=True, related_name="sale_events", verbose_name=_("channels"), help_text=_("Empty means every channel.")
    )

    objects = SaleEventQuerySet.as_manager()

    class Meta:
        ordering = ["-first_day"]
        verbose_name = _("sale event")
        verbose_name_plural = _("sale events")
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")),
                name="sale_event_days_ordered",
                violation_error_message=_("The last day must not be before the first day."),
            ),
            models.CheckConstraint(
                condition=Q(syncs_per_day__gte=1) & Q(syncs_per_day__lte=24),
                name="sale_event_syncs_per_day_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.first_day} – {self.last_day})"


class RunKind(models.TextChoices):
    SCAN = "scan", _("Scan Channel")
    CHECK_ORDERS = "check_orders", _("Check Orders")
    DOWNLOAD_ORDERS = "download_orders", _("Download Orders")
    UPDATE_INVENTORY = "update_inventory", _("Update Inventory")
    ROUTINE = "routine", _("Routine")
    REPORT = "report", _("Daily report")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    PARTIAL = "partial", _("partial")
    FAILED = "failed", _("failed")


ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class SyncRun(models.Model):
    """One execution of one job for one channel.

    The partial unique constraint is what makes a double click or two
    schedulers harmless: the database refuses a second active run.
    """

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="runs", verbose_name=_("channel"))
    kind = models.CharField(_("kind"), max_length=20, choices=RunKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    trigger = models.CharField(_("trigger"), max_length=20, default="button")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("heartbeat"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=100, blank=True)

    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    requests_made = models.PositiveIntegerField(_("API requests"), default=0)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        permissions = [("run_jobs", "Can start sync jobs")]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "kind"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_run_per_channel_and_kind",
                violation_error_message=_("A run of this kind is already active for this channel."),
            ),
            models.CheckConstraint(condition=Q(progress_done__gte=0), name="syncrun_progress_nonnegative"),
        ]
        indexes = [
            models.Index(fields=["channel", "kind", "-created_at"], name="syncrun_channel_kind_recent"),
            models.Index(fields=["status", "heartbeat_at"], name="syncrun_status_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.channel} · #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 100 if not self.is_active else 0
        return min(100, round(100 * self.progress_done / self.progress_total))


class RunIssue(models.Model):
    """One problem a run met with one object, in words staff can act on."""

    class Severity(models.TextChoices):
        WARNING = "warning", _("warning")
        ERROR = "error", _("error")

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="issues")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.ERROR)
    object_type = models.CharField(_("object"), max_length=30, blank=True)
    object_ref = models.CharField(_("reference"), max_length=200, blank=True)
    code = models.CharField(_("code"), max_length=60, blank=True)
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("run issue")
        verbose_name_plural = _("run issues")

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_ref}: {self.reason}"
