"""Tables of the runs list and of a run's issues."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from channels_app.models import RunIssue, SyncRun
from omnisync.lib.tables import BaseTable, LocalDateTimeColumn


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

    default_sort = ("-id",)

    class Meta(BaseTable.Meta):
        model = SyncRun
        fields = ()
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

    default_sort = ()  # in the order the run met them (the primary key)

    class Meta(BaseTable.Meta):
        model = RunIssue
        fields = ()
        empty_text = _("This run met no problems.")
