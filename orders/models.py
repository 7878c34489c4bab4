"""The POS copy of channel orders, and what channels last said about them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CanonicalStatus(models.TextChoices):
    UNPAID = "unpaid", _("unpaid")
    TO_SHIP = "to_ship", _("to ship")
    SHIPPED = "shipped", _("shipped")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")
    RETURNED = "returned", _("returned")
    #: A raw status no map knows (a new platform status, a plugin's custom one): the order is kept
    #: with the conservative stock effect until staff map the raw status for the channel.
    UNKNOWN = "unknown", _("unknown status")


class Order(models.Model):
    channel = models.ForeignKey("channels_app.Channel", on_delete=models.PROTECT, related_name="orders")
    external_id = models.CharField(_("order id"), max_length=64)
    status = models.CharField(_("status"), max_length=12, choices=CanonicalStatus.choices)
    raw_status = models.CharField(_("channel status"), max_length=64)
    channel_created_at = models.DateTimeField(_("created on channel"))
    channel_updated_at = models.DateTimeField(_("updated on channel"))
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default="IDR")
    buyer_name = models.CharField(_("buyer"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-channel_created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="order_unique_channel_external_id"),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_nonnegative"),
        ]
        indexes = [
            models.Index(fields=["channel", "-channel_created_at"], name="order_channel_created"),
            models.Index(fields=["status", "-channel_created_at"], name="order_status_created"),
            # The orders list's default order: its first page reads 51 index entries instead of sorting every order.
            models.Index(fields=["-channel_created_at", "-id"], name="order_created_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.external_id}"


class OrderLine(models.Model):
    """One SKU on an order, and the stock effect already applied for it."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_key = models.CharField(_("line key"), max_length=200)
    seller_sku = models.CharField(_("seller SKU"), max_length=100, blank=True)
    external_item_id = models.CharField(max_length=64, blank=True)
    external_variant_id = models.CharField(max_length=64, blank=True)
    sku = models.ForeignKey("inventory.Sku", null=True, blank=True, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2, default=0)
    status = models.CharField(_("status"), max_length=12, choices=CanonicalStatus.choices)
    raw_status = models.CharField(_("channel status"), max_length=64, blank=True)
    status_updated_at = models.DateTimeField(_("status time on channel"))
    applied_allocated = models.PositiveIntegerField(_("allocated by this line"), default=0)
    applied_deducted = models.PositiveIntegerField(_("deducted by this line"), default=0)
    applied_location = models.ForeignKey(
        "channels_app.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    effect_version = models.PositiveIntegerField(default=0)
    #: Units of a returned (or cancelled-after-shipping) line that staff have dealt with: received back,
    #: written off as damaged, or closed as not coming back. See orders.services.returns.
    return_received = models.PositiveIntegerField(_("return received"), default=0, db_default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.UniqueConstraint(fields=["order", "line_key"], name="order_line_unique_key"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_positive"),
            # However often Receive is clicked or a job re-runs, no line takes back more units than it sold.
            models.CheckConstraint(condition=Q(return_received__lte=F("quantity")), name="order_line_return_within_quantity"),
        ]
        indexes = [
            # The unknown-status tab and card: the few lines waiting for a status mapping, found without reading every line.
            models.Index(fields=["order"], condition=Q(status="unknown"), name="order_line_unknown_status"),
        ]

    def __str__(self) -> str:
        return f"{self.order} {self.seller_sku} × {self.quantity}"


class ReturnCondition(models.TextChoices):
    RESTOCK = "restock", _("back to stock")
    DAMAGED = "damaged", _("damaged, written off")
    #: The parcel will not come back (lost or scrapped by the courier, refund without return): nothing
    #: moves in the ledger, the units stay deducted, and the line leaves the returns list.
    LOST = "lost", _("not coming back")


class ReturnReceipt(models.Model):
    """Staff (or the channel's "return received", when the channel allows it) dealing with units coming back.

    A returned line keeps its units deducted until its parcel is in the shop:
    only then do they go back on sale. Each receipt is the n-th (`seq`) of its
    line, so a double click or a re-run job that repeats one is refused by the
    database, and the line's `return_received` can never pass its quantity.
    Its ledger movements point back to it (ref_type "return_receipt").
    """

    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="return_receipts", verbose_name=_("order line"))
    seq = models.PositiveIntegerField()
    quantity = models.PositiveIntegerField(_("quantity"))
    condition = models.CharField(_("condition"), max_length=10, choices=ReturnCondition.choices)
    location = models.ForeignKey("channels_app.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("location"))
    automatic = models.BooleanField(_("received automatically"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("return receipt")
        verbose_name_plural = _("return receipts")
        constraints = [
            models.UniqueConstraint(fields=["line", "seq"], name="return_receipt_unique_line_seq"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="return_receipt_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.line} ↩ {self.quantity} {self.condition}"


class RemoteOrder(models.Model):
    """What the channel last said about one of its orders (no lines)."""

    channel = models.ForeignKey("channels_app.Channel", on_delete=models.CASCADE, related_name="remote_orders")
    external_id = models.CharField(_("order id"), max_length=64)
    raw_status = models.CharField(_("channel status"), max_length=64)
    status = models.CharField(_("status"), max_length=12, choices=CanonicalStatus.choices)
    channel_updated_at = models.DateTimeField(_("updated on channel"))
    first_seen_at = models.DateTimeField(_("first seen"), default=timezone.now)
    seen_at = models.DateTimeField(_("seen"), default=timezone.now)

    class Meta:
        ordering = ["-channel_updated_at", "-id"]
        verbose_name = _("remote order")
        verbose_name_plural = _("remote orders")
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="remote_order_unique_channel_external_id"),
        ]
        indexes = [
            models.Index(fields=["channel", "-channel_updated_at"], name="remote_order_channel_updated"),
            # The mismatches list's default order: a page is found by walking the index, not by sorting every remote order.
            models.Index(fields=["-channel_updated_at", "-id"], name="remote_order_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.external_id} {self.raw_status}"


class StatusOverride(models.Model):
    """Staff's mapping of one raw channel status to a canonical one, for one channel.

    It wins over the built-in status map, so a status a platform (or a
    WooCommerce plugin) invents can be mapped without a code change; saving it
    re-evaluates the orders that carry the raw status.
    """

    channel = models.ForeignKey("channels_app.Channel", on_delete=models.CASCADE, related_name="status_overrides",
                                verbose_name=_("channel"))
    raw_status = models.CharField(_("channel status"), max_length=64)
    status = models.CharField(_("means"), max_length=12,
                              choices=[c for c in CanonicalStatus.choices if c[0] != CanonicalStatus.UNKNOWN])
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["channel", "raw_status"]
        verbose_name = _("status mapping")
        verbose_name_plural = _("status mappings")
        constraints = [
            models.UniqueConstraint(fields=["channel", "raw_status"], name="status_override_unique_channel_raw"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {self.raw_status} → {self.status}"
