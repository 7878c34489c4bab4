"""The base table every list in omnisync uses, its shared column types and CSV export.

One template (templates/includes/table.html) renders every table with htmx
links for sorting and paging, so a list behaves the same everywhere, and CSV
export goes through the same columns staff see on screen.

Tables are handed plain lists (one page of records, or one chunk of an
export): the list view pages and sorts the queryset itself
(omnisync.lib.listview), so a table never sorts, counts or pages anything.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from itertools import islice

import django_tables2 as tables
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import capfirst

from omnisync.lib.format import local_datetime

EXPORT_CHUNK = 1000


class LocalDateTimeColumn(tables.Column):
    """Shows and exports times in the shop's time zone, not the database's UTC.

    On screen as the active language writes a time (omnisync.lib.format), as plain text: a template
    per cell, as django-tables2's DateTimeColumn renders, was most of a list page's time. The CSV
    keeps ISO 8601 in shop time, which spreadsheets sort and read in any language.
    """

    def render(self, value):
        return local_datetime(value)

    def value(self, value, **kwargs):
        if value is None:
            return ""
        return timezone.localtime(value).isoformat(sep=" ", timespec="seconds")


def _model_field(model, path: str):
    field = None
    for bit in path.replace(".", "__").split("__"):
        try:
            field = model._meta.get_field(bit)
        except FieldDoesNotExist:
            return field
        model = getattr(field, "related_model", None) or model
    return field


class BaseTable(tables.Table):
    """Subclass, declare columns, set ``Meta.model`` and ``default_sort``.

    ``default_sort`` names columns (``"-day"``, ``"channel"``), not database
    fields; the list view turns them into the columns' own ``order_by``.
    """

    #: the order a list starts in, by column name; the list view adds the primary key as a tiebreaker
    default_sort: tuple[str, ...] = ()

    class Meta:
        template_name = "includes/table.html"
        attrs = {"class": "data-table"}

    def __init_subclass__(cls, **kwargs):
        # A table given a list cannot look up model field names as django-tables2 does for a
        # queryset, so columns without a verbose_name take their model field's here, once.
        super().__init_subclass__(**kwargs)
        model = getattr(getattr(cls, "Meta", None), "model", None)
        if model is None:
            return
        for name, column in cls.base_columns.items():
            if column.verbose_name is None:
                field = _model_field(model, str(column.accessor or name))
                label = getattr(field, "verbose_name", None)
                if label:
                    column.verbose_name = capfirst(label)


class _Echo:
    """A file-like object whose write returns the line, for streaming csv."""

    def write(self, value: str) -> str:
        return value


def table_csv_rows(table_class: type[tables.Table], queryset: QuerySet, chunk: int = EXPORT_CHUNK) -> Iterator[str]:
    """The header, then every row of ``queryset`` in its order, through the table's columns, a chunk at a time."""
    writer = csv.writer(_Echo())
    rows = queryset.iterator(chunk_size=chunk)
    header_written = False
    while True:
        batch = list(islice(rows, chunk))
        if not batch and header_written:
            return
        values = table_class(batch).as_values()
        header = next(values)
        if not header_written:
            yield writer.writerow(header)
            header_written = True
        for row in values:
            yield writer.writerow(row)
        if len(batch) < chunk:
            return


def table_csv_response(table_class: type[tables.Table], queryset: QuerySet, filename: str) -> StreamingHttpResponse:
    """Stream every filtered row (not just one page) so large exports never sit in memory at once."""
    response = StreamingHttpResponse(table_csv_rows(table_class, queryset), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
