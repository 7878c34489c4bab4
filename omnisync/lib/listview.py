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
  rows that tie keep one order from page to page; a NULL sorts as the largest
  value on every database (last going up, first going down);
* paging is by key (keyset): the Next link carries the last row's sort values
  and primary key (``?after=``, an opaque token), Previous the first row's
  (``?before=``), so page 10,000 reads one index range like page 1 instead of
  skipping 500,000 rows. A plain ``?page=N`` still works for the first
  ``MAX_PAGE_NUMBER`` pages (OFFSET over the keys, cheap that close to the
  start; a larger number gets the first page); beside a cursor, ``page`` is
  only the number the pager shows. A cursor carries a fingerprint of the
  filters and sort it was made under, so a cursor that reaches another tab,
  filter or sort is ignored (the first page) rather than misapplied;
* every page reads its rows' keys (with their sort values) first, one more
  than the page to know whether there is a next page, never a COUNT of every
  row; then only that page's rows by key, so per-row columns (correlated
  subqueries such as line counts and targets) are computed for the page's
  rows, not for every row the database walked past;
* the table gets just the page's records as a list; the template gets a
  :class:`Page` and one :class:`Header` per column for the links;
* the full page (``template_name``) includes exactly ``partial_template_name``,
  and an htmx request (not a boosted one) gets only that partial back;
* ``?export=csv`` streams every filtered row, in the same order, through the
  same columns.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import BooleanField, Count, Expression, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.views import View

from omnisync.lib.tables import table_csv_response

PAGE, SORT, PER_PAGE, AFTER, BEFORE = "page", "sort", "per_page", "after", "before"
MAX_PER_PAGE = 200
#: plain page numbers read by OFFSET up to here; further pages are reached with the Next/Previous cursors
MAX_PAGE_NUMBER = 100
#: query parameters that say where in the list, not which list: left out of a cursor's fingerprint
_POSITION = {PAGE, AFTER, BEFORE, PER_PAGE, "export"}


@dataclass(frozen=True)
class Page:
    """What the pager needs; there is no page count, because nothing counts every row.

    ``next_cursor`` and ``previous_cursor`` are the ``?after=`` and ``?before=``
    tokens of the Next and Previous links (the first page needs none).
    """

    number: int
    has_next: bool
    has_previous: bool = False
    next_cursor: str | None = None
    previous_cursor: str | None = None

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def previous_page_param(self) -> int | None:
        """``?page=`` of the Previous link: none for the first page, whose link is the bare list."""
        return self.number - 1 if self.number > 2 else None

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
    ordering: tuple[str, ...]  # field paths and annotations, "-" for descending, primary key last


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


# -- keyset paging ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SortKey:
    """One term of an ordering, resolved on a queryset: what to read, which way, whether it can be NULL."""

    name: str
    descending: bool
    nullable: bool
    field: object  # the model field or annotation output field that parses a cursor's value

    @property
    def value_field(self):
        """The field that adapts a cursor value for the database (a foreign key's target for a key column)."""
        return self.field.target_field if getattr(self.field, "is_relation", False) else self.field

    def flipped(self) -> SortKey:
        return SortKey(self.name, not self.descending, self.nullable, self.field)

    def order_by(self):
        if not self.nullable:  # no NULLS clause: the plain ORDER BY the indexes are built for
            return f"-{self.name}" if self.descending else self.name
        return F(self.name).desc(nulls_first=True) if self.descending else F(self.name).asc(nulls_last=True)


def sort_keys(queryset: QuerySet, ordering: Sequence[str]) -> list[SortKey]:
    """Resolve ``ordering`` (``"-channel_created_at"``, ``"channel__name"``, ``"pk"``) on ``queryset``'s model and annotations."""
    keys, seen = [], set()
    for term in ordering:
        descending, name = term.startswith("-"), term.lstrip("-")
        name, field, nullable = _resolve(queryset, name)
        if name in seen:
            continue
        seen.add(name)
        keys.append(SortKey(name, descending, nullable, field))
    return keys


def _resolve(queryset: QuerySet, name: str):
    annotation = queryset.query.annotations.get(name)
    if annotation is not None:
        # Counted or coalesced values are never NULL; anything else computed may be.
        return name, annotation.output_field, not isinstance(annotation, (Coalesce, Count))
    model, nullable, field = queryset.model, False, None
    parts = name.split("__")
    for i, part in enumerate(parts):
        field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        nullable = nullable or bool(getattr(field, "null", False))
        if field.is_relation:
            if i == len(parts) - 1:  # a foreign key itself: its column, not the related model's own ordering
                parts[i] = field.attname
                break
            model = field.related_model
    if parts[-1] == "pk":
        parts[-1] = model._meta.pk.attname if len(parts) > 1 else "pk"
    return "__".join(parts), field, nullable


def ordered(queryset: QuerySet, ordering: Sequence[str]) -> QuerySet:
    """``queryset`` in ``ordering`` as the list pages it (NULLs largest): for the CSV export to follow the screen."""
    return queryset.order_by(*(k.order_by() for k in sort_keys(queryset, ordering)))


class RowCompare(Expression):
    """``(a, b, …) > (x, y, …)``: a row-value comparison, which PostgreSQL (and SQLite) serve from one
    multicolumn index range, where the equivalent ``a > x OR (a = x AND b > y)`` walks the index from its start."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, names: Sequence[str], op: str, values: Sequence[Value]):
        super().__init__()
        self.lhs, self.op, self.rhs = [F(n) for n in names], op, list(values)

    def get_source_expressions(self):
        return [*self.lhs, *self.rhs]

    def set_source_expressions(self, exprs):
        n = len(self.lhs)
        self.lhs, self.rhs = list(exprs[:n]), list(exprs[n:])

    def as_sql(self, compiler, connection):
        sides, params = [], []
        for side in (self.lhs, self.rhs):
            parts = []
            for expr in side:
                sql, p = compiler.compile(expr)
                parts.append(sql)
                params.extend(p)
            sides.append("(" + ", ".join(parts) + ")")
        return f"{sides[0]} {self.op} {sides[1]}", params


def _never() -> Q:
    return Q(pk__in=[])


def _beyond(key: SortKey, value) -> Q:
    """Rows strictly after ``value`` in ``key``'s order (NULL the largest value)."""
    if not key.descending:
        if value is None:
            return _never()
        return Q(**{f"{key.name}__gt": value}) | Q(**{f"{key.name}__isnull": True}) if key.nullable else Q(**{f"{key.name}__gt": value})
    return Q(**{f"{key.name}__isnull": False}) if value is None else Q(**{f"{key.name}__lt": value})


def _level(key: SortKey, value) -> Q:
    return Q(**{f"{key.name}__isnull": True}) if value is None else Q(**{key.name: value})


def _not_before(key: SortKey, value) -> Q:
    """The bound on the leading key (the cursor's value or later): an index range even when the rest is a filter."""
    if not key.descending:
        if value is None:
            return Q(**{f"{key.name}__isnull": True})
        return Q(**{f"{key.name}__gte": value}) | Q(**{f"{key.name}__isnull": True}) if key.nullable else Q(**{f"{key.name}__gte": value})
    return Q() if value is None else Q(**{f"{key.name}__lte": value})


def keyset_filter(keys: Sequence[SortKey], values: Sequence):
    """The condition "after the row whose sort values are ``values``" in the order of ``keys``."""
    bound = _not_before(keys[0], values[0])
    uniform = len({k.descending for k in keys}) == 1 and not any(k.nullable or v is None for k, v in zip(keys, values, strict=True))
    if uniform:
        row = RowCompare([k.name for k in keys], "<" if keys[0].descending else ">",
                         [Value(v, output_field=k.value_field) for k, v in zip(keys, values, strict=True)])
        return bound & Q(row)
    after = _never()
    for i, key in enumerate(keys):
        q = _beyond(key, values[i])
        for k, v in zip(keys[:i], values[:i], strict=True):
            q &= _level(k, v)
        after |= q
    return bound & after


def _jsonable(value):
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def cursor_encode(fingerprint: str, values: Sequence) -> str:
    raw = json.dumps([fingerprint, [_jsonable(v) for v in values]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def cursor_decode(token: str, fingerprint: str, keys: Sequence[SortKey]) -> list | None:
    """The typed sort values of a cursor, or None when it is malformed or was made for another list or order."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        made_for, values = json.loads(raw)
        if made_for != fingerprint or not isinstance(values, list) or len(values) != len(keys):
            return None
        typed = [None if v is None else k.field.to_python(v) for k, v in zip(keys, values, strict=True)]
    except (ValueError, TypeError, ValidationError, UnicodeError, FieldDoesNotExist):
        return None
    if typed[-1] is None:  # the primary key is never NULL
        return None
    return typed


def list_fingerprint(params) -> str:
    """What a cursor belongs to: the list's filters and sort (not the paging parameters)."""
    items = sorted((k, v) for k in params for v in params.getlist(k) if k not in _POSITION)
    return hashlib.blake2b(urlencode(items).encode(), digest_size=6).hexdigest()


def _key_rows(queryset: QuerySet, keys: Sequence[SortKey], limit: int, offset: int = 0) -> list[tuple]:
    """(sort values…) of up to ``limit`` rows, the primary key last: the keys query, no row's other columns."""
    ordered_qs = queryset.order_by(*(k.order_by() for k in keys))
    return list(ordered_qs.values_list(*(k.name for k in keys))[offset : offset + limit])


def page_records(queryset: QuerySet, ordering: Sequence[str], number: int, per_page: int, *, after: str | None = None,
                 before: str | None = None, fingerprint: str = "") -> tuple[list, Page]:
    """One page of ``queryset`` in ``ordering``: the keys first (by cursor, else by page number), then the rows by key."""
    keys = sort_keys(queryset, ordering)
    cursor = cursor_decode(after or before, fingerprint, keys) if (after or before) else None
    if cursor is not None and after:
        rows = _key_rows(queryset.filter(keyset_filter(keys, cursor)), keys, per_page + 1)
        number, has_previous, has_next = max(number, 2), True, len(rows) > per_page
        rows = rows[:per_page]
    elif cursor is not None:
        flipped = [k.flipped() for k in keys]
        rows = _key_rows(queryset.filter(keyset_filter(flipped, cursor)), flipped, per_page + 1)
        has_previous, has_next = len(rows) > per_page, True
        rows = list(reversed(rows[:per_page]))
        number = max(number, 2) if has_previous else 1
    else:
        if number > MAX_PAGE_NUMBER:
            number = 1
        rows = _key_rows(queryset, keys, per_page + 1, (number - 1) * per_page)
        has_previous, has_next = number > 1, len(rows) > per_page
        rows = rows[:per_page]
    if not rows and (number > 1 or cursor is not None):
        return page_records(queryset, ordering, 1, per_page, fingerprint=fingerprint)
    pks = [r[-1] for r in rows]
    by_pk = queryset.in_bulk(pks) if pks else {}
    page = Page(
        number, has_next, has_previous,
        next_cursor=cursor_encode(fingerprint, rows[-1]) if has_next else None,
        previous_cursor=cursor_encode(fingerprint, rows[0]) if has_previous and number > 2 else None,
    )
    return [by_pk[k] for k in pks if k in by_pk], page


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

    def list_state(self):
        """(filterset, filters, filtered queryset, table class, sorting) of this request."""
        filterset = self.get_filterset()
        filterset.is_valid()  # refused values get their error on the form and drop out of cleaned_data
        filters = filterset.form.cleaned_data
        queryset = filterset.filter_queryset(self.get_queryset(filters))
        table_class = self.get_table_class(filters)
        sorting = table_sorting(table_class([]), self.request.GET.get(SORT, ""), getattr(table_class, "default_sort", ()))
        return filterset, filters, queryset, table_class, sorting

    def cursor_at(self, position: int) -> str | None:
        """The ``?after=`` token whose page starts at row ``position`` (0-based) of this request's list.

        Reads by OFFSET, so it is for tools (the benchmark's deep pages), not for serving pages.
        """
        _, _, queryset, _, sorting = self.list_state()
        keys = sort_keys(queryset, sorting.ordering)
        rows = _key_rows(queryset, keys, 1, max(0, position - 1))
        return cursor_encode(list_fingerprint(self.request.GET), rows[0]) if rows and position > 0 else None

    def get(self, request, *args, **kwargs):
        filterset, filters, queryset, table_class, sorting = self.list_state()
        if request.GET.get("export") == "csv" and self.csv_filename:
            return table_csv_response(table_class, ordered(queryset, sorting.ordering), self.csv_filename)
        per_page = max(1, min(_int(request.GET.get(PER_PAGE), self.per_page), MAX_PER_PAGE))
        records, page = page_records(
            queryset, sorting.ordering, max(1, _int(request.GET.get(PAGE), 1)), per_page,
            after=request.GET.get(AFTER) or None, before=request.GET.get(BEFORE) or None, fingerprint=list_fingerprint(request.GET),
        )
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
