"""Every page renders, for a viewer, in a bounded number of queries however many rows there are."""

import pytest
from django.urls import reverse

from channels_app.models import SyncRun
from orders.models import Order

PAGES = [
    ("dashboard", {}),
    ("mismatches", {}),
    ("mismatches", {"kind": "missing"}),
    ("mismatches", {"kind": "wrong_status", "q": "ORD", "updated_from": "2020-01-01"}),
    ("orders", {}),
    ("orders", {"status": "to_ship", "q": "ORD", "sort": "-total"}),
    ("discrepancies", {}),
    ("discrepancies", {"direction": "less", "sort": "difference"}),
    ("listings", {}),
    ("listings", {"tab": "not_in_pos"}),
    ("listings", {"tab": "not_in_channel"}),
    ("listings", {"tab": "multiple"}),
    ("runs", {}),
    ("runs", {"kind": "scan", "status": "failed"}),
    ("report", {}),
    ("report", {"day_from": "2020-01-01", "day_to": "2030-01-01"}),
]


def _get(client, name, params, **headers):
    return client.get(reverse(name), params, **headers)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "params"), PAGES)
def test_page_queries_do_not_grow_with_rows(as_viewer, shop, django_assert_max_num_queries, name, params):
    def scoped(ch):  # the lists show one channel's rows; the dashboard shows every channel
        return params if name == "dashboard" else {**params, "channel": ch.pk}

    small_shop = shop(5)
    with django_assert_max_num_queries(10):
        small = _get(as_viewer, name, scoped(small_shop))
    assert small.status_code == 200
    big_shop = shop(50, name="Lazada Test")  # a full page of 50 rows: a query per row would show
    with django_assert_max_num_queries(10):
        big = _get(as_viewer, name, scoped(big_shop))
    assert big.status_code == 200
    if name != "dashboard" and not params:  # an unfiltered list of the big channel shows more rows than of the small one
        assert big.content.decode().count("<tr") > small.content.decode().count("<tr")


@pytest.mark.django_db
def test_detail_pages_bounded(as_viewer, shop, django_assert_max_num_queries):
    ch = shop(50)
    order = Order.objects.filter(channel=ch).first()
    run = SyncRun.objects.filter(channel=ch).order_by("id").first()
    for url in (reverse("order_detail", args=[order.pk]), reverse("run_detail", args=[run.pk]),
                reverse("run_progress", args=[run.pk]), reverse("inventory_preview", args=[ch.pk]),
                reverse("channel_stats", args=[ch.pk])):
        with django_assert_max_num_queries(10):
            assert as_viewer.get(url).status_code == 200, url
