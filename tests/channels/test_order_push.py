"""What every platform's push shares: debouncing into one run, one more run for late arrivals, stale pushes ignored.

Pushes are Shopee's (the simplest to sign); the handling behind them is the same for every platform.
"""

import pytest

from channels_app.models import RunKind, RunStatus, SyncRun
from channels_app.runs import RunContext, run_claim, run_finish, run_request
from omnisync.models import OrderNotice
from tests import factories
from tests.channels.pushes import body, hex_sig, post

pytestmark = pytest.mark.django_db
KEY = "shopee-partner-key-0123"
T = 1794384300  # 2026-11-11 08:05:00 UTC


@pytest.fixture
def channel():
    ch = factories.channel("Shopee Debounce", platform="shopee")
    ch.credentials = {"partner_id": "2001001", "partner_key": KEY, "shop_id": "3001001"}
    ch.save()
    return ch


def push(channel, order_sn: str, update_time: int = T):
    payload = body({"shop_id": 3001001, "code": 3, "timestamp": update_time,
                    "data": {"ordersn": order_sn, "status": "READY_TO_SHIP", "update_time": update_time}})
    signature = hex_sig(KEY, f"http://testserver/webhooks/shopee/{channel.pk}/".encode() + b"|" + payload)
    response = post(channel, payload, HTTP_AUTHORIZATION=signature)
    assert response.status_code == 200
    return response


def finish(run: SyncRun) -> SyncRun:
    """Claim and finish a run as a worker would, without reading anything (the signal is what matters here)."""
    claimed = run_claim(run.pk)
    return run_finish(RunContext(claimed), RunStatus.SUCCEEDED)


def pending() -> list[str]:
    return sorted(OrderNotice.objects.filter(taken_at__isnull=True).values_list("external_id", flat=True))


def test_a_burst_while_the_run_is_queued_becomes_that_one_run(channel):
    for sn in ("A1", "B2", "A1", "C3"):
        push(channel, sn)
    run = SyncRun.objects.get()
    assert run.params == {"order_ids": ["A1", "B2", "C3"]}
    assert OrderNotice.objects.count() == 3


def test_pushes_arriving_while_the_run_runs_get_one_more_run_afterwards(channel):
    push(channel, "A1")
    first = SyncRun.objects.get()
    claimed = run_claim(first.pk)  # the worker has started: its ids are fixed
    push(channel, "B2")
    push(channel, "C3")
    assert SyncRun.objects.count() == 1
    assert SyncRun.objects.get(pk=first.pk).params == {"order_ids": ["A1"]}
    run_finish(RunContext(claimed), RunStatus.SUCCEEDED)
    assert pending() == ["B2", "C3"]
    second = SyncRun.objects.exclude(pk=first.pk).get()
    assert (second.kind, second.status, second.trigger, second.params) == (
        RunKind.DOWNLOAD_ORDERS, RunStatus.QUEUED, "webhook", {"order_ids": ["B2", "C3"]})
    assert OrderNotice.objects.get(external_id="A1").run_id == first.pk
    finish(second)
    assert pending() == []
    assert SyncRun.objects.count() == 2  # nothing left: no third run


def test_the_same_order_pushed_again_while_its_run_runs_is_read_once_more(channel):
    push(channel, "A1", T)
    first = SyncRun.objects.get()
    claimed = run_claim(first.pk)
    push(channel, "A1", T + 60)  # it changed again after the run may already have read it
    run_finish(RunContext(claimed), RunStatus.SUCCEEDED)
    assert pending() == ["A1"]
    assert SyncRun.objects.exclude(pk=first.pk).get().params == {"order_ids": ["A1"]}


def test_a_repeated_or_older_push_after_the_order_was_read_starts_nothing(channel):
    push(channel, "A1", T)
    finish(SyncRun.objects.get())
    push(channel, "A1", T)  # Shopee's retry of a delivered push
    push(channel, "A1", T - 300)  # a late push of an earlier change
    assert SyncRun.objects.count() == 1
    assert OrderNotice.objects.get().notices == 3
    push(channel, "A1", T + 1)  # a real change
    assert SyncRun.objects.count() == 2


def test_a_scheduled_download_running_holds_pushes_until_it_ends(channel):
    scheduled, _ = run_request(channel, RunKind.DOWNLOAD_ORDERS, trigger="schedule", queue=False)
    claimed = run_claim(scheduled.pk)
    push(channel, "A1")
    assert SyncRun.objects.count() == 1 and pending() == ["A1"]
    run_finish(RunContext(claimed), RunStatus.SUCCEEDED)
    after = SyncRun.objects.exclude(pk=scheduled.pk).get()
    assert after.params == {"order_ids": ["A1"]}


def test_a_queued_scheduled_download_is_not_rewritten_and_the_push_waits_for_it(channel):
    scheduled, _ = run_request(channel, RunKind.DOWNLOAD_ORDERS, trigger="schedule", queue=False)
    push(channel, "A1")
    scheduled.refresh_from_db()
    assert scheduled.params == {}  # it reads its window; the id waits
    assert pending() == ["A1"]
    finish(scheduled)
    assert SyncRun.objects.exclude(pk=scheduled.pk).get().params == {"order_ids": ["A1"]}


def test_an_inactive_channel_records_nothing(channel):
    channel.active = False
    channel.save()
    push(channel, "A1")
    assert not SyncRun.objects.exists() and not OrderNotice.objects.exists()
