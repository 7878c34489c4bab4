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
    ch = shop(5)
    params = {**params, **({"channel": ch.pk} if name not in ("dashboard",) and "channel" not in params else {})}
    with django_assert_max_num_queries(10):
        small = _get(as_viewer, name, params)
    assert small.status_code == 200
    shop(50, name="Lazada Test")
    with django_assert_max_num_queries(10):
        big = _get(as_viewer, name, params)
    assert big.status_code == 200


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
