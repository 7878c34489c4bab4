"""The Returns page: staff receive returned parcels, the ledger records it, the channels selling the stock get a push."""


import pytest
from django.conf import settings
from django.urls import reverse

from channels_app.models import Channel, RunKind, SyncRun
from inventory.models import StockLevel, StockMovement
from inventory.services.ledger import stock_import
from orders.mismatches import order_counts_store
from orders.models import OrderLine
from orders.services.importing import orders_import
from tests import factories
from tests.browser import chromium_page, operator_log_in

URL = "/orders/returns/"


@pytest.fixture(autouse=True)
def english(client):
    """Staff who picked English in the top bar (the page is Indonesian otherwise, whatever the browser says)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def returns(db):
    """Shopee A: order R1 (3 × K-1) and R2 (1 × K-2) shipped then returned; order S1 (2 × K-1) still shipped.
    Lazada A: order L1 (1 × K-2) lost by the courier. Stock at Gudang A: 10 of each SKU before the orders."""
    loc = factories.location("A")
    shopee = factories.channel(name="Shopee A", loc=loc)
    lazada = factories.channel(name="Lazada A", platform="lazada", loc=loc)
    k1, k2 = factories.sku("K-1"), factories.sku("K-2")
    stock_import(location=loc, quantities={k1.pk: 10, k2.pk: 10})
    orders_import(shopee, [factories.order("R1", "SHIPPED", 0, lines=(("K-1", 3),)), factories.order("R2", "SHIPPED", 0, lines=(("K-2", 1),)),
                           factories.order("S1", "SHIPPED", 0, lines=(("K-1", 2),))])
    orders_import(shopee, [factories.order("R1", "TO_RETURN", 5, lines=(("K-1", 3),)), factories.order("R2", "TO_RETURN", 5, lines=(("K-2", 1),))])
    orders_import(lazada, [factories.order("L1", "shipped", 0, lines=(("K-2", 1),))])
    orders_import(lazada, [factories.order("L1", "lost_by_3pl", 5, lines=(("K-2", 1),))])
    for ch in (shopee, lazada):
        order_counts_store(ch)
    line = {oid: OrderLine.objects.get(order__external_id=oid) for oid in ("R1", "R2", "L1")}
    return {"loc": loc, "shopee": shopee, "lazada": lazada, "k1": k1, "k2": k2, "line": line}


def on_hand(sku, loc):
    return StockLevel.objects.get(sku=sku, location=loc).on_hand


def receive_form(line, quantity, condition, awaiting):
    return {"receive": str(line.pk), f"quantity-{line.pk}": str(quantity), f"condition-{line.pk}": condition,
            f"awaiting-{line.pk}": str(awaiting)}


def test_the_page_lists_parcels_on_their_way_back_and_not_the_shipped_ones(as_operator, returns):
    html = as_operator.get(URL).content.decode()
    for oid in ("R1", "R2", "L1"):
        assert f">{oid}</a>" in html
    assert ">S1<" not in html
    assert html.count('data-action="receive-line"') == 3
    # Lazada's lost parcel is said so, and its row offers "not coming back" first.
    l1 = returns["line"]["L1"].pk
    assert "not coming back</span>" in html
    assert f'<select name="condition-{l1}" aria-label="condition"><option value="restock">back to stock</option><option value="damaged">damaged, written off</option><option value="lost" selected>' in html


def test_operator_receives_part_of_a_line_back_to_stock_and_the_channels_are_pushed(as_operator, returns):
    r1 = returns["line"]["R1"]
    response = as_operator.post(URL, receive_form(r1, 2, "restock", 3), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Received 1 line: 2 back to stock, 0 damaged, 0 not coming back.",
        "Update Inventory queued for: Lazada A, Shopee A.",
    ]
    assert on_hand(returns["k1"], returns["loc"]) == 10 - 3 - 2 + 2
    movement = StockMovement.objects.get(ref_type="return_receipt")
    assert (movement.reason, movement.on_hand_change, movement.created_by.username) == ("return", 2, "operator")
    assert set(SyncRun.objects.filter(kind=RunKind.UPDATE_INVENTORY).values_list("channel__name", flat=True)) == {"Shopee A", "Lazada A"}
    # One unit of R1 still awaits; the card count is per line.
    assert f'name="awaiting-{r1.pk}" value="1"' in response.content.decode()
    assert Channel.objects.get(name="Shopee A").returns_awaiting_receipt == 2


def test_a_double_click_receives_once(as_operator, returns):
    r2 = returns["line"]["R2"]
    as_operator.post(URL, receive_form(r2, 1, "restock", 1), follow=True)
    response = as_operator.post(URL, receive_form(r2, 1, "restock", 1), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "1 line had already been received (another click or another person): nothing was posted for it."]
    assert on_hand(returns["k2"], returns["loc"]) == 10 - 1 - 1 + 1
    assert StockMovement.objects.filter(ref_type="return_receipt").count() == 1


def test_htmx_receive_selected_gets_the_list_back_with_what_happened(as_operator, returns):
    r1, r2, l1 = (returns["line"][k] for k in ("R1", "R2", "L1"))
    data = {"bulk": "1", "selected": [str(r2.pk), str(l1.pk)],
            **{k: v for k, v in receive_form(r2, 1, "damaged", 1).items() if k != "receive"},
            **{k: v for k, v in receive_form(l1, 1, "lost", 1).items() if k != "receive"},
            # R1's row is not ticked: its fields travel with the form but nothing is received for it
            **{k: v for k, v in receive_form(r1, 3, "restock", 3).items() if k != "receive"}}
    response = as_operator.post(URL, data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert '<div id="list-results" class="results">' in html
    assert "<html" not in html
    assert "Received 2 lines: 0 back to stock, 1 damaged, 1 not coming back." in html
    assert ">R1</a>" in html and ">R2</a>" not in html and ">L1</a>" not in html
    # Damaged: came back and written off (two movements, on hand unchanged); lost: no movement at all.
    assert list(StockMovement.objects.filter(ref_type="return_receipt").order_by("id").values_list("reason", "on_hand_change")) == [
        ("return", 1), ("manual_adjustment", -1)]
    assert on_hand(returns["k2"], returns["loc"]) == 10 - 1 - 1
    assert not SyncRun.objects.filter(kind=RunKind.UPDATE_INVENTORY).exists()  # nothing went back on sale
    assert Channel.objects.get(name="Lazada A").returns_awaiting_receipt == 0


def test_too_many_units_is_refused_with_a_reason(as_operator, returns):
    r1 = returns["line"]["R1"]
    response = as_operator.post(URL, receive_form(r1, 5, "restock", 3), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Receive between 1 and 3 units for K-1."]
    response = as_operator.post(URL, receive_form(r1, "dua", "restock", 3), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Enter the number of units received as a whole number."]
    assert not StockMovement.objects.filter(ref_type="return_receipt").exists()


def test_viewer_sees_the_list_without_buttons_and_cannot_receive(as_viewer, returns):
    html = as_viewer.get(URL).content.decode()
    assert ">R1</a>" in html and 'data-action="receive-line"' not in html and "Receive selected" not in html
    r1 = returns["line"]["R1"]
    assert as_viewer.post(URL, receive_form(r1, 1, "restock", 3)).status_code == 403
    assert not StockMovement.objects.filter(ref_type="return_receipt").exists()


def test_the_card_counts_returns_awaiting_receipt_and_links_to_the_page(as_operator, returns):
    html = as_operator.get("/").content.decode()
    shopee = returns["shopee"]
    assert (f'<dd class="count warn" data-count="returns_awaiting_receipt"><a href="{reverse("returns")}?channel={shopee.pk}">2</a></dd>'
            in html)


def test_the_page_speaks_indonesian(as_operator, returns):
    as_operator.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    html = as_operator.get(URL).content.decode()
    assert "Terima" in html


# --- in a real browser ----------------------------------------------------------

@pytest.fixture
def browser_page():
    with chromium_page() as page:
        yield page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_operator_receives_returns_in_the_browser(browser_page, live_server, returns, django_user_model):
    page = browser_page
    operator_log_in(page, live_server.url, django_user_model)
    page.click('button[data-lang="en"]')
    page.click(f'.mainnav a[href="{URL}"]')
    page.wait_for_url(live_server.url + URL)

    r1, r2, l1 = (returns["line"][k] for k in ("R1", "R2", "L1"))
    row = page.locator(f'tr[data-line="{r1.pk}"]')
    assert row.locator('td[data-label="awaiting receipt"]').inner_text() == "3"
    row.locator(f'input[name="quantity-{r1.pk}"]').fill("2")
    row.locator('button[data-action="receive-line"]').click()
    page.wait_for_selector("#list-results .messages")
    assert page.locator("#list-results .messages li").first.inner_text() == "Received 1 line: 2 back to stock, 0 damaged, 0 not coming back."
    # The list was swapped in place (htmx): the row now awaits the one unit left.
    assert page.url == live_server.url + URL
    assert page.locator(f'tr[data-line="{r1.pk}"] td[data-label="awaiting receipt"]').inner_text() == "1"
    assert on_hand(returns["k1"], returns["loc"]) == 10 - 3 - 2 + 2

    page.locator(f'tr[data-line="{r2.pk}"] input[name="selected"]').check()
    page.locator(f'tr[data-line="{r2.pk}"] select[name="condition-{r2.pk}"]').select_option("damaged")
    page.locator(f'tr[data-line="{l1.pk}"] input[name="selected"]').check()
    page.locator('button[data-action="receive-selected"]').click()
    page.wait_for_selector(f'tr[data-line="{r2.pk}"]', state="detached")
    assert page.locator("#list-results .messages li").first.inner_text() == "Received 2 lines: 0 back to stock, 1 damaged, 1 not coming back."
    assert page.locator(f'tr[data-line="{l1.pk}"]').count() == 0
    assert page.locator("#list-results tbody tr").count() == 1
    assert list(StockMovement.objects.filter(ref_type="return_receipt").order_by("id").values_list("reason", "on_hand_change")) == [
        ("return", 2), ("return", 1), ("manual_adjustment", -1)]
