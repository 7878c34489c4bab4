"""Tables of the listings tabs and of the stock-discrepancy list."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from inventory.models import Listing, PushState, Sku
from inventory.targets import discrepancy_cause
from omnisync.lib.tables import BaseTable


class DiscrepancyTable(BaseTable):
    sku = tables.Column(verbose_name=_("SKU"), accessor="sku__code", order_by=("sku__code",))
    channel = tables.Column(order_by=("channel",))  # by channel key (an index range), not by the joined name
    listing = tables.Column(verbose_name=_("listing"), accessor="seller_sku", order_by=("seller_sku",))
    # A column sorts when an index serves its order (omnisync.lib.listview pages by key): these are computed per
    # listing (inventory.targets) or rewritten on every scan and push (channel stock, push state), so sorting by
    # them would compute or sort every listing before the first page; the "channel shows" filter picks a side.
    available = tables.Column(verbose_name=_("POS available"), attrs={"td": {"class": "num"}}, orderable=False)
    buffer = tables.Column(verbose_name=_("buffer"), attrs={"td": {"class": "num"}}, orderable=False)
    target = tables.Column(verbose_name=_("target"), attrs={"td": {"class": "num"}}, orderable=False)
    channel_stock = tables.Column(attrs={"td": {"class": "num"}}, orderable=False)
    difference = tables.Column(verbose_name=_("difference"), attrs={"td": {"class": "num"}}, orderable=False)
    cause = tables.Column(verbose_name=_("likely cause"), accessor="pk", orderable=False)
    last_push_state = tables.Column(verbose_name=_("last push"), orderable=False)

    default_sort = ("sku",)

    class Meta(BaseTable.Meta):
        model = Listing
        fields = ()
        empty_text = _("No stock discrepancies: every channel shows what the POS can sell.")

    def render_listing(self, record, value):
        return format_html('{}<br><small class="muted">{}</small>', value or record.external_item_id, record.title)

    def value_listing(self, record, value):
        return value or record.external_item_id

    def render_difference(self, value):
        return format_html('<span class="{}">{}</span>', "bad" if value > 0 else "warn", f"{value:+d}")

    def render_cause(self, record):
        return discrepancy_cause(record, record.channel.orders_missing)

    def value_cause(self, record):
        return discrepancy_cause(record, record.channel.orders_missing)

    def render_last_push_state(self, record, value):
        label = PushState(value).label if value in PushState.values else value
        if record.last_push_error:
            return format_html('{}<br><small class="error">{}</small>', label, record.last_push_error[:200])
        return label


class MappedListingTable(BaseTable):
    channel = tables.Column(order_by=("channel",))  # by channel key (an index range), not by the joined name
    seller_sku = tables.Column()
    title = tables.Column()
    external_item_id = tables.Column()
    external_variant_id = tables.Column()
    sku = tables.Column(verbose_name=_("SKU"), accessor="sku__code", order_by=("sku__code",), default="—")
    # Rewritten on every scan and push (no index), computed per listing (inventory.targets): not sortable,
    # as in DiscrepancyTable.
    channel_stock = tables.Column(attrs={"td": {"class": "num"}}, orderable=False)
    target = tables.Column(verbose_name=_("target"), attrs={"td": {"class": "num"}}, orderable=False)
    last_push_state = tables.Column(orderable=False)

    class Meta(BaseTable.Meta):
        model = Listing
        fields = ()
        empty_text = _("No listings here.")


class UnmappedListingTable(MappedListingTable):
    class Meta(MappedListingTable.Meta):
        exclude = ("sku", "target", "last_push_state")
        empty_text = _("Every listing on the channel is mapped to a POS SKU.")


class SkuTable(BaseTable):
    code = tables.Column()
    name = tables.Column()

    class Meta(BaseTable.Meta):
        model = Sku
        fields = ()
        empty_text = _("Every active POS SKU is listed on the channel.")


#: the table of each listings tab (inventory.filters.LISTING_TAB_CHOICES)
LISTING_TABLES = {
    "mapped": MappedListingTable,
    "not_in_pos": UnmappedListingTable,
    "not_in_channel": SkuTable,
    "multiple": MappedListingTable,
}
