"""The Stock page: an operator corrects stock with a reason, the ledger records it, the channels that sell it get a push."""

import datetime as dt
import re

import pytest

from channels_app.models import Channel, Location, RunKind, SyncRun
from inventory.models import MovementReason, Sku, StockLevel, StockMovement, WarehouseLink
from inventory.services.ledger import StockChange, ledger_post, stock_adjust
from tests import factories
from tests.browser import chromium_page, operator_log_in

URL = "/stock/adjust/"


@pytest.fixture(autouse=True)
def _in_english(english):
    """The messages and labels below are checked in English (the shop's default is Indonesian)."""


@pytest.fixture
def stock(db):
    """SKU K-1 at Gudang A: 10 on hand, 2 allocated to an order (available 8). Two active channels and one
    switched off sell from A; one channel sells from Gudang B."""
    a = Location.objects.create(code="A", name="Gudang A")
    b = Location.objects.create(code="B", name="Gudang B")
    sku = Sku.objects.create(code="K-1", name="Kaos hitam M")
    ledger_post([StockChange(sku.pk, a.pk, 10, 0, MovementReason.IMPORT, "opening"),
                 StockChange(sku.pk, a.pk, 0, 2, MovementReason.ORDER_ALLOCATION, "order 77")])
    factories.channel(name="Shopee A", loc=a)
    factories.channel(name="Tokopedia A", platform="tiktok", loc=a)
    factories.channel(name="Lazada A (off)", platform="lazada", loc=a, active=False)
    factories.channel(name="Lazada B", platform="lazada", loc=b)
    return {"a": a, "b": b, "sku": sku}


def post(client, **data):
    return client.post(URL, data, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def manual_movements():
    return StockMovement.objects.filter(reason__in=["manual_adjustment", "stock_count"])


def queued_channels() -> set[str]:
    return set(SyncRun.objects.filter(kind=RunKind.UPDATE_INVENTORY).values_list("channel__name", flat=True))


def on_hand(sku, location) -> tuple[int, int]:
    level = StockLevel.objects.get(sku=sku, location=location)
    return level.on_hand, level.allocated


def test_operator_adjusts_stock_and_the_channels_at_that_location_are_pushed(as_operator, operator, stock):
    response = post(as_operator, sku="K-1", location=stock["a"].pk, kind="adjust", quantity="-3", reason="2 dropped, 1 torn")

    assert response.status_code == 200
    assert response.redirect_chain == [(URL, 302)]
    assert messages_of(response) == [
        "K-1 at Gudang A: on hand 7, available 5.",
        "Update Inventory queued for: Shopee A, Tokopedia A.",
    ]
    (m,) = manual_movements()
    assert (m.on_hand_change, m.allocated_change, m.reason) == (-3, 0, "manual_adjustment")
    assert (m.note, m.created_by, m.location) == ("2 dropped, 1 torn", operator, stock["a"])
    assert on_hand(stock["sku"], stock["a"]) == (7, 2)
    assert queued_channels() == {"Shopee A", "Tokopedia A"}
    assert set(SyncRun.objects.values_list("status", "requested_by__username")) == {("queued", "operator")}
    # and the page lists it
    row = re.search(rf'<tr data-movement="{m.pk}">(.*?)</tr>', response.content.decode(), re.S).group(1)
    for cell in ("K-1", "Gudang A", "-3", "operator", "2 dropped, 1 torn"):
        assert cell in row


def test_operator_counts_stock_at_the_other_location(as_operator, stock):
    # B has never held K-1: the count of 4 books +4 and pushes only the channel selling from B.
    response = post(as_operator, sku="K-1", location=stock["b"].pk, kind="count", quantity="4", reason="monthly count")

    assert messages_of(response) == [
        "K-1 at Gudang B: on hand 4, available 4.",
        "Update Inventory queued for: Lazada B.",
    ]
    (m,) = manual_movements()
    assert (m.on_hand_change, m.reason, m.note) == (4, "stock_count", "monthly count")
    assert on_hand(stock["sku"], stock["b"]) == (4, 0)
    assert on_hand(stock["sku"], stock["a"]) == (10, 2)
    assert queued_channels() == {"Lazada B"}


def test_count_below_the_book_posts_the_difference(as_operator, stock):
    response = post(as_operator, sku="K-1", location=stock["a"].pk, kind="count", quantity="6", reason="shelf count")

    assert messages_of(response)[0] == "K-1 at Gudang A: on hand 6, available 4."
    assert list(manual_movements().values_list("on_hand_change", flat=True)) == [-4]


def test_count_that_matches_the_book_posts_and_pushes_nothing(as_operator, stock):
    response = post(as_operator, sku="k-1", location=stock["a"].pk, kind="count", quantity="10", reason="spot check")

    assert messages_of(response) == [
        "The count matches the book: K-1 at Gudang A has 10 on hand. Nothing was posted."
    ]
    assert not manual_movements().exists()
    assert not SyncRun.objects.exists()


def test_a_channel_with_a_warehouse_at_the_location_is_pushed_too(as_operator, stock):
    lazada_b = Channel.objects.get(name="Lazada B")
    WarehouseLink.objects.create(channel=lazada_b, warehouse_id="WH-JKT-2", location=stock["a"])

    response = post(as_operator, sku="K-1", location=stock["a"].pk, kind="adjust", quantity="5", reason="found in the back")

    assert messages_of(response)[1] == "Update Inventory queued for: Lazada B, Shopee A, Tokopedia A."
    assert queued_channels() == {"Lazada B", "Shopee A", "Tokopedia A"}


def test_a_push_already_running_is_named_so_staff_can_run_it_again(as_operator, stock):
    shopee = Channel.objects.get(name="Shopee A")
    running = SyncRun.objects.create(channel=shopee, kind=RunKind.UPDATE_INVENTORY, status="running")

    response = post(as_operator, sku="K-1", location=stock["a"].pk, kind="adjust", quantity="1", reason="found")

    assert messages_of(response)[1:] == [
        "Update Inventory queued for: Tokopedia A.",
        "Update Inventory was already running for: Shopee A. It may have read the stock before this change; "
        "run it again when it ends.",
    ]
    assert list(SyncRun.objects.filter(channel=shopee).values_list("pk", flat=True)) == [running.pk]


def test_no_channel_at_the_location(as_operator, stock):
    c = Location.objects.create(code="C", name="Toko Bandung")

    response = post(as_operator, sku="K-1", location=c.pk, kind="adjust", quantity="2", reason="transfer in")

    assert messages_of(response) == [
        "K-1 at Toko Bandung: on hand 2, available 2.",
        "No active channel sells from Toko Bandung: nothing to push.",
    ]
    assert not SyncRun.objects.exists()


def field_error(html: str, field: str) -> str:
    block = re.search(rf'<div class="field" data-field="{field}">(.*?)</div>\s*(?:<div class="field"|<button)', html, re.S)
    assert block, f"no {field} field on the page"
    error = re.search(r'<span class="errorlist" role="alert">(.*?)</span>', block.group(1), re.S)
    return error.group(1).strip() if error else ""


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"sku": "K-404", "kind": "adjust", "quantity": "1"}, "sku", "No SKU has the code “K-404”."),
    ({"sku": "K-1", "kind": "adjust", "quantity": "0"}, "quantity",
     "An adjustment of zero changes nothing: enter the units to add or remove."),
    ({"sku": "K-1", "kind": "count", "quantity": "-1"}, "quantity", "A count cannot be below zero."),
    ({"sku": "K-1", "kind": "adjust", "quantity": "-11"}, "quantity",
     "That would leave -1 on hand (now 10). Count the shelf instead."),
    ({"sku": "K-1", "kind": "adjust", "quantity": "2.5"}, "quantity", "Enter a whole number."),
    ({"sku": "K-1", "kind": "adjust", "quantity": "1", "reason": "   "}, "reason", "This field is required."),
])
def test_bad_input_is_said_beside_the_field_and_posts_nothing(as_operator, stock, data, field, message):
    form = {"location": stock["a"].pk, "reason": "because", **data}
    response = as_operator.post(URL, form)

    assert response.status_code == 400
    assert field_error(response.content.decode(), field) == message
    assert not manual_movements().exists()
    assert on_hand(stock["sku"], stock["a"]) == (10, 2)
    assert not SyncRun.objects.exists()


def test_viewer_sees_the_movements_but_no_form_and_cannot_post(as_viewer, stock, operator):
    stock_adjust(sku=stock["sku"], location=stock["a"], change=1, user=operator, note="found one")
    page = as_viewer.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="stock-form"' not in html
    assert "Only operators can adjust or count stock." in html
    assert "found one" in html

    response = as_viewer.post(URL, {"sku": "K-1", "location": stock["a"].pk, "kind": "adjust", "quantity": "5",
                                    "reason": "sneaky"})
    assert response.status_code == 403
    assert list(manual_movements().values_list("note", flat=True)) == ["found one"]
    assert not SyncRun.objects.exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_list_shows_the_last_20_manual_movements_newest_first_in_shop_time(as_operator, operator, stock):
    start = dt.datetime(2026, 11, 11, 0, 0, tzinfo=dt.UTC)
    for i in range(21):
        m = stock_adjust(sku=stock["sku"], location=stock["a"], change=1, user=operator if i % 2 else None, note=f"r{i}")
        StockMovement.objects.filter(pk=m.pk).update(created_at=start + dt.timedelta(hours=i))
    html = as_operator.get(URL).content.decode()

    rows = re.findall(r'<tr data-movement="\d+">(.*?)</tr>', html, re.S)
    assert len(rows) == 20
    notes = [re.findall(r">(r\d+)<", row)[0] for row in rows]
    assert notes == [f"r{i}" for i in range(20, 0, -1)]  # r0, the oldest, has dropped off
    # 2026-11-11 20:00 UTC is 2026-11-12 03:00 in Jakarta (UTC+7), written as the English pages write a time
    assert "12 Nov 2026, 03:00" in rows[0]
    assert "—" in rows[0] and "operator" in rows[1]  # r20 had no user, r19 was the operator
    # allocations and the opening import are not manual movements
    assert "order 77" not in html and "opening" not in html


def test_the_page_speaks_indonesian(as_operator, stock, settings):
    as_operator.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    response = as_operator.post(URL, {"sku": "K-1", "location": stock["a"].pk, "kind": "adjust", "quantity": "2",
                                      "reason": "ketemu"}, follow=True)
    assert messages_of(response)[0] == "K-1 di Gudang A: stok fisik 12, tersedia 10."
    assert "Penyesuaian dan opname stok" in response.content.decode()


# --- in a real browser ----------------------------------------------------------

@pytest.fixture
def browser_page():
    with chromium_page() as page:
        yield page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_operator_counts_stock_in_the_browser(browser_page, live_server, stock, django_user_model):
    page = browser_page
    operator_log_in(page, live_server.url, django_user_model)
    page.click('button[data-lang="en"]')
    page.click(f'.mainnav a[href="{URL}"]')
    page.wait_for_url(live_server.url + URL)

    form = page.locator("#stock-form")
    form.locator('input[name="sku"]').fill("K-1")
    form.locator('select[name="location"]').select_option(label="Gudang A")
    form.locator('input[name="kind"][value="count"]').check()
    form.locator('input[name="quantity"]').fill("-2")
    form.locator('input[name="reason"]').fill("stock take")
    form.locator('button[data-action="stock-post"]').click()
    assert form.locator('[data-field="quantity"] .errorlist').inner_text() == "A count cannot be below zero."
    # what was typed stays, so only the wrong figure needs retyping
    assert form.locator('input[name="sku"]').input_value() == "K-1"
    assert form.locator('input[name="kind"][value="count"]').is_checked()

    form.locator('input[name="quantity"]').fill("13")
    form.locator('button[data-action="stock-post"]').click()
    page.wait_for_selector(".messages")
    assert page.locator(".messages li").all_inner_texts() == [
        "K-1 at Gudang A: on hand 13, available 11.",
        "Update Inventory queued for: Shopee A, Tokopedia A.",
    ]
    row = page.locator("#manual-movements tbody tr").first
    cells = {label: row.locator(f'td[data-label="{label}"]').inner_text() for label in ("kind", "on-hand change", "who", "reason")}
    assert cells == {"kind": "stock count", "on-hand change": "+3", "who": "op", "reason": "stock take"}
    assert on_hand(stock["sku"], stock["a"]) == (13, 2)
    assert queued_channels() == {"Shopee A", "Tokopedia A"}
