"""The daily report's list: its rows, filter and table (DailyReport lives in omnisync.models, the top layer)."""

from __future__ import annotations

import datetime as dt

import django_filters as filters
import django_tables2 as tables
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channels_app.filters import channels
from omnisync.lib.filters import DATE, FilterSet
from omnisync.lib.format import local_date
from omnisync.lib.tables import BaseTable
from omnisync.models import DailyReport
from omnisync.report import REPORT_COLUMNS

REPORT_DAYS = 30


def report_rows() -> QuerySet[DailyReport]:
    return DailyReport.objects.select_related("channel")


def report_default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or timezone.localdate()
    return today - dt.timedelta(days=REPORT_DAYS - 1), today


class ReportFilter(FilterSet):
    """The date range is the last 30 days unless the query string says otherwise (an empty value means open)."""

    day_from = filters.DateFilter(field_name="day", lookup_expr="gte", label=_("From"), widget=DATE,
                                  initial=lambda: report_default_range()[0])
    day_to = filters.DateFilter(field_name="day", lookup_expr="lte", label=_("to"), widget=DATE,
                                initial=lambda: report_default_range()[1])
    channel = filters.ModelChoiceFilter(queryset=channels, label=_("Channel"), empty_label=_("all"))

    class Meta(FilterSet.Meta):
        model = DailyReport
        fields = ()


def _count_column(name: str) -> tables.Column:
    return tables.Column(verbose_name=dict(REPORT_COLUMNS)[name], attrs={"td": {"class": "num"}})


class ReportTable(BaseTable):
    """Headers say what each number counts (omnisync.report.REPORT_COLUMNS); the end-of-day counts are the cards' counts."""

    day = tables.Column(verbose_name=_("day"))
    channel = tables.Column(order_by=("channel__name",))
    orders_on_channel = _count_column("orders_on_channel")
    orders_imported = _count_column("orders_imported")
    orders_missing = _count_column("orders_missing")
    orders_wrong_status = _count_column("orders_wrong_status")
    stock_discrepancies = _count_column("stock_discrepancies")
    orders_fixed = _count_column("orders_fixed")
    stock_fixed = _count_column("stock_fixed")
    runs = _count_column("runs")
    runs_failed = _count_column("runs_failed")

    default_sort = ("-day", "channel")

    class Meta(BaseTable.Meta):
        model = DailyReport
        fields = ()
        empty_text = _("No report rows for this period yet. A row appears as soon as a channel's first run of the day ends.")

    def render_day(self, value):
        return local_date(value)

    def value_day(self, value):
        return value.isoformat()
