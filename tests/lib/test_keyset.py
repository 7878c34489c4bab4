"""Keyset paging (omnisync.lib.listview): Next and Previous carry the edge row's sort key, every sortable column
pages every row exactly once in the list's order (NULLs included), and a cursor never leaks into another list."""

import datetime as dt
import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from channels_app.models import SyncRun
from omnisync.lib.listview import MAX_PAGE_NUMBER, cursor_encode, list_fingerprint, ordered, table_sorting
from orders.models import Order
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
def orders(db):
    """130 orders on two channels with many ties (a few times, totals, buyers), so only the key tells some apart."""
    channels = [factories.channel("Zeta shop"), factories.channel("Alpha shop", platform="tiktok")]
    Order.objects.bulk_create([
        Order(channel=channels[i % 2], external_id=f"K-{i:03d}", status=("to_ship", "completed", "cancelled")[i % 3],
              raw_status=f"RAW{i % 4}", channel_created_at=WHEN + dt.timedelta(hours=i % 5), channel_updated_at=WHEN,
              imported_at=WHEN - dt.timedelta(minutes=i % 7), total=Decimal(i % 6) * 1000, currency="IDR", buyer_name=f"Buyer {i % 9}")
        for i in range(130)
    ])
    return channels


def _get(client, url, params=None):
    body = client.get(url, params or {}, **HX).content.decode()
    nxt = re.search(r'href="([^"]*)"[^>]*rel="next"', body)
    prev = re.search(r'href="([^"]*)"[^>]*rel="prev"', body)
    page = re.search(r"Page (\d+)", body)
    return body, (unescape(nxt.group(1)) if nxt else None), (unescape(prev.group(1)) if prev else None), page


def walk(client, url, params, pattern):
    """Follow Next from the first page to the last, then Previous back; the keys of every page on the way."""
    forward, links = [], []
    body, nxt, _, _ = _get(client, url, params)
    forward.append(re.findall(pattern, body))
    while nxt:
        assert "after=" in nxt and "offset" not in nxt.lower()
        links.append(nxt)
        body, nxt, prev, _ = _get(client, url + nxt)
        forward.append(re.findall(pattern, body))
    backward = [forward[-1]]
    while prev:
        body, _, prev, _ = _get(client, url + prev)
        backward.append(re.findall(pattern, body))
    return forward, list(reversed(backward)), links


SORTS = ["", "external_id", "-external_id", "channel", "-channel", "status", "-status", "raw_status", "buyer_name", "-buyer_name",
         "total", "-total", "channel_created_at", "channel_updated_at", "-imported_at"]


@pytest.mark.parametrize("sort", SORTS)
def test_next_and_previous_page_every_order_once_in_the_lists_order(client_in, orders, sort):
    expected_order = table_sorting(OrderTable([]), sort, OrderTable.default_sort).ordering
    expected = list(ordered(orders_list(), expected_order).values_list("external_id", flat=True))
    forward, backward, _ = walk(client_in, reverse("orders"), {"sort": sort} if sort else {}, r">(K-\d{3})<")
    assert [len(p) for p in forward] == [50, 50, 30]
    assert [k for p in forward for k in p] == expected
    assert backward == forward  # Previous gives back exactly the pages Next gave


def test_page_numbers_and_cursors_agree(client_in, orders):
    by_number = [re.findall(r">(K-\d{3})<", _get(client_in, reverse("orders"), {"page": n, "sort": "total"})[0]) for n in (1, 2, 3)]
    forward, _, links = walk(client_in, reverse("orders"), {"sort": "total"}, r">(K-\d{3})<")
    assert forward == by_number
    assert ["page=2" in links[0], "page=3" in links[1]] == [True, True]  # the pager still says which page it is


@pytest.mark.parametrize("sort", ["finished_at", "-finished_at", "requested_by", "-requested_by", "status"])
def test_a_column_that_may_be_null_pages_its_nulls_once_and_last_going_up(client_in, sort, make_user):
    ch = factories.channel()
    someone = make_user("someone", "operators")
    SyncRun.objects.bulk_create([
        SyncRun(channel=ch, kind="scan", status="succeeded", finished_at=None if i % 3 == 0 else WHEN + dt.timedelta(minutes=i % 4),
                requested_by=someone if i % 2 else None)
        for i in range(75)
    ])
    forward, backward, _ = walk(client_in, reverse("runs"), {"sort": sort, "per_page": 20}, r'href="/runs/(\d+)/"')
    seen = [int(k) for p in forward for k in p]
    assert sorted(seen) == sorted(SyncRun.objects.values_list("pk", flat=True)) and len(seen) == 75
    assert backward == forward
    if sort in ("finished_at", "-finished_at"):
        nulls = set(SyncRun.objects.filter(finished_at__isnull=True).values_list("pk", flat=True))
        flags = [pk in nulls for pk in seen]
        assert flags == (sorted(flags) if sort == "finished_at" else sorted(flags, reverse=True))  # NULL is the largest value


def test_a_deep_page_reads_a_key_range_not_an_offset(client_in, orders):
    _, _, links = walk(client_in, reverse("orders"), {}, r">(K-\d{3})<")
    with CaptureQueriesContext(connection) as ctx:
        client_in.get(reverse("orders") + links[-1], **HX)
    keys = [q["sql"] for q in ctx.captured_queries if 'FROM "orders_order"' in q["sql"] and "LIMIT 51" in q["sql"]]
    assert len(keys) == 1 and "OFFSET" not in keys[0]


def test_a_cursor_from_another_filter_or_sort_or_a_broken_one_gives_the_first_page(client_in, orders):
    first = re.findall(r">(K-\d{3})<", _get(client_in, reverse("orders"), {"status": "to_ship"})[0])
    _, nxt, _, _ = _get(client_in, reverse("orders"))  # a cursor of the unfiltered list
    token = re.search(r"after=([^&]+)", nxt).group(1)
    for params in ({"status": "to_ship", "after": token}, {"status": "to_ship", "after": "bm9wZQ"}, {"status": "to_ship", "after": "%%%"},
                   {"status": "to_ship", "after": cursor_encode("x", ["not a date", 1])}):
        assert re.findall(r">(K-\d{3})<", _get(client_in, reverse("orders"), params)[0]) == first
    sorted_first = re.findall(r">(K-\d{3})<", _get(client_in, reverse("orders"), {"sort": "total"})[0])
    assert re.findall(r">(K-\d{3})<", _get(client_in, reverse("orders"), {"sort": "total", "after": token})[0]) == sorted_first


def test_a_forged_cursor_only_moves_within_the_list(client_in, orders, rf):
    request = rf.get(reverse("orders"))
    token = cursor_encode(list_fingerprint(request.GET), [WHEN.isoformat(), 10**9])  # after any order created at WHEN
    body = _get(client_in, reverse("orders"), {"after": token})[0]
    shown = re.findall(r">(K-\d{3})<", body)
    assert shown and all(int(k[2:]) % 5 == 0 for k in shown)  # only the orders created at WHEN exactly, oldest of the list


def test_a_page_number_past_the_limit_gives_the_first_page(client_in, orders):
    first = _get(client_in, reverse("orders"))[0]
    assert _get(client_in, reverse("orders"), {"page": MAX_PAGE_NUMBER + 1})[0] == first
