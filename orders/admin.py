from django.contrib import admin

from omnisync.lib.admin import ReadOnlyAdmin
from orders.models import Order, OrderLine, RemoteOrder


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
