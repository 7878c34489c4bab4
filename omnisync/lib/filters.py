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

DATE = forms.DateInput(attrs={"type": "date"})


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
    value = (value or "").strip()
    if not value:
        return qs
    q = Q()
    for name in fields:
        q |= Q(**{f"{name}__icontains": value})
    return qs.filter(q)


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
            data[key] = value.isoformat() if isinstance(value, dt.date) else value
        self.data = data


class FilterSet(filters.FilterSet):
    """Base for every list's FilterSet; set ``Meta.model`` and ``Meta.fields = ()``, declare the filters."""

    class Meta:
        form = DefaultsForm
