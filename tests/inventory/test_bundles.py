"""Bundles (kits): components move when a bundle sells; a bundle's stock is what its components allow."""

from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError

from inventory.bundles import bundle_csv_import, bundle_definitions_problems, bundle_definitions_set
from inventory.models import BundleComponent, Listing, StockLevel, StockMovement
from inventory.planning import inventory_plan
from inventory.services.ledger import stock_adjust, stock_count, stock_import
from inventory.targets import listings_with_targets
from orders.services.importing import orders_import
from orders.services.linking import listing_link
from tests import factories as f
from tests import models_of_truth as truth
from tests.test_ledger import assert_ledger_invariant

# The messages asserted here are the English ones.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]


@pytest.fixture
def kit():
    """A bundle of 2 × A + 1 × B; A has 7 available and B 2 at the channel's location."""
    ch = f.channel()
    a, b, kit = f.sku("A"), f.sku("B"), f.sku("KIT")
    stock_import(location=ch.location, quantities={a.pk: 7, b.pk: 2})
    bundle_definitions_set({kit.pk: {a.pk: 2, b.pk: 1}})
    return ch, a, b, kit


def level(sku, ch):
    row = StockLevel.objects.filter(sku=sku, location=ch.location).first()
    return (row.on_hand, row.allocated) if row else (0, 0)


def target_of(listing):
    return listings_with_targets(Listing.objects.filter(pk=listing.pk)).values_list("available", "target").get()


def test_a_bundles_stock_is_the_least_its_components_allow(kit):
    ch, a, b, sku = kit
    listing = Listing.objects.create(channel=ch, external_item_id="9", seller_sku="KIT", sku=sku, channel_stock=2)
    plain = Listing.objects.create(channel=ch, external_item_id="10", seller_sku="A", sku=a, channel_stock=7)
    # A makes 3 bundles (7 // 2), B makes 2: the bundle shows 2.
    assert target_of(listing) == (2, 2)
    assert target_of(plain) == (7, 7)
    assert not [p for p in inventory_plan(ch) if p.listing_id == listing.pk]

    # Three units of A leave: A now makes 2 bundles (4 // 2) and B still 2.
    stock_adjust(sku=a, location=ch.location, change=-3)
    assert target_of(listing) == (2, 2)
    # One more: A makes 1 (3 // 2); the bundle's listing is pushed without anyone touching the bundle.
    stock_adjust(sku=a, location=ch.location, change=-1)
    assert target_of(listing) == (1, 1)
    [push] = [p for p in inventory_plan(ch) if p.listing_id == listing.pk]
    assert (push.action, push.current, push.target) == ("push", 2, 1)

    # At a second warehouse (a marketplace warehouse linked to it): A makes 2 (5 // 2), B makes 1.
    second = f.location("WH2")
    stock_import(location=second, quantities={a.pk: 5, b.pk: 1})
    at_second = listings_with_targets(Listing.objects.filter(pk=listing.pk), location_id=second.pk)
    assert at_second.values_list("available", "target").get() == (1, 1)

    # No stock of B at all: no bundle, whatever A has.
    stock_count(sku=b, location=ch.location, counted=0)
    assert target_of(listing) == (0, 0)


def test_an_order_for_a_bundle_allocates_then_takes_its_components(kit):
    ch, a, b, sku = kit
    orders_import(ch, [f.order("O1", "READY_TO_SHIP", 0, lines=(("KIT", 1),))])
    assert level(a, ch) == (7, 2) and level(b, ch) == (2, 1)
    orders_import(ch, [f.order("O1", "SHIPPED", 5, lines=(("KIT", 1),))])
    assert level(a, ch) == (5, 0) and level(b, ch) == (1, 0)
    # The bundle itself never holds stock; its movements name it.
    assert level(sku, ch) == (0, 0)
    assert set(StockMovement.objects.filter(ref_type="order_line").values_list("sku__code", "bundle__code")) == {
        ("A", "KIT"), ("B", "KIT")}
    orders_import(ch, [f.order("O2", "READY_TO_SHIP", 6, lines=(("KIT", 1),))])
    assert level(a, ch) == (5, 2) and level(b, ch) == (1, 1)
    orders_import(ch, [f.order("O2", "CANCELLED", 7, lines=(("KIT", 1),))])
    assert level(a, ch) == (5, 0) and level(b, ch) == (1, 0)
    assert_ledger_invariant()


def test_a_bundle_mapped_through_its_listing_is_expanded_and_plain_skus_need_no_bundle_lookup(kit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ch, a, b, sku = kit
    # The listing names the bundle; the line's seller SKU names nothing the POS knows.
    Listing.objects.create(channel=ch, external_item_id="1", external_variant_id="0", seller_sku="PAKET", sku=sku)
    orders_import(ch, [f.order("O1", "READY_TO_SHIP", 0, lines=(("PAKET", 1),))])
    assert level(a, ch) == (7, 2) and level(b, ch) == (2, 1)
    assert level(sku, ch) == (0, 0)

    # An order of plain SKUs: whether they are bundles was read with their mapping, so no query of its own
    # asks for bundle components (issue 13: one query a batch less).
    plain = f.order("O2", "READY_TO_SHIP", 1, lines=(("A", 1), ("B", 1)))
    plain = replace(plain, lines=tuple(replace(ln, item_id="2") for ln in plain.lines))  # not the bundle's listing
    with CaptureQueriesContext(connection) as ctx:
        orders_import(ch, [plain])
    assert level(a, ch) == (7, 3) and level(b, ch) == (2, 2)
    assert not [q for q in ctx.captured_queries if q["sql"].startswith('SELECT "inventory_bundlecomponent".')]
    assert_ledger_invariant()


def test_the_hand_written_model_expands_bundles_as_the_ledger_does(kit):
    ch, a, b, _kit = kit
    orders_import(ch, [f.order("O1", "SHIPPED", 0, lines=(("KIT", 2),))])
    expected = truth.expand({"KIT": {"A": 2, "B": 1}}, "KIT", 2)
    assert expected == {"A": 4, "B": 2}
    assert level(a, ch) == (7 - 4, 0) and level(b, ch) == (2 - 2, 0)


def test_linking_an_unmapped_listing_to_a_bundle_allocates_its_components(kit):
    ch, a, b, sku = kit
    orders_import(ch, [f.order("O1", "READY_TO_SHIP", 0, lines=(("PAKET-LAMA", 1),))])
    listing_link(ch, item_id="1", variant_id="0", seller_sku="PAKET-LAMA", sku=sku)
    assert level(a, ch) == (7, 2) and level(b, ch) == (2, 1)


def test_a_bundle_holds_no_stock_of_its_own(kit):
    ch, a, b, sku = kit
    with pytest.raises(ValidationError, match="bundle"):
        stock_count(sku=sku, location=ch.location, counted=3)
    with pytest.raises(ValidationError, match="bundle"):
        stock_import(location=ch.location, quantities={sku.pk: 3})
    # A correction of a bundle is a correction of its components.
    stock_adjust(sku=sku, location=ch.location, change=1, note="found one more kit")
    assert level(a, ch) == (9, 0) and level(b, ch) == (3, 0)
    assert_ledger_invariant()


def test_definitions_refuse_nesting_stock_and_changes_under_open_orders(kit):
    ch, a, b, sku = kit
    c, big = f.sku("C"), f.sku("BIG")
    assert bundle_definitions_problems({big.pk: {sku.pk: 1}})  # a bundle inside a bundle
    assert bundle_definitions_problems({a.pk: {c.pk: 1}})  # a component cannot become a bundle
    stock_import(location=ch.location, quantities={c.pk: 3})
    assert "holds stock" in " ".join(bundle_definitions_problems({c.pk: {big.pk: 1}})[c.pk])
    orders_import(ch, [f.order("O1", "READY_TO_SHIP", 0, lines=(("KIT", 1),))])
    assert "Open orders" in " ".join(bundle_definitions_problems({sku.pk: {a.pk: 3, b.pk: 1}})[sku.pk])
    # The same definition again is no change.
    assert bundle_definitions_problems({sku.pk: {a.pk: 2, b.pk: 1}}) == {}
    orders_import(ch, [f.order("O1", "SHIPPED", 5, lines=(("KIT", 1),))])
    assert bundle_definitions_problems({sku.pk: {a.pk: 3, b.pk: 1}}) == {}


def test_csv_import_defines_bundles_or_changes_nothing(kit):
    f.sku("C")
    f.sku("DUO")
    bad = "bundle,component,quantity\nDUO,A,1\nDUO,NOPE,1\nDUO,C,zero\nDUO,KIT,1\n"
    result = bundle_csv_import(bad.encode())
    lines = {n: m for n, m in result.errors}
    assert "NOPE" in lines[3] and "zero" in lines[4] and "nested" in lines[2]
    assert not BundleComponent.objects.filter(bundle__code="DUO").exists()

    good = "bundle;component;quantity\nDUO;a;1\nDUO;C;3\nKIT;A;2\nKIT;B;2\n"
    result = bundle_csv_import(good.encode())
    assert result.errors == [] and (result.bundles, result.components) == (2, 4)
    assert sorted(BundleComponent.objects.values_list("bundle__code", "component__code", "quantity")) == [
        ("DUO", "A", 1), ("DUO", "C", 3), ("KIT", "A", 2), ("KIT", "B", 2)]
    result = bundle_csv_import(b"sku,qty\nKIT,1\n")
    assert result.errors and "bundle, component, quantity" in result.errors[0][1]


def test_admin_defines_components_inline_and_imports_a_file(client, administrator, kit, settings):
    _ch, a, b, sku = kit
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(administrator)
    duo = f.sku("DUO")
    page = client.get(f"/admin/inventory/sku/{duo.pk}/change/")
    assert page.status_code == 200 and "bundle components" in page.content.decode().lower()
    form = {"code": "DUO", "name": "DUO", "active": "on",
            "components-TOTAL_FORMS": "2", "components-INITIAL_FORMS": "0", "components-MIN_NUM_FORMS": "0",
            "components-MAX_NUM_FORMS": "1000", "components-0-component": a.pk, "components-0-quantity": "1",
            "components-1-component": sku.pk, "components-1-quantity": "1",
            "stock_levels-TOTAL_FORMS": "0", "stock_levels-INITIAL_FORMS": "0", "stock_levels-MIN_NUM_FORMS": "0",
            "stock_levels-MAX_NUM_FORMS": "1000"}
    refused = client.post(f"/admin/inventory/sku/{duo.pk}/change/", form)
    assert refused.status_code == 200 and "bundles cannot be nested" in refused.content.decode()
    assert not BundleComponent.objects.filter(bundle=duo).exists()
    form["components-1-component"] = b.pk
    assert client.post(f"/admin/inventory/sku/{duo.pk}/change/", form).status_code == 302
    assert sorted(BundleComponent.objects.filter(bundle=duo).values_list("component__code", "quantity")) == [("A", 1), ("B", 1)]

    from django.core.files.uploadedfile import SimpleUploadedFile

    url = "/admin/inventory/sku/bundles-import/"
    bad = client.post(url, {"file": SimpleUploadedFile("b.csv", b"bundle,component,quantity\nDUO,A,2\nDUO,GHOST,1\n")})
    assert bad.status_code == 400
    assert "line 3: no SKU has the code “GHOST”" in bad.content.decode()
    assert sorted(BundleComponent.objects.filter(bundle=duo).values_list("component__code", "quantity")) == [("A", 1), ("B", 1)]
    good = client.post(url, {"file": SimpleUploadedFile("b.csv", b"bundle,component,quantity\nDUO,A,2\n")})
    assert good.status_code == 302
    assert list(BundleComponent.objects.filter(bundle=duo).values_list("component__code", "quantity")) == [("A", 2)]
