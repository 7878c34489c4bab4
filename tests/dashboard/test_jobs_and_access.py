"""Who may press the buttons, what a press returns, and how htmx requests get only the partial."""

import pytest
from django.urls import reverse

from channels_app.models import SyncRun
from orders.filters import MismatchFilter  # noqa: F401  (import check: filters load without a request)

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["dashboard", "mismatches", "orders", "discrepancies", "listings", "runs", "report"])
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_viewer_sees_pages_but_no_buttons_and_gets_403_on_jobs(as_viewer, shop):
    ch = shop(3)
    page = as_viewer.get(reverse("dashboard")).content.decode()
    assert ch.name in page
    assert 'data-job="scan"' not in page
    assert 'data-job="download_orders"' not in page
    assert as_viewer.post(reverse("job_start"), {"channel": ch.pk, "kind": "scan"}, **HX).status_code == 403
    assert as_viewer.post(reverse("download_start"), {"channel": ch.pk}, **HX).status_code == 403
    assert not SyncRun.objects.filter(channel=ch, status="queued").exists()
    preview = as_viewer.get(reverse("inventory_preview", args=[ch.pk])).content.decode()
    assert "Push now" not in preview and "Kirim sekarang" not in preview


@pytest.mark.django_db
def test_operator_sees_buttons(as_operator, shop):
    shop(2)
    page = as_operator.get(reverse("dashboard")).content.decode()
    for kind in ("scan", "download_orders", "update_inventory", "routine"):
        assert f'data-job="{kind}"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["scan", "update_inventory", "routine"])
def test_operator_starts_a_job_and_gets_its_progress(as_operator, shop, kind, monkeypatch, django_capture_on_commit_callbacks):
    enqueued = []  # what reaches the job cluster: one run, or a routine plan of runs
    monkeypatch.setattr("channels_app.runs.run_enqueue", enqueued.append)
    monkeypatch.setattr("omnisync.routine._enqueue", enqueued.append)
    ch = shop(2)
    with django_capture_on_commit_callbacks(execute=True):
        first = as_operator.post(reverse("job_start"), {"channel": ch.pk, "kind": kind}, **HX)
    assert first.status_code == 200
    run = SyncRun.objects.get(channel=ch, kind=kind, status="queued")
    body = first.content.decode()
    assert f'id="run-{run.pk}"' in body
    assert 'hx-trigger="every' in body  # still queued: it polls
    assert "<html" not in body
    queued = [[run.pk]] if kind == "routine" else [run.pk]
    assert enqueued == queued  # handed to the job cluster once the request committed
    with django_capture_on_commit_callbacks(execute=True):
        second = as_operator.post(reverse("job_start"), {"channel": ch.pk, "kind": kind}, **HX)
    assert f'id="run-{run.pk}"' in second.content.decode()
    assert SyncRun.objects.filter(channel=ch, kind=kind).exclude(status__in=["succeeded", "failed"]).count() == 1
    assert enqueued == queued  # the second press found the active run and queued nothing


@pytest.mark.django_db
def test_job_without_htmx_redirects_to_the_run(as_operator, shop, monkeypatch, django_capture_on_commit_callbacks):
    enqueued = []
    monkeypatch.setattr("channels_app.runs.run_enqueue", enqueued.append)
    ch = shop(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_operator.post(reverse("job_start"), {"channel": ch.pk, "kind": "scan"})
    run = SyncRun.objects.get(channel=ch, kind="scan", status="queued")
    assert enqueued == [run.pk]
    assert response.status_code == 302
    assert response["Location"] == reverse("run_detail", args=[run.pk])


@pytest.mark.django_db
def test_unknown_job_kind_is_refused(as_operator, shop):
    ch = shop(1)
    assert as_operator.post(reverse("job_start"), {"channel": ch.pk, "kind": "drop_tables"}, **HX).status_code == 400


@pytest.mark.django_db
def test_progress_partial_stops_polling_when_the_run_ends(as_viewer, shop):
    ch = shop(1)
    run = SyncRun.objects.create(channel=ch, kind="download_orders", status="running", progress_done=3, progress_total=10)
    url = reverse("run_progress", args=[run.pk])
    running = as_viewer.get(url, **HX)
    assert 'hx-trigger="every' in running.content.decode()
    assert 'aria-valuenow="30"' in running.content.decode()
    assert "HX-Trigger" not in running
    SyncRun.objects.filter(pk=run.pk).update(status="succeeded", progress_done=10)
    done = as_viewer.get(url, **HX)
    assert "hx-trigger" not in done.content.decode()
    assert done["HX-Trigger"] == "run-finished"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["mismatches", "orders", "discrepancies", "listings", "runs", "report"])
def test_htmx_gets_exactly_the_partial_the_page_includes(as_viewer, shop, name):
    shop(3)
    full = as_viewer.get(reverse(name)).content.decode()
    partial = as_viewer.get(reverse(name), **HX).content.decode()
    assert "<html" in full
    assert "<html" not in partial
    assert partial.strip().startswith('<div id="list-results"')
    assert partial.strip() in full


@pytest.mark.django_db
def test_lazy_paging_shows_next_without_counting(as_viewer, shop, django_assert_num_queries):
    shop(60)
    page1 = as_viewer.get(reverse("orders"), {"per_page": 25}, **HX).content.decode()
    assert 'rel="next"' in page1 and 'rel="prev"' not in page1
    page3 = as_viewer.get(reverse("orders"), {"per_page": 25, "page": 3}, **HX).content.decode()
    assert 'rel="next"' not in page3 and 'rel="prev"' in page3
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        as_viewer.get(reverse("orders"), **HX)
    assert not any("COUNT(*)" in q["sql"].upper() and "orders_order" in q["sql"] and "GROUP BY" not in q["sql"].upper()
                   for q in ctx.captured_queries)
