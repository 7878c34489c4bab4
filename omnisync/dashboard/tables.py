"""The dashboard's tables, one per list; all share omnisync.lib.tables.BaseTable."""

from __future__ import annotations

from urllib.parse import urlencode

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from channels_app.models import RunIssue, SyncRun
from inventory.models import Listing, PushState, Sku
from inventory.targets import discrepancy_cause
from omnisync.dashboard.format import money
from omnisync.lib.tables import BaseTable, LocalDateTimeColumn
from omnisync.models import DailyReport
from orders.models import CanonicalStatus, Order, RemoteOrder

STATUS_LABELS = dict(CanonicalStatus.choices)
KIND_LABELS = {"missing": _("missing in POS"), "wrong_status": _("wrong status in POS"), "unknown_status": _("unknown status")}


def status_html(label, raw) -> str:
    return format_html('{} <small class="muted">({})</small>', label, raw) if raw else str(label or "—")


class MismatchTable(BaseTable):
    channel = tables.Column(verbose_name=_("channel"), order_by=("channel__name",))
    external_id = tables.Column(verbose_name=_("order id"))
    kind = tables.Column(verbose_name=_("mismatch"))
    channel_status = tables.Column(verbose_name=_("channel status"), accessor="raw_status", order_by=("status", "raw_status"))
    pos_status = tables.Column(verbose_name=_("POS status"), default="—")
    channel_updated_at = LocalDateTimeColumn(verbose_name=_("updated on channel"))
    first_seen_at = LocalDateTimeColumn(verbose_name=_("first seen"))

    class Meta(BaseTable.Meta):
        model = RemoteOrder
        fields = ()
        order_by = ("-channel_updated_at",)
        empty_text = _("No mismatched orders. Every order on the channels is in the POS with its current status.")

    def render_external_id(self, record, value):
        if getattr(record, "pos_id", None):
            return format_html('<a href="{}">{}</a>', reverse("order_detail", args=[record.pos_id]), value)
        return value

    def render_kind(self, record, value):
        css = "bad" if value == "missing" else "warn"
        tag = format_html('<span class="tag {}">{}</span>', css, KIND_LABELS.get(value, value))
        if value != "unknown_status":
            return tag
        # Staff fix it by mapping the raw status for the channel; the admin form comes pre-filled.
        raw = record.pos_raw_status if record.status != CanonicalStatus.UNKNOWN and record.pos_raw_status else record.raw_status
        url = reverse("admin:orders_statusoverride_add") + "?" + urlencode({"channel": record.channel_id, "raw_status": raw})
        return format_html('{} <a href="{}">{}</a>', tag, url, _("Map this status"))

    def value_kind(self, value):
        return str(KIND_LABELS.get(value, value))

    def render_channel_status(self, record, value):
        return status_html(STATUS_LABELS.get(record.status), value)

    def value_channel_status(self, record, value):
        return f"{STATUS_LABELS.get(record.status)} ({value})"

    def render_pos_status(self, record, value):
        return status_html(STATUS_LABELS.get(value), record.pos_raw_status)

    def value_pos_status(self, record, value):
        return f"{STATUS_LABELS.get(value)} ({record.pos_raw_status})" if value else ""


class OrderTable(BaseTable):
    external_id = tables.Column(linkify=("order_detail", {"pk": tables.A("pk")}))
    channel = tables.Column(order_by=("channel__name",))
    status = tables.Column()
    raw_status = tables.Column()
    buyer_name = tables.Column()
    total = tables.Column(attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    line_count = tables.Column(verbose_name=_("lines"), attrs={"td": {"class": "num"}})
    channel_created_at = LocalDateTimeColumn()
    channel_updated_at = LocalDateTimeColumn()
    imported_at = LocalDateTimeColumn()

    class Meta(BaseTable.Meta):
        model = Order
        fields = ()
        sequence = ("external_id", "channel", "status", "raw_status", "buyer_name", "total", "line_count",
                    "channel_created_at", "channel_updated_at", "imported_at")
        order_by = ("-channel_created_at",)
        empty_text = _("No orders match.")

    def render_total(self, record, value):
        return money(value, record.currency)

    def value_total(self, value):
        return str(value)


class DiscrepancyTable(BaseTable):
    sku = tables.Column(verbose_name=_("SKU"), accessor="sku__code", order_by=("sku__code",))
    channel = tables.Column(order_by=("channel__name",))
    listing = tables.Column(verbose_name=_("listing"), accessor="seller_sku", order_by=("seller_sku",))
    available = tables.Column(verbose_name=_("POS available"), attrs={"td": {"class": "num"}})
    buffer = tables.Column(verbose_name=_("buffer"), attrs={"td": {"class": "num"}})
    target = tables.Column(verbose_name=_("target"), attrs={"td": {"class": "num"}})
    channel_stock = tables.Column(attrs={"td": {"class": "num"}})
    difference = tables.Column(verbose_name=_("difference"), attrs={"td": {"class": "num"}})
    cause = tables.Column(verbose_name=_("likely cause"), accessor="pk", orderable=False)
    last_push_state = tables.Column(verbose_name=_("last push"))

    class Meta(BaseTable.Meta):
        model = Listing
        fields = ()
        order_by = ("sku",)
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
    channel = tables.Column(order_by=("channel__name",))
    seller_sku = tables.Column()
    title = tables.Column()
    external_item_id = tables.Column()
    external_variant_id = tables.Column()
    sku = tables.Column(verbose_name=_("SKU"), accessor="sku__code", order_by=("sku__code",), default="—")
    channel_stock = tables.Column(attrs={"td": {"class": "num"}})
    target = tables.Column(verbose_name=_("target"), attrs={"td": {"class": "num"}})
    last_push_state = tables.Column()

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


class RunTable(BaseTable):
    id = tables.Column(verbose_name="#", linkify=("run_detail", {"pk": tables.A("pk")}))
    channel = tables.Column(order_by=("channel__name",))
    kind = tables.Column()
    status = tables.Column()
    progress = tables.Column(verbose_name=_("progress"), accessor="progress_done", orderable=False)
    trigger = tables.Column()
    requested_by = tables.Column(verbose_name=_("by"), default="—")
    created_at = LocalDateTimeColumn()
    finished_at = LocalDateTimeColumn()
    requests_made = tables.Column(attrs={"td": {"class": "num"}})
    message = tables.Column(orderable=False)

    class Meta(BaseTable.Meta):
        model = SyncRun
        fields = ()
        order_by = ("-id",)
        empty_text = _("No runs yet.")

    def render_status(self, record, value):
        return format_html('<span class="status status-{}">{}</span>', record.status, value)

    def render_progress(self, record):
        return f"{record.progress_done}/{record.progress_total}" if record.progress_total else "—"

    def render_message(self, value):
        return value[:160]


class RunIssueTable(BaseTable):
    severity = tables.Column()
    object_type = tables.Column()
    object_ref = tables.Column()
    code = tables.Column()
    reason = tables.Column(orderable=False)
    created_at = LocalDateTimeColumn(verbose_name=_("when"))

    class Meta(BaseTable.Meta):
        model = RunIssue
        fields = ()
        order_by = ("id",)
        empty_text = _("This run met no problems.")


class ReportTable(BaseTable):
    day = tables.DateColumn(verbose_name=_("day"))
    channel = tables.Column(order_by=("channel__name",))
    orders_on_channel = tables.Column(attrs={"td": {"class": "num"}})
    orders_imported = tables.Column(attrs={"td": {"class": "num"}})
    orders_missing = tables.Column(attrs={"td": {"class": "num"}})
    orders_wrong_status = tables.Column(attrs={"td": {"class": "num"}})
    stock_discrepancies = tables.Column(attrs={"td": {"class": "num"}})
    orders_fixed = tables.Column(attrs={"td": {"class": "num"}})
    stock_fixed = tables.Column(attrs={"td": {"class": "num"}})
    runs = tables.Column(attrs={"td": {"class": "num"}})
    runs_failed = tables.Column(attrs={"td": {"class": "num"}})

    class Meta(BaseTable.Meta):
        model = DailyReport
        fields = ()
        order_by = ("-day", "channel")
        empty_text = _("No report rows for this period yet. A row appears as soon as a channel's first run of the day ends.")

    def value_day(self, value):
        return value.isoformat()
