"""Requests in flight at once: one thread-safe ApiSession and token bucket, adapters' worker threads in order."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
import requests

from channels_app.adapters.base import Adapter
from channels_app.adapters.types import PushResult, StockUpdate
from omnisync.lib.http import ApiError, ApiSession
from omnisync.lib.ratelimit import LocalTokenBucket


def test_the_session_counts_every_request_from_many_threads(server):
    server.answers = [(200, {}, {"ok": True})] * 200
    session = ApiSession("Test", max_retries=0, sleep=lambda s: None)
    threads = [threading.Thread(target=lambda: [session.get(server.url + "/x") for _ in range(20)]) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert session.requests_made == 160 and len(server.seen) == 160
    # Each request borrowed a requests.Session no other thread was using; they are reused, then all closed.
    assert 1 <= len(session._opened) <= 8 and len(session._idle) == len(session._opened)
    session.close()
    assert session._opened == [session.http]


def test_no_two_threads_share_a_requests_session_at_once():
    in_use: set[int] = set()
    clash = []
    lock = threading.Lock()

    class Watched(requests.Session):
        def request(self, *args, **kwargs):
            with lock:
                if id(self) in in_use:
                    clash.append(id(self))
                in_use.add(id(self))
            time.sleep(0.01)
            with lock:
                in_use.discard(id(self))
            response = requests.Response()
            response.status_code, response._content = 200, b"{}"
            return response

    session = ApiSession("Test", max_retries=0, sleep=lambda s: None)
    session._new_http = Watched  # type: ignore[method-assign]
    session.http = Watched()
    session._idle, session._opened = [session.http], [session.http]
    threads = [threading.Thread(target=lambda: [session.get("http://x.invalid/") for _ in range(5)]) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not clash and session.requests_made == 30


def test_the_token_bucket_holds_the_rate_across_threads():
    bucket = LocalTokenBucket(rate=200, burst=1)
    started = time.monotonic()
    threads = [threading.Thread(target=lambda: [bucket.acquire() for _ in range(10)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.monotonic() - started >= 39 / 200 * 0.95  # 40 tokens, 1 at once, 200 a second


# -- adapters' worker threads ------------------------------------------------------------------
class Fake(Adapter):
    platform = "fake"
    label = "Fake"
    max_in_flight = 4
    expired_token_codes = frozenset({"expired"})

    def __init__(self):
        channel = SimpleNamespace(pk=None, credentials={"access_token": "old"}, token_expires_at=None)
        super().__init__(channel, ApiSession("Fake", max_retries=0, sleep=lambda s: None))
        self.session.round_trip, self.session.round_trips = 0.15, 10  # a marketplace's answers: requests go in flight together
        self.refreshed_on: list[str] = []

    def refresh_tokens(self):
        from channels_app.adapters.types import TokenSet

        self.refreshed_on.append(threading.current_thread().name)
        return TokenSet("new", "r", None)

    def list_order_states(self, time_slice):  # pragma: no cover
        return iter(())

    def fetch_orders(self, external_ids):  # pragma: no cover
        return iter(())

    def list_listings(self, changed_since=None):  # pragma: no cover
        return iter(())

    def push_stock(self, updates):  # pragma: no cover
        return []

    def check_connection(self):  # pragma: no cover
        return ""


def test_fan_out_keeps_the_order_and_the_width():
    adapter = Fake()
    running, most = [0], [0]
    lock = threading.Lock()

    def call(n):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.02 if n % 2 else 0.005)
        with lock:
            running[0] -= 1
        assert adapter.in_worker()
        return n * n

    assert [r for _n, r, _e in adapter.fan_out(call, range(12))] == [n * n for n in range(12)]
    assert most[0] == 4


def test_fast_answers_go_one_after_the_other_on_the_calling_thread():
    adapter = Fake()
    adapter.session.round_trip = 0.005  # a local sandbox
    threads = []
    assert [r for _n, r, _e in adapter.fan_out(lambda n: threads.append(threading.current_thread()) or n, range(5))] == list(range(5))
    assert set(threads) == {threading.current_thread()}
    asked = []
    pages = adapter.pages_ahead(lambda c: (asked.append(c) or c, c + 1 if c < 9 else None), 0)
    assert next(pages) == 0 and asked == [0]  # nothing read ahead
    assert list(pages) == list(range(1, 10))


def test_the_session_learns_how_slowly_the_platform_answers(server):
    server.answers = [("sleep", 0.12, (200, {}, {"ok": True}))] * 3
    session = ApiSession("Test", max_retries=0, sleep=lambda s: None)
    assert session.round_trip is None and not session.answers_slowly
    for _ in range(3):
        session.get(server.url + "/slow")
    assert session.answers_slowly


def test_an_expired_token_in_a_worker_is_refreshed_on_the_calling_thread_once():
    adapter = Fake()

    def call(n):
        if adapter.channel.credentials["access_token"] == "old":
            raise ApiError("expired", code="expired")
        return n

    assert [r for _n, r, _e in adapter.fan_out(call, range(6))] == list(range(6))
    assert adapter.refreshed_on == [threading.current_thread().name]


def test_pages_ahead_reads_ahead_and_stops_when_closed():
    adapter = Fake()
    asked = []

    def fetch(cursor):
        asked.append(cursor)
        return cursor, cursor + 1 if cursor < 100 else None

    pages = adapter.pages_ahead(fetch, 0)
    assert [next(pages) for _ in range(3)] == [0, 1, 2]
    time.sleep(0.1)
    assert len(asked) <= 3 + adapter.pages_ahead_depth + 1  # bounded read-ahead
    pages.close()
    seen = len(asked)
    time.sleep(0.05)
    assert len(asked) == seen  # the reader stopped
    assert list(adapter.pages_ahead(fetch, 95)) == [95, 96, 97, 98, 99, 100]


def updates(n):
    return [StockUpdate(str(i), "", f"S{i}", 1) for i in range(n)]


def test_push_groups_first_alone_then_in_flight_and_a_stop_keeps_what_applied():
    adapter = Fake()
    sent = []
    lock = threading.Lock()

    def push(group):
        with lock:
            sent.append(group[0].item_id)
        time.sleep(0.01)
        if group[0].item_id == "3":
            raise ApiError("busy", transient=True, code="busy")
        return [PushResult(u.item_id, u.variant_id, True) for u in group]

    groups = [[u] for u in updates(12)]
    with pytest.raises(ApiError) as caught:
        adapter.push_in_groups(groups, push)
    assert sent[0] == "0"
    applied = [r.item_id for r in caught.value.partial_results]
    assert applied == sorted(applied, key=int) and "0" in applied and "3" not in applied
    assert len(sent) < 12  # groups not yet started when the push stopped were not sent

    # A later push of the same run does not start with a lone group, and returns every result in order.
    results = adapter.push_in_groups([[u] for u in updates(3)], lambda g: [PushResult(u.item_id, "", True) for u in g])
    assert [r.item_id for r in results] == ["0", "1", "2"]


def test_a_channel_wide_refusal_costs_one_call():
    adapter = Fake()
    sent = []

    def push(group):
        sent.append(group)
        raise ApiError("bad key", code="expired")  # the token refresh does not mend it: stops the batch

    with pytest.raises(ApiError):
        adapter.push_in_groups([[u] for u in updates(8)], push)
    assert len(sent) == 2  # the lone first call, then once more after refreshing the token


def test_a_slow_answer_to_the_lone_first_push_sends_the_other_groups_together():
    for answer, together in ((0.2, True), (0.005, False)):  # a marketplace (cold connection and all); a local sandbox
        adapter = Fake()
        adapter.session.round_trip, adapter.session.round_trips = None, 0  # the run's first requests
        threads = []

        def push(group, answer=answer, threads=threads, adapter=adapter):
            threads.append(threading.current_thread())
            adapter.session._note_round_trip(answer)
            return [PushResult(u.item_id, "", True) for u in group]

        results = adapter.push_in_groups([[u] for u in updates(6)], push)
        assert [r.item_id for r in results] == [str(i) for i in range(6)]
        assert threads[0] is threading.current_thread()  # the first group alone, as before
        on_caller = [t is threading.current_thread() for t in threads[1:]]
        # Slow: the second group does not go alone to confirm what the first answer showed.
        assert on_caller == [not together] * 5
