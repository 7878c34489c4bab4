from django.contrib import admin
from django.utils.translation import gettext as _

from omnisync.lib.admin import ReadOnlyAdmin
from orders.mismatches import order_counts_store
from orders.models import Order, OrderLine, RemoteOrder, ReturnReceipt, StatusOverride
from orders.services.importing import orders_reevaluate


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ["line_key", "seller_sku", "sku", "quantity", "unit_price", "status", "raw_status", "applied_allocated", "applied_deducted"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    """Orders come from channels; editing them by hand would break the ledger."""

    list_display = ["external_id", "channel", "status", "raw_status", "channel_created_at", "channel_updated_at", "total", "currency"]
    list_filter = ["channel", "status"]
    search_fields = ["external_id", "buyer_name"]
    list_select_related = ["channel"]
    inlines = [OrderLineInline]
    show_full_result_count = False


@admin.register(RemoteOrder)
class RemoteOrderAdmin(OrderAdmin):
    list_display = ["external_id", "channel", "status", "raw_status", "channel_updated_at", "first_seen_at", "seen_at"]
    search_fields = ["external_id"]
    inlines = []


@admin.register(ReturnReceipt)
class ReturnReceiptAdmin(ReadOnlyAdmin):
    """Returns are received on the returns page (each with its ledger movements); here they are only looked up."""

    list_display = ["created_at", "line", "quantity", "condition", "location", "automatic", "created_by"]
    list_filter = ["condition", "automatic", "line__order__channel"]
    search_fields = ["line__order__external_id", "line__seller_sku"]
    list_select_related = ["line__order", "location", "created_by"]
    show_full_result_count = False


@admin.register(StatusOverride)
class StatusOverrideAdmin(admin.ModelAdmin):
    """Staff say what a raw status the platform map does not know means, for one channel.

    Saving or deleting a mapping re-evaluates the channel's orders that carry
    the raw status at once, with ledger entries; no download is needed.
    """

    list_display = ["channel", "raw_status", "status", "created_at"]
    list_filter = ["channel", "status"]
    search_fields = ["raw_status"]
    list_select_related = ["channel"]

    def _apply(self, request, obj, raws):
        result = orders_reevaluate(obj.channel, raws)
        order_counts_store(obj.channel)
        self.message_user(request, _(
            "%(orders)s order(s) re-evaluated for %(raw)s; %(movements)s stock movement(s) posted."
        ) % {"orders": len(result.status_fixed), "raw": obj.raw_status, "movements": result.movements})

    def save_model(self, request, obj, form, change):
        before = form.initial.get("raw_status") if change else None
        super().save_model(request, obj, form, change)
        self._apply(request, obj, [r for r in (obj.raw_status, before) if r])

    def delete_model(self, request, obj):
        channel, raw = obj.channel, obj.raw_status
        super().delete_model(request, obj)
        obj.channel = channel
        self._apply(request, obj, [raw])

    def delete_queryset(self, request, queryset):
        for obj in list(queryset.select_related("channel")):
            self.delete_model(request, obj)
