"""The generic list view (omnisync.lib.listview): keys-first paging without a COUNT, stable deep pages,
sorting only by the table's own columns, filters only through the filterset's form."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from channels_app.models import SyncRun
from inventory.models import Listing
from omnisync.lib.tables import table_csv_rows
from orders.models import Order, RemoteOrder
from orders.selectors import orders_list
from orders.tables import OrderTable
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}
WHEN = timezone.make_aware(dt.datetime(2026, 11, 11, 9, 0))


@pytest.fixture
def client_in(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def tied_orders(db):
    """120 orders created, updated and imported at one and the same instant: only the key can order them."""
    ch = factories.channel()
    Order.objects.bulk_create([
        Order(channel=ch, external_id=f"TIE-{i:03d}", status="to_ship", raw_status="READY_TO_SHIP", channel_created_at=WHEN,
              channel_updated_at=WHEN, total=Decimal("1000"), currency="IDR", buyer_name="Budi")
        for i in range(120)
    ])
    return list(Order.objects.order_by("pk").values_list("external_id", flat=True))


def shown(client, **params) -> list[str]:
    body = client.get(reverse("orders"), params, **HX).content.decode()
    return re.findall(r">(TIE-\d{3})<", body)


def test_pages_one_to_three_hold_every_tied_order_once_in_one_order(client_in, tied_orders):
    pages = [shown(client_in, page=n) for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [50, 50, 20]
    everything = pages[0] + pages[1] + pages[2]
    assert sorted(everything) == sorted(tied_orders)
    assert everything == list(reversed(tied_orders))  # newest first, then the later key first
    assert pages == [shown(client_in, page=n) for n in (1, 2, 3)]  # the same again on a second read


@pytest.mark.parametrize("sort", ["channel", "-channel", "status", "-buyer_name", "total"])
def test_a_sort_by_a_tied_column_still_pages_every_row_once(client_in, tied_orders, sort):
    everything = [key for n in (1, 2, 3) for key in shown(client_in, page=n, sort=sort)]
    assert sorted(everything) == sorted(tied_orders)
    expected = tied_orders if not sort.startswith("-") else list(reversed(tied_orders))
    assert everything == expected


def test_the_pager_knows_the_next_page_without_counting(client_in, tied_orders):
    first = client_in.get(reverse("orders"), **HX).content.decode()
    assert 'rel="next"' in first and 'rel="prev"' not in first
    last = client_in.get(reverse("orders"), {"page": 3}, **HX).content.decode()
    assert 'rel="prev"' in last and 'rel="next"' not in last
    beyond = shown(client_in, page=9)
    assert beyond == shown(client_in, page=1)  # past the end: the first page, not an error
    assert shown(client_in, page="x") == beyond


@pytest.mark.parametrize(("name", "rows"), [("orders", 10), ("mismatches", 50), ("discrepancies", 10), ("listings", 10),
                                            ("runs", 10), ("report", 30)])
def test_a_list_page_never_counts_its_rows(client_in, shop, name, rows):
    shop(60)  # 60 of everything (30 report days): more than a page of 50 on every list but the report
    with CaptureQueriesContext(connection) as ctx:
        response = client_in.get(reverse(name), {"page": 2 if name != "report" else 1}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().count("<tr") - 1 == rows  # the rows of that page were read (header row aside)
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert not [s for s in sqls if re.match(r"\s*SELECT\s+COUNT\(", s, re.I) or "__count" in s]
    if name != "orders":  # the orders list counts each shown order's lines in a subquery, and nothing else
        assert not [s for s in sqls if "COUNT(" in s.upper()]


def test_the_runs_page_reads_keys_then_rows(client_in):
    ch = factories.channel()
    SyncRun.objects.bulk_create([SyncRun(channel=ch, kind="scan", status="succeeded") for _ in range(60)])
    with CaptureQueriesContext(connection) as ctx:
        body = client_in.get(reverse("runs"), {"page": 2}, **HX).content.decode()
    run_queries = [q["sql"] for q in ctx.captured_queries if 'FROM "channels_app_syncrun"' in q["sql"]]
    assert len(run_queries) == 2
    assert "LIMIT 51 OFFSET 50" in run_queries[0]
    assert body.count('href="/runs/') == 10


@pytest.mark.parametrize("sort", ["nope", "-nope", "", "-", "message", "progress", "__class__", "channel__name"])
def test_a_sort_the_table_does_not_offer_is_ignored(client_in, tied_orders, sort):
    ch = factories.channel()
    SyncRun.objects.bulk_create([SyncRun(channel=ch, kind="scan", status="succeeded", message=f"m{i}") for i in range(5)])
    default = client_in.get(reverse("runs"), **HX)
    response = client_in.get(reverse("runs"), {"sort": sort}, **HX)
    assert response.status_code == 200
    ids = re.findall(r'href="/runs/(\d+)/"', response.content.decode())
    assert ids == re.findall(r'href="/runs/(\d+)/"', default.content.decode())
    assert ids == sorted(ids, key=int, reverse=True)
    assert shown(client_in, sort=sort) == shown(client_in)


def test_a_sort_by_a_column_orders_by_that_column_and_marks_it(client_in):
    ch = factories.channel()
    for i, name in enumerate(["Cici", "Adi", "Budi"]):
        Order.objects.create(channel=ch, external_id=f"S-{i}", status="to_ship", raw_status="X", channel_created_at=WHEN,
                             channel_updated_at=WHEN, total=Decimal(10 * (i + 1)), currency="IDR", buyer_name=name)
    up = client_in.get(reverse("orders"), {"sort": "buyer_name"}, **HX).content.decode()
    assert re.findall(r">(S-\d)<", up) == ["S-1", "S-2", "S-0"]
    assert 'aria-sort="ascending"' in up and "sort=-buyer_name" in up
    down = client_in.get(reverse("orders"), {"sort": "-total"}, **HX).content.decode()
    assert re.findall(r">(S-\d)<", down) == ["S-2", "S-1", "S-0"]
    assert 'aria-sort="descending"' in down


@pytest.mark.parametrize(
    ("name", "params", "error"),
    [
        ("orders", {"status": "bogus"}, "Select a valid choice."),
        ("orders", {"created_from": "31/31/2026"}, "Enter a valid date."),
        ("orders", {"channel": "abc"}, "Select a valid choice."),
        ("mismatches", {"kind": "bogus"}, "Select a valid choice."),
        ("mismatches", {"channel": ["1", "x"]}, "“x” is not a valid value."),
        ("listings", {"tab": "bogus"}, "Select a valid choice."),
        ("listings", {"channel": "999999"}, "Select a valid choice."),
        ("runs", {"kind": "nope", "created_to": "soon"}, "Enter a valid date."),
        ("report", {"day_from": "yesterday"}, "Enter a valid date."),
        ("discrepancies", {"direction": "sideways"}, "Select a valid choice."),
    ],
)
def test_a_bad_filter_value_is_explained_not_a_500(client_in, tied_orders, name, params, error):
    client_in.post(reverse("set_language"), {"language": "en"})
    response = client_in.get(reverse(name), params)
    assert response.status_code == 200
    body = response.content.decode()
    assert error in body
    assert 'class="errorlist"' in body
    if name == "orders":
        assert len(re.findall(r">(TIE-\d{3})<", body)) == 50  # the refused value filters nothing out


def test_the_mismatch_kind_and_listing_tab_come_from_the_form(client_in, tied_orders):
    ch = Order.objects.first().channel
    RemoteOrder.objects.bulk_create([
        RemoteOrder(channel=ch, external_id="GONE-1", raw_status="READY_TO_SHIP", status="to_ship", channel_updated_at=WHEN),
        RemoteOrder(channel=ch, external_id="TIE-000", raw_status="COMPLETED", status="completed", channel_updated_at=WHEN),
    ])
    missing = client_in.get(reverse("mismatches"), {"kind": "missing"}, **HX).content.decode()
    assert "GONE-1" in missing and "TIE-000" not in missing
    wrong = client_in.get(reverse("mismatches"), {"kind": "wrong_status"}, **HX).content.decode()
    assert "TIE-000" in wrong and "GONE-1" not in wrong
    sku = factories.sku("MAPPED-1")
    Listing.objects.bulk_create([
        Listing(channel=ch, external_item_id="1", seller_sku="MAPPED-1", title="Kaos mapped", sku=sku),
        Listing(channel=ch, external_item_id="2", seller_sku="LOOSE-1", title="Kaos loose"),
    ])
    page = client_in.get(reverse("listings"), {"tab": "not_in_pos", "channel": ch.pk}).content.decode()
    assert 'name="tab" value="not_in_pos"' in page  # the tab rides along in the filter form
    assert "LOOSE-1" in page and "Kaos mapped" not in page
    mapped = client_in.get(reverse("listings"), {"channel": ch.pk}, **HX).content.decode()
    assert "Kaos mapped" in mapped and "LOOSE-1" not in mapped


def test_the_report_range_defaults_to_thirty_days_in_the_form(client_in):
    today = timezone.localdate()
    page = client_in.get(reverse("report")).content.decode()  # in Indonesian, the shop's language: day/month/year
    first = today - dt.timedelta(days=29)
    assert f'value="{first:%d/%m/%Y}"' in page and f'value="{today:%d/%m/%Y}"' in page


def test_csv_export_streams_every_row_in_chunks_through_the_columns(tied_orders):
    with translation.override("en"):
        rows = list(csv.reader(io.StringIO("".join(table_csv_rows(OrderTable, orders_list().order_by("pk"), chunk=7)))))
    assert rows[0][0] == "Order id"
    assert [r[0] for r in rows[1:]] == tied_orders
    empty = list(csv.reader(io.StringIO("".join(table_csv_rows(OrderTable, Order.objects.none())))))
    assert len(empty) == 1


def test_search_finds_rows_by_their_own_fields_and_a_related_one(db):
    from inventory.models import Sku
    from omnisync.lib.filters import search

    ch = factories.channel()
    sku = factories.sku("KAOS-MERAH")
    Listing.objects.bulk_create([
        Listing(channel=ch, external_item_id="1", seller_sku="X-1", title="Celana", sku=sku),  # by its SKU's code
        Listing(channel=ch, external_item_id="2", seller_sku="kaos-merah-xl", title="Baju"),  # by its own seller SKU
        Listing(channel=ch, external_item_id="3", seller_sku="X-3", title="Topi"),
    ])
    found = search(Listing.objects.all(), " Kaos-Merah ", ("sku__code", "seller_sku", "title"))
    assert sorted(found.values_list("external_item_id", flat=True)) == ["1", "2"]
    assert search(Sku.objects.all(), "merah", ("code", "name")).count() == 1
    assert search(Listing.objects.all(), "", ("title",)).count() == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only")
def test_the_searched_columns_have_trigram_indexes_on_postgresql(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%gin_trgm_ops%'")
        names = {row[0] for row in cursor.fetchall()}
    assert {"order_external_id_trgm", "order_buyer_name_trgm", "remote_order_external_id_trgm", "listing_seller_sku_trgm",
            "listing_title_trgm", "sku_code_trgm", "sku_name_trgm"} <= names
