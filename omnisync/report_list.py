"""The daily report's list: its rows, filter and table (DailyReport lives in omnisync.models, the top layer)."""

from __future__ import annotations

import datetime as dt

import django_filters as filters
import django_tables2 as tables
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from channels_app.filters import channels
from omnisync.lib.filters import DATE, FilterSet
from omnisync.lib.tables import BaseTable
from omnisync.models import DailyReport

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

    default_sort = ("-day", "channel")

    class Meta(BaseTable.Meta):
        model = DailyReport
        fields = ()
        empty_text = _("No report rows for this period yet. A row appears as soon as a channel's first run of the day ends.")

    def render_day(self, value):
        # What DateColumn's template renders ({{ value|date:"SHORT_DATE_FORMAT" }}), without a template per cell.
        return date_format(value, "SHORT_DATE_FORMAT")

    def value_day(self, value):
        return value.isoformat()
