"""The mismatched-orders list shows exactly the missing, wrong-status and unknown-status orders, with each kind.

The list tests each remote order with probes per row and each kind's tab with set conditions (issue 13: the
hashed form read every POS order and line before the first row); both must name the same orders.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.mismatches import missing_orders, unknown_status_orders, wrong_status_orders
from orders.models import Order, OrderLine, RemoteOrder
from orders.selectors import mismatched_orders
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    ch = f.channel()
    now = timezone.now()
    earlier = now - timedelta(hours=1)

    def pos(external_id, status, line_status=None, updated=earlier):
        order = Order.objects.create(channel=ch, external_id=external_id, status=status, raw_status=status.upper(),
                                     channel_created_at=earlier, channel_updated_at=updated)
        OrderLine.objects.create(order=order, line_key="1", quantity=1, status=status, status_updated_at=earlier)
        OrderLine.objects.create(order=order, line_key="2", quantity=1, status=line_status or status, status_updated_at=earlier)

    def remote(external_id, status, updated=now):
        RemoteOrder.objects.create(channel=ch, external_id=external_id, raw_status=status.upper(), status=status,
                                   channel_updated_at=updated)

    pos("SAME", "to_ship")
    remote("SAME", "to_ship")
    remote("GONE", "to_ship")  # not in the POS
    pos("OLD", "to_ship")
    remote("OLD", "shipped")  # the channel moved on
    pos("NEWER", "to_ship", updated=now + timedelta(minutes=5))
    remote("NEWER", "shipped")  # the POS copy is newer: not wrong
    pos("ODD", "to_ship")
    remote("ODD", "unknown")  # the channel's status is unknown
    pos("POSODD", "unknown")
    remote("POSODD", "unknown", updated=earlier)
    pos("LINEODD", "to_ship", line_status="unknown")  # one line's status is unknown
    remote("LINEODD", "to_ship", updated=earlier)
    return ch


def test_the_list_names_every_mismatched_order_once_with_its_kind(shop):
    rows = {r.external_id: r.kind for r in mismatched_orders()}
    assert rows == {"GONE": "missing", "OLD": "wrong_status", "ODD": "unknown_status", "POSODD": "unknown_status",
                    "LINEODD": "unknown_status"}


@pytest.mark.parametrize("sort", ["-channel_updated_at", "external_id", "channel", "status", "first_seen_at"])
def test_every_sort_shows_the_same_orders(shop, sort):
    assert {r.external_id for r in mismatched_orders().order_by(sort, "id")} == {"GONE", "OLD", "ODD", "POSODD", "LINEODD"}


def test_each_tab_shows_its_kind_as_the_counts_do(shop):
    def tab(kind):
        return set(mismatched_orders(kind).values_list("external_id", flat=True))

    assert tab("missing") == {"GONE"} == set(missing_orders().values_list("external_id", flat=True))
    # ODD's channel status (unknown) also differs from its older POS copy's: it is in both tabs.
    assert tab("wrong_status") == {"OLD", "ODD"} == set(wrong_status_orders().values_list("external_id", flat=True))
    assert tab("unknown_status") == {"ODD", "POSODD", "LINEODD"} == set(unknown_status_orders().values_list("external_id", flat=True))
