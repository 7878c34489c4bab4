"""What every list's FilterSet shares: free-text search, selector arguments, defaults.

A list reads its filters only through its FilterSet's form: the list view
validates it, hands ``form.cleaned_data`` to the list's selector and then
lets the FilterSet narrow the selector's rows. A value the form refuses is
shown beside its field and left out; the list still shows the rest.
"""

from __future__ import annotations

import datetime as dt

import django_filters as filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omnisync.lib.format import DateText, local_date

#: a day typed and shown as the pages write it (omnisync.lib.format), not in the browser's own format
DATE = DateText()


class SearchFilter(filters.CharFilter):
    """Free-text search over a few fields (icontains, OR-ed)."""

    def __init__(self, *args, fields: tuple[str, ...], **kwargs):
        kwargs.setdefault("label", _("Search"))
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "search", "placeholder": _("Search…")}))
        super().__init__(*args, **kwargs)
        self.search_fields = fields

    def filter(self, qs, value):
        return search(qs, value, self.search_fields)


def search(qs, value, fields: tuple[str, ...]):
    """Rows where any of ``fields`` contains ``value`` (case-insensitive): ``icontains``, which the trigram
    indexes serve on PostgreSQL (orders/0005, inventory/0003 migrations).

    A field across a relation (``sku__code``) is looked up in its own table: the rows are then ``id IN (the
    rows matching their own fields UNION the rows whose sku_id is IN (the SKUs matching))``, each part served
    by its own index; one OR mixing two tables' columns could use no index and would test every joined row.
    """
    value = (value or "").strip()
    if not value:
        return qs
    local = [name for name in fields if "__" not in name]
    related: dict[str, list[str]] = {}
    for name in fields:
        if "__" in name:
            relation, rest = name.split("__", 1)
            related.setdefault(relation, []).append(rest)
    if not related:
        return qs.filter(_any_contains(local, value))
    model = qs.model
    manager = model._default_manager
    parts = [manager.filter(_any_contains(local, value)).order_by().values("pk")] if local else []
    for relation, names in related.items():
        target = model._meta.get_field(relation).related_model
        parts.append(manager.filter(**{f"{relation}__in": search(target._default_manager.all(), value, tuple(names)).order_by().values("pk")})
                     .order_by().values("pk"))
    matching = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    return qs.filter(pk__in=matching)


def _any_contains(fields, value) -> Q:
    q = Q()
    for name in fields:
        q |= Q(**{f"{name}__icontains": value})
    return q


class SelectorArgMixin:
    """A filter whose value the list's selector takes, because it shapes the rows themselves.

    Which listings tab, which kind of mismatch: the view passes the cleaned
    value to the selector, so filtering again here would be wrong or wasted.
    """

    def filter(self, qs, value):
        return qs


class SelectorChoice(SelectorArgMixin, filters.ChoiceFilter):
    pass


class SelectorModelChoice(SelectorArgMixin, filters.ModelChoiceFilter):
    pass


class DefaultsForm(forms.Form):
    """A filter form whose fields absent from the query string take their ``initial`` value.

    The defaults then show in the form and apply to the rows alike; an empty
    value the user sent (``?day_from=``) stays empty.
    """

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        if not self.is_bound:
            return
        data = self.data.copy()
        for name, field in self.fields.items():
            key = self.add_prefix(name)
            if key in data or field.initial is None:
                continue
            value = field.initial() if callable(field.initial) else field.initial
            data[key] = local_date(value) if isinstance(value, dt.date) else value
        self.data = data


class FilterSet(filters.FilterSet):
    """Base for every list's FilterSet; set ``Meta.model`` and ``Meta.fields = ()``, declare the filters."""

    class Meta:
        form = DefaultsForm
