"""``{% table_body table %}``: the rows of a list table (templates/includes/table.html), built in Python.

The template loop it replaces resolved each cell's column attributes, header
and localisation through the template engine, and django-tables2 inspected
each cell's render method's signature again for every cell: with 50–100 rows
of 8–11 columns that was most of a list page's time at a million orders
(issue 13). Here each column is prepared once per table: its opening <td>
(its ``attrs["td"]`` are static in every omnisync table), how its cells are
localised, and which arguments its render method takes. The cells are still
the columns' own: the same accessor, empty values, default and render method
as django-tables2's ``BoundRow.get_cell``.
"""

from __future__ import annotations

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext
from django_tables2.utils import signature

register = template.Library()


class _Column:
    """One column, prepared once: how to open its cell, render a value and localise the result."""

    def __init__(self, bound_column):
        self.bound = bound_column
        self.default = bound_column.default
        attrs = bound_column.attrs["td"].as_html()
        self.opening = format_html('<td {}{}data-label="{}">', attrs, " " if attrs else "", bound_column.header)
        self.localize = bound_column.localize
        self.render_fn = bound_column.render
        self.args, self.catch_all = signature(self.render_fn)
        self.link = bound_column.link

    def render(self, bound_column, value=None, *, row):
        """BoundRow._call_render with the signature read once."""
        given = {"value": value, "record": row.record, "column": bound_column.column, "bound_column": bound_column,
                 "bound_row": row, "table": row.table}
        if self.catch_all:
            content = self.render_fn(**given)
        else:
            wanted = {k: given[k] for k in self.args if k in given}
            content = self.render_fn(**wanted) if len(wanted) == len(self.args) else None
        return bound_column.link(content, **given) if self.link else content

    def cell(self, row) -> str:
        value = row._get_and_render_with(self.bound, render_func=lambda bc, value=None: self.render(bc, value, row=row),
                                         default=self.default)
        if self.localize is None:
            value = localize(template_localtime(value))
        else:
            value = localize(value, use_l10n=bool(self.localize))
        return conditional_escape(value)


@register.simple_tag
def table_body(table) -> str:
    """Every row of ``table`` as <tr>…</tr>, or one row saying the table is empty."""
    columns = [_Column(c) for c in table.columns]
    out = []
    for row in table.rows:
        cells = "".join(f"{c.opening}{c.cell(row)}</td>" for c in columns)
        out.append(f"<tr {row.attrs.as_html()}>{cells}</tr>")
    if not out:
        empty = table.empty_text or gettext("Nothing to show.")
        out.append(format_html('<tr><td colspan="{}" class="muted empty">{}</td></tr>', len(table.columns), empty))
    return mark_safe("\n".join(out))  # noqa: S308 - every part above is escaped or built by format_html
