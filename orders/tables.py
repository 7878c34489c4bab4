"""Tables of the orders and mismatched-orders lists."""

from __future__ import annotations

from urllib.parse import urlencode

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from omnisync.lib.format import money
from omnisync.lib.tables import BaseTable, LocalDateTimeColumn
from orders.models import CanonicalStatus, Order, RemoteOrder
from orders.selectors import KIND_LABELS

STATUS_LABELS = dict(CanonicalStatus.choices)


def status_html(label, raw) -> str:
    return format_html('{} <small class="muted">({})</small>', label, raw) if raw else str(label or "—")


class MismatchTable(BaseTable):
    # Sorting by channel groups the rows by channel key (one index range), not by the joined name (a sort of every row).
    channel = tables.Column(verbose_name=_("channel"), order_by=("channel",))
    external_id = tables.Column(verbose_name=_("order id"))
    # Computed per row from the POS copy: sorting by them would compute them for every remote order first.
    kind = tables.Column(verbose_name=_("mismatch"), orderable=False)
    channel_status = tables.Column(verbose_name=_("channel status"), accessor="raw_status", order_by=("status", "raw_status"))
    pos_status = tables.Column(verbose_name=_("POS status"), default="—", orderable=False)
    channel_updated_at = LocalDateTimeColumn(verbose_name=_("updated on channel"))
    first_seen_at = LocalDateTimeColumn(verbose_name=_("first seen"))

    default_sort = ("-channel_updated_at",)

    class Meta(BaseTable.Meta):
        model = RemoteOrder
        fields = ()
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
    channel = tables.Column(order_by=("channel",))  # by channel key: an index range, see MismatchTable
    status = tables.Column()
    raw_status = tables.Column()
    buyer_name = tables.Column()
    total = tables.Column(attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    # Counted per shown order (a subquery): sorting by it would count every order's lines first.
    line_count = tables.Column(verbose_name=_("lines"), attrs={"td": {"class": "num"}}, orderable=False)
    channel_created_at = LocalDateTimeColumn()
    channel_updated_at = LocalDateTimeColumn()
    imported_at = LocalDateTimeColumn()

    default_sort = ("-channel_created_at",)

    class Meta(BaseTable.Meta):
        model = Order
        fields = ()
        sequence = ("external_id", "channel", "status", "raw_status", "buyer_name", "total", "line_count",
                    "channel_created_at", "channel_updated_at", "imported_at")
        empty_text = _("No orders match.")

    def render_total(self, record, value):
        return money(value, record.currency)

    def value_total(self, value):
        return str(value)
