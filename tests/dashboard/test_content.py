"""What the pages say: filters pick the right rows, CSV carries them, forms refuse bad ranges, both languages."""

import csv
import io
import re

import pytest
from django.urls import reverse

from channels_app.models import SyncRun
from orders.models import Order

HX = {"HTTP_HX_REQUEST": "true"}


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.django_db
def test_mismatch_filters_pick_kind_and_channel(as_viewer, shop):
    a = shop(3)
    b = shop(2, name="Lazada Test")
    missing = as_viewer.get(reverse("mismatches"), {"kind": "missing", "channel": a.pk}, **HX).content.decode()
    assert f"{a.pk}-MISS-0" in missing and f"{a.pk}-ORD-0" not in missing and f"{b.pk}-MISS-0" not in missing
    wrong = as_viewer.get(reverse("mismatches"), {"kind": "wrong_status"}, **HX).content.decode()
    assert f"{a.pk}-ORD-0" in wrong and f"{b.pk}-ORD-1" in wrong and "MISS" not in wrong
    searched = as_viewer.get(reverse("mismatches"), {"q": f"{b.pk}-MISS-1"}, **HX).content.decode()
    assert f"{b.pk}-MISS-1" in searched and f"{a.pk}-MISS-0" not in searched


@pytest.mark.django_db
def test_mismatch_csv_export(as_viewer, shop):
    ch = shop(4)
    as_viewer.post(reverse("set_language"), {"language": "en"})
    rows = _csv(as_viewer.get(reverse("mismatches"), {"export": "csv", "kind": "missing"}))
    assert len(rows) == 1 + 4
    header = rows[0]
    assert header[:3] == ["channel", "order id", "mismatch"], header
    assert {r[1] for r in rows[1:]} == {f"{ch.pk}-MISS-{i}" for i in range(4)}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["orders", "discrepancies", "listings", "runs", "report"])
def test_every_list_exports_all_filtered_rows(as_viewer, shop, name):
    ch = shop(60)  # more than a page of 50
    shop(3, name="Lazada Test")  # filtered out below
    response = as_viewer.get(reverse(name), {"export": "csv", "channel": ch.pk})
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    expected = {"orders": 60, "discrepancies": 60, "listings": 60, "runs": 60, "report": 30}[name]
    assert len(rows) == 1 + expected


@pytest.mark.django_db
def test_order_detail_shows_lines_skus_statuses_and_ledger(as_viewer, shop):
    ch = shop(2)
    order = Order.objects.filter(channel=ch).first()
    page = as_viewer.get(reverse("order_detail", args=[order.pk])).content.decode()
    line = order.lines.get()
    assert line.sku.code in page
    assert "READY_TO_SHIP" in page and "COMPLETED" in page  # raw POS status and what the channel says now
    assert "Rp 150" in page
    assert "+1" in page  # the allocation movement the line posted


@pytest.mark.django_db
def test_discrepancies_show_target_and_cause(as_viewer, shop):
    shop(2)
    as_viewer.post(reverse("set_language"), {"language": "en"})
    page = as_viewer.get(reverse("discrepancies"), **HX).content.decode()
    # on hand 10 − allocated 1 = 9 available, no buffer → target 9; channel shows 3 → −6
    row = re.search(r'<td data-label="SKU">SKU-0</td>(.*?)</tr>', page, re.S).group(1)
    cells = dict(re.findall(r'data-label="([^"]+)">(?:<span[^>]*>)?([^<]*)', row))
    assert {k: cells[k] for k in ("POS available", "buffer", "target", "Channel stock", "difference", "likely cause")} == {
        "POS available": "9", "buffer": "0", "target": "9", "Channel stock": "3", "difference": "-6",
        "likely cause": "orders not imported yet"}


@pytest.mark.django_db
def test_listing_tabs(as_viewer, shop):
    ch = shop(2)
    mapped = as_viewer.get(reverse("listings"), {"channel": ch.pk}, **HX).content.decode()
    assert "Kaos 0" in mapped and "X-0" not in mapped
    unmapped = as_viewer.get(reverse("listings"), {"channel": ch.pk, "tab": "not_in_pos"}, **HX).content.decode()
    assert "X-0" in unmapped and "SKU-0" not in unmapped
    from inventory.models import Sku

    Sku.objects.create(code="LONELY", name="Nobody lists me")
    not_listed = as_viewer.get(reverse("listings"), {"channel": ch.pk, "tab": "not_in_channel"}, **HX).content.decode()
    assert "LONELY" in not_listed and "SKU-0" not in not_listed


@pytest.mark.django_db
def test_report_has_chart_and_date_range(as_viewer, shop):
    shop(40)
    page = as_viewer.get(reverse("report")).content.decode()
    assert '<svg viewBox' in page and page.count('class="bar-missing"') == 30
    narrow = as_viewer.get(reverse("report"), {"day_from": "2000-01-01", "day_to": "2000-01-02"}, **HX).content.decode()
    assert narrow.count('class="bar-missing"') == 2  # every day of the range, zero when nothing was recorded
    assert 'height="0.0"' in narrow


@pytest.mark.django_db
def test_run_page_shows_counts_and_issues(as_viewer, shop):
    ch = shop(3)
    run = SyncRun.objects.filter(channel=ch).order_by("id").first()
    page = as_viewer.get(reverse("run_detail", args=[run.pk])).content.decode()
    assert "timeout" in page and "O2" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("since", "until", "field", "message_en"),
    [
        ("yesterday", "", "since", "Enter a valid date/time."),
        ("2026-11-11T10:00", "2026-11-11T25:99", "until", "Enter a valid date/time."),
        ("2026-11-11T10:00", "2026-11-10T10:00", "until", "The end must be after the start."),
        ("2999-01-01T00:00", "", "since", "The start is in the future."),
    ],
)
def test_download_form_refuses_bad_ranges_beside_the_field(as_operator, shop, since, until, field, message_en):
    ch = shop(1)
    as_operator.post(reverse("set_language"), {"language": "en"})
    response = as_operator.post(reverse("download_start"), {"channel": ch.pk, "since": since, "until": until}, **HX)
    body = response.content.decode()
    assert response.status_code == 200
    assert message_en in body
    label_start = body.index(f'for="dl{ch.pk}-{field}"')
    assert body.index(message_en) > label_start
    assert not SyncRun.objects.filter(channel=ch, kind="download_orders").exists()


@pytest.mark.django_db
def test_download_form_accepts_a_range_and_swaps_progress_in(as_operator, shop, monkeypatch, django_capture_on_commit_callbacks):
    enqueued = []
    monkeypatch.setattr("channels_app.runs.run_enqueue", enqueued.append)
    ch = shop(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_operator.post(
            reverse("download_start"), {"channel": ch.pk, "since": "2026-11-10T00:00", "until": "2026-11-11T00:00"}, **HX
        )
    run = SyncRun.objects.get(channel=ch, kind="download_orders")
    assert enqueued == [run.pk]
    assert run.params["since"].startswith("2026-11-10T00:00:00+07:00")
    body = response.content.decode()
    assert f'id="ch{ch.pk}-slot-download_orders" hx-swap-oob="true"' in body and f'id="run-{run.pk}"' in body


@pytest.mark.django_db
def test_language_switch(as_viewer, shop):
    shop(1)
    as_viewer.post(reverse("set_language"), {"language": "en"})
    english = as_viewer.get(reverse("dashboard")).content.decode()
    assert "Missing orders" in english and "Stock discrepancies" in english
    as_viewer.post(reverse("set_language"), {"language": "id"})
    indonesian = as_viewer.get(reverse("dashboard")).content.decode()
    assert "Pesanan hilang" in indonesian and "Selisih stok" in indonesian
    assert "Missing orders" not in indonesian


@pytest.mark.django_db
def test_malformed_filter_is_explained_and_ignored(as_viewer, shop):
    shop(2)
    as_viewer.post(reverse("set_language"), {"language": "en"})
    page = as_viewer.get(reverse("orders"), {"created_from": "31/31/2026"}).content.decode()
    assert "Enter a valid date." in page
    assert "ORD-0" in page
