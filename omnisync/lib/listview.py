"""One generic list view: filter, sort, page, export; htmx gets the partial.

Each list declares a selector (``get_queryset``), a FilterSet
(omnisync.lib.filters) and a Table (omnisync.lib.tables); this view does the
rest the same way everywhere:

* filters come only from the FilterSet's form: the view validates it, passes
  ``form.cleaned_data`` to the selector and lets the FilterSet narrow the
  rows; a refused value is shown beside its field and ignored;
* sorting takes ``?sort=<column>`` or ``?sort=-<column>``, checked against the
  table's columns (unknown or unorderable names fall back to the table's
  ``default_sort``), applied to the queryset with the primary key last, so
  rows that tie keep one order from page to page;
* paging reads the page's primary keys first (one more than the page, to
  know whether there is a next page; never a COUNT of every row), then only
  that page's rows by key: with OFFSET the database would otherwise compute
  every skipped row's columns (correlated subqueries such as line counts and
  targets) only to throw them away;
* the table gets just the page's records as a list; the template gets a
  :class:`Page` and one :class:`Header` per column for the links;
* the full page (``template_name``) includes exactly ``partial_template_name``,
  and an htmx request (not a boosted one) gets only that partial back;
* ``?export=csv`` streams every filtered row, in the same order, through the
  same columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import render
from django.views import View

from omnisync.lib.tables import table_csv_response

PAGE, SORT, PER_PAGE = "page", "sort", "per_page"
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Page:
    """What the pager needs; there is no page count, because nothing counts every row."""

    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


@dataclass(frozen=True)
class Header:
    """One column heading: ``sort`` is the ``?sort=`` value a click asks for (None when not orderable)."""

    column: object
    sort: str | None
    direction: str = ""  # "asc", "desc" or "" when the list is not sorted by this column


@dataclass(frozen=True)
class Sorting:
    column: str  # the column the list is sorted by, "" when none
    descending: bool
    ordering: tuple[str, ...]  # what goes to QuerySet.order_by(), primary key last


def table_sorting(table, wanted: str, default: Sequence[str] = ()) -> Sorting:
    """Turn ``wanted`` (``"total"``, ``"-total"``), else ``default``, into an ordering from the table's columns."""
    keys = [wanted] if wanted else list(default)
    ordering: list[str] = []
    first = None
    for key in keys:
        name = key.lstrip("-")
        if not name or name not in table.columns or not table.columns[name].orderable:
            continue
        descending = key.startswith("-")
        first = first or (name, descending)
        for accessor in table.columns[name].order_by:
            field = str(accessor).replace(".", "__")
            if descending:
                field = field[1:] if field.startswith("-") else f"-{field}"
            ordering.append(field)
    if wanted and first is None:
        return table_sorting(table, "", default)
    column, descending = first or ("", False)
    ordering.append("-pk" if descending else "pk")
    return Sorting(column, descending, tuple(ordering))


def page_records(queryset: QuerySet, ordering: Sequence[str], number: int, per_page: int) -> tuple[list, Page]:
    """One page of ``queryset`` in ``ordering``: the keys first, then the rows by key, in two queries."""
    ordered = queryset.order_by(*ordering)
    start = (number - 1) * per_page
    keys = list(ordered.values_list("pk", flat=True)[start : start + per_page + 1])
    if not keys and number > 1:
        return page_records(queryset, ordering, 1, per_page)
    has_next = len(keys) > per_page
    keys = keys[:per_page]
    rows = queryset.in_bulk(keys) if keys else {}
    return [rows[k] for k in keys if k in rows], Page(number, has_next)


class FilteredTableView(View):
    """Subclass and set ``table_class``, ``filterset_class``, ``title``; override ``get_queryset``."""

    table_class = None
    filterset_class = None
    title = ""
    template_name = "includes/list_page.html"
    partial_template_name = "includes/list_partial.html"
    #: optional template shown inside the partial above the table (e.g. a chart)
    summary_template_name = None
    per_page = 50
    csv_filename = None
    #: id of the element htmx swaps; the filter form and table links target it
    results_id = "list-results"

    def get_queryset(self, filters: dict) -> QuerySet:
        """Call the list's one selector with the filter form's cleaned values."""
        raise NotImplementedError

    def get_table_class(self, filters: dict):
        return self.table_class

    def get_filterset(self):
        return self.filterset_class(self.request.GET, request=self.request)

    def get_summary(self, queryset: QuerySet, filters: dict) -> dict:
        """Extra context for ``summary_template_name``, computed from the filtered rows."""
        return {}

    def get_context_data(self, **kwargs) -> dict:
        return {"view": self, "title": self.title, "results_id": self.results_id, **kwargs}

    def wants_partial(self) -> bool:
        htmx = getattr(self.request, "htmx", None)
        return bool(htmx) and not htmx.boosted and not htmx.history_restore_request

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset()
        filterset.is_valid()  # refused values get their error on the form and drop out of cleaned_data
        filters = filterset.form.cleaned_data
        queryset = filterset.filter_queryset(self.get_queryset(filters))
        table_class = self.get_table_class(filters)
        sorting = table_sorting(table_class([]), request.GET.get(SORT, ""), getattr(table_class, "default_sort", ()))
        if request.GET.get("export") == "csv" and self.csv_filename:
            return table_csv_response(table_class, queryset.order_by(*sorting.ordering), self.csv_filename)
        per_page = max(1, min(_int(request.GET.get(PER_PAGE), self.per_page), MAX_PER_PAGE))
        records, page = page_records(queryset, sorting.ordering, max(1, _int(request.GET.get(PAGE), 1)), per_page)
        table = table_class(records)
        context = self.get_context_data(
            table=table, page=page, headers=_headers(table, sorting), filter=filterset,
            summary=self.get_summary(queryset, filters),
        )
        template = self.partial_template_name if self.wants_partial() else self.template_name
        return render(request, template, context)


def _headers(table, sorting: Sorting) -> list[Header]:
    headers = []
    for column in table.columns:
        if not column.orderable:
            headers.append(Header(column, None))
        elif column.name == sorting.column:
            direction = "desc" if sorting.descending else "asc"
            headers.append(Header(column, column.name if sorting.descending else f"-{column.name}", direction))
        else:
            headers.append(Header(column, column.name))
    return headers


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
