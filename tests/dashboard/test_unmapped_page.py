"""The unmapped order lines page: staff see the lines waiting for a SKU, link the listing once, and the stock moves."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from channels_app.models import Channel, SyncRun
from inventory.models import Listing, Location, MovementReason, Sku, StockLevel, StockMovement
from inventory.services.ledger import StockChange, ledger_post
from orders.models import Order, OrderLine
from orders.services.linking import order_lines_unmapped_store
from tests import factories
from tests.browser import chromium_page, operator_log_in

URL = "/orders/unmapped/"
LINK = "/orders/unmapped/link/"
PASSWORD = "pw-Omnisync-2026"


@pytest.fixture
def waiting(db):
    """Gudang A holds 10 of KAOS-M. Shopee A has three orders of a listing (item 555, variant 1, seller SKU
    "KAOS-M-PROMO") that the POS cannot name: two to ship (2 and 1 units), one shipped (1 unit); and one line of
    another listing (item 777, "TOPI-BARU")."""
    a = Location.objects.create(code="A", name="Gudang A")
    kaos = Sku.objects.create(code="KAOS-M", name="Kaos Polos M")
    Sku.objects.create(code="KAOS-L", name="Kaos Polos L")
    ledger_post([StockChange(kaos.pk, a.pk, 10, 0, MovementReason.IMPORT, "opening")])
    ch = factories.channel(name="Shopee A", loc=a)
    now = timezone.now()
    for i, (status, raw, qty, item, seller) in enumerate([
        ("to_ship", "READY_TO_SHIP", 2, "555", "KAOS-M-PROMO"), ("to_ship", "READY_TO_SHIP", 1, "555", "KAOS-M-PROMO"),
        ("shipped", "SHIPPED", 1, "555", "KAOS-M-PROMO"), ("to_ship", "READY_TO_SHIP", 1, "777", "TOPI-BARU"),
    ]):
        when = now - dt.timedelta(hours=10 - i)
        order = Order.objects.create(channel=ch, external_id=f"O{i}", status=status, raw_status=raw, channel_created_at=when,
                                     channel_updated_at=when, total=Decimal("50000"), buyer_name="Budi")
        OrderLine.objects.create(order=order, line_key="1", seller_sku=seller, external_item_id=item,
                                 external_variant_id="1" if item == "555" else "", quantity=qty, unit_price=Decimal("50000"),
                                 status=status, raw_status=raw, status_updated_at=when)
    order_lines_unmapped_store([ch.pk])
    return {"channel": ch, "sku": kaos, "location": a}


@pytest.fixture
def client(client, settings):
    """In English: the pages speak Indonesian unless staff pick English (the language cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def stock(sku, location):
    level = StockLevel.objects.get(sku=sku, location=location)
    return level.on_hand, level.allocated


def rows(html: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r'<tr id="unmapped-\d+" class="unmapped-row[^"]*" data-seller-sku="([^"]*)">(.*?)</tr>', html, re.S)}


def cell(row: str, label: str) -> str:
    return re.search(rf'<td[^>]*data-label="{label}">(.*?)</td>', row, re.S).group(1).strip()


def test_viewer_sees_the_lines_grouped_by_listing_but_cannot_link(client, viewer, waiting):
    client.force_login(viewer)
    html = client.get(URL).content.decode()
    found = rows(html)
    assert list(found) == ["KAOS-M-PROMO", "TOPI-BARU"]  # the oldest order first
    promo = found["KAOS-M-PROMO"]
    assert (cell(promo, "channel"), cell(promo, "lines"), cell(promo, "units")) == ("Shopee A", "3", "4")
    assert cell(promo, "item / variant") == "555 / 1"
    assert "Only operators can link listings." in promo
    assert client.post(LINK, {"channel": waiting["channel"].pk, "item_id": "555", "variant_id": "1", "sku": "KAOS-M"}).status_code == 403
    assert OrderLine.objects.filter(sku__isnull=True).count() == 4


def test_the_dashboard_card_counts_unmapped_lines_and_links_to_the_page(client, viewer, waiting):
    client.force_login(viewer)
    html = client.get("/").content.decode()
    ch = waiting["channel"]
    assert re.search(rf'data-count="order_lines_unmapped"><a href="{URL}\?channel={ch.pk}">4</a>', html)


def test_operator_links_a_listing_by_htmx_and_every_order_of_it_takes_its_stock(client, operator, waiting):
    client.force_login(operator)
    ch = waiting["channel"]
    data = {"row": "1", "channel": ch.pk, "item_id": "555", "variant_id": "1", "seller_sku": "KAOS-M-PROMO", "lines": "3", "units": "4"}
    bad = client.post(LINK, {**data, "sku": "KAOS-XXL"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200
    assert "No SKU has the code “KAOS-XXL”." in bad.content.decode()
    assert 'value="KAOS-XXL"' in bad.content.decode()  # what was typed stays
    assert OrderLine.objects.filter(sku__isnull=True).count() == 4

    ok = client.post(LINK, {**data, "sku": "kaos-m"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Linked to KAOS-M: 3 order lines got their SKU and their stock effect (3 stock movements)." in ok
    # 2 + 1 units allocated to the orders still to ship, 1 unit gone with the shipped one.
    assert "KAOS-M at Gudang A: on hand 9, available 6." in ok
    assert "Update Inventory requested for: Shopee A." in ok
    # The channel's shown stock must follow the link: one Update Inventory is waiting for it.
    assert list(SyncRun.objects.filter(channel=ch).values_list("kind", "status")) == [("update_inventory", "queued")]
    assert stock(waiting["sku"], waiting["location"]) == (9, 3)
    assert Listing.objects.get(channel=ch, external_item_id="555", external_variant_id="1").sku == waiting["sku"]
    assert Channel.objects.get(pk=ch.pk).order_lines_unmapped == 1
    assert list(rows(client.get(URL).content.decode())) == ["TOPI-BARU"]

    # The same form sent again (a double click) posts nothing more.
    again = client.post(LINK, {**data, "sku": "KAOS-M"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Linked to KAOS-M: 0 order lines" in again
    assert stock(waiting["sku"], waiting["location"]) == (9, 3)
    assert StockMovement.objects.filter(ref_type="order_line").count() == 3


def test_sku_chooser_suggests_codes_and_names(client, operator, waiting):
    client.force_login(operator)
    html = client.get("/orders/unmapped/skus/", {"sku": "polos m"}).content.decode()
    assert re.findall(r'<option value="([^"]+)">', html) == ["KAOS-M"]
    html = client.get("/orders/unmapped/skus/", {"sku": "kaos"}).content.decode()
    assert re.findall(r'<option value="([^"]+)">', html) == ["KAOS-L", "KAOS-M"]


# --- in a real browser ----------------------------------------------------------

@pytest.fixture
def browser_page():
    with chromium_page() as page:
        yield page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_operator_links_a_listing_in_the_browser(browser_page, live_server, waiting, django_user_model):
    page = browser_page
    operator_log_in(page, live_server.url, django_user_model)
    page.click('button[data-lang="en"]')
    count = page.locator('[data-count="order_lines_unmapped"] a')
    assert count.inner_text() == "4"
    count.click()
    page.wait_for_url(re.compile(re.escape(live_server.url + URL)))

    row = page.locator('tr.unmapped-row[data-seller-sku="KAOS-M-PROMO"]')
    assert row.locator('td[data-label="units"]').inner_text() == "4"
    oldest = row.locator('td[data-label="oldest order"]').inner_text()
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d", oldest)  # English, as "3 Dec 2026, 17:15"
    field = row.locator('input[name="sku"]')
    field.fill("KAOS-XXL")
    row.locator('button[data-action="link"]').click()
    row = page.locator('tr.unmapped-row[data-seller-sku="KAOS-M-PROMO"]')
    assert row.locator('td[data-label="oldest order"]').inner_text() == oldest
    assert row.locator(".errorlist").inner_text() == (
        "No SKU has the code “KAOS-XXL”. Create it in the POS first, or pick one from the list.")
    assert stock(waiting["sku"], waiting["location"]) == (10, 0)

    field = row.locator('input[name="sku"]')
    field.fill("Polos M")
    # The chooser fills its list from what was typed.
    page.wait_for_function("document.querySelector('#sku-options option[value=\"KAOS-M\"]') !== null")
    field.fill("KAOS-M")
    row.locator('button[data-action="link"]').click()
    done = page.locator('tr.unmapped-row.linked[data-seller-sku="KAOS-M-PROMO"] [role="status"]')
    assert done.inner_text() == ("Linked to KAOS-M: 3 order lines got their SKU and their stock effect (3 stock movements). "
                                 "KAOS-M at Gudang A: on hand 9, available 6. Update Inventory requested for: Shopee A.")
    assert stock(waiting["sku"], waiting["location"]) == (9, 3)

    page.reload()
    assert page.locator("tr.unmapped-row").count() == 1
    page.goto(live_server.url + "/")
    assert page.locator('[data-count="order_lines_unmapped"] a').inner_text() == "1"
