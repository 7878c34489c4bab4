"""Stock: locations, SKUs, stock levels, the stock ledger and channel listings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channels_app.models import Location

__all__ = ["BundleComponent", "Listing", "Location", "MovementReason", "PushState", "Sku", "StockLevel", "StockMovement", "WarehouseLink"]


class Sku(models.Model):
    code = models.CharField(_("SKU code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="sku_code_not_empty"),
        ]

    def __str__(self) -> str:
        return self.code


class BundleComponent(models.Model):
    """One component of a bundle (kit) SKU: selling one bundle takes `quantity` units of `component`.

    The bundle SKU itself never holds stock: the ledger posts a bundle's
    movements as its components' (inventory.bundles), and a bundle's available
    stock is the least, over its components, of the whole bundles that
    component's available units make. A component is never a bundle itself,
    so one level of expansion is all there is.
    """

    bundle = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="components", verbose_name=_("bundle"))
    component = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="in_bundles", verbose_name=_("component"))
    quantity = models.PositiveIntegerField(_("units per bundle"), default=1)

    class Meta:
        ordering = ["bundle", "component"]
        verbose_name = _("bundle component")
        verbose_name_plural = _("bundle components")
        constraints = [
            models.UniqueConstraint(fields=["bundle", "component"], name="bundle_component_unique_pair"),
            models.CheckConstraint(condition=~Q(bundle=models.F("component")), name="bundle_component_not_itself"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="bundle_component_quantity_positive"),
        ]
        indexes = [models.Index(fields=["component"], name="bundle_component_component")]

    def __str__(self) -> str:
        return f"{self.bundle_id} ⊃ {self.quantity} × {self.component_id}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from inventory.bundles import bundle_component_problem

        if self.bundle_id and self.component_id:
            problem = bundle_component_problem(self.bundle_id, self.component_id, exclude_pk=self.pk)
            if problem:
                raise ValidationError({"component": problem})


class StockLevel(models.Model):
    """On hand and allocated per SKU and location; kept equal to the ledger's sums."""

    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="stock_levels")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.IntegerField(_("on hand"), default=0)
    allocated = models.IntegerField(_("allocated"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["sku", "location"], name="stock_level_unique_sku_location"),
            models.CheckConstraint(condition=Q(allocated__gte=0), name="stock_level_allocated_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} @ {self.location}"

    @property
    def available(self) -> int:
        return self.on_hand - self.allocated


class MovementReason(models.TextChoices):
    ORDER_ALLOCATION = "order_allocation", _("order allocation")
    SHIPMENT = "shipment", _("shipment")
    CANCELLATION = "cancellation", _("cancellation")
    RETURN = "return", _("return")
    MANUAL_ADJUSTMENT = "manual_adjustment", _("manual adjustment")
    STOCK_COUNT = "stock_count", _("stock count")
    IMPORT = "import", _("import")


class StockMovement(models.Model):
    """One row of the stock ledger. Never updated or deleted."""

    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="movements")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="movements")
    on_hand_change = models.IntegerField(_("on-hand change"), default=0)
    allocated_change = models.IntegerField(_("allocated change"), default=0)
    reason = models.CharField(_("reason"), max_length=30, choices=MovementReason.choices)
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    # What caused it, as (type, id, step): an order line's n-th effect change is
    # unique, so a replayed or concurrent import cannot post it twice.
    ref_type = models.CharField(max_length=30, blank=True, default="")
    ref_id = models.BigIntegerField(null=True, blank=True)
    ref_seq = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    #: The bundle SKU this component movement was posted for (a bundle's own changes are posted as its components').
    bundle = models.ForeignKey(
        Sku, null=True, blank=True, on_delete=models.PROTECT, related_name="bundle_movements", verbose_name=_("for bundle")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        constraints = [
            models.CheckConstraint(
                condition=~Q(on_hand_change=0) | ~Q(allocated_change=0), name="stock_movement_changes_something"
            ),
            models.UniqueConstraint(
                fields=["ref_type", "ref_id", "ref_seq", "sku", "location"],
                condition=~Q(ref_type="") & Q(ref_seq__isnull=False),
                name="stock_movement_unique_ref_step",
            ),
        ]
        indexes = [
            models.Index(fields=["sku", "location"], name="movement_sku_location"),
            models.Index(fields=["ref_type", "ref_id"], name="movement_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.on_hand_change:+d}/{self.allocated_change:+d} {self.reason}"


class PushState(models.TextChoices):
    NONE = "", _("never pushed")
    PENDING = "pending", _("pushed, not read back")
    CONFIRMED = "confirmed", _("confirmed")
    NOT_APPLIED = "not_applied", _("not applied")
    FAILED = "failed", _("failed")
    HELD = "held", _("held back")


class Listing(models.Model):
    """One sellable item or variant on a channel, mapped to at most one SKU."""

    channel = models.ForeignKey("channels_app.Channel", on_delete=models.CASCADE, related_name="listings")
    external_item_id = models.CharField(_("item id"), max_length=64)
    external_variant_id = models.CharField(_("variant id"), max_length=64, blank=True, default="")
    seller_sku = models.CharField(_("seller SKU"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=255, blank=True)
    sku = models.ForeignKey(Sku, null=True, blank=True, on_delete=models.SET_NULL, related_name="listings")
    gone = models.BooleanField(_("gone from channel"), default=False)
    channel_stock = models.IntegerField(_("channel stock"), null=True, blank=True)
    channel_stock_read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    last_pushed_quantity = models.IntegerField(_("last pushed"), null=True, blank=True)
    last_pushed_at = models.DateTimeField(_("pushed at"), null=True, blank=True)
    last_push_state = models.CharField(_("push result"), max_length=12, choices=PushState.choices, blank=True, default="")
    last_push_error = models.TextField(_("push error"), blank=True)
    pushed_target = models.IntegerField(_("target at last push"), null=True, blank=True)
    seen_at = models.DateTimeField(_("seen"), null=True, blank=True)
    #: Last read sellable stock per marketplace warehouse: {warehouse id: quantity} (empty: one figure).
    warehouse_stock = models.JSONField(_("stock per channel warehouse"), default=dict, blank=True)
    #: Units the channel holds back from sale on top of its sellable stock (unshipped orders, campaign locks).
    held_stock = models.IntegerField(_("held by the channel"), null=True, blank=True)

    class Meta:
        ordering = ["channel", "seller_sku", "external_item_id", "external_variant_id"]
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_item_id", "external_variant_id"], name="listing_unique_external_ids"
            ),
            models.CheckConstraint(
                condition=Q(last_pushed_quantity__isnull=True) | Q(last_pushed_quantity__gte=0),
                name="listing_pushed_nonnegative",
            ),
        ]
        indexes = [
            models.Index(fields=["channel", "sku"], name="listing_channel_sku"),
            models.Index(fields=["channel", "gone"], name="listing_channel_gone"),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.external_item_id}/{self.external_variant_id or '-'} {self.seller_sku}"




class WarehouseLink(models.Model):
    """One marketplace warehouse (TikTok warehouse, Shopee location, Lazada warehouse code) and the POS location behind it.

    A channel without links sells from its own location with one stock figure
    per listing. With links, Update Inventory names every warehouse of a
    listing: a linked one gets the target computed at its POS location, an
    unlinked one keeps the quantity last read from the channel.
    """

    channel = models.ForeignKey("channels_app.Channel", on_delete=models.CASCADE, related_name="warehouse_links",
                                verbose_name=_("channel"))
    warehouse_id = models.CharField(_("marketplace warehouse id"), max_length=64)
    name = models.CharField(_("name on the marketplace"), max_length=100, blank=True)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="warehouse_links", verbose_name=_("POS location"))

    class Meta:
        ordering = ["channel", "warehouse_id"]
        verbose_name = _("channel warehouse")
        verbose_name_plural = _("channel warehouses")
        constraints = [
            models.UniqueConstraint(fields=["channel", "warehouse_id"], name="warehouse_link_unique_channel_warehouse"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.warehouse_id} → {self.location}"
