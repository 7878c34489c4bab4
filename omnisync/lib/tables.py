"""The base table every list in omnisync uses.

One template (templates/includes/table.html) renders every table with htmx
links for sorting and paging, so a list behaves the same everywhere, and CSV
export goes through the same columns staff see on screen.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

import django_tables2 as tables
from django.http import StreamingHttpResponse
from django.utils import timezone


class LocalDateTimeColumn(tables.DateTimeColumn):
    """Shows and exports times in the shop's time zone, not the database's UTC."""

    def value(self, value, **kwargs):
        if value is None:
            return ""
        return timezone.localtime(value).isoformat(sep=" ", timespec="seconds")


class BaseTable(tables.Table):
    class Meta:
        template_name = "includes/table.html"
        attrs = {"class": "data-table"}
        per_page = 50


class _Echo:
    """A file-like object whose write returns the line, for streaming csv."""

    def write(self, value: str) -> str:
        return value


def table_csv_rows(table: tables.Table) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in table.as_values():
        yield writer.writerow(row)


def table_csv_response(table: tables.Table, filename: str) -> StreamingHttpResponse:
    """Stream every filtered row (not just one page) so large exports do not sit in memory as one string."""
    response = StreamingHttpResponse(table_csv_rows(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
