"""Order searches: three characters and more are found anywhere; one or two find the ids and buyers starting with them.

One or two letters inside a text match most of a million orders and no index finds them; the start of an id
or a name is what staff type such a short search for, and the trigram indexes find it (issue 13).
"""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from orders.filters import MismatchFilter, OrderFilter
from orders.models import Order, RemoteOrder
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders():
    ch = f.channel()
    now = timezone.now()
    for external_id, buyer in (("AB1001", "Budi"), ("XAB2002", "Sari"), ("ZZ3003", "Abdul"), ("QQ4004", "Nabila")):
        Order.objects.create(channel=ch, external_id=external_id, status="to_ship", raw_status="READY_TO_SHIP",
                             channel_created_at=now, channel_updated_at=now, buyer_name=buyer)
    for external_id in ("AB9", "XAB8"):
        RemoteOrder.objects.create(channel=ch, external_id=external_id, raw_status="READY_TO_SHIP", status="to_ship",
                                   channel_updated_at=now)
    return ch


def found(q: str) -> set[str]:
    return set(OrderFilter(data={"q": q}, queryset=Order.objects.all()).qs.values_list("external_id", flat=True))


def test_two_letters_find_order_ids_and_buyers_that_start_with_them(orders):
    assert found("ab") == {"AB1001", "ZZ3003"}  # the id AB1001, the buyer Abdul; not XAB2002, not Nabila
    assert found(" b ") == {"AB1001"}  # trimmed: the buyer Budi


def test_three_letters_are_found_anywhere(orders):
    assert found("ab1") == {"AB1001"}
    assert found("abi") == {"QQ4004"}  # inside the buyer's name Nabila
    assert found("AB2") == {"XAB2002"}


def test_one_letter_finds_the_ids_and_buyers_starting_with_it(orders):
    assert found("s") == {"XAB2002"}  # the buyer Sari
    assert found("x") == {"XAB2002"}
    assert found("3") == set()


def test_the_mismatches_order_id_search_follows_the_same_rule(orders):
    def mismatched(q):
        return set(MismatchFilter(data={"q": q}, queryset=RemoteOrder.objects.all()).qs.values_list("external_id", flat=True))

    assert mismatched("AB") == {"AB9"}
    assert mismatched("AB8") == {"XAB8"}


def test_the_rule_is_explained_to_staff():
    with translation.override("en"):
        field = OrderFilter().form.fields["q"]
        assert "3 characters" in str(field.help_text) and "start with" in str(field.help_text)
        assert str(field.widget.attrs["title"]) == str(field.help_text)
