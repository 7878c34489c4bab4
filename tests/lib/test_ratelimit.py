"""Token buckets: in-process always; in Redis when REDIS_URL is set."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings

from omnisync.lib.ratelimit import LocalTokenBucket, RedisTokenBucket, redis_client, token_bucket


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_burst_is_free_then_requests_are_spaced_at_the_rate():
    clock = FakeClock()
    bucket = LocalTokenBucket(rate=10, burst=3, clock=clock, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(5)]
    assert waits[:3] == [0, 0, 0]
    assert waits[3] == pytest.approx(0.1)
    assert waits[4] == pytest.approx(0.1)
    assert clock.now == pytest.approx(1000.2)


def test_tokens_refill_but_never_beyond_the_burst():
    clock = FakeClock()
    bucket = LocalTokenBucket(rate=2, burst=2, clock=clock, sleep=clock.sleep)
    bucket.acquire()
    bucket.acquire()
    clock.now += 60
    assert bucket.acquire() == 0
    assert bucket.acquire() == 0
    assert bucket.acquire() == pytest.approx(0.5)


def test_reservations_queue_callers_in_order():
    clock = FakeClock()
    bucket = LocalTokenBucket(rate=4, burst=1, clock=clock, sleep=clock.sleep)
    assert [bucket.reserve() for _ in range(4)] == [0, pytest.approx(0.25), pytest.approx(0.5), pytest.approx(0.75)]


def test_same_key_shares_one_bucket_in_process(settings):
    settings.REDIS_URL = None
    key = f"test:{uuid.uuid4()}"
    assert token_bucket(key, 5, 10) is token_bucket(key, 5, 10)
    assert token_bucket(key, 5, 10) is not token_bucket(key + "x", 5, 10)


def test_invalid_configuration_is_refused():
    with pytest.raises(ValueError, match="rate"):
        LocalTokenBucket(rate=0, burst=1)


@pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set")
def test_redis_bucket_is_shared_between_clients():
    key = f"omnisync:test:{uuid.uuid4()}"
    client = redis_client(settings.REDIS_URL)
    # One token per 100 s: the refill during the test's few milliseconds is far below the tolerance, so the
    # figures do not depend on how fast this machine is (no timing assert).
    first = RedisTokenBucket(client, key, rate=0.01, burst=2)
    second = RedisTokenBucket(client, key, rate=0.01, burst=2)
    try:
        assert first.reserve() == 0
        assert second.reserve() == 0  # the burst of 2 is shared: one each
        assert first.reserve() == pytest.approx(100, abs=1)  # the third token, one interval away
        assert second.reserve() == pytest.approx(200, abs=1)  # queued behind it, whichever client asks
        assert 300_000 < client.pttl(key) <= 401_000  # the key outlives the debt (4 tokens' time) plus a second
    finally:
        client.delete(key)


@pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set")
def test_token_bucket_uses_redis_when_configured():
    bucket = token_bucket(f"test:{uuid.uuid4()}", 5, 5)
    try:
        assert isinstance(bucket, RedisTokenBucket)
        assert bucket.acquire() == 0
    finally:
        bucket.client.delete(bucket.key)
