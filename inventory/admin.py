from django.contrib import admin

from inventory.models import Listing, Location, Sku, StockLevel, StockMovement, WarehouseLink
from omnisync.lib.admin import ReadOnlyAdmin


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class StockLevelInline(admin.TabularInline):
    model = StockLevel
    extra = 0
    can_delete = False
    fields = ["location", "on_hand", "allocated", "available"]
    readonly_fields = fields

    @admin.display(description="available")
    def available(self, obj):
        return obj.available

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]
    inlines = [StockLevelInline]


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ["sku", "location", "on_hand", "allocated", "available"]
    list_filter = ["location"]
    search_fields = ["sku__code", "sku__name"]
    list_select_related = ["sku", "location"]

    @admin.display(description="available")
    def available(self, obj):
        return obj.available


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "sku", "location", "on_hand_change", "allocated_change", "reason", "reference", "created_by"]
    list_filter = ["reason", "location"]
    search_fields = ["sku__code", "reference"]
    list_select_related = ["sku", "location", "created_by"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ["channel", "external_item_id", "external_variant_id", "seller_sku", "sku", "channel_stock", "last_pushed_quantity", "last_push_state", "gone"]
    list_filter = ["channel", "gone", "last_push_state"]
    search_fields = ["seller_sku", "external_item_id", "sku__code"]
    list_select_related = ["channel", "sku"]
    raw_id_fields = ["sku"]
    readonly_fields = ["channel", "external_item_id", "external_variant_id", "seller_sku", "channel_stock", "channel_stock_read_at",
                       "last_pushed_quantity", "last_pushed_at", "last_push_state", "last_push_error", "pushed_target", "seen_at", "gone"]


@admin.register(WarehouseLink)
class WarehouseLinkAdmin(admin.ModelAdmin):
    """Which POS location stands behind each of a shop's marketplace warehouses (TikTok warehouses,
    Shopee locations, Lazada warehouse codes). Update Inventory names every warehouse of a listing;
    a linked one gets the stock of its POS location."""

    list_display = ["channel", "warehouse_id", "name", "location"]
    list_filter = ["channel", "location"]
    search_fields = ["warehouse_id", "name"]
    list_select_related = ["channel", "location"]
