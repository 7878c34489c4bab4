from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels_app.models import Channel
from inventory.bundles import bundle_csv_import, bundle_definitions_problems
from inventory.models import BundleComponent, Listing, Location, Sku, StockLevel, StockMovement, WarehouseLink
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


class BundleComponentFormSet(forms.BaseInlineFormSet):
    """Checks the bundle's whole new definition at once (nesting, stock of its own, open orders), as the CSV import does."""

    def clean(self):
        super().clean()
        if any(self.errors) or self.instance.pk is None:
            return
        parts = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or not data.get("component"):
                continue
            parts[data["component"].pk] = data.get("quantity") or 0
        problems = bundle_definitions_problems({self.instance.pk: parts}).get(self.instance.pk)
        if problems:
            raise forms.ValidationError(problems)


class BundleComponentInline(admin.TabularInline):
    """A SKU with components is a bundle (kit): selling one takes the listed units of each; it holds no stock itself."""

    model = BundleComponent
    fk_name = "bundle"
    formset = BundleComponentFormSet
    extra = 0
    autocomplete_fields = ["component"]
    verbose_name = gettext_lazy("component (this SKU is a bundle)")
    verbose_name_plural = gettext_lazy("bundle components (leave empty for a plain SKU)")

    # Components are part of the SKU's definition: whoever may change SKUs may change them (no permissions of their own to grant).
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("inventory.view_sku")

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("inventory.change_sku")

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("inventory.change_sku")

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("inventory.change_sku")


class BundleImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"), help_text=gettext_lazy(
        "Columns bundle, component, quantity; one row per component. Each bundle in the file gets exactly the components listed."))


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active", "is_bundle"]
    list_filter = ["active"]
    search_fields = ["code", "name"]
    inlines = [BundleComponentInline, StockLevelInline]
    change_list_template = "admin/inventory/sku/change_list.html"

    @admin.display(description=gettext_lazy("bundle"), boolean=True)
    def is_bundle(self, obj):
        return obj.is_bundle

    def get_queryset(self, request):
        from django.db.models import Exists, OuterRef

        return super().get_queryset(request).annotate(is_bundle=Exists(BundleComponent.objects.filter(bundle_id=OuterRef("pk"))))

    def get_urls(self):
        return [
            path("bundles-import/", self.admin_site.admin_view(self.bundle_import_view), name="inventory_sku_bundle_import"),
            *super().get_urls(),
        ]

    def bundle_import_view(self, request):
        """Upload bundle definitions; a file with any bad row changes nothing and lists every problem by line."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = BundleImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            result = bundle_csv_import(upload.read(2_000_000)) if upload.size <= 2_000_000 else None
            if result is None:
                errors = [(0, _("The file is larger than 2 MB."))]
            elif result.errors:
                errors = result.errors
                self.message_user(request, _("Nothing was changed: %(n)s problem(s) in the file.") % {"n": len(errors)}, messages.ERROR)
            else:
                self.message_user(request, _("%(bundles)s bundle(s) defined with %(components)s component row(s).")
                                  % {"bundles": result.bundles, "components": result.components}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:inventory_sku_changelist"))
        context = {**self.admin_site.each_context(request), "opts": self.opts, "form": form, "errors": errors,
                   "title": _("Import bundle definitions")}
        return TemplateResponse(request, "admin/inventory/sku/bundle_import.html", context, status=400 if errors else 200)


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
    list_display = ["created_at", "sku", "location", "on_hand_change", "allocated_change", "reason", "reference", "bundle", "created_by"]
    list_filter = ["reason", "location"]
    search_fields = ["sku__code", "reference"]
    list_select_related = ["sku", "location", "created_by", "bundle"]
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
