"""A list's next page is read while the caller handles this one once answers take tens of milliseconds, in order."""

from __future__ import annotations

import threading

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
