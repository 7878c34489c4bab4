"""Returns and failed deliveries: units come back on sale only when the parcel is received."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from channels_app.models import Channel
from inventory.models import StockLevel, StockMovement
from inventory.services.ledger import stock_import
from orders.mismatches import order_counts_store
from orders.models import OrderLine, ReturnReceipt
from orders.selectors import returns_awaiting
from orders.services.importing import orders_import
from orders.services.returns import ReceiveItem, returns_receive
from tests import factories as f
from tests.test_ledger import assert_ledger_invariant

# The messages asserted here are the English ones.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


def stock(sku, ch):
    level = StockLevel.objects.get(sku=sku, location=ch.location)
    return level.on_hand, level.allocated


def setup_shipped(raw_shipped="SHIPPED", **channel):
    ch = f.channel(**channel)
    s = f.sku("SKU-1")
    stock_import(location=ch.location, quantities={s.pk: 10})
    orders_import(ch, [f.order("O1", raw_shipped, 0, lines=(("SKU-1", 3),))])
    return ch, s


def test_a_return_stays_deducted_until_staff_receive_it_back_to_stock_and_damaged():
    ch, s = setup_shipped()
    orders_import(ch, [f.order("O1", "TO_RETURN", 5, lines=(("SKU-1", 3),))])
    assert stock(s, ch) == (7, 0)  # the channel says returned; the parcel is not in the shop yet
    line = OrderLine.objects.get()
    assert [(r.pk, r.awaiting) for r in returns_awaiting()] == [(line.pk, 3)]
    order_counts_store(ch)
    assert Channel.objects.get(pk=ch.pk).returns_awaiting_receipt == 1

    user = get_user_model().objects.create_user("gudang")
    got = returns_receive([ReceiveItem(line.pk, 2, "restock", expected_awaiting=3)], user=user)
    assert got.units == 2 and not got.refused
    assert stock(s, ch) == (9, 0)
    moves = list(StockMovement.objects.filter(ref_type="return_receipt").values_list("reason", "on_hand_change", "created_by"))
    assert moves == [("return", 2, user.pk)]
    # A double click sends the same form again: what staff saw (3 awaiting) is no longer true, nothing is posted.
    again = returns_receive([ReceiveItem(line.pk, 2, "restock", expected_awaiting=3)], user=user)
    assert again.already == [line.pk] and not again.received
    assert stock(s, ch) == (9, 0)
    assert Channel.objects.get(pk=ch.pk).returns_awaiting_receipt == 1

    # The last unit comes back broken: the books show it came back and was written off; on hand does not change.
    returns_receive([ReceiveItem(line.pk, 1, "damaged", expected_awaiting=1)], user=user)
    assert stock(s, ch) == (9, 0)
    assert list(StockMovement.objects.filter(ref_type="return_receipt").order_by("id").values_list("reason", "on_hand_change")) == [
        ("return", 2), ("return", 1), ("manual_adjustment", -1)]
    assert not returns_awaiting().exists()
    assert Channel.objects.get(pk=ch.pk).returns_awaiting_receipt == 0
    assert list(ReturnReceipt.objects.order_by("seq").values_list("seq", "quantity", "condition")) == [(1, 2, "restock"), (2, 1, "damaged")]

    # The channel repeats "returned" later: nothing is deducted again, nothing awaits.
    result = orders_import(ch, [f.order("O1", "TO_RETURN", 9, lines=(("SKU-1", 3),))])
    assert result.movements == 0 and stock(s, ch) == (9, 0) and not returns_awaiting().exists()
    assert_ledger_invariant()


def test_receiving_more_than_came_back_is_refused_and_the_database_refuses_it_too():
    ch, s = setup_shipped()
    orders_import(ch, [f.order("O1", "TO_RETURN", 5, lines=(("SKU-1", 3),))])
    line = OrderLine.objects.get()
    got = returns_receive([ReceiveItem(line.pk, 4, "restock")])
    assert not got.received and "between 1 and 3" in got.refused[0][1]
    got = returns_receive([ReceiveItem(line.pk, 1, "eaten")])
    assert not got.received and got.refused
    assert stock(s, ch) == (7, 0) and not ReturnReceipt.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.filter(pk=line.pk).update(return_received=4)


def test_cancelled_after_shipping_waits_for_the_parcel_cancelled_before_shipping_releases():
    ch, s = setup_shipped()
    orders_import(ch, [f.order("O1", "CANCELLED", 5, lines=(("SKU-1", 3),))])  # a failed delivery the channel calls cancelled
    assert stock(s, ch) == (7, 0)
    assert [r.awaiting for r in returns_awaiting()] == [3]
    orders_import(ch, [f.order("O2", "READY_TO_SHIP", 0, lines=(("SKU-1", 2),))])
    orders_import(ch, [f.order("O2", "CANCELLED", 5, lines=(("SKU-1", 2),))])
    assert stock(s, ch) == (7, 0)
    assert [r.order.external_id for r in returns_awaiting()] == ["O1"]
    returns_receive([ReceiveItem(OrderLine.objects.get(order__external_id="O1").pk, 3, "restock")])
    assert stock(s, ch) == (10, 0)
    assert_ledger_invariant()


def test_a_parcel_that_will_not_come_back_is_closed_without_stock_coming_back():
    ch, s = setup_shipped()
    orders_import(ch, [f.order("O1", "TO_RETURN", 5, lines=(("SKU-1", 3),))])
    line = OrderLine.objects.get()
    returns_receive([ReceiveItem(line.pk, 3, "lost")])
    assert stock(s, ch) == (7, 0)
    assert not StockMovement.objects.filter(ref_type="return_receipt").exists()
    assert not returns_awaiting().exists()


def test_lazada_receives_automatically_on_shipped_back_success_but_never_a_lost_parcel():
    ch = f.channel(name="Lazada Test", platform="lazada", receive_returns_automatically=True)
    s = f.sku("SKU-1")
    stock_import(location=ch.location, quantities={s.pk: 10})
    orders_import(ch, [f.order("L1", "shipped", 0, lines=(("SKU-1", 2),)), f.order("L2", "shipped", 0, lines=(("SKU-1", 1),))])
    assert stock(s, ch) == (7, 0)
    orders_import(ch, [f.order("L1", "shipped_back", 5, lines=(("SKU-1", 2),)), f.order("L2", "lost_by_3pl", 5, lines=(("SKU-1", 1),))])
    assert stock(s, ch) == (7, 0)  # on its way back: not yet
    assert sorted(r.order.external_id for r in returns_awaiting()) == ["L1", "L2"]
    orders_import(ch, [f.order("L1", "shipped_back_success", 9, lines=(("SKU-1", 2),))])
    assert stock(s, ch) == (9, 0)
    receipt = ReturnReceipt.objects.get()
    assert (receipt.automatic, receipt.condition, receipt.quantity, receipt.created_by) == (True, "restock", 2, None)
    assert [r.order.external_id for r in returns_awaiting()] == ["L2"]  # the lost parcel waits for staff
    # Replaying the same word from the channel receives nothing twice.
    orders_import(ch, [f.order("L1", "shipped_back_success", 9, lines=(("SKU-1", 2),))])
    assert stock(s, ch) == (9, 0) and ReturnReceipt.objects.count() == 1
    assert_ledger_invariant()


def test_without_the_setting_a_received_return_still_waits_for_staff():
    ch = f.channel(name="Lazada Test", platform="lazada")
    s = f.sku("SKU-1")
    stock_import(location=ch.location, quantities={s.pk: 10})
    orders_import(ch, [f.order("L1", "shipped", 0, lines=(("SKU-1", 2),))])
    orders_import(ch, [f.order("L1", "shipped_back_success", 9, lines=(("SKU-1", 2),))])
    assert stock(s, ch) == (8, 0)
    assert [r.awaiting for r in returns_awaiting()] == [2]


def test_the_order_page_shows_the_receipt_in_its_ledger_rows():
    from orders.selectors import order_detail

    ch, _sku = setup_shipped()
    orders_import(ch, [f.order("O1", "TO_RETURN", 5, lines=(("SKU-1", 3),))])
    line = OrderLine.objects.get()
    returns_receive([ReceiveItem(line.pk, 3, "restock")])
    detail = order_detail(line.order_id)
    assert [(m.reason, m.on_hand_change) for m in detail.movements] == [("shipment", -3), ("return", 3)]


@pytest.mark.parametrize(("platform", "raw", "received", "lost"), [
    ("lazada", "shipped_back_success", True, False),  # the failed-delivery chart's "back at the seller"
    ("lazada", "shipped_back_success,delivered", False, False),  # only when every item is back
    ("lazada", "shipped_back", False, False),
    ("lazada", "lost_by_3pl", False, True),
    ("lazada", "package_scrapped", False, True),
    ("shopee", "TO_RETURN", False, False),  # a return being processed, not received
    ("woocommerce", "refunded", False, False),
    ("shopify", "REFUNDED/FULFILLED/RETURNED", False, False),  # order level: "some items were returned"
])
def test_which_channel_statuses_say_the_parcel_is_back(platform, raw, received, lost):
    from orders.services.returns import not_coming_back, return_received_on_channel

    assert return_received_on_channel(platform, raw) is received
    assert not_coming_back(platform, raw) is lost
