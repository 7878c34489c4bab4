"""Unmapped order lines: kept with the order, counted, and given their SKU and stock effect when staff link the listing."""

import pytest
from django.core.exceptions import ValidationError

from channels_app.models import Channel
from inventory.models import Listing, StockLevel, StockMovement
from inventory.services.ledger import stock_import
from orders.mismatches import order_counts_store
from orders.models import OrderLine
from orders.services.importing import orders_import
from orders.services.linking import listing_link, sku_for_code, unmapped_groups, unmapped_lines_resolve
from tests import factories as f
from tests.test_ledger import assert_ledger_invariant

pytestmark = pytest.mark.django_db


def levels(sku):
    level = StockLevel.objects.get(sku=sku)
    return level.on_hand, level.allocated


def test_linking_a_listing_fixes_every_order_of_it_once():
    ch = f.channel()
    a = f.sku("KAOS-M")
    stock_import(location=ch.location, quantities={a.pk: 10})
    # Two orders of a listing whose seller SKU the POS does not know, one still to ship, one shipped.
    orders_import(ch, [f.order("O1", "READY_TO_SHIP", 0, lines=(("KAOS-M-PROMO", 2),)),
                       f.order("O2", "SHIPPED", 0, lines=(("KAOS-M-PROMO", 1),))])
    assert OrderLine.objects.filter(sku__isnull=True).count() == 2
    assert order_counts_store(ch)["order_lines_unmapped"] == 2
    assert Channel.objects.get(pk=ch.pk).order_lines_unmapped == 2
    [group] = unmapped_groups([ch.pk])
    assert (group["seller_sku"], group["lines"], group["units"]) == ("KAOS-M-PROMO", 2, 3)
    assert levels(a) == (10, 0)

    result = listing_link(ch, item_id="1", variant_id="0", seller_sku="KAOS-M-PROMO", sku=a)
    assert (result.lines, result.movements) == (2, 2)
    # O1 holds 2 allocated, O2 took 1 from the shelf.
    assert levels(a) == (9, 2)
    assert Channel.objects.get(pk=ch.pk).order_lines_unmapped == 0
    assert Listing.objects.get(channel=ch, external_item_id="1", external_variant_id="0").sku == a
    assert StockMovement.objects.filter(ref_type="order_line").count() == 2

    # A second click (or a second tab) finds nothing left to do.
    again = listing_link(ch, item_id="1", variant_id="0", seller_sku="KAOS-M-PROMO", sku=a)
    assert (again.lines, again.movements) == (0, 0)
    assert levels(a) == (9, 2)

    # The linked lines go on like any other: O1 ships; a new order of the listing resolves on import.
    orders_import(ch, [f.order("O1", "SHIPPED", 5, lines=(("KAOS-M-PROMO", 2),)),
                       f.order("O3", "READY_TO_SHIP", 5, lines=(("KAOS-M-PROMO", 4),))])
    assert levels(a) == (7, 4)
    assert not OrderLine.objects.filter(sku__isnull=True).exists()
    assert_ledger_invariant()


def test_a_mapping_made_elsewhere_fixes_the_waiting_lines_at_the_next_download():
    ch = f.channel()
    a = f.sku("KAOS-M")
    stock_import(location=ch.location, quantities={a.pk: 10})
    orders_import(ch, [f.order("O1", "READY_TO_SHIP", 0, lines=(("KAOS-M-PROMO", 2),)),
                       f.order("O2", "READY_TO_SHIP", 0, lines=(("KAOS-M-PROMO", 1), ("TOPI-BARU", 1)))])
    assert unmapped_lines_resolve(ch) == 0  # nothing names them yet
    # A scan (or staff in the admin) maps the KAOS-M-PROMO listing (item 1, variant 0); TOPI-BARU (variant 1) stays unknown.
    Listing.objects.create(channel=ch, external_item_id="1", external_variant_id="0", seller_sku="KAOS-M-PROMO", sku=a)
    assert unmapped_lines_resolve(ch) == 2
    assert levels(a) == (10, 3)
    assert list(OrderLine.objects.filter(sku__isnull=True).values_list("seller_sku", flat=True)) == ["TOPI-BARU"]
    assert Channel.objects.get(pk=ch.pk).order_lines_unmapped == 1
    assert unmapped_lines_resolve(ch) == 0
    assert levels(a) == (10, 3)
    assert_ledger_invariant()


def test_linking_leaves_other_channels_and_listings_alone():
    ch = f.channel()
    other = f.channel("Lazada Test", "lazada")
    a = f.sku("A-1")
    stock_import(location=ch.location, quantities={a.pk: 5})
    orders_import(ch, [f.order("O1", "READY_TO_SHIP", 0, lines=(("X-1", 1), ("Y-1", 1)))])
    orders_import(other, [f.order("O1", "pending", 0, lines=(("X-1", 1),))])
    listing_link(ch, item_id="1", variant_id="0", seller_sku="X-1", sku=a)
    assert levels(a) == (5, 1)
    still = sorted((ln.order.channel.name, ln.seller_sku) for ln in OrderLine.objects.filter(sku__isnull=True).select_related("order__channel"))
    assert still == [("Lazada Test", "X-1"), ("Shopee Test", "Y-1")]
    assert Channel.objects.get(pk=ch.pk).order_lines_unmapped == 1


def test_an_unknown_code_is_refused_with_its_name():
    f.sku("KAOS-M")
    assert sku_for_code(" kaos-m ").code == "KAOS-M"
    with pytest.raises(ValidationError) as exc:
        sku_for_code("KAOS-XXL")
    assert "KAOS-XXL" in exc.value.messages[0]


# --- the rehearsal in small: the sandbox sells products no POS knows -------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sandbox_sale_unmapped_orders_are_counted_until_staff_link_them(live_server, tmp_path):
    import json
    import time
    from io import StringIO

    from django.core.management import call_command

    pytest.importorskip("sandbox.models")
    path = tmp_path / "cat.json"
    path.write_text(json.dumps([{"code": f"C-{i}", "name": f"Thing {i}", "stock": 50} for i in range(4)]))
    call_command("sandbox_seed", catalogue=str(path), orders=3, seed=5, base_url=live_server.url, stdout=StringIO())
    out = StringIO()
    call_command("sandbox_shops", json=True, base_url=live_server.url, stdout=out)
    loc = f.location("JKT")
    skus = [f.sku(f"C-{i}") for i in range(4)]
    stock_import(location=loc, quantities={s.pk: 50 for s in skus})
    for shop in json.loads(out.getvalue()):
        if shop["platform"] not in ("shopee", "lazada"):
            continue
        ch = Channel(name=shop["shop"], platform=shop["platform"], location=loc, api_base_url=shop["base_url"],
                     auth_base_url=shop.get("auth_base_url") or "")
        ch.credentials = shop["credentials"]
        ch.save()

    def report() -> dict:
        call_command("routine", "--all", "--json", stdout=StringIO())
        text = StringIO()
        call_command("discrepancies", "--json", stdout=text)
        return json.loads(text.getvalue())["totals"]

    assert report()["order_lines_unmapped"] == 0
    call_command("sandbox_sale", orders=0, changes=0, unmapped=2, shop="shopee", seed=3, stdout=StringIO())
    call_command("sandbox_sale", orders=0, changes=0, unmapped=1, shop="lazada", seed=3, stdout=StringIO())
    # Download Orders reads up to the last whole second: orders made in this very second belong to the next run.
    time.sleep(1.1)
    totals = report()
    # Three new orders of products the shops added just now (Lazada makes one line per unit); the rest is in step.
    sold = OrderLine.objects.filter(seller_sku__startswith="UNMAPPED-")
    assert sold.values("order_id").distinct().count() == 3
    assert totals["order_lines_unmapped"] == sold.count()
    assert (totals["orders_missing"], totals["orders_wrong_status"], totals["stock_discrepancies"]) == (0, 0, 0)

    # Staff link every such listing to C-0: the lines take their stock, the count falls to zero, the push follows.
    before = levels(skus[0])
    units = sum(sold.values_list("quantity", flat=True))
    for group in unmapped_groups():
        listing_link(Channel.objects.get(pk=group["order__channel_id"]), item_id=group["external_item_id"],
                     variant_id=group["external_variant_id"], seller_sku=group["seller_sku"], sku=skus[0])
    # The burst's orders are new (unpaid or waiting to ship): their units are allocated, none has left the shelf.
    assert levels(skus[0]) == (before[0], before[1] + units)
    totals = report()
    assert totals["order_lines_unmapped"] == 0 and totals["stock_discrepancies"] == 0
    assert_ledger_invariant()


@pytest.mark.django_db(transaction=True)
def test_two_staff_linking_the_same_listing_at_once_post_its_stock_once():
    """Two tabs (or two people) press "Link to SKU" at the same moment: each line's effect is posted once."""
    from tests.reliability.test_concurrency import together

    ch = f.channel()
    a = f.sku("KAOS-M")
    stock_import(location=ch.location, quantities={a.pk: 10})
    orders_import(ch, [f.order(f"O{i}", "READY_TO_SHIP", 0, lines=(("KAOS-M-PROMO", 1),)) for i in range(5)])

    def link():
        return listing_link(Channel.objects.get(pk=ch.pk), item_id="1", variant_id="0", seller_sku="KAOS-M-PROMO", sku=a).lines

    assert sorted(together(link, link, link)) == [0, 0, 5]
    assert levels(a) == (10, 5)
    assert StockMovement.objects.filter(ref_type="order_line").count() == 5
    assert_ledger_invariant()
