"""One generic list view: filter, search, sort, page, export; htmx gets the partial.

Each list declares a selector (``get_queryset``), a django-filter FilterSet
and a django-tables2 Table; this view does the rest the same way everywhere:

* the full page (``template_name``) includes exactly ``partial_template_name``,
  and an htmx request (not a boosted one) gets only that partial back, so
  sorting, filtering and paging swap the results without a reload;
* paging uses django-tables2's ``LazyPaginator``: it fetches one row more than
  the page instead of COUNTing the whole table on every request;
* ``?export=csv`` streams every filtered row through the same table columns.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, Page, PageNotAnInteger
from django.db.models import QuerySet
from django.shortcuts import render
from django.views import View
from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator
from django_tables2.rows import BoundRow

from omnisync.lib.tables import table_csv_response

MAX_PER_PAGE = 200


class KeysFirstPaginator(LazyPaginator):
    """LazyPaginator that reads the keys of a page first, then the page's rows by key.

    With OFFSET the database computes every skipped row's columns (for our lists,
    correlated subqueries such as line counts and targets) only to throw them
    away; reading just the keys of the skipped rows keeps a deep page close to
    the cost of the first. Anything that is not a queryset is paged as before.
    """

    def page(self, number):
        data = getattr(getattr(self.object_list, "data", None), "data", None)
        if not isinstance(data, QuerySet) or any((getattr(self.object_list, "pinned_data", None) or {}).values()):
            return super().page(number)
        number = self.validate_number(number or 1)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        look_ahead_items = (self.look_ahead - 1) * self.per_page + 1
        keys = list(data.values_list("pk", flat=True)[bottom : top + self.orphans + look_ahead_items])
        count = len(keys)
        if count > self.per_page + self.orphans:
            self._num_pages = number + (count // self.per_page)
            keys = keys[: self.per_page]
        elif number != 1 and count <= self.orphans:
            raise EmptyPage("That page contains no results")
        else:
            self._num_pages = self._final_num_pages = number
        records = {obj.pk: obj for obj in data.filter(pk__in=keys)}
        table = self.object_list.table
        return Page([BoundRow(records[k], table=table) for k in keys if k in records], number, self)


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

    def get_queryset(self):
        raise NotImplementedError

    def get_table_class(self):
        return self.table_class

    def get_filterset_class(self):
        return self.filterset_class

    def get_filterset(self):
        filterset_class = self.get_filterset_class()
        if filterset_class is None:
            return None
        return filterset_class(self.request.GET or None, queryset=self.get_queryset(), request=self.request)

    def get_table(self, queryset, *, paginate: bool = True):
        # Not Table(queryset, request=...): that pages with Django's paginator, which COUNTs every filtered row.
        table = RequestConfig(self.request, paginate=False).configure(self.get_table_class()(queryset))
        order_by = self.request.GET.getlist(table.prefixed_order_by_field)
        if order_by:
            table.order_by = order_by
        if paginate:
            self.paginate(table)
        return table

    def paginate(self, table) -> None:
        per_page = _int(self.request.GET.get(table.prefixed_per_page_field), self.per_page)
        per_page = max(1, min(per_page, MAX_PER_PAGE))
        page = _int(self.request.GET.get(table.prefixed_page_field), 1)
        try:
            table.paginate(paginator_class=KeysFirstPaginator, per_page=per_page, page=page)
        except (EmptyPage, PageNotAnInteger):
            table.paginate(paginator_class=KeysFirstPaginator, per_page=per_page, page=1)

    def get_summary(self, queryset) -> dict:
        """Extra context for ``summary_template_name``, computed from the filtered rows."""
        return {}

    def get_context_data(self, **kwargs) -> dict:
        return {"view": self, "title": self.title, "results_id": self.results_id, **kwargs}

    def wants_partial(self) -> bool:
        htmx = getattr(self.request, "htmx", None)
        return bool(htmx) and not htmx.boosted and not htmx.history_restore_request

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset()
        queryset = filterset.qs if filterset is not None else self.get_queryset()
        if request.GET.get("export") == "csv" and self.csv_filename:
            return table_csv_response(self.get_table(queryset, paginate=False), self.csv_filename)
        table = self.get_table(queryset)
        context = self.get_context_data(table=table, filter=filterset, summary=self.get_summary(queryset))
        template = self.partial_template_name if self.wants_partial() else self.template_name
        return render(request, template, context)


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
