"""The list tables' rows ({% table_body %}, issue 13): the cells staff saw before the rows were built in Python."""

import django_tables2 as tables
from django.template import Context, Template
from django.utils import translation

from omnisync.lib.tables import BaseTable


class Parcels(BaseTable):
    code = tables.Column(verbose_name="Code")
    units = tables.Column(verbose_name="Units", attrs={"td": {"class": "num"}})
    note = tables.Column(verbose_name="Note")
    raw = tables.Column(verbose_name="Raw", localize=False)

    def render_note(self, value, record):
        return f"{value} ({record['code']})"


def body(rows, language="en"):
    with translation.override(language):
        return Template("{% load table_body %}{% table_body t %}").render(Context({"t": Parcels(rows)}))


def test_cells_keep_their_render_methods_attributes_defaults_and_escaping():
    html = body([{"code": "A<1>", "units": 1234, "note": "rusak", "raw": 5678}, {"code": "B", "units": None, "note": None, "raw": 1}])
    assert html.count("<tr ") == 2
    assert '<td class="num" data-label="Units">1234</td>' in html  # no grouping unless the site asks for it
    assert "<td data-label=\"Code\">A&lt;1&gt;</td>" in html
    assert "<td data-label=\"Note\">rusak (A&lt;1&gt;)</td>" in html
    assert '<td class="num" data-label="Units">—</td>' in html and '<td data-label="Note">—</td>' in html
    assert '<td data-label="Raw">5678</td>' in html


def test_numbers_follow_the_language_and_an_empty_table_says_so(settings):
    settings.USE_THOUSAND_SEPARATOR = True
    row = {"code": "A", "units": 1234, "note": "x", "raw": 5678}
    assert '<td class="num" data-label="Units">1,234</td>' in body([row], "en")
    assert '<td class="num" data-label="Units">1.234</td>' in body([row], "id")
    assert '<td data-label="Raw">5678</td>' in body([row], "id")  # localize=False: as stored
    assert 'colspan="4" class="muted empty"' in body([])
