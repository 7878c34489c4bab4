from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from channels_app.models import Channel
from inventory.models import Listing, Location, Sku, StockLevel, StockMovement, WarehouseLink
from inventory.services.warehouses import WarehouseLoad, _label, warehouse_links_load
from omnisync.lib.admin import ReadOnlyAdmin
from omnisync.lib.http import ApiError


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


# -- loading a channel's warehouses -----------------------------------------------------------


def warehouse_load_message(channel: Channel, result: WarehouseLoad) -> tuple[int, str]:
    """(message level, text) telling staff what was linked and what is left to them."""
    if result.found is None:
        return messages.WARNING, f"{channel}: {result.note}"
    parts = [_("%(channel)s: %(n)s warehouse(s) on the marketplace.") % {"channel": channel, "n": len(result.found)}]
    if result.linked:
        parts.append(_("Linked: %(links)s.") % {"links": "; ".join(
            f"{_label(link.warehouse_id, link.name)} \u2192 {link.location} ({why})" for link, why in result.linked)})
    if result.already:
        parts.append(_("%(n)s already linked.") % {"n": result.already})
    if result.unlinked:
        parts.append(_(
            "Not linked: %(ids)s. Add a link to the POS location that holds each one's stock; until then Update "
            "Inventory keeps the quantity the marketplace shows there."
        ) % {"ids": ", ".join(_label(w, n) for w, n in result.unlinked)})
    if result.note:
        parts.append(result.note)
    if not result.found:
        return messages.INFO, " ".join(parts)
    level = messages.WARNING if result.unlinked else messages.SUCCESS
    return level, " ".join(parts)


class WarehouseLoadForm(forms.Form):
    channel = forms.ModelChoiceField(queryset=Channel.objects.order_by("name"), label=_("channel"))


@admin.register(WarehouseLink)
class WarehouseLinkAdmin(admin.ModelAdmin):
    """Which POS location stands behind each of a shop's marketplace warehouses (TikTok warehouses,
    Shopee locations, Lazada warehouse codes). Update Inventory names every warehouse of a listing;
    a linked one gets the stock of its POS location. "Load warehouses from the marketplace" reads
    a channel's warehouses and links the ones it can tell (`warehouse_links_load`)."""

    list_display = ["channel", "warehouse_id", "name", "location"]
    list_filter = ["channel", "location"]
    search_fields = ["warehouse_id", "name"]
    list_select_related = ["channel", "location"]

    change_list_template = "admin/inventory/warehouselink/change_list.html"

    def get_urls(self):
        return [
            path("load/", self.admin_site.admin_view(self.load_view), name="inventory_warehouselink_load"),
            *super().get_urls(),
        ]

    def load_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = WarehouseLoadForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            channel = form.cleaned_data["channel"]
            try:
                level, text = warehouse_load_message(channel, warehouse_links_load(channel))
            except ApiError as err:
                level, text = messages.ERROR, _("%(channel)s: the warehouses could not be read: %(error)s") % {
                    "channel": channel, "error": err.message}
            self.message_user(request, text, level)
            return HttpResponseRedirect(f"{reverse('admin:inventory_warehouselink_changelist')}?channel__id__exact={channel.pk}")
        context = {**self.admin_site.each_context(request), "opts": self.opts, "form": form,
                   "title": _("Load warehouses from the marketplace")}
        return TemplateResponse(request, "admin/inventory/warehouselink/load.html", context)
