"""Run lifecycle: one active run per job, claimed once, janitor for dead workers."""

import datetime as dt

import pytest
from django.utils import timezone

from channels_app.models import RunKind, RunStatus, SyncRun
from channels_app.runs import run_claim, run_execute, run_request, runs_fail_stale
from tests import factories as f


@pytest.mark.django_db
def test_two_requests_give_one_run(django_capture_on_commit_callbacks):
    ch = f.channel()
    with django_capture_on_commit_callbacks() as callbacks:
        first, created1 = run_request(ch, RunKind.DOWNLOAD_ORDERS)
        second, created2 = run_request(ch, RunKind.DOWNLOAD_ORDERS)
    assert created1 and not created2
    assert first.pk == second.pk
    assert len(callbacks) == 1  # queued once, after commit
    other, created3 = run_request(ch, RunKind.SCAN)
    assert created3 and other.pk != first.pk


@pytest.mark.django_db
def test_a_run_is_claimed_exactly_once():
    ch = f.channel()
    run, _ = run_request(ch, RunKind.REPORT, queue=False)
    assert run_claim(run.pk) is not None
    assert run_claim(run.pk) is None  # the queue delivered the task twice
    assert SyncRun.objects.get(pk=run.pk).status == RunStatus.RUNNING


@pytest.mark.django_db
def test_report_run_executes_and_second_delivery_does_nothing():
    ch = f.channel()
    run, _ = run_request(ch, RunKind.REPORT, queue=False)
    assert run_execute(run.pk) == RunStatus.SUCCEEDED
    assert run_execute(run.pk) is None
    run.refresh_from_db()
    assert run.finished_at and run.status == RunStatus.SUCCEEDED
    assert ch.daily_reports.count() == 1


@pytest.mark.django_db
def test_janitor_fails_a_run_whose_worker_died_and_it_can_run_again(settings):
    ch = f.channel()
    run, _ = run_request(ch, RunKind.REPORT, queue=False)
    heartbeat = run_claim(run.pk).heartbeat_at
    assert runs_fail_stale(heartbeat + dt.timedelta(seconds=settings.Q_TIMEOUT, microseconds=1)) == 1  # just past the timeout
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "stopped responding" in run.message
    again, created = run_request(ch, RunKind.REPORT, queue=False)
    assert created and again.pk != run.pk
    assert run_execute(again.pk) == RunStatus.SUCCEEDED


@pytest.mark.django_db
def test_janitor_leaves_live_runs_alone(settings):
    ch = f.channel()
    run, _ = run_request(ch, RunKind.REPORT, queue=False)
    heartbeat = run_claim(run.pk).heartbeat_at
    assert runs_fail_stale(heartbeat) == 0
    assert runs_fail_stale(heartbeat + dt.timedelta(seconds=settings.Q_TIMEOUT)) == 0  # silent for exactly the timeout: still alive
    assert SyncRun.objects.get(pk=run.pk).status == RunStatus.RUNNING


@pytest.mark.django_db
def test_unreachable_channel_fails_with_reason_on_the_channel():
    ch = f.channel(api_base_url="http://127.0.0.1:9/sandbox/shopee")
    ch.credentials = {"partner_id": "1", "partner_key": "k", "shop_id": "2", "access_token": "t"}
    ch.save()
    run, _ = run_request(ch, RunKind.CHECK_ORDERS, queue=False)
    assert run_execute(run.pk) == RunStatus.FAILED
    run.refresh_from_db()
    ch.refresh_from_db()
    assert "Shopee" in run.message
    assert ch.last_error == run.message
    assert run.issues.filter(object_type="slice").exists()


@pytest.mark.django_db
def test_todays_report_row_counts_what_is_wrong_at_the_end_like_the_card():
    from omnisync.models import DailyReport

    ch = f.channel()
    ch.orders_missing, ch.stock_discrepancies = 5, 3
    ch.save()
    first, _ = run_request(ch, RunKind.REPORT, queue=False)
    run_execute(first.pk)
    row = DailyReport.objects.get(channel=ch, day=timezone.localdate())
    assert (row.orders_missing, row.stock_discrepancies) == (5, 3)
    ch.orders_missing = ch.stock_discrepancies = 0
    ch.save()
    second, _ = run_request(ch, RunKind.REPORT, queue=False)
    run_execute(second.pk)
    row.refresh_from_db()
    # "missing at end of day" and "stock discrepancies at end of day": what the card shows now, not the day's peak
    assert (row.orders_missing, row.stock_discrepancies) == (0, 0)
    assert row.runs == 2 and row.runs_failed == 0
