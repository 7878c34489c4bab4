"""The alerts table: what is wrong, since when, and who has seen it."""

from __future__ import annotations

import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from alerts.models import Alert
from alerts.texts import alert_link
from omnisync.lib.tables import BaseTable, LocalDateTimeColumn

SEVERITY_TAG = {"critical": "bad", "warning": "warn", "info": "ok"}


class AlertTable(BaseTable):
    severity = tables.Column()
    kind = tables.Column()
    channel = tables.Column(order_by=("channel__name",), default="—")
    message = tables.Column(verbose_name=_("What is wrong"), accessor="pk", orderable=False)
    first_seen = LocalDateTimeColumn()
    last_seen = LocalDateTimeColumn()
    # The accessor is never empty, so the state is rendered for open alerts too (their resolved time is).
    state = tables.Column(verbose_name=_("State"), accessor="pk", order_by=("resolved_at",))
    action = tables.Column(verbose_name="", accessor="pk", orderable=False, exclude_from_export=True)

    # Open alerts first (an empty resolved time sorts as the largest), newest first within them.
    default_sort = ("-state", "-first_seen")

    class Meta(BaseTable.Meta):
        model = Alert
        fields = ()
        empty_text = _("Nothing needs your attention.")
        row_attrs = {"id": lambda record: f"alert-{record.pk}", "data-kind": lambda record: record.kind,
                     "data-state": lambda record: "resolved" if record.resolved_at else ("acknowledged" if record.acknowledged_at else "open")}

    def render_severity(self, record, value):
        return format_html('<span class="tag {}">{}</span>', SEVERITY_TAG.get(record.severity, ""), value)

    def render_message(self, record):
        return format_html('<a href="{}">{}</a>', alert_link(record), record.text)

    def value_message(self, record):
        return record.text

    def render_state(self, record):
        return render_to_string("alerts/includes/alert_state.html", {"alert": record})

    def value_state(self, record):
        if record.resolved_at:
            return f"resolved {record.resolved_at.isoformat()}"
        return "acknowledged" if record.acknowledged_at else "open"

    def render_action(self, record):
        if record.resolved_at or record.acknowledged_at:
            return ""
        return render_to_string("alerts/includes/acknowledge_button.html", {"alert": record})


class ReadOnlyAlertTable(AlertTable):
    """For staff who may look but not acknowledge: no button they could not use."""

    class Meta(AlertTable.Meta):
        exclude = ("action",)
