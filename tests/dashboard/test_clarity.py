"""A dashboard a shop owner reads at a glance (issue 15): one way of writing a time per language, Indonesian
unless staff pick English, cards that say what is missing since when, a report whose columns say what they
count and agree with the cards, a cause filter on the stock discrepancies, and a first-run checklist."""

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from channels_app.models import SyncRun
from inventory.models import Listing, Sku, StockLevel
from inventory.targets import discrepancy_count
from omnisync.models import DailyReport
from omnisync.report import report_email, report_write
from orders.mismatches import order_counts_store
from orders.models import Order, RemoteOrder
from tests import factories
from tests.browser import chromium_page, operator_log_in

HX = {"HTTP_HX_REQUEST": "true"}
#: 10.15 UTC is 17.15 in Jakarta, the shop's time zone
AT = dt.datetime(2026, 12, 3, 10, 15, tzinfo=dt.UTC)


def speak(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def page_of(client, name, params=None, **headers):
    response = client.get(reverse(name), params or {}, **headers)
    assert response.status_code == 200
    return response.content.decode()


def make_order(ch, external_id, when, **extra):
    return Order.objects.create(channel=ch, external_id=external_id, status="to_ship", raw_status="READY_TO_SHIP",
                                channel_created_at=when, channel_updated_at=when, total=Decimal("150000"),
                                currency="IDR", **extra)


# --- language and formats ----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_indonesian_unless_staff_pick_english_whatever_the_browser_asks(as_viewer):
    factories.channel()
    asked_english = page_of(as_viewer, "dashboard", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="id">' in asked_english and "Pesanan hilang" in asked_english
    as_viewer.post(reverse("set_language"), {"language": "en"})  # the switcher in the top bar
    picked = page_of(as_viewer, "dashboard", HTTP_ACCEPT_LANGUAGE="id")
    assert '<html lang="en">' in picked and "Missing orders" in picked


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "written"), [("id", "03/12/2026 17.15"), ("en", "3 Dec 2026, 17:15")])
def test_a_time_reads_the_same_in_a_table_and_on_a_page(as_viewer, language, written):
    ch = factories.channel()
    order = make_order(ch, "JKT-1", AT, imported_at=AT)
    speak(as_viewer, language)
    listed = page_of(as_viewer, "orders", HX)
    assert listed.count(f">{written}</td>") == 3  # created, updated and imported, all at AT
    detail = as_viewer.get(reverse("order_detail", args=[order.pk])).content.decode()
    assert detail.count(f"<dd>{written}</dd>") == 3


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "typed", "shown"), [
    ("id", "03/12/2026", "03/12/2026"),
    ("en", "3 Dec 2026", "3 Dec 2026"),
    ("en", "2026-12-03", "3 Dec 2026"),  # links written before keep working, and show as the page writes a day
    ("en", "03/12/2026", "3 Dec 2026"),  # typed in Indonesian before switching to English
])
def test_a_date_filter_takes_the_date_as_the_pages_write_it(as_viewer, language, typed, shown):
    ch = factories.channel()
    make_order(ch, "ON-THE-DAY", AT)
    make_order(ch, "DAY-BEFORE", AT - dt.timedelta(days=1))
    speak(as_viewer, language)
    page = page_of(as_viewer, "orders", {"created_from": typed})
    assert "ON-THE-DAY" in page and "DAY-BEFORE" not in page
    assert f'name="created_from" value="{shown}"' in page
    assert 'type="date"' not in page  # the browser's picker would show the browser's format, not the shop's


@pytest.mark.django_db
def test_the_report_range_shows_in_the_format_the_filter_takes(as_viewer):
    speak(as_viewer, "en")
    page = page_of(as_viewer, "report", {"day_from": "1 Nov 2026", "day_to": "3 Dec 2026"})
    assert 'name="day_from" value="1 Nov 2026"' in page and 'name="day_to" value="3 Dec 2026"' in page


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "typed"), [("id", "11/11/2026 10.00"), ("en", "11 Nov 2026, 10:00")])
def test_download_orders_takes_shop_time_as_the_pages_write_it(as_operator, monkeypatch, language, typed):
    monkeypatch.setattr("channels_app.runs.run_enqueue", lambda pk: None)
    ch = factories.channel()
    speak(as_operator, language)
    response = as_operator.post(reverse("download_start"), {"channel": ch.pk, "since": typed}, **HX)
    assert response.status_code == 200
    run = SyncRun.objects.get(channel=ch, kind="download_orders")
    assert run.params["since"] == "2026-11-11T10:00:00+07:00"


# --- the card says what is missing since when ----------------------------------------------------------------------

@pytest.fixture
def two_missing(db):
    """Two orders the channel has and the POS lacks, the older updated 1 Dec 2026 09.00 in Jakarta; one in both."""
    ch = factories.channel(orders_verified_until=dt.datetime(2026, 12, 2, 0, 0, tzinfo=dt.UTC))
    RemoteOrder.objects.bulk_create([
        RemoteOrder(channel=ch, external_id="GONE-OLD", raw_status="READY_TO_SHIP", status="to_ship",
                    channel_updated_at=dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)),
        RemoteOrder(channel=ch, external_id="GONE-NEW", raw_status="READY_TO_SHIP", status="to_ship",
                    channel_updated_at=dt.datetime(2026, 12, 2, 5, 0, tzinfo=dt.UTC)),
        RemoteOrder(channel=ch, external_id="HERE", raw_status="READY_TO_SHIP", status="to_ship",
                    channel_updated_at=dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)),
    ])
    make_order(ch, "HERE", dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC))
    order_counts_store(ch)
    return ch


def card_field(page, ch, field):
    card = page[page.index(f'id="channel-{ch.pk}"'):]
    match = re.search(rf'data-field="{field}">(.*?)</dd>', card, re.S)
    return match and re.sub(r"\s+", " ", match.group(1)).strip()


@pytest.mark.django_db
def test_a_card_with_missing_orders_says_how_many_since_when_not_verified_up_to(as_viewer, two_missing):
    english = page_of(speak(as_viewer, "en"), "dashboard")
    assert card_field(english, two_missing, "orders_missing_since") == "2 orders missing since 1 Dec 2026, 09:00"
    assert "verified up to" not in english
    indonesian = page_of(speak(as_viewer, "id"), "dashboard")
    assert "01/12/2026 09.00" in card_field(indonesian, two_missing, "orders_missing_since")
    assert "Pesanan terverifikasi sampai" not in indonesian
    # the card's own refresh (after a run ends) says the same
    stats = as_viewer.get(reverse("channel_stats", args=[two_missing.pk])).content.decode()
    assert "01/12/2026 09.00" in stats and "terverifikasi" not in stats


@pytest.mark.django_db
def test_the_missing_since_is_the_recounts_so_the_dashboard_reads_no_remote_orders(as_viewer, two_missing):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Issue 13: at a million orders, finding the oldest missing one per request took 1.1 s. The recount stores it.
    two_missing.refresh_from_db()
    assert two_missing.orders_missing_since == dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    with CaptureQueriesContext(connection) as ctx:
        english = page_of(speak(as_viewer, "en"), "dashboard")
    assert card_field(english, two_missing, "orders_missing_since") == "2 orders missing since 1 Dec 2026, 09:00"
    assert not [q for q in ctx.captured_queries if "orders_remoteorder" in q["sql"]]
    # The older one arrives: the next recount moves the date to the one still missing.
    make_order(two_missing, "GONE-OLD", AT)
    order_counts_store(two_missing)
    assert card_field(page_of(as_viewer, "dashboard"), two_missing, "orders_missing_since") == (
        "1 order missing since 2 Dec 2026, 12:00")


@pytest.mark.django_db
def test_a_card_with_nothing_missing_says_verified_up_to(as_viewer, two_missing):
    make_order(two_missing, "GONE-OLD", AT)
    make_order(two_missing, "GONE-NEW", AT)
    order_counts_store(two_missing)
    page = page_of(speak(as_viewer, "en"), "dashboard")
    assert "Orders verified up to" in page
    assert card_field(page, two_missing, "orders_verified_until") == "2 Dec 2026, 07:00"
    assert card_field(page, two_missing, "orders_missing_since") is None


# --- the report agrees with the cards ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_report_counts_what_its_columns_say_and_agrees_with_the_card(as_viewer, settings):
    """Today: the channel updated 4 orders; 1 was downloaded into the POS today (an older one already was), 2 are
    missing and the one downloaded earlier has an older status; 1 listing shows 3 where the POS can sell 9."""
    loc = factories.location()
    ch = factories.channel(loc=loc)
    now = timezone.now()
    RemoteOrder.objects.bulk_create([
        RemoteOrder(channel=ch, external_id=external_id, raw_status=raw, status=status, channel_updated_at=now)
        for external_id, raw, status in (("NEW-1", "READY_TO_SHIP", "to_ship"), ("OLD-1", "SHIPPED", "shipped"),
                                         ("MISS-1", "READY_TO_SHIP", "to_ship"), ("MISS-2", "UNPAID", "unpaid"))
    ])
    make_order(ch, "NEW-1", now)
    make_order(ch, "OLD-1", now - dt.timedelta(hours=1), imported_at=now - dt.timedelta(days=3))
    sku = Sku.objects.create(code="KAOS-1", name="Kaos")
    StockLevel.objects.create(sku=sku, location=loc, on_hand=10, allocated=1)
    Listing.objects.create(channel=ch, external_item_id="1", seller_sku="KAOS-1", sku=sku, channel_stock=3)
    order_counts_store(ch, stock_discrepancies=discrepancy_count(ch))
    report_write(timezone.localdate(), [ch])

    speak(as_viewer, "en")
    dashboard = page_of(as_viewer, "dashboard")
    card = {k: re.search(rf'data-count="{k}"><a [^>]*>(\d+)</a>', dashboard).group(1)
            for k in ("orders_missing", "orders_wrong_status", "stock_discrepancies")}
    assert card == {"orders_missing": "2", "orders_wrong_status": "1", "stock_discrepancies": "1"}

    report = page_of(as_viewer, "report", HX)
    row = re.search(r"<tbody>\s*<tr[^>]*>(.*?)</tr>", report, re.S).group(1)
    cells = dict(re.findall(r'data-label="([^"]+)">([^<]*)</td>', row))
    assert {k: v for k, v in cells.items() if k not in ("day", "Channel")} == {
        "orders updated on the channel": "4", "orders downloaded": "1", "missing at end of day": "2",
        "wrong status at end of day": "1", "stock discrepancies at end of day": "1",
        "orders fixed by downloads": "0", "listings fixed by pushes": "0", "runs started": "0", "runs failed": "0",
    }

    settings.REPORT_EMAILS = ["owner@toko.example"]
    settings.LANGUAGE_CODE = "en"  # the e-mail goes out in the shop's language
    report_email(timezone.localdate(), list(DailyReport.objects.filter(channel=ch)))
    (sent,) = mail.outbox
    assert "  missing at end of day: 2\n" in sent.body and "  orders downloaded: 1\n" in sent.body
    assert sent.subject == f"omnisync daily report {timezone.localdate():%-d %b %Y}"


@pytest.mark.django_db
def test_the_report_e_mail_is_in_the_shops_language_and_format(settings):
    settings.REPORT_EMAILS = ["owner@toko.example"]
    ch = factories.channel(name="Toko & Co")
    row = DailyReport.objects.create(channel=ch, day=dt.date(2026, 12, 3), orders_missing=2)
    report_email(dt.date(2026, 12, 3), [row])
    (sent,) = mail.outbox
    assert sent.subject.endswith(" 03/12/2026")
    assert "03/12/2026" in sent.body.splitlines()[0]
    assert "Toko & Co" in sent.body  # a plain-text mail: no HTML escaping


# --- stock discrepancies by cause ----------------------------------------------------------------------------------

@pytest.fixture
def one_of_each_cause(db):
    """Five listings, each off for another reason; the POS can sell 9 of each SKU, every channel shows 3."""
    loc = factories.location()
    waiting = factories.channel("Waiting shop", loc=loc, orders_missing=1)
    calm = factories.channel("Calm shop", platform="lazada", loc=loc)
    pushed = timezone.now() - dt.timedelta(hours=2)
    rows = {
        "WAIT": (waiting, {"last_pushed_at": pushed, "last_push_state": "confirmed", "pushed_target": 9}),
        "FAIL": (calm, {"last_pushed_at": pushed, "last_push_state": "failed", "pushed_target": 9,
                        "last_push_error": "timeout"}),
        "NEVER": (calm, {}),
        "MOVED": (calm, {"last_pushed_at": pushed, "last_push_state": "confirmed", "pushed_target": 5}),
        "EDITED": (calm, {"last_pushed_at": pushed, "last_push_state": "confirmed", "pushed_target": 9}),
    }
    for code, (ch, push) in rows.items():
        sku = Sku.objects.create(code=code, name=code)
        StockLevel.objects.create(sku=sku, location=loc, on_hand=10, allocated=1)
        Listing.objects.create(channel=ch, external_item_id=code, seller_sku=code, sku=sku, channel_stock=3, **push)
    return rows


@pytest.mark.django_db
@pytest.mark.parametrize(("cause", "sku", "label"), [
    ("orders_not_imported", "WAIT", "orders not imported yet"),
    ("push_failed", "FAIL", "last push failed"),
    ("never_pushed", "NEVER", "never pushed"),
    ("pos_changed", "MOVED", "POS changed since last push"),
    ("changed_on_channel", "EDITED", "changed on the channel"),
])
def test_the_discrepancy_page_filters_by_cause(as_viewer, one_of_each_cause, cause, sku, label):
    page = page_of(speak(as_viewer, "en"), "discrepancies", {"cause": cause}, **HX)
    rows = re.findall(r'<td data-label="SKU">([A-Z]+)</td>.*?data-label="likely cause">([^<]*)</td>', page, re.S)
    assert rows == [(sku, label)]


@pytest.mark.django_db
def test_the_cause_filter_is_offered_and_an_unknown_cause_is_refused(as_viewer, one_of_each_cause):
    page = page_of(speak(as_viewer, "en"), "discrepancies", {"cause": "gremlins"})
    assert 'name="cause"' in page and '<option value="pos_changed">POS changed since last push</option>' in page
    assert "Select a valid choice." in page
    assert len(re.findall(r'<td data-label="SKU">', page)) == 5  # the bad value is left out, the rest still shows


@pytest.mark.django_db
def test_a_cause_pages_by_key_through_every_row_once(as_viewer):
    loc = factories.location()
    ch = factories.channel(loc=loc)
    skus = Sku.objects.bulk_create([Sku(code=f"N-{i:03}", name="n") for i in range(120)])
    StockLevel.objects.bulk_create([StockLevel(sku=s, location=loc, on_hand=10) for s in skus])
    Listing.objects.bulk_create(
        [Listing(channel=ch, external_item_id=s.code, seller_sku=s.code, sku=s, channel_stock=3) for s in skus[:110]]
        + [Listing(channel=ch, external_item_id=s.code, seller_sku=s.code, sku=s, channel_stock=3,
                   last_pushed_at=AT, last_push_state="failed", pushed_target=10) for s in skus[110:]]
    )
    seen, url, pages = [], reverse("discrepancies") + "?cause=never_pushed", 0
    while url and pages < 5:
        page = as_viewer.get(url, **HX).content.decode()
        pages += 1
        seen += re.findall(r'<td data-label="SKU">(N-\d+)</td>', page)
        following = re.search(r'href="([^"]+)"[^>]*rel="next"', page)
        url = reverse("discrepancies") + html.unescape(following.group(1)) if following else None
    assert pages == 3  # 50 + 50 + 10
    assert seen == [f"N-{i:03}" for i in range(110)]


# --- the first-run checklist ---------------------------------------------------------------------------------------

def checklist(page):
    if 'id="setup-checklist"' not in page:
        return None
    return dict(re.findall(r'data-step="(\w+)" data-done="(\w+)"', page))


def finished(ch, kind, status="succeeded", **params):
    return SyncRun.objects.create(channel=ch, kind=kind, status=status, finished_at=timezone.now(), params=params)


@pytest.mark.django_db
def test_the_checklist_ticks_each_step_from_what_was_done_and_then_goes(as_viewer):
    speak(as_viewer, "en")
    fresh = page_of(as_viewer, "dashboard")
    assert checklist(fresh) == {"channel": "false", "connection": "false", "scan": "false", "download": "false",
                                "push": "false"}
    assert f'href="{reverse("admin:channels_app_channel_add")}">Add a channel</a>' in fresh

    ch = factories.channel()
    finished(ch, "report")  # a report run never talked to the marketplace
    finished(ch, "scan", status="failed")
    page = page_of(as_viewer, "dashboard")
    assert checklist(page) == {"channel": "true", "connection": "false", "scan": "false", "download": "false",
                               "push": "false"}
    assert f'href="{reverse("admin:channels_app_channel_change", args=[ch.pk])}">Test the connection</a>' in page

    finished(ch, "scan", status="partial")
    finished(ch, "update_inventory", dry_run=True, force=False)  # a dry run pushes nothing
    page = page_of(as_viewer, "dashboard")
    assert checklist(page) == {"channel": "true", "connection": "true", "scan": "true", "download": "false",
                               "push": "false"}
    assert f'href="/jobs/download-orders/?channel={ch.pk}">First download of orders</a>' in page
    assert f'href="/channels/{ch.pk}/inventory-preview/">First stock push</a>' in page

    finished(ch, "download_orders")
    finished(ch, "update_inventory", dry_run=False, force=False)
    assert checklist(page_of(as_viewer, "dashboard")) is None


# --- in a real browser -----------------------------------------------------------------------------------------------

@pytest.fixture
def browser(live_server):
    """Chromium set up in English, as many shop computers are: the pages still open in Indonesian."""
    with chromium_page() as page:
        yield page


def log_in(page, live_server, django_user_model):
    operator_log_in(page, live_server.url, django_user_model)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_owner_reads_the_dashboard_in_indonesian_and_filters_in_its_format(browser, live_server, two_missing,
                                                                           django_user_model):
    page = browser
    make_order(two_missing, "SEBELUM", dt.datetime(2026, 11, 29, 3, 0, tzinfo=dt.UTC))
    log_in(page, live_server, django_user_model)
    assert page.locator("html").get_attribute("lang") == "id"
    card = page.locator(f"#channel-{two_missing.pk}")
    assert "01/12/2026 09.00" in card.locator('[data-field="orders_missing_since"]').inner_text()
    steps = page.locator("#setup-checklist li")
    assert steps.count() == 5
    assert page.locator('#setup-checklist li[data-step="channel"]').get_attribute("data-done") == "true"
    assert page.locator('#setup-checklist li[data-step="scan"] a').count() == 1  # not done yet: a link to do it

    page.goto(live_server.url + "/orders/")
    page.evaluate("window.__marker = 1")
    page.fill('input[name="created_from"]', "30/11/2026")  # typed as the page writes a day
    page.press('input[name="created_from"]', "Enter")
    page.wait_for_function("!document.querySelector('#list-results').innerText.includes('SEBELUM')")
    results = page.locator("#list-results").inner_text()
    assert "HERE" in results and "30/11/2026 08.00" in results
    assert page.evaluate("window.__marker") == 1  # swapped in by htmx, not reloaded

    page.click('button[data-lang="en"]')
    page.wait_for_selector('html[lang="en"]')
    assert page.locator('input[name="created_from"]').input_value() == "30 Nov 2026"
    assert "30 Nov 2026, 08:00" in page.locator("#list-results").inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_pick_a_cause_on_the_discrepancy_page(browser, live_server, one_of_each_cause, django_user_model):
    page = browser
    log_in(page, live_server, django_user_model)
    page.click('button[data-lang="en"]')
    page.goto(live_server.url + "/stock/discrepancies/")
    assert page.locator("#list-results tbody tr").count() == 5
    page.evaluate("window.__marker = 1")
    page.select_option('select[name="cause"]', label="POS changed since last push")
    page.wait_for_function("document.querySelectorAll('#list-results tbody tr').length === 1")
    assert page.locator('#list-results td[data-label="SKU"]').inner_text() == "MOVED"
    assert page.evaluate("window.__marker") == 1 and "cause=pos_changed" in page.url
