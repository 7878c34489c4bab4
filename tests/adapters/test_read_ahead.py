"""A list's next page is read while the caller handles this one once answers take tens of milliseconds, in order."""

from __future__ import annotations

import threading
import time

from tests.lib.test_concurrency_session import Fake


def read(adapter, pages: int = 6):
    asked, threads = [], []

    def fetch(cursor):
        asked.append(cursor)
        threads.append(threading.current_thread())
        return cursor, (cursor + 1 if cursor < pages - 1 else None)

    gen = adapter.pages_ahead(fetch, 0)
    first = next(gen)
    return first, gen, asked, threads


def test_pages_of_a_server_answering_in_40_ms_are_read_ahead_in_order_by_one_thread():
    adapter = Fake()
    adapter.session.round_trip, adapter.session.round_trips = 0.04, 5  # a local server building a page of 100 orders
    assert not adapter.session.answers_slowly  # several requests in flight: not for this
    first, rest, asked, threads = read(adapter)
    assert first == 0
    assert [first, *rest] == [0, 1, 2, 3, 4, 5]
    assert asked == [0, 1, 2, 3, 4, 5]  # the same requests in the same order
    assert len(set(threads)) == 1 and threads[0] is not threading.current_thread()


def test_pages_of_a_server_answering_in_5_ms_are_read_when_asked_for():
    adapter = Fake()
    adapter.session.round_trip, adapter.session.round_trips = 0.005, 5
    first, rest, asked, threads = read(adapter)
    assert first == 0 and asked == [0]  # nothing read ahead
    assert list(rest) == [1, 2, 3, 4, 5] and set(threads) == {threading.current_thread()}


def test_one_slow_answer_alone_decides_nothing():
    adapter = Fake()
    adapter.session.round_trip, adapter.session.round_trips = 0.2, 1  # a cold first connection
    first, rest, asked, _threads = read(adapter)
    assert first == 0 and asked == [0]
    assert list(rest) == [1, 2, 3, 4, 5]


def slow_fetch(pages: int, seconds: float):
    asked, threads = [], []

    def fetch(cursor):
        asked.append(cursor)
        threads.append(threading.current_thread())
        time.sleep(seconds)
        return cursor, (cursor + 1 if cursor < pages - 1 else None)

    return fetch, asked, threads


def test_a_list_whose_own_pages_take_15_ms_is_read_ahead_though_other_answers_came_in_1_ms():
    adapter = Fake()
    adapter.session.round_trip, adapter.session.round_trips = 0.001, 5  # a token check answered at once
    fetch, asked, threads = slow_fetch(8, 0.015)
    gen = adapter.pages_ahead(fetch, 0)
    assert [next(gen), next(gen)] == [0, 1]  # two pages waited for on the caller's thread decide
    time.sleep(0.2)
    assert len(asked) >= 5  # the next pages were read meanwhile
    assert list(gen) == [2, 3, 4, 5, 6, 7]
    assert asked == list(range(8))  # each page once, in order
    me = threading.current_thread()
    assert threads[:2] == [me, me] and len(set(threads[2:])) == 1 and threads[2] is not me


def test_a_list_whose_pages_take_1_ms_is_read_when_asked_for():
    adapter = Fake()
    adapter.session.round_trip, adapter.session.round_trips = 0.001, 5
    fetch, asked, threads = slow_fetch(6, 0.001)
    gen = adapter.pages_ahead(fetch, 0)
    assert [next(gen), next(gen), next(gen)] == [0, 1, 2]
    time.sleep(0.05)
    assert asked == [0, 1, 2]
    assert list(gen) == [3, 4, 5] and set(threads) == {threading.current_thread()}


def test_batches_taking_15_ms_go_one_ahead_on_one_thread_in_order_never_two_at_once():
    adapter = Fake()
    adapter.session.round_trip, adapter.session.round_trips = 0.001, 5  # fast answers: nothing goes in flight together
    sent, threads, running, most = [], [], [0], [0]
    lock = threading.Lock()

    def call(batch):
        with lock:
            sent.append(batch)
            threads.append(threading.current_thread())
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.015)
        with lock:
            running[0] -= 1
        return batch * 10

    taken = []
    for batch, result, error in adapter.fan_out(call, range(8)):
        taken.append((batch, result, error))
        if batch == 3:
            time.sleep(0.05)  # the caller stores batch 3; batch 4 is being read meanwhile
            assert sent[-1] == 4
    assert taken == [(b, b * 10, None) for b in range(8)]
    assert sent == list(range(8)) and most[0] == 1
    me = threading.current_thread()
    assert threads[:2] == [me, me] and threads[2] is not me and len(set(threads[2:])) == 1


def test_batches_answered_in_1_ms_stay_on_the_callers_thread():
    adapter = Fake()
    adapter.session.round_trip, adapter.session.round_trips = 0.001, 5
    threads = []

    def call(batch):
        threads.append(threading.current_thread())
        time.sleep(0.001)
        return batch

    assert [b for b, _r, _e in adapter.fan_out(call, range(6))] == list(range(6))
    assert set(threads) == {threading.current_thread()}


def test_the_caller_is_told_when_taking_more_would_wait_for_a_slow_platform():
    adapter = Fake()  # answers in 150 ms: a marketplace
    assert adapter.session.answers_slowly
    gate = threading.Event()

    def fetch(cursor):
        if cursor == 2:
            gate.wait(5)  # the platform has not answered page 2 yet
        return cursor, (cursor + 1 if cursor < 2 else None)

    gen = adapter.pages_ahead(fetch, 0)
    assert not adapter.list_would_wait()  # nothing read ahead yet
    assert next(gen) == 0
    deadline = time.monotonic() + 2
    while adapter._reader.pages.qsize() < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert next(gen) == 1
    assert adapter.list_would_wait()  # page 2 is still on its way: import what is in hand
    gate.set()
    assert list(gen) == [2]
    assert not adapter.list_would_wait()


def test_a_fast_platform_never_makes_the_caller_import_early():
    adapter = Fake()
    adapter.session.round_trip = 0.02  # a local server: read ahead, but a wait of milliseconds
    gate = threading.Event()

    def fetch(cursor):
        if cursor == 3:
            gate.wait(5)
        time.sleep(0.015)
        return cursor, (cursor + 1 if cursor < 3 else None)

    gen = adapter.pages_ahead(fetch, 0)
    assert [next(gen), next(gen), next(gen)] == [0, 1, 2]
    assert adapter._reader is not None and adapter._reader.waiting()  # page 3 is on its way...
    assert not adapter.list_would_wait()  # ...but only milliseconds away
    gate.set()
    assert list(gen) == [3]
